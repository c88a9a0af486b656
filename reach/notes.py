"""Questions answered by a practice note: workers who found their answer in the library and raised no request."""
from __future__ import annotations

from sqlalchemy import func, literal, select

from core.accounts.models import TeamMembership
from library.models import NoteAnswer

from .figures import Scope, _both_periods, _organisations


def answered_by_notes(scope: Scope):
    """("notes", period, count, 0) rows for both periods, on the (answered_at, organisation) index."""
    period, within = _both_periods(scope, NoteAnswer.answered_at)
    conditions = [*within, *_organisations(scope, NoteAnswer.organisation_id)]
    if scope.team_ids is not None:
        conditions.append(NoteAnswer.person_id.in_(
            select(TeamMembership.person_id).where(TeamMembership.team_id.in_(scope.team_ids))))
    return select(literal("notes"), period, func.count(), literal(0)).where(*conditions).group_by(period)
