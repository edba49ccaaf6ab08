"""The cost estimate as text: one line per item, grouped by service, then the totals and the assumptions."""

from __future__ import annotations

from .pricing import CostEstimate, CostLine

__all__ = ["format_estimate"]

_ITEM_WIDTH = 58
_QUANTITY_WIDTH = 14
_UNIT_WIDTH = 10
_PRICE_WIDTH = 12
# Where the "$" of a line's amount falls: "  " item " " quantity " " unit " x " price "  = ".
_TOTAL_COLUMN = 2 + _ITEM_WIDTH + 1 + _QUANTITY_WIDTH + 1 + _UNIT_WIDTH + 3 + _PRICE_WIDTH + 4


def format_estimate(result: CostEstimate) -> str:
    """The itemized text view."""
    workload = result.workload
    lines = [
        f"Estimated monthly cost for {workload.events_per_day:,} events/day "
        f"({result.region} prices of {result.prices_as_of}, USD)"
    ]
    by_service = result.by_service()
    service = None
    for line in result.lines:
        if line.service != service:
            service = line.service
            lines.append(f"{service} (${by_service[service]:.2f})")
        lines.append(
            f"  {line.item:<{_ITEM_WIDTH}} {_quantity(line.quantity):>{_QUANTITY_WIDTH}} {line.unit:<{_UNIT_WIDTH}} "
            f"x {_price(line)}  = ${line.monthly_usd:>9.2f}"
        )
    lines.append(f"{'Total at list price':<{_TOTAL_COLUMN}}${result.total_usd:>9.2f}")
    lines.append(f"{'Free tier (always free, per account)':<{_TOTAL_COLUMN - 1}}-${result.free_tier_usd:>9.2f}")
    lines.append(f"{'Total after free tier':<{_TOTAL_COLUMN}}${result.after_free_tier_usd:>9.2f}")
    lines.append("Assumptions:")
    lines += [f"  - {assumption}" for assumption in result.assumptions]
    return "\n".join(lines)


def _quantity(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.3f}"


def _price(line: CostLine) -> str:
    if line.unit_price < 0.001:
        return f"${line.unit_price * 1e6:.4g}/M".ljust(_PRICE_WIDTH)
    return f"${line.unit_price:.4g}".ljust(_PRICE_WIDTH)
