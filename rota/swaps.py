"""Swaps, the lead psychologist's overrides and alerts about gaps in cover: the people side of the rota."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.directory import lead_psychologists
from core.accounts.models import Person, Role
from core.notifications import notify
from core.timeutil import format_london, utcnow
from core.workweek import working_week

from . import services as rota
from .models import DutySlot, DutySwap, GapAlert, SlotStatus, SwapStatus
from .services import RotaRefused


def _when(slot: DutySlot) -> str:
    return f"{format_london(slot.starts_at)} to {format_london(slot.ends_at)}"


def request_swap(session: Session, slot: DutySlot, by: Person, colleague_id: int,
                 now: datetime | None = None) -> DutySwap:
    now = now or utcnow()
    if slot.psychologist_id != by.id or slot.status != SlotStatus.ACTIVE or slot.starts_at <= now:
        raise RotaRefused("You can only offer one of your own duties that has not started yet.")
    colleague = session.get(Person, colleague_id)
    if colleague is None or colleague.id == by.id or not colleague.is_active or not colleague.has_role(Role.PSYCHOLOGIST):
        raise RotaRefused("Choose a colleague to swap with.")
    swap = DutySwap(slot_id=slot.id, requested_by_id=by.id, colleague_id=colleague.id, created_at=now)
    session.add(swap)
    session.flush()
    notify(session, colleague, "Can you take a duty?", f"{by.name} asks whether you can take their duty on {_when(slot)}.",
           link="/consultations/rota")
    audit.record(session, "rota.swap_requested", "duty_slot", slot.id, colleague=colleague.id)
    return swap


def decide_swap(session: Session, swap: DutySwap, colleague: Person, accept: bool,
                now: datetime | None = None) -> None:
    now = now or utcnow()
    if swap.colleague_id != colleague.id or swap.status != SwapStatus.PENDING:
        raise RotaRefused("This swap has already been answered.")
    slot = session.get(DutySlot, swap.slot_id)
    requester = session.get(Person, swap.requested_by_id)
    if accept and (slot.status != SlotStatus.ACTIVE or slot.psychologist_id != requester.id or slot.starts_at <= now):
        raise RotaRefused("This duty has changed since the swap was asked for, so it cannot be taken.")
    swap.status = SwapStatus.ACCEPTED if accept else SwapStatus.DECLINED
    swap.decided_at = now
    if accept:
        rota.hand_over(session, slot, colleague.id, "swap", "swapped", now)
    verdict = "accepted" if accept else "declined"
    for person in (requester, colleague):
        notify(session, person, f"Duty swap {verdict}",
               f"{colleague.name} {verdict} the swap for the duty on {_when(slot)}.", link="/consultations/rota")
    audit.record(session, f"rota.swap_{verdict}", "duty_slot", slot.id)


def override(session: Session, slot: DutySlot, lead: Person, to_id: int | None, now: datetime | None = None) -> None:
    """The lead psychologist gives a duty to someone else, or cancels it."""
    now = now or utcnow()
    if not lead.has_role(Role.LEAD_PSYCHOLOGIST):
        raise RotaRefused("Only the lead psychologist can change someone else's duty.")
    if slot.status != SlotStatus.ACTIVE or slot.ends_at <= now:
        raise RotaRefused("Only a duty that is still to come can be changed.")
    previous = session.get(Person, slot.psychologist_id)
    if to_id is None:
        rota.cancel_slot(session, slot, "overridden", now)
        notify(session, previous, "A duty of yours was cancelled",
               f"{lead.name} cancelled your duty on {_when(slot)}.", link="/consultations/rota")
    else:
        to = session.get(Person, to_id)
        if to is None or not to.is_active or not to.has_role(Role.PSYCHOLOGIST) or to.id == previous.id:
            raise RotaRefused("Choose another psychologist to give this duty to.")
        rota.hand_over(session, slot, to.id, "override", "overridden", now)
        for person, text in ((previous, "no longer yours"), (to, "now yours")):
            notify(session, person, "A duty has changed",
                   f"{lead.name} changed the duty on {_when(slot)}: it is {text}.", link="/consultations/rota")
    audit.record(session, "rota.overridden", "duty_slot", slot.id, to=to_id)


def alert_gaps(session: Session, now: datetime | None = None) -> int:
    """Tell the lead psychologists, once per gap, about working hours in the next 14 days with nobody on duty."""
    now = now or utcnow()
    spans = rota.uncovered_spans(session, working_week(), now)
    known = set(session.scalars(select(GapAlert.gap_end).where(GapAlert.gap_end.in_([end for _, end in spans]))))
    leads = lead_psychologists(session)
    told = 0
    for start, end in spans:
        if end in known:
            continue
        session.add(GapAlert(gap_start=start, gap_end=end, alerted_at=now))
        for lead in leads:
            notify(session, lead, "Nobody is on duty for some working hours",
                   f"There is no duty psychologist from {format_london(start)} to {format_london(end)}.",
                   link="/consultations/rota/coverage")
        told += 1
    return told
