"""Questions answered by a practice note: workers who found their answer in the library and raised no request."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.accounts.models import TeamMembership
from library.models import NoteAnswer

from .figures import BEFORE, NOW, Scope, _both_periods, _organisations


def notes_figures(session: Session, scope: Scope) -> dict:
    """{NOW: {...}, BEFORE: {...}} with answered_by_notes. One query, on the (answered_at, organisation) index."""
    period, within = _both_periods(scope, NoteAnswer.answered_at)
    conditions = [*within, *_organisations(scope, NoteAnswer.organisation_id)]
    if scope.team_ids is not None:
        conditions.append(NoteAnswer.person_id.in_(
            select(TeamMembership.person_id).where(TeamMembership.team_id.in_(scope.team_ids))))
    counts = dict(session.execute(select(period, func.count()).where(*conditions).group_by(period)).all())
    return {p: {"answered_by_notes": counts.get(p, 0)} for p in (NOW, BEFORE)}
