"""The rota's pages: who is on duty now, patterns, leave, cover, the coverage view and the calendar feed."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core import audit
from core.accounts.directory import psychologist_choices, psychologists
from core.accounts.models import Person, Role
from core.accounts.tokens import hash_token
from core.config import base_host
from core.database import db
from core.params import form_int
from core.refusals import attempt
from core.security import public, role_required
from core.timeutil import LONDON, as_utc, utcnow
from core.workweek import working_week

from . import bp, swaps
from . import services as rota
from .calendar import duty_feed, feed_path, make_feed, revoke_feed_of
from .forms import CoverForm, LeaveForm, PatternForm
from .models import CalendarFeed, DutyPattern, DutySlot, DutySwap, Leave, SlotStatus, SwapStatus

COVERAGE_WEEKS = 4


def _is_lead() -> bool:
    return current_user.has_role(Role.LEAD_PSYCHOLOGIST)


def _people_choices(session) -> list[tuple[int, str]]:
    if _is_lead():
        return psychologist_choices(session)
    return [(current_user.id, current_user.name)]


def _page(pattern_form=None, leave_form=None, cover_form=None, status=200):
    session = db.session
    now = utcnow()
    choices = _people_choices(session)
    forms = {"pattern_form": pattern_form or PatternForm(formdata=None),
             "leave_form": leave_form or LeaveForm(formdata=None),
             "cover_form": cover_form or CoverForm(formdata=None)}
    for form in forms.values():
        form.psychologist_id.choices = choices
        if form.psychologist_id.data is None:
            form.psychologist_id.data = current_user.id
    whose = [p for p, _ in choices]
    on_duty = session.scalars(select(DutySlot).options(joinedload(DutySlot.psychologist))
                              .where(DutySlot.status == SlotStatus.ACTIVE, DutySlot.starts_at <= now, DutySlot.ends_at > now)
                              .order_by(DutySlot.ends_at)).all()
    patterns = session.scalars(select(DutyPattern).options(joinedload(DutyPattern.psychologist))
                               .where(DutyPattern.psychologist_id.in_(whose))
                               .where((DutyPattern.ends_on.is_(None)) | (DutyPattern.ends_on >= now.astimezone(LONDON).date()))
                               .order_by(DutyPattern.psychologist_id, DutyPattern.id)).all()
    upcoming = session.scalars(select(DutySlot).where(DutySlot.psychologist_id == current_user.id,
                                                      DutySlot.ends_at > now,
                                                      DutySlot.starts_at < now + timedelta(days=14))
                               .order_by(DutySlot.starts_at)).all()
    leave = session.scalars(select(Leave).where(Leave.psychologist_id == current_user.id,
                                                Leave.ends_on >= now.astimezone(LONDON).date())
                            .order_by(Leave.starts_on)).all()
    feed = session.get(CalendarFeed, current_user.id)
    colleagues = [p for p in psychologists(session) if p.id != current_user.id]
    asked = session.scalars(select(DutySwap).options(joinedload(DutySwap.slot), joinedload(DutySwap.requested_by))
                            .where(DutySwap.colleague_id == current_user.id, DutySwap.status == SwapStatus.PENDING)
                            .order_by(DutySwap.created_at)).all()
    everyone = session.scalars(select(DutySlot).options(joinedload(DutySlot.psychologist))
                               .where(DutySlot.status == SlotStatus.ACTIVE, DutySlot.ends_at > now,
                                      DutySlot.starts_at < now + timedelta(days=7))
                               .order_by(DutySlot.starts_at).limit(100)).all() if _is_lead() else []
    error_form = next((f for f in forms.values() if f.errors or f.form_errors), None)
    return render_template("rota/rota.html", on_duty=on_duty, patterns=patterns, upcoming=upcoming, leave=leave,
                           feed=feed, error_form=error_form,
                           colleagues=colleagues, swaps=asked, everyone=everyone, now=now,
                           is_lead=_is_lead(), **forms), status


@bp.route("/rota")
@role_required(Role.PSYCHOLOGIST)
def page():
    return _page()


def _for_whom(form) -> int:
    if form.psychologist_id.data != current_user.id and not _is_lead():
        abort(403)
    return form.psychologist_id.data


@bp.route("/rota/patterns", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def add_pattern():
    form = PatternForm()
    form.psychologist_id.choices = _people_choices(db.session)
    if not form.validate_on_submit():
        return _page(pattern_form=form)
    _, made = rota.add_pattern(db.session, _for_whom(form), form.cleaned())
    db.session.commit()
    flash(f"Duty pattern saved: {made} duties added to the rota for the next eight weeks.", "success")
    return redirect(url_for("rota.page"))


@bp.route("/rota/patterns/<int:pattern_id>/end", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def end_pattern(pattern_id: int):
    pattern = db.get_or_404(DutyPattern, pattern_id)
    if pattern.psychologist_id != current_user.id and not _is_lead():
        abort(403)
    rota.end_pattern(db.session, pattern)
    db.session.commit()
    flash("Duty pattern ended. Duties after today have been cancelled.", "success")
    return redirect(url_for("rota.page"))


@bp.route("/rota/leave", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def add_leave():
    form = LeaveForm()
    form.psychologist_id.choices = _people_choices(db.session)
    if not form.validate_on_submit():
        return _page(leave_form=form)
    moved = rota.record_leave(db.session, _for_whom(form), form.starts_on.data, form.ends_on.data).passed_on
    db.session.commit()
    passed = f" {moved} open request{'s' if moved != 1 else ''} passed on." if moved else ""
    flash(f"Leave recorded. The duties it covers have been cancelled.{passed}", "success")
    return redirect(url_for("rota.page"))


@bp.route("/rota/cover", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def add_cover():
    form = CoverForm()
    form.psychologist_id.choices = _people_choices(db.session)
    if not form.validate_on_submit():
        return _page(cover_form=form)
    rota.add_cover(db.session, _for_whom(form), form.day.data, form.start_time.data, form.end_time.data,
                   form.capacity.data)
    db.session.commit()
    flash("Cover added to the rota.", "success")
    return redirect(url_for("rota.page"))


@bp.route("/rota/coverage")
@role_required(Role.PSYCHOLOGIST)
def coverage():
    """Working hours for the coming weeks, London time, with who is on duty and the gaps."""
    session = db.session
    week = working_week()
    today = utcnow().astimezone(LONDON).date()
    monday = today - timedelta(days=today.weekday())
    days = [monday + timedelta(days=n) for n in range(7 * COVERAGE_WEEKS) if week.is_working_day(monday + timedelta(days=n))]
    start_hour, end_hour = week.start.hour, week.end.hour + (1 if week.end.minute else 0)
    first = as_utc(datetime.combine(monday, time(0), LONDON))
    last = as_utc(datetime.combine(monday + timedelta(days=7 * COVERAGE_WEEKS), time(0), LONDON))
    slots = session.execute(select(DutySlot.starts_at, DutySlot.ends_at, Person.name)
                            .join(Person, Person.id == DutySlot.psychologist_id)
                            .where(DutySlot.status == SlotStatus.ACTIVE, DutySlot.ends_at > first, DutySlot.starts_at < last)).all()
    grid = []
    for day in days:
        row = []
        for hour in range(start_hour, end_hour):
            cell_start = as_utc(datetime.combine(day, time(hour), LONDON))
            cell_end = cell_start + timedelta(hours=1)
            names = sorted({name for starts, ends, name in slots if starts < cell_end and ends > cell_start})
            row.append(names)
        grid.append((day, row))
    return render_template("rota/coverage.html", grid=grid, hours=list(range(start_hour, end_hour)))


@bp.route("/rota/feed", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def new_feed():
    """A new secret feed address; any earlier address stops working. It is shown on its own page, never in a URL
    that would land in access logs and browser history."""
    make_feed(db.session, current_user, current_app.config["SECRET_KEY"])
    db.session.commit()
    flash("Your new calendar address is ready. Any earlier address has stopped working.", "success")
    return redirect(url_for("rota.show_feed"))


@bp.route("/rota/feed")
@role_required(Role.PSYCHOLOGIST)
def show_feed():
    session = db.session
    feed = session.get(CalendarFeed, current_user.id)
    path = feed_path(feed, current_app.config["SECRET_KEY"]) if feed else None
    if path:
        audit.record(session, "rota.feed_shown", "person", current_user.id)
    return render_template("rota/feed.html", feed=feed,
                           address=f"{current_app.config['BASE_URL']}{path}" if path else None)


@bp.route("/rota/feed/revoke", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def revoke_feed():
    revoke_feed_of(db.session, current_user)
    db.session.commit()
    flash("Your calendar address has been turned off.", "success")
    return redirect(url_for("rota.page"))


@bp.route("/rota/feed/<token>.ics")
@public
def duty_calendar(token: str):
    """Public by design: the secret in the address is the key, as calendar apps cannot sign in."""
    session = db.session
    if len(token) > 64:  # every address made is 43 characters
        abort(404)
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token)))
    if feed is None:
        abort(404)
    since = utcnow() - timedelta(days=30)
    slots = session.scalars(select(DutySlot).where(DutySlot.psychologist_id == feed.person_id,
                                                   DutySlot.ends_at > since).order_by(DutySlot.starts_at)).all()
    return Response(duty_feed(slots, base_host(current_app.config)),
                    mimetype="text/calendar")


# --- Swaps and overrides ----------------------------------------------------------------

def _rota_change(action, success: str):
    _, refusal = attempt(db.session, action)
    flash(refusal or success, "error" if refusal else "success")
    return redirect(url_for("rota.page"))


@bp.route("/rota/duties/<int:slot_id>/swap", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def request_swap(slot_id: int):
    slot = db.get_or_404(DutySlot, slot_id)
    colleague_id = form_int("colleague_id") or 0
    return _rota_change(lambda: swaps.request_swap(db.session, slot, current_user, colleague_id),
                        "Swap asked for. We will tell you when your colleague answers.")


@bp.route("/rota/swaps/<int:swap_id>", methods=["POST"])
@role_required(Role.PSYCHOLOGIST)
def decide_swap(swap_id: int):
    swap = db.get_or_404(DutySwap, swap_id)
    if swap.colleague_id != current_user.id:
        abort(404)
    accept = request.form.get("answer") == "accept"
    return _rota_change(lambda: swaps.decide_swap(db.session, swap, current_user, accept),
                        "Swap accepted: the duty is now yours." if accept else "Swap declined.")


@bp.route("/rota/duties/<int:slot_id>/override", methods=["POST"])
@role_required(Role.LEAD_PSYCHOLOGIST)
def override_duty(slot_id: int):
    slot = db.get_or_404(DutySlot, slot_id)
    to_id = form_int("to_id") or None
    return _rota_change(lambda: swaps.override(db.session, slot, current_user, to_id),
                        "Duty cancelled." if to_id is None else "Duty given to someone else.")


@bp.route("/rota/patterns/<int:pattern_id>/edit", methods=["GET", "POST"])
@role_required(Role.PSYCHOLOGIST)
def edit_pattern(pattern_id: int):
    """Change a pattern: duties already started stay as they were; the rest follow the new pattern."""
    session = db.session
    pattern = db.get_or_404(DutyPattern, pattern_id)
    if pattern.psychologist_id != current_user.id and not _is_lead():
        abort(403)
    # Given as data, not `obj`: WTForms prefers an attribute of obj, and the stored weekdays are one string.
    shown = {name: getattr(pattern, name) for name in rota.PATTERN_FIELDS}
    shown.update(weekdays=[str(d) for d in pattern.weekday_list], psychologist_id=pattern.psychologist_id)
    form = PatternForm(data=None if request.method == "POST" else shown)
    form.psychologist_id.choices = [(pattern.psychologist_id, pattern.psychologist.name)] \
        if not _is_lead() else _people_choices(session)
    if form.validate_on_submit():
        rota.change_pattern(session, pattern, form.cleaned())
        session.commit()
        flash("Duty pattern changed. Duties from now on follow it; calendars are updated.", "success")
        return redirect(url_for("rota.page"))
    return render_template("rota/pattern_edit.html", form=form, pattern=pattern)
