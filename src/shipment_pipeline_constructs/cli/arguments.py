"""Argument types every subcommand shares: each checks its range, so a bad value stops at the command line.

Pass them as ``type=`` to ``add_argument``. argparse calls them on the text
typed (and on string defaults); an :class:`argparse.ArgumentTypeError` becomes
one line naming the option (``argument --batch-size: must be a whole number
from 1 to 10000, got '0'``) and exit code 2. No numeric option of the CLI
uses plain ``int`` or ``float``: a test walks every parser to keep it so.

Example::

    parser.add_argument("--limit", type=positive_int, default=100)
    parser.add_argument("--error-rate", type=fraction, default=0.001)
    parser.add_argument("--memory", type=whole_number(128, 10_240, unit="MiB"))
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..naming import MAX_SUFFIX_LENGTH, SUFFIX_PATTERN
from ..ops.times import parse_time

__all__ = [
    "environment_suffix",
    "existing_file",
    "fraction",
    "non_negative_float",
    "non_negative_int",
    "point_in_time",
    "positive_float",
    "positive_int",
    "rate_below_one",
    "whole_number",
]


_Value = TypeVar("_Value", int, float)


def _ranged(
    parse: Callable[[str], _Value],
    accepts: Callable[[_Value], bool],
    *,
    kind: str,
    allowed: str,
    unit: str,
    range_kind: str | None = None,
) -> Callable[[str], _Value]:
    """A type parsing the text with ``parse`` and keeping the values ``accepts`` holds for.

    Both errors read ``must be a <kind> <allowed> <unit>, got '<text>'``; ``range_kind``, when given, names the
    kind in the error for a value that parsed but is out of range (``finite number``: ``float`` parses ``nan``).
    """
    suffix = f" {unit}" if unit else ""

    def convert(text: str) -> _Value:
        try:
            value = parse(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a {kind} {allowed}{suffix}, got {text!r}") from None
        if not accepts(value):
            raise argparse.ArgumentTypeError(f"must be a {range_kind or kind} {allowed}{suffix}, got {text!r}")
        return value

    convert.__name__ = f"{kind} {allowed}"
    return convert


def whole_number(low: int, high: int | None = None, *, unit: str = "") -> Callable[[str], int]:
    """A type accepting whole numbers from ``low`` to ``high`` (``None``: no upper bound)."""
    return _ranged(
        int,
        lambda value: low <= value and (high is None or value <= high),
        kind="whole number",
        allowed=f">= {low}" if high is None else f"from {low} to {high}",
        unit=unit,
    )


def number(
    low: float, high: float | None = None, *, low_open: bool = False, high_open: bool = False, unit: str = ""
) -> Callable[[str], float]:
    """A type accepting finite numbers between ``low`` and ``high``; ``*_open`` excludes that bound."""
    left = ">" if low_open else ">="
    if high is None:
        allowed = f"{left} {low:g}"
    else:
        allowed = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"

    def accepts(value: float) -> bool:
        too_low = value <= low if low_open else value < low
        too_high = high is not None and (value >= high if high_open else value > high)
        return math.isfinite(value) and not too_low and not too_high

    return _ranged(float, accepts, kind="number", allowed=allowed, unit=unit, range_kind="finite number")


positive_int = whole_number(1)
"""A whole number >= 1 (a count, a limit, a size)."""

non_negative_int = whole_number(0)
"""A whole number >= 0."""

positive_float = number(0, low_open=True)
"""A finite number > 0 (a duration, a timeout)."""

non_negative_float = number(0)
"""A finite number >= 0."""

fraction = number(0, 1)
"""A share from 0 to 1, both included (an error rate)."""

rate_below_one = number(0, 1, high_open=True)
"""A share from 0 up to, not including, 1 (a rate of injected faults: 1 would leave nothing to compare)."""


def existing_file(text: str) -> Path:
    """A path to a file that exists and can be read (its content is checked by the command that reads it)."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} is not a file")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{text} cannot be read (permission denied)")
    return path


def environment_suffix(text: str) -> str:
    """An environment suffix as the construct accepts it (it ends every resource name)."""
    if len(text) > MAX_SUFFIX_LENGTH or not SUFFIX_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"must be 1-{MAX_SUFFIX_LENGTH} lower-case letters, digits or inner hyphens, got {text!r}"
        )
    return text


def point_in_time(text: str) -> datetime.datetime:
    """A UTC time from ``now``, ``30m``, ``2h``, ``7d`` (that long ago) or ISO 8601."""
    try:
        return parse_time(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
