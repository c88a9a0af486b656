"""Whether supervision is overdue against its agreement, told once to the supervisee, the supervisor and the
supervisee's team leads; an agreement's review date, told once to both; and the two views above the pairs: a team lead's compliance view (dates, never
content) and the lead psychologists' view of who supervises whom."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session, aliased

from core.accounts.directory import team_leads_of
from core.accounts.models import Organisation, Person, Team, TeamMembership
from core.database import with_row_locks
from core.notifications import notify
from core.timeutil import format_day, utcnow

from .agreements import today
from .models import LIVE, AgreementStatus, AgreementVersion, SupervisionAgreement

# A session due on a date is overdue a week later: time to write the record of one that happened on the day.
GRACE = timedelta(days=7)
DUE_SOON = timedelta(days=14)


def standing(agreement: SupervisionAgreement, on: date) -> str | None:
    """'overdue', 'due soon' or 'on track' for an agreement in force; None for any other."""
    if agreement.status != AgreementStatus.ACTIVE or agreement.next_due_on is None:
        return None
    if on > agreement.next_due_on + GRACE:
        return "overdue"
    return "due soon" if on >= agreement.next_due_on - DUE_SOON else "on track"


def tell_overdue(session: Session, now: datetime | None = None) -> int:
    """Tell each agreement's three people once when its supervision becomes overdue; again only for a later due
    date (another session missed). Safe with two schedulers at once."""
    now = now or utcnow()
    query = (select(SupervisionAgreement)
             .where(SupervisionAgreement.status == AgreementStatus.ACTIVE,
                    SupervisionAgreement.next_due_on < today(now) - GRACE,
                    (SupervisionAgreement.overdue_told_for.is_(None))
                    | (SupervisionAgreement.overdue_told_for != SupervisionAgreement.next_due_on))
             .order_by(SupervisionAgreement.next_due_on).limit(200))
    due = list(session.scalars(with_row_locks(session, query, skip_locked=True)))
    for agreement in due:
        agreement.overdue_told_for = agreement.next_due_on
        supervisor, supervisee = session.get(Person, agreement.supervisor_id), session.get(Person, agreement.supervisee_id)
        when = format_day(agreement.next_due_on)
        notify(session, supervisee, "Your supervision is overdue",
               f"A session with {supervisor.name} was due on {when} and none has been recorded since. Arrange one "
               "with them.", link=f"/supervision/agreements/{agreement.id}")
        notify(session, supervisor, f"Supervision with {supervisee.name} is overdue",
               f"A session was due on {when} and none has been recorded since. Arrange one, or record the one "
               "that took place.", link=f"/supervision/agreements/{agreement.id}")
        for lead in team_leads_of(session, supervisee.id):
            notify(session, lead, f"{supervisee.name}'s supervision is overdue",
                   f"A session was due on {when} and none has been recorded since. You see dates only, never what "
                   "is discussed.", link="/supervision/team")
    session.flush()
    return len(due)


def tell_review_due(session: Session, now: datetime | None = None) -> int:
    """On an agreement's review date, remind both people once to look at it together (confirming or changing the
    terms is a new version with the next review date)."""
    now = now or utcnow()
    query = (select(SupervisionAgreement, AgreementVersion.review_on)
             .join(AgreementVersion, (AgreementVersion.agreement_id == SupervisionAgreement.id)
                   & (AgreementVersion.number == SupervisionAgreement.version))
             .where(SupervisionAgreement.status == AgreementStatus.ACTIVE, AgreementVersion.review_on <= today(now),
                    (SupervisionAgreement.review_told_for.is_(None))
                    | (SupervisionAgreement.review_told_for != AgreementVersion.review_on))
             .order_by(AgreementVersion.review_on).limit(200))
    due = session.execute(with_row_locks(session, query, skip_locked=True, of=SupervisionAgreement)).all()
    for agreement, review_on in due:
        agreement.review_told_for = review_on
        for person_id in (agreement.supervisor_id, agreement.supervisee_id):
            notify(session, session.get(Person, person_id), "Time to review your supervision agreement",
                   f"The review date was {format_day(review_on)}. Look at the agreement together, then confirm or "
                   "change it: either of you proposes the new version, with the next review date.",
                   link=f"/supervision/agreements/{agreement.id}")
    session.flush()
    return len(due)


# A team lead's teams' members, each with their agreement in force or offered (one row each), or none: dates
# only. Run with the lead's team ids as "teams".
_MEMBER = (select(Person.id).join(TeamMembership, TeamMembership.person_id == Person.id)
           .where(TeamMembership.team_id.in_(bindparam("teams", expanding=True)), Person.is_active.is_(True))
           .distinct().subquery())
COMPLIANCE = (select(Person.name, SupervisionAgreement)
              .join(_MEMBER, _MEMBER.c.id == Person.id)
              .outerjoin(SupervisionAgreement, and_(SupervisionAgreement.supervisee_id == Person.id,
                                                    SupervisionAgreement.status.in_(LIVE)))
              .order_by(SupervisionAgreement.next_due_on.is_(None), SupervisionAgreement.next_due_on, Person.name,
                        Person.id))

_SUPERVISOR, _SUPERVISEE = aliased(Person), aliased(Person)
# Every agreement offered or in force: who supervises whom, and where the supervisee works.
WHO_SUPERVISES_WHOM = (select(SupervisionAgreement, _SUPERVISOR.name, _SUPERVISEE.name, Organisation.name)
                       .join(_SUPERVISOR, _SUPERVISOR.id == SupervisionAgreement.supervisor_id)
                       .join(_SUPERVISEE, _SUPERVISEE.id == SupervisionAgreement.supervisee_id)
                       .join(Organisation, Organisation.id == _SUPERVISEE.organisation_id)
                       .where(SupervisionAgreement.status.in_(LIVE))
                       .order_by(_SUPERVISOR.name, _SUPERVISEE.name, SupervisionAgreement.id))


def teams_named(session: Session, team_ids: list[int]) -> list[str]:
    return list(session.scalars(select(Team.name).where(Team.id.in_(team_ids)).order_by(Team.name)))
