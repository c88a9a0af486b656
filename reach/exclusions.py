"""Exclusions recorded on requests and case clinic cases: by the reason the service gave and the kind of service
that turned the person away, mental health and drug and alcohol services side by side, with the previous
period's total for the trend. One statement over the requests' and cases' creation-time indexes."""
from __future__ import annotations

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from consult.exclusions import REASONS
from consult.models import Consultation
from supervision.models import ClinicCase

from .figures import NOW, Scope, _both_periods, _requests_in_scope, staff_in_scope

SIDE_BY_SIDE = ("mental_health", "drug_and_alcohol")  # the rest are counted together as other services


def exclusion_figures(session: Session, scope: Scope) -> dict:
    """{"exclusions": one row per reason (mental_health, drug_and_alcohol, other, total, previous_total), and
    "exclusions_recorded" / "exclusions_before": all reasons together, this period and the one before."""
    queries = []
    for model, in_scope in ((Consultation, _requests_in_scope(scope)), (ClinicCase, staff_in_scope(scope, ClinicCase.presenter_id))):
        period, within = _both_periods(scope, model.created_at)
        queries.append(select(period, model.excluded_by, model.exclusion_reason, func.count())
                       .where(*within, model.excluded_by.is_not(None), *in_scope)
                       .group_by(period, model.excluded_by, model.exclusion_reason))
    rows = {key: {"reason": key, "label": label, "mental_health": 0, "drug_and_alcohol": 0, "other": 0, "total": 0,
                  "previous_total": 0} for key, label in REASONS.items()}
    for p, kind, reason, count in session.execute(union_all(*queries)):
        row = rows.get(reason)
        if row is None:
            continue
        if p == NOW:
            row[kind if kind in SIDE_BY_SIDE else "other"] += count
            row["total"] += count
        else:
            row["previous_total"] += count
    listed = list(rows.values())
    return {"exclusions": listed, "exclusions_recorded": sum(r["total"] for r in listed),
            "exclusions_before": sum(r["previous_total"] for r in listed)}
