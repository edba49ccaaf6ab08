"""What to change: the smallest setting that keeps the oldest message under a target age.

Each search varies one setting of the scenario (maximum concurrency, batch
size, or the provisioned write minimum: the capacity the table has
when a peak starts, before auto scaling reacts), keeps the rest, and binary-searches
the smallest value whose simulation keeps the peak oldest-message age at or
under the target with no message expired. It assumes more of the setting
never makes the queue worse, which holds in the model: more concurrency,
bigger batches and more capacity each only add throughput.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from .simulate import Scenario, SimulationResult, simulate

__all__ = ["Advice", "advise", "meets_target", "smallest"]

#: Event source mapping maximum concurrency range (CloudFormation ScalingConfig.MaximumConcurrency).
MAX_CONCURRENCY_RANGE = (2, 1000)
#: SQS batch size range: 10 without a batching window, 10,000 with one (Lambda event source mapping BatchSize).
BATCH_SIZE_RANGE = (1, 10)
BATCH_SIZE_WITH_WINDOW_RANGE = (1, 10_000)
#: Provisioned write minimum searched (up to DynamoDB's default table-level quota).
WRITE_UNITS_RANGE = (1, 40_000)


@dataclass(frozen=True)
class Advice:
    """The smallest value of ``setting`` that meets the target, or ``None`` when even ``searched[1]`` does not."""

    setting: str
    current: int
    smallest: int | None
    searched: tuple[int, int]
    peak_age_seconds: float | None

    def describe(self) -> str:
        """One line for the report."""
        low, high = self.searched
        if self.smallest is None:
            return f"{self.setting}: no value in {low:,}-{high:,} meets the target (other settings bind first)"
        change = (
            "keep" if self.smallest == self.current else ("lower to" if self.smallest < self.current else "raise to")
        )
        return (
            f"{self.setting}: smallest that meets the target is {self.smallest:,} "
            f"(now {self.current:,}: {change} {self.smallest:,}); peak age then {_seconds(self.peak_age_seconds)}"
        )

    def to_dict(self) -> dict:
        """For ``--json``."""
        return dataclasses.asdict(self)


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2g} s" if value < 10 else f"{value:,.0f} s"


def meets_target(result: SimulationResult, target_age_seconds: float) -> bool:
    """The oldest message stayed at or under the target and nothing expired."""
    return result.peak_age.oldest_age_seconds <= target_age_seconds and result.expired == 0


def smallest(
    low: int, high: int, run: Callable[[int], SimulationResult], target_age_seconds: float
) -> tuple[int | None, SimulationResult | None]:
    """The smallest value in ``[low, high]`` whose run meets the target, and that run (``None, None`` if none does)."""
    best: tuple[int, SimulationResult] | None = None
    top = run(high)
    if not meets_target(top, target_age_seconds):
        return None, None
    best = (high, top)
    while low < best[0]:
        middle = (low + best[0]) // 2
        result = run(middle)
        if meets_target(result, target_age_seconds):
            best = (middle, result)
        else:
            low = middle + 1
    return best


def advise(scenario: Scenario, target_age_seconds: float) -> list[Advice]:
    """The smallest max concurrency, batch size and (with provisioned capacity) write minimum for the target."""
    settings = scenario.settings
    # A run only has to show whether the target is met: stop it once the oldest message is past the target.
    scenario = dataclasses.replace(scenario, give_up_age_seconds=target_age_seconds)

    def varying(field: str) -> Callable[[int], SimulationResult]:
        def run(value: int) -> SimulationResult:
            changed = dataclasses.replace(settings, **{field: value})  # type: ignore[arg-type]
            return simulate(dataclasses.replace(scenario, settings=changed))

        return run

    searches: list[tuple[str, int, tuple[int, int], Callable[[int], SimulationResult]]] = [
        ("max_concurrency", settings.max_concurrency, MAX_CONCURRENCY_RANGE, varying("max_concurrency")),
        (
            "batch_size",
            settings.batch_size,
            BATCH_SIZE_WITH_WINDOW_RANGE if settings.batching_window_seconds else BATCH_SIZE_RANGE,
            varying("batch_size"),
        ),
    ]
    if settings.provisioned is not None:
        minimum, maximum, target = settings.provisioned

        def with_write_minimum(value: int) -> SimulationResult:
            provisioned = (value, max(maximum, value), target)
            return simulate(
                dataclasses.replace(scenario, settings=dataclasses.replace(settings, provisioned=provisioned))
            )

        searches.append(("provisioned min write units", minimum, WRITE_UNITS_RANGE, with_write_minimum))
    advice = []
    for name, current, (low, high), run in searches:
        value, result = smallest(low, high, run, target_age_seconds)
        advice.append(
            Advice(name, current, value, (low, high), None if result is None else result.peak_age.oldest_age_seconds)
        )
    return advice
