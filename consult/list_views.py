"""The lists of requests: a worker's own, their teams' (for team leads, with follow-ups and unread advice),
the duty queue for psychologists, and the lead psychologists' review of need-to-know access."""
from __future__ import annotations

from functools import lru_cache

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, case, exists, select, true
from sqlalchemy.orm import aliased, joinedload

from core import audit
from core.accounts.models import Person, Role, Team
from core.database import db
from core.pagination import Page, paginate
from core.security import role_required
from core.timeutil import LONDON, utcnow

from . import access, actions, bp
from .models import ACCESS_REASONS, OPEN_STATUSES, AccessGrant, Consultation, FollowUp, Listed, Reminder, ReminderKind

URGENCY_RANK = case({"urgent": 0, "soon": 1}, value=Consultation.urgency, else_=2)


# The columns of `Listed`, in its order. Every join is an outer one: the page is chosen from the consultations
# alone (paginate's `key`), and a database leaves out a left join on a primary key that nothing reads there.
_ASKED_BY, _HELD_BY = aliased(Person, name="asked_by"), aliased(Person, name="held_by")


def _listing(in_full):
    """The list's columns, the last saying whether the reader sees the row in full or as a summary."""
    return (select(Consultation.id, Consultation.client_reference, Consultation.urgency, Consultation.risks,
                   Consultation.immediate_danger, Consultation.status, Consultation.outcome, Consultation.due_at,
                   Consultation.ack_started_at, Consultation.ack_due_at, Consultation.acknowledged_at,
                   Consultation.escalation_step, _ASKED_BY.name, _HELD_BY.name, Team.name, in_full.label("in_full"))
            .outerjoin(_ASKED_BY, _ASKED_BY.id == Consultation.requester_id)
            .outerjoin(_HELD_BY, _HELD_BY.id == Consultation.psychologist_id)
            .outerjoin(Team, Team.id == Consultation.team_id))


# Their own requests and their teams' are every reader's in full; the queue shows psychologists in full only what
# they need to know (access.visible_to), the rest as summaries.
_OWN_LISTING, _QUEUE_LISTING = _listing(true()), _listing(access.NEEDS_TO_KNOW)


def _listed_page(which: str, **kwargs) -> Page:
    page = paginate(db.session, _list_query(which), counting=_list_query(which, counted=True), scalars=False,
                    **kwargs)
    page.items = [Listed(*row) for row in page.items]
    return page


@bp.route("/")
def index():
    if current_user.has_role(Role.PSYCHOLOGIST):
        return redirect(url_for("consult.queue"))
    return redirect(url_for("consult.mine"))


# Each list's query is built once, with who is asking as a bind parameter ("me"): building it and its cache
# key on every request was a tenth of the page. `counted` is the same consultations without the names, to count:
# SQLite kept the joins in a count of the named rows, and reading the people took it from 0.2 to 0.8 ms.
@lru_cache(maxsize=None)
def _list_query(which: str, counted: bool = False):
    own = which in ("mine", "team")
    query = select(Consultation.id) if counted else _OWN_LISTING if own else _QUEUE_LISTING
    newest_first = (Consultation.created_at.desc(), Consultation.id.desc())
    if which == "mine":
        return query.where(Consultation.requester_id == bindparam("me")).order_by(*newest_first)
    if which == "team":
        return query.where(Consultation.team_id.in_(bindparam("teams", expanding=True))).order_by(*newest_first)
    # The open statuses written into the SQL rather than bound, like the page's size and offset: the statement
    # PostgreSQL prepares for the queue then leaves it nothing to plan afresh on each request.
    query = query.where(Consultation.status.in_(bindparam("open", OPEN_STATUSES, expanding=True, literal_execute=True)))
    if which == "waiting":  # in the pool: held by nobody, whatever its status
        query = query.where(Consultation.psychologist_id.is_(None))
    elif which == "held":
        query = query.where(Consultation.psychologist_id == bindparam("me"))
    return query.order_by(Consultation.immediate_danger.desc(), URGENCY_RANK,
                          Consultation.due_at.is_(None), Consultation.due_at, Consultation.id)


@bp.route("/mine")
def mine():
    page = _listed_page("mine", params={"me": current_user.id})
    now = utcnow()
    return render_template("consult/mine.html", page=page, now=now, today=now.astimezone(LONDON).date(),
                           to_do=actions.still_to_do(db.session, requester_id=current_user.id))


@bp.route("/team")
@role_required(Role.TEAM_LEAD)
def team():
    teams = sorted(current_user.led_team_ids)
    page = _listed_page("team", params={"teams": teams})
    follow_ups = db.session.scalars(
        select(FollowUp).options(joinedload(FollowUp.consultation))
        .where(FollowUp.team_id.in_(teams), FollowUp.done_at.is_(None))
        .order_by(FollowUp.created_at).limit(FOLLOW_UPS_SHOWN)).all()
    audit.record(db.session, "consultation.team_list_viewed", "team", None, count=len(page.items))
    now = utcnow()
    return render_template("consult/team.html", page=page, follow_ups=follow_ups, unread=_advice_unread(teams),
                           now=now, today=now.astimezone(LONDON).date(),
                           to_do=actions.still_to_do(db.session, team_ids=teams))


FOLLOW_UPS_SHOWN = 100
_CHASED = exists().where(Reminder.consultation_id == Consultation.id, Reminder.kind == ReminderKind.ADVICE_UNREAD.value,
                         Reminder.outcome == "sent")


def _advice_unread(teams: list[int]) -> list:
    """Advice the worker has not opened though they were reminded: the team lead sees it here."""
    return db.session.execute(
        select(Consultation.id, Consultation.client_reference, Consultation.advice_given_at, Person.name)
        .join(Person, Person.id == Consultation.requester_id)
        .where(Consultation.team_id.in_(teams), Consultation.advice_given_at.is_not(None),
               Consultation.advice_opened_at.is_(None), _CHASED)
        .order_by(Consultation.advice_given_at).limit(FOLLOW_UPS_SHOWN)).all()


QUEUE_VIEWS = {"open": "All open requests", "waiting": "Waiting to be taken", "mine": "Held by you"}


@bp.route("/queue")
@role_required(Role.PSYCHOLOGIST)
def queue():
    show = request.args.get("show", "open")
    show = show if show in QUEUE_VIEWS else "open"
    page = _listed_page("held" if show == "mine" else show, key=Consultation.id,
                        params=access.visible_params(current_user))
    audit.record(db.session, "consultation.queue_viewed", None, None, show=show)
    return render_template("consult/queue.html", page=page, show=show, views=QUEUE_VIEWS, now=utcnow())


@bp.route("/access-reviews")
@role_required(Role.LEAD_PSYCHOLOGIST)
def access_reviews():
    """For the lead psychologists: every time someone saw a request they were not involved in, and why."""
    query = (select(AccessGrant).options(joinedload(AccessGrant.person))
             .order_by(AccessGrant.granted_at.desc(), AccessGrant.id.desc()))
    page = paginate(db.session, query)
    audit.record(db.session, "consultation.access_reviewed", None, None, count=len(page.items))
    return render_template("consult/access_reviews.html", page=page, reasons=ACCESS_REASONS)
