"""Consultation pages. Thin: each loads what the person may see and calls a service."""
from __future__ import annotations

import json
from functools import lru_cache

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import joinedload, with_expression

from core import audit, search
from core.accounts.directory import psychologist_choices
from core.accounts.models import Person, Role
from core.database import db
from core.refusals import attempt
from core.security import role_required
from core.timeutil import LONDON, utcnow
from directory import services as directory
from directory.models import LocalService
from rota import services as rota

from . import access, actions, bp, follow_ups, guests, services, snippets, urgent
from .forms import (
    ADVICE_LENGTH,
    AccessForm,
    ActionForm,
    AdviceForm,
    CallForm,
    CheckBackForm,
    CloseForm,
    GuestForm,
    InformationRequestForm,
    MessageForm,
    ReassignForm,
    RequestForm,
    SuggestTemplateForm,
    SurveyForm,
)
from .history import client_history
from .linked import linked_records
from .models import (
    WITHOUT_ADVICE,
    AccessGrant,
    AllocationDecision,
    CallSlot,
    CheckBack,
    CloseOutSurvey,
    Consultation,
    ConsultationGuest,
    FollowUp,
    Message,
    Status,
)


# A thread's statements, built once with the consultation and who is asking bound: building them and their
# cache keys on every view was a tenth of the page.
@lru_cache(maxsize=None)
def _thread_query(visible, psychologist: bool):
    guests_in = exists().where(ConsultationGuest.consultation_id == Consultation.id,
                               ConsultationGuest.removed_at.is_(None))
    query = (select(Consultation).options(
        joinedload(Consultation.requester), joinedload(Consultation.psychologist),
        joinedload(Consultation.acknowledged_by), joinedload(Consultation.team), joinedload(Consultation.organisation),
        joinedload(Consultation.referral_service).joinedload(LocalService.instead),
        with_expression(Consultation.has_guests, guests_in))
        .where(Consultation.id == bindparam("consultation"), visible))
    if psychologist:  # the access grant a psychologist's view is audited with, if one is in force
        # Parameters of its own, with defaults that find none: an expired request reloads with this statement's
        # options but not its parameters (after a refused change), and there the grant is not needed.
        query = query.options(with_expression(Consultation.grant_id, select(AccessGrant.id).where(
            AccessGrant.consultation_id == Consultation.id, AccessGrant.person_id == bindparam("grant_reader", 0),
            AccessGrant.expires_at > bindparam("grant_now", None, type_=AccessGrant.expires_at.type))
            .order_by(AccessGrant.id.desc()).limit(1).scalar_subquery()))
    return query


def _of_thread(model, *order_by):
    return select(model).where(model.consultation_id == bindparam("consultation")).order_by(*order_by)


_MESSAGES = _of_thread(Message, Message.created_at, Message.id).options(joinedload(Message.author))
_CALLS = _of_thread(CallSlot, CallSlot.starts_at)
_FOLLOW_UPS = _of_thread(FollowUp, FollowUp.created_at)
_DECISIONS = _of_thread(AllocationDecision, AllocationDecision.created_at)


class NeedToKnow(Exception):
    """A psychologist asked for a request they are not involved in: they may say why (access.grant)."""

    def __init__(self, consultation_id: int):
        self.consultation_id = consultation_id


def _load(consultation_id: int) -> Consultation:
    """The consultation if this person may see it in full. A psychologist not involved in it is asked why they
    need it (NeedToKnow); anyone else gets a 404, so ids cannot be probed."""
    psychologist = current_user.has_role(Role.PSYCHOLOGIST)
    params = {"consultation": consultation_id, **access.visible_params(current_user)}
    if psychologist:
        params |= {"grant_reader": current_user.id, "grant_now": params["now"]}
    c = db.session.scalar(_thread_query(access.visible_to(current_user), psychologist), params)
    if c is None:
        if access.exists_for_psychologist(db.session, current_user, consultation_id):
            audit.record_refusal(db.session, "consultation.need_to_know", "consultation", consultation_id)
            raise NeedToKnow(consultation_id)
        audit.record_refusal(db.session, "consultation.not_found", "consultation", consultation_id)
        abort(404)
    return c


@bp.errorhandler(NeedToKnow)
def _need_to_know(refused: NeedToKnow, form=None):
    return render_template("consult/need_to_know.html", consultation_id=refused.consultation_id,
                           form=form or AccessForm(formdata=None), grant_hours=access.GRANT_HOURS), 403


@bp.route("/<int:consultation_id>/access", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def ask_for_access(consultation_id: int):
    """Break glass: say why, and see the request in full for some hours (audited; the lead reviews it)."""
    if db.session.get(Consultation, consultation_id) is None:
        abort(404)
    form = AccessForm()
    if form.validate_on_submit():
        _, refusal = attempt(db.session, lambda: access.grant(db.session, consultation_id, current_user,
                                                              form.reason.data, form.details.data or ""))
        if refusal is None:
            return redirect(url_for("consult.show", consultation_id=consultation_id))
        form.form_errors.append(refusal)
    return _need_to_know(NeedToKnow(consultation_id), form)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = RequestForm()
    if request.method == "POST" and request.form.get("check") == "yes":
        # Before sending: the practice notes and templates that match the question, with everything typed kept.
        asked = form.question.data or form.use_and_mental_health.data or ""
        return render_template("consult/new.html", form=form,
                               hits=search.suggestions(db.session, asked))
    if form.validate_on_submit():
        session = db.session
        c = services.raise_request(session, current_user, form.cleaned())
        session.commit()
        return redirect(url_for("consult.received", consultation_id=c.id, same=form.continuity.data == "same" or None))
    return render_template("consult/new.html", form=form)


@bp.route("/<int:consultation_id>/received")
def received(consultation_id: int):
    """What happened to a request just sent, as it happened: how it was routed and who was told, from its
    thread and its first allocation decision, never from what would usually happen."""
    c = _load(consultation_id)
    if c.requester_id != current_user.id:
        return redirect(url_for("consult.show", consultation_id=c.id))
    session, thread = db.session, {"consultation": c.id}
    decision = session.scalars(_DECISIONS, thread).first()
    events = [m for m in session.scalars(_MESSAGES, thread) if m.kind == "event"]
    previous = session.get(Person, c.continuity_psychologist_id) if c.continuity_psychologist_id else None
    return render_template("consult/received.html", c=c, asked_for_same=request.args.get("same") == "True",
                           route=decision.route if decision else None, previous=previous, events=events,
                           **_duty_now(c))


def _duty_now(c: Consultation) -> dict:
    """For a request nobody holds: whether anyone is on duty now, and when the next duty starts."""
    if c.psychologist_id is not None or not c.is_open:
        return {"nobody_on_duty": False, "next_duty": None}
    nobody = not rota.on_duty(db.session)
    return {"nobody_on_duty": nobody, "next_duty": rota.next_duty_start(db.session) if nobody else None}


def _survey_and_check_back(c: Consultation) -> tuple[CloseOutSurvey | None, CheckBack | None]:
    """The worker's close-out answers and their check-back on the client, in one statement (each is one row
    at most, found by the request's id)."""
    if not (c.status == Status.CLOSED.value or c.advice_given_at):
        return None, None
    return db.session.execute(
        select(CloseOutSurvey, CheckBack).select_from(Consultation)
        .outerjoin(CloseOutSurvey, CloseOutSurvey.consultation_id == Consultation.id)
        .outerjoin(CheckBack, CheckBack.consultation_id == Consultation.id).where(Consultation.id == c.id)).one()


def _render_show(c: Consultation, status: int = 200, **forms):
    session = db.session
    thread = {"consultation": c.id}
    messages = session.scalars(_MESSAGES, thread).all()
    survey, check_back = _survey_and_check_back(c)
    booked = session.scalars(_CALLS, thread).all()
    follow_up_rows = session.scalars(_FOLLOW_UPS, thread).all()
    allocated = services.is_allocated_psychologist(current_user, c)
    is_requester = services.is_requester(current_user, c)
    invited = guests.present(session, c.id) if c.has_guests is not False else []
    is_guest = any(g.person_id == current_user.id for g in invited)
    is_psychologist = current_user.has_role(Role.PSYCHOLOGIST)
    decisions = session.scalars(_DECISIONS, thread).all() if current_user.has_role(Role.LEAD_PSYCHOLOGIST) else []
    now = utcnow()

    def form(name: str, form_class, shown: bool):
        """The form a failed post brought back, or an empty one where the page shows it: a closed thread
        shows none, and building all eight with their drop-downs was a quarter of such a page."""
        return forms.get(name) or (form_class(formdata=None) if shown else None)

    acting = c.is_open and allocated
    reassign = form("reassign_form", ReassignForm, _may_reassign(c))
    suggest = form("suggest_form", SuggestTemplateForm, acting)
    if reassign is not None:
        reassign.psychologist_id.choices = psychologist_choices(session, leave_out=c.psychologist_id)
    advice_form, close_form = form("advice_form", AdviceForm, acting), form("close_form", CloseForm, acting)
    groups, saved = [], []
    if acting:
        suggest.version_id.choices = _template_choices()
        groups = _offer_services(c, advice_form, close_form)
        saved = snippets.mine(session, current_user)
        advice_form.snippet_id.choices = [(s.id, s.title) for s in saved]
        if "close_form" not in forms:
            close_form.referral_service_id.data = c.referral_service_id
    context = dict(
        c=c, messages=messages, survey=survey, without_advice=WITHOUT_ADVICE, calls=booked, now=now, today=now.astimezone(LONDON).date(),
        agreed=actions.of_request(session, c.id), may_tick=actions.may_tick(current_user, c),
        action_form=form("action_form", ActionForm, acting),
        follow_ups=[(f, f.done_at is None and follow_ups.may_complete(current_user, f, c)) for f in follow_up_rows],
        linked=linked_records(session, c, current_user, now),
        history=client_history(session, c, current_user, now) if is_psychologist else [],
        decisions=[(d, json.loads(d.candidates_json)) for d in decisions],
        is_requester=is_requester, is_allocated=allocated, is_psychologist=is_psychologist,
        may_take=is_psychologist and c.is_open and c.psychologist_id is None,
        may_acknowledge=c.awaiting_acknowledgement and c.psychologist_id is not None
        and (allocated or (is_psychologist and c.escalation_step > 0)),
        check_back=check_back,
        check_back_form=form("check_back_form", CheckBackForm, is_requester and check_back is None
                             and c.check_back_due_at is not None and c.check_back_due_at <= now),
        **_duty_now(c),
        message_form=form("message_form", MessageForm, c.is_open and (is_requester or allocated or is_guest)),
        invited=invited, is_guest=is_guest,
        guest_form=form("guest_form", GuestForm, guests.may_invite(current_user, c)),
        advice_form=advice_form, directory_groups=groups, saved_paragraphs=saved,
        information_form=form("information_form", InformationRequestForm, acting),
        close_form=close_form,
        reassign_form=reassign,
        survey_form=form("survey_form", SurveyForm, not c.is_open and is_requester and survey is None),
        call_form=form("call_form", CallForm, acting),
        suggest_form=suggest,
        error_form=next((f for f in forms.values() if f.errors or f.form_errors), None),
    )
    return render_template("consult/show.html", **context), status


@bp.route("/<int:consultation_id>")
def show(consultation_id: int):
    c = _load(consultation_id)
    granted = c.grant_id
    audit.record(db.session, "consultation.viewed", "consultation", c.id, **({"grant": granted} if granted else {}))
    if services.is_requester(current_user, c) and c.advice_given_at and c.advice_opened_at is None:
        _advice_opened(c.id, utcnow())
    return _render_show(c)


def _advice_opened(consultation_id: int, now) -> None:
    """The worker has seen the advice: its reminder is no longer needed, and the psychologist can see it was read."""
    table = Consultation.__table__

    def write(s):
        s.execute(update(table).where(table.c.id == consultation_id, table.c.advice_opened_at.is_(None))
                  .values(advice_opened_at=now))
    db.defer_write(db.session, write)


def done_or_refused(c: Consultation, form, action, done: str):
    """Run a service on a valid form: say what happened (`done`) and go back to the request, or return None with
    the refusal kept on the form, for the page to show it again (never a 500)."""
    if form.validate_on_submit():
        _, refusal = attempt(db.session, lambda: action(form))
        if refusal is None:
            flash(done, "success")
            return redirect(url_for("consult.show", consultation_id=c.id))
        form.form_errors.append(refusal)
    return None


def _act(c: Consultation, action, form_name: str, form, done: str):
    """A change made from the request's own page, whose form comes back there when it cannot be made."""
    return done_or_refused(c, form, action, done) or _render_show(c, **{form_name: form})


def _may_reassign(c: Consultation) -> bool:
    """The holder passes a request on; the lead psychologist may move any open one, or place one nobody holds."""
    return c.is_open and (services.is_allocated_psychologist(current_user, c)
                          or current_user.has_role(Role.LEAD_PSYCHOLOGIST))


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _button(consultation_id: int, action, done: str):
    """A one-button change (no fields, only the CSRF check): the refusal is shown on the page, or it is done."""
    c = _load(consultation_id)
    form = MessageForm(formdata=None)
    _, refusal = attempt(db.session, lambda: action(db.session, c, current_user))
    if refusal is not None:
        form.form_errors.append(refusal)
        return _render_show(c, message_form=form)
    flash(done.format(reference=c.reference), "success")
    return redirect(url_for("consult.show", consultation_id=c.id))


@bp.route("/<int:consultation_id>/take", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def take(consultation_id: int):
    return _button(consultation_id, services.take, "You have taken {reference}.")


@bp.route("/<int:consultation_id>/acknowledge", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def acknowledge(consultation_id: int):
    return _button(consultation_id, urgent.acknowledge, "You have acknowledged {reference}: it is yours.")


@bp.route("/<int:consultation_id>/reply", methods=["POST"])
def reply(consultation_id: int):
    c = _load(consultation_id)
    _require(services.is_requester(current_user, c) or services.is_allocated_psychologist(current_user, c)
             or guests.is_guest(db.session, current_user, c))
    return _act(c, lambda f: services.reply(db.session, c, current_user, f.body.data), "message_form", MessageForm(),
                "Your reply has been sent.")


@bp.route("/<int:consultation_id>/information", methods=["POST"])
def ask_for_information(consultation_id: int):
    c = _load(consultation_id)
    _require(services.is_allocated_psychologist(current_user, c))
    return _act(c, lambda f: services.ask_for_information(db.session, c, current_user, f.body.data),
                "information_form", InformationRequestForm(),
                "Your question has been sent to the worker. The reply-due clock is paused until they answer.")


def _offer_services(c: Consultation, *forms) -> list:
    """The directory's live services, grouped by kind, offered as referrals on these forms; and the one this
    request was referred to, if it has since left the directory, so closing it keeps that referral."""
    groups = directory.choices(db.session)
    if c.referral_service is not None and c.referral_service.retired_at is not None:
        groups.append(("No longer in the directory", [(c.referral_service.id, c.referral_service.name)]))
    for f in forms:
        if f is not None:
            f.referral_service_id.choices = directory.offered(groups)
    return groups


def _insert_snippet(c: Consultation, form: AdviceForm):
    """The advice form back with the chosen paragraph added to what was typed: nothing sent, nothing lost."""
    snippet = snippets.owned(db.session, current_user, form.snippet_id.data)
    if snippet is None:
        form.snippet_id.errors = ["Choose one of your saved paragraphs to insert"]
    elif len(longer := snippets.inserted(form.body.data or "", snippet)) > ADVICE_LENGTH:
        form.body.errors = [f"With that paragraph the advice would be over {ADVICE_LENGTH:,} characters: shorten it "
                            "first"]
    else:
        form.body.data = longer
    return _render_show(c, advice_form=form)


@bp.route("/<int:consultation_id>/advice", methods=["POST"])
def advise(consultation_id: int):
    c = _load(consultation_id)
    _require(services.is_allocated_psychologist(current_user, c))
    form = AdviceForm()
    _offer_services(c, form)
    if request.form.get("advice-insert"):
        return _insert_snippet(c, form)
    form.snippet_id.choices = None  # sending: the paragraph picker is the insert button's, not the advice's
    return _act(c, lambda f: services.give_advice(db.session, c, current_user, f.body.data,
                                                  referral_service_id=f.referral_service_id.data),
                "advice_form", form, "Your advice has been sent and the worker told.")


@bp.route("/<int:consultation_id>/close", methods=["POST"])
def close(consultation_id: int):
    c = _load(consultation_id)
    _require(services.is_allocated_psychologist(current_user, c))
    form = CloseForm()
    _offer_services(c, form)
    return _act(c, lambda f: services.close(db.session, c, current_user, f.outcome.data, f.minutes_spent.data,
                                            f.referral_or_signposting.data or "",
                                            referral_service_id=f.referral_service_id.data), "close_form", form,
                "The request is closed. The worker has been asked whether the advice helped.")


@bp.route("/<int:consultation_id>/reassign", methods=["POST"])
def reassign(consultation_id: int):
    c = _load(consultation_id)
    _require(_may_reassign(c))
    form = ReassignForm()
    form.psychologist_id.choices = psychologist_choices(db.session, leave_out=c.psychologist_id)

    def _pass_on(f):
        services.reassign(db.session, c, current_user, db.session.get(Person, f.psychologist_id.data), f.reason.data)

    return _act(c, _pass_on, "reassign_form", form, "The request has been passed on, and everyone involved told.")


def _template_choices() -> list[tuple[int, str]]:
    from formulations.models import TemplateVersion
    from formulations.services import library_query
    titles = library_query(with_uses=False).with_only_columns(TemplateVersion.id, TemplateVersion.title)
    return [(version_id, title) for version_id, title in db.session.execute(titles.limit(200))]


@bp.route("/<int:consultation_id>/suggest-template", methods=["POST"])
def suggest_template(consultation_id: int):
    c = _load(consultation_id)
    _require(services.is_allocated_psychologist(current_user, c))
    form = SuggestTemplateForm()
    form.version_id.choices = _template_choices()
    titles = dict(form.version_id.choices)
    return _act(c, lambda f: services.suggest_template(db.session, c, current_user, f.version_id.data,
                                                       titles[f.version_id.data]), "suggest_form", form,
                "The template has been suggested to the worker.")
