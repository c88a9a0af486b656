"""Exclusions recorded on requests and case clinic cases: by the reason the service gave and the kind of service
that turned the person away, mental health and drug and alcohol services side by side, with the previous
period's total for the trend. Added up from the two families of sums (reach.daily), rolled up or worked out
afresh."""
from __future__ import annotations

from consult.exclusions import REASONS

from .daily import CASES_EXCLUDED, EXCLUDED, EXCLUSION_NUMBERS, SIDE_BY_SIDE
from .rollups import Sums

SIDES = (*SIDE_BY_SIDE, "other")


def exclusion_figures(sums: dict[str, Sums], now: int, before: int) -> dict:
    """{"exclusions": one row per reason (mental_health, drug_and_alcohol, other, total, previous_total), and
    "exclusions_recorded" / "exclusions_before": all reasons together, this period and the one before."""
    zero = [0] * len(EXCLUSION_NUMBERS)
    numbers = {p: [int(a) + int(b) for a, b in zip(sums[EXCLUDED.name].scope.get(p, zero),
                                                   sums[CASES_EXCLUDED.name].scope.get(p, zero), strict=True)]
               for p in (now, before)}

    def counted(p: int, reason: str, side: str) -> int:
        return numbers[p][EXCLUSION_NUMBERS.index(f"{reason}:{side}")]

    listed = []
    for key, label in REASONS.items():
        row = {"reason": key, "label": label, **{side: counted(now, key, side) for side in SIDES}}
        listed.append({**row, "total": sum(row[side] for side in SIDES),
                       "previous_total": sum(counted(before, key, side) for side in SIDES)})
    return {"exclusions": listed, "exclusions_recorded": sum(r["total"] for r in listed),
            "exclusions_before": sum(r["previous_total"] for r in listed)}
