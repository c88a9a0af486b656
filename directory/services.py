"""Keeping the directory: adding and changing services, retiring them, and finding them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from core import audit, search
from core.accounts.models import Person
from core.refusals import Refused
from core.timeutil import utcnow

from .models import SERVICE_KINDS, LocalService

KIND = "service"  # its kind in the search
FIELDS = ("name", "kind", "who_for", "how_to_refer", "criteria", "contact", "opening_hours", "not_for",
          "instead_id")


def _index(session: Session, service: LocalService, now: datetime) -> None:
    body = "\n".join((service.who_for, service.criteria, service.how_to_refer, service.not_for))
    search.put(session, KIND, service.id, service.name, body, tags=service.kind_label, now=now)


def _check_instead(session: Session, service: LocalService | None, data: dict) -> None:
    """No wrong door: "not for" needs a live service that is, and it cannot be this one."""
    instead_id = data.get("instead_id")
    if data.get("not_for", "").strip() and not instead_id:
        raise Refused("Say which service the people it is not for should go to instead")
    if instead_id is None:
        return
    if service is not None and instead_id == service.id:
        raise Refused("A service cannot be where its own people go instead: choose another service")
    instead = session.get(LocalService, instead_id)
    if instead is None or instead.retired_at is not None:
        raise Refused("Choose a service that is in the directory now")


def save(session: Session, service: LocalService | None, data: dict, by: Person,
         now: datetime | None = None) -> LocalService:
    """Add a service (`service` None) or change one; its search entry changes with it."""
    now = now or utcnow()
    _check_instead(session, service, data)
    if service is None:
        service = LocalService(created_at=now)
        session.add(service)
    for name in FIELDS:
        value = data.get(name)
        setattr(service, name, value.strip() if isinstance(value, str) else value)
    if not service.not_for:
        service.instead_id = None
    service.updated_at, service.updated_by_id = now, by.id
    session.flush()
    _index(session, service, now)
    audit.record(session, "directory.service_saved", "local_service", service.id, actor_id=by.id)
    return service


def sent_here(session: Session, service: LocalService) -> list[LocalService]:
    """The live services that send the people they are not for to this one."""
    return list(session.scalars(select(LocalService).where(
        LocalService.instead_id == service.id, LocalService.retired_at.is_(None)).order_by(LocalService.name)))


def retire(session: Session, service: LocalService, by: Person, now: datetime | None = None) -> None:
    """Take a service out of the directory. Refused while another service sends people here, so retiring one
    never leaves a "not for us" pointing nowhere."""
    now = now or utcnow()
    pointing = sent_here(session, service)
    if pointing:
        raise Refused(f"{', '.join(s.name for s in pointing)} send the people they are not for to this service. "
                      "Change where they send them first")
    service.retired_at = now
    search.remove(session, KIND, service.id)
    audit.record(session, "directory.service_retired", "local_service", service.id, actor_id=by.id)


# Every service in the directory now, by kind then name: the directory's list, and what a referral is picked from.
LISTED = (select(LocalService).where(LocalService.retired_at.is_(None))
          .order_by(LocalService.kind, func.lower(LocalService.name), LocalService.id))


def live(session: Session) -> list[LocalService]:
    return list(session.scalars(LISTED))


def choices(session: Session, leave_out: int | None = None) -> list[tuple[str, list[tuple[int, str]]]]:
    """The live services grouped under their kind, for a select with option groups."""
    grouped: dict[str, list[tuple[int, str]]] = {}
    for service in live(session):
        if service.id != leave_out:
            grouped.setdefault(service.kind, []).append((service.id, service.name))
    return [(SERVICE_KINDS[kind], grouped[kind]) for kind in SERVICE_KINDS if kind in grouped]


def offered(groups: list[tuple[str, list[tuple[int, str]]]]) -> list[tuple[int, str]]:
    """The grouped choices as the flat list a select field checks what was posted against."""
    return [choice for _, options in groups for choice in options]


@dataclass(frozen=True)
class Found:
    service: LocalService
    hit: search.Hit


def found(session: Session, q: str, limit: int, offset: int = 0) -> tuple[list[Found], search.Results]:
    """Live services matching a search, best first, each with its marked title and snippet; and the search's
    results, for how many match."""
    results = search.find(session, q, (KIND,), limit, offset)
    by_id = {s.id: s for s in session.scalars(select(LocalService).where(
        LocalService.id.in_([h.record_id for h in results.hits])))} if results.hits else {}
    return [Found(by_id[h.record_id], h) for h in results.hits if h.record_id in by_id], results


def with_instead(session: Session, service_id: int) -> LocalService | None:
    return session.scalar(select(LocalService).options(joinedload(LocalService.instead), joinedload(
        LocalService.updated_by)).where(LocalService.id == service_id))


def route_lines(service: LocalService) -> list[str]:
    """The referral route as plain text, for the advice summary and the worker's notice."""
    lines = [f"{service.name} ({service.kind_label})", f"Who it is for: {service.who_for}",
             f"Criteria: {service.criteria}", f"How to refer: {service.how_to_refer}",
             f"Contact: {service.contact}", f"Opening hours: {service.opening_hours}"]
    if service.retired_at is not None:
        lines.insert(1, "This service is no longer in the directory: check it still takes referrals.")
    return lines
