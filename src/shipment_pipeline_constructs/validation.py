"""Prop validation that reports every problem at once.

Each check names the prop, the value it got and what is allowed, so a user
fixes all mistakes in one edit instead of one synth per mistake. Values that
are unresolved CDK tokens (CloudFormation parameters, imports) are skipped:
they are only known at deploy time.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Token


class PipelineValidationError(ValueError):
    """Raised when :class:`ShipmentEventPipeline` props are invalid.

    ``problems`` holds one message per problem; ``str(error)`` lists them all.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"ShipmentEventPipeline: {len(self.problems)} invalid prop(s):\n{listing}")


class Problems:
    """Collects validation problems; :meth:`raise_if_any` raises them together."""

    def __init__(self) -> None:
        self._messages: list[str] = []

    def add(self, message: str) -> None:
        """Record one problem."""
        self._messages.append(message)

    def check_range(self, prop: str, value: Any, low: float, high: float | None = None, unit: str = "") -> None:
        """Record a problem unless ``low <= value <= high`` (``high=None``: no upper bound)."""
        if value is None or _unresolved(value):
            return
        suffix = f" {unit}" if unit else ""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(f"{prop} must be a number, got {value!r}")
        elif high is None and value < low:
            self.add(f"{prop} must be >= {low}{suffix}, got {value}")
        elif high is not None and not low <= value <= high:
            self.add(f"{prop} must be between {low} and {high}{suffix}, got {value}")

    def raise_if_any(self) -> None:
        """Raise :class:`PipelineValidationError` listing every recorded problem."""
        if self._messages:
            raise PipelineValidationError(self._messages)


def known_numbers(*values: Any) -> bool:
    """True when every value is a plain number known at synth time (not a token)."""
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) and not _unresolved(v) for v in values)


def _unresolved(value: Any) -> bool:
    return Token.is_unresolved(value)
