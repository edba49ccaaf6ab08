"""Prop validation that reports every problem at once.

Each check names the prop, the value it got and what is allowed, so a user
fixes all mistakes in one edit instead of one synth per mistake. Values that
are unresolved CDK tokens (CloudFormation parameters, imports) are skipped:
they are only known at deploy time.

Types are checked first, against each prop's declared type hint
(:func:`check_type`, :func:`check_fields`), before any value is derived from
them or handed to aws-cdk-lib: a wrong type would otherwise fail deep inside
the construct, and a NaN or infinity kills the jsii process that runs
aws-cdk-lib (every later CDK call in the program then fails too). What a
declared type accepts:

- ``int``: exactly ``int``. ``bool``, floats (``2.5`` and also ``2.0``: a
  whole number is meant, and ``2.0`` is usually a computed value that lost
  its type), ``Decimal`` and ``int`` subclasses such as ``IntEnum`` members
  (jsii cannot serialize them) are refused; the message says to pass ``int(value)``.
- ``float``: ``int`` or ``float``, finite. ``bool``, ``Decimal`` and subclasses are refused.
- either: an ``int`` beyond +/- (2**53 - 1) is refused: JavaScript, which runs aws-cdk-lib,
  holds it only approximately (or as infinity).
- ``bool``: exactly ``True`` or ``False`` (not ``0``/``1``).
- ``str``: any ``str``; its format is checked by the prop's own rule, with full matches.
- ``X | None`` (or ``Optional[X]``): ``None`` or an ``X``; any other prop refuses ``None``.
- a dataclass (an option group): an instance of it, whose fields are checked the same way.
- a ``Sequence[X]``: a list or tuple of ``X`` (a single string is not a sequence of strings).
- a ``Mapping[K, V]``: a dict (or other mapping) whose keys are ``K`` and values ``V``.
- a ``Literal[...]``: one of its values.
- a jsii interface (``IEventBus``, ``ITable``...): a jsii object implementing it.
- another class (``Architecture``, ``RetentionDays``, ``EventPattern``...): an instance of it.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import decimal
import math
import types
import typing
from collections.abc import Iterable
from typing import Any

from aws_cdk import Token

#: JavaScript's Number.MAX_SAFE_INTEGER: the largest whole number that reaches aws-cdk-lib unchanged.
MAX_SAFE_INTEGER = 2**53 - 1


class PipelineValidationError(ValueError):
    """Raised when :class:`ShipmentEventPipeline` props are invalid.

    ``problems`` holds one message per problem; ``str(error)`` lists them all.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"ShipmentEventPipeline: {len(self.problems)} invalid prop(s):\n{listing}")


class Problems:
    """Collects validation problems; :meth:`raise_if_any` raises them together.

    A prop whose type is wrong is remembered, and :meth:`check_range` skips
    it: its one problem is the type.
    """

    def __init__(self) -> None:
        self._messages: list[str] = []
        self._mistyped: set[str] = set()

    def add(self, message: str) -> None:
        """Record one problem."""
        self._messages.append(message)

    def add_type_problem(self, prop: str, message: str) -> None:
        """Record that ``prop`` has the wrong type; later range checks of ``prop`` are skipped."""
        self._mistyped.add(prop)
        self.add(message)

    def mistyped(self, prop: str) -> bool:
        """True when a type problem was recorded for ``prop`` or a group holding it."""
        return any(prop == bad or prop.startswith(f"{bad}.") for bad in self._mistyped)

    def check_range(self, prop: str, value: Any, low: float, high: float | None = None, unit: str = "") -> None:
        """Record a problem unless ``low <= value <= high`` (``high=None``: no upper bound)."""
        if value is None or _unresolved(value) or self.mistyped(prop) or not known_bounds(low, high):
            return
        suffix = f" {unit}" if unit else ""
        if not _is_finite_number(value):
            self.add_type_problem(prop, f"{prop} must be a finite number, got {value!r}")
        elif high is None and value < low:
            self.add(f"{prop} must be >= {low}{suffix}, got {value}")
        elif high is not None and not low <= value <= high:
            self.add(f"{prop} must be between {low} and {high}{suffix}, got {value}")

    def raise_if_any(self) -> None:
        """Raise :class:`PipelineValidationError` listing every recorded problem."""
        if self._messages:
            raise PipelineValidationError(self._messages)


def known_ints(*values: Any) -> bool:
    """True when every value is a plain ``int`` (so not a token, which is a float): cross-field checks compare only these.

    A value of another type already has its own type problem; comparing it too would report it twice.
    """
    return all(type(v) is int for v in values)


def known_bounds(low: Any, high: Any) -> bool:
    """True when a range's bounds are plain finite numbers (a bound taken from another, invalid prop is not)."""
    return all(_is_finite_number(bound) and not _unresolved(bound) for bound in (low, high) if bound is not None)


def check_type(problems: Problems, prop: str, value: Any, expected: Any) -> bool:
    """Record a problem unless ``value`` has the declared type ``expected`` (rules in the module docstring).

    A dataclass value's own fields are checked too (:func:`check_fields`).
    Returns True when ``value`` itself has the right type.
    """
    if _unresolved(value):
        return True
    if type(value) is int and abs(value) > MAX_SAFE_INTEGER and _matches(value, expected):
        problems.add_type_problem(
            prop,
            f"{prop} must be between -{MAX_SAFE_INTEGER} and {MAX_SAFE_INTEGER} (the whole numbers JavaScript, "
            f"which runs aws-cdk-lib, holds exactly), got {value}",
        )
        return False
    if not _matches(value, expected):
        problems.add_type_problem(prop, f"{prop} must be {describe(expected)}, got {_shown(value, expected)}")
        return False
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        check_fields(problems, prop, value)
    return True


def check_fields(problems: Problems, prefix: str, group: Any) -> None:
    """Check every field of the dataclass instance ``group`` against its declared type; ``prefix`` names ``group``."""
    hints = typing.get_type_hints(type(group))
    for field in dataclasses.fields(group):
        check_type(problems, f"{prefix}.{field.name}", getattr(group, field.name), hints[field.name])


def check_all(problems: Problems, values: dict[str, Any], hints: dict[str, Any]) -> None:
    """Check each named value against its hint; every hinted name must be present (so none is skipped)."""
    missing = sorted(set(hints) - set(values) - {"return"})
    if missing:
        raise TypeError(f"validation was not given {', '.join(missing)}")
    for name, expected in hints.items():
        if name != "return":
            check_type(problems, name, values[name], expected)


def describe(expected: Any) -> str:
    """What a type hint allows, in words: ``a whole number (int)``, ``an AlarmThreshold or None``..."""
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if origin in UNION_ORIGINS:
        others = [arg for arg in args if arg is not type(None)]
        described = " or ".join(describe(arg) for arg in others)
        return f"{described} or None" if len(others) < len(args) else described
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(arg) for arg in args)
    if origin in _SEQUENCES:
        return f"a list of {_plural(args[0]) if args else 'values'}"
    if origin in _MAPPINGS:
        if not args or args == (str, Any):
            return "a dict (a JSON object)"  # a JSON document, e.g. a schema: its contents are its prop's own rule
        return f"a mapping of {_plural(args[0])} to {describe(args[1])}"
    if expected is int:
        return "a whole number (int)"
    if expected is float:
        return "a finite number"
    if expected is bool:
        return "True or False"
    if expected is str:
        return "a string"
    if expected is Any:
        return "any value"
    return _a(getattr(expected, "__name__", str(expected)))


def _a(name: str) -> str:
    return f"{'an' if name[:1].upper() in 'AEIOU' else 'a'} {name}"


_SEQUENCES = (collections.abc.Sequence, list, tuple)
_MAPPINGS = (collections.abc.Mapping, dict)
#: ``Optional[X]`` and ``X | None`` are two spellings of one union, with two different origins.
UNION_ORIGINS = (typing.Union, types.UnionType)


def _matches(value: Any, expected: Any) -> bool:
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if expected is Any:
        return True
    if origin in UNION_ORIGINS:
        return any(_matches(value, arg) for arg in args)
    if expected is type(None):
        return value is None
    if origin is typing.Literal:
        return any(value == arg and type(value) is type(arg) for arg in args)
    if origin in _SEQUENCES:
        return isinstance(value, (list, tuple)) and all(
            _unresolved(item) or _matches(item, args[0] if args else Any) for item in value
        )
    if origin in _MAPPINGS:
        keys, values = args or (Any, Any)
        return isinstance(value, collections.abc.Mapping) and all(
            _matches(key, keys) and (_unresolved(item) or _matches(item, values)) for key, item in value.items()
        )
    if expected is int:
        return type(value) is int
    if expected is float:
        return type(value) is int or (type(value) is float and math.isfinite(value))
    if expected is bool or expected is str:
        return type(value) is expected
    if _is_jsii_interface(expected):
        return _implements(value, expected)
    return isinstance(value, expected)


def _is_jsii_interface(expected: Any) -> bool:
    return isinstance(expected, type) and getattr(expected, "_is_protocol", False)


def _implements(value: Any, interface: type) -> bool:
    # jsii classes list the interfaces they implement; objects that jsii hands back from
    # an import (Table.from_table_name...) are dynamic proxies that list none, so accept
    # any jsii object that does not say it implements something else.
    if not hasattr(value, "__jsii_ref__"):
        return False
    declared: Iterable[type] | None = getattr(type(value), "__jsii_ifaces__", None)
    if declared is None:
        return True
    return any(interface in getattr(iface, "__mro__", ()) for iface in declared)


def _shown(value: Any, expected: Any) -> str:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _a(type(value).__name__)  # its repr lists every field: too long to help
    shown = repr(value)
    if len(shown) > 80:
        shown = f"{shown[:77]}..."
    kind = type(value).__name__
    if isinstance(value, str) and any(typing.get_origin(option) in _SEQUENCES for option in _flat(expected)):
        return f"the string {shown}"
    if int in _flat(expected) and _integral(value):
        return f"{shown} ({_a(kind)}: pass int(value))"
    if type(value).__module__ != "builtins":
        return f"{shown} ({_a(kind)})"
    return shown


def _integral(value: Any) -> bool:
    """A whole number held in something other than a plain ``int`` (``2.0``, ``Decimal(2)``, an ``IntEnum``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, (float, decimal.Decimal)):
        try:
            return math.isfinite(value) and value == int(value)
        except (ValueError, OverflowError):  # a signalling NaN
            return False
    return False


def _flat(expected: Any) -> tuple[Any, ...]:
    if typing.get_origin(expected) in UNION_ORIGINS:
        return typing.get_args(expected)
    return (expected,)


def _plural(expected: Any) -> str:
    if expected is str:
        return "strings"
    if typing.get_origin(expected) in UNION_ORIGINS:
        return " or ".join(_plural(arg) for arg in typing.get_args(expected))
    return getattr(expected, "__name__", str(expected))


def _is_finite_number(value: Any) -> bool:
    return type(value) is int or (type(value) is float and math.isfinite(value))


def _unresolved(value: Any) -> bool:
    # Only strings, numbers and lists can carry a token; asking jsii about anything else
    # (a NaN in particular) would send that value to the jsii process.
    if isinstance(value, str) or (type(value) is float and math.isfinite(value)):
        return bool(Token.is_unresolved(value))
    return False
