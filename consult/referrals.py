"""A recommended referral to a service in the directory: the psychologist picks the service, the worker gets its
referral route and criteria, and the request's outcome records which service it was. The worker makes the
referral, with the person's agreement."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.accounts.models import Person
from directory.models import LocalService

from . import thread
from .models import Consultation
from .states import TransitionRefused


def recommend(session: Session, c: Consultation, service_id: int | None, by: Person,
              now: datetime) -> LocalService | None:
    """Record the service recommended (None for none), noting a change on the thread; refused for a service no
    longer in the directory, unless it is the one already recommended."""
    if service_id == c.referral_service_id:
        return session.get(LocalService, service_id) if service_id else None
    service = session.get(LocalService, service_id) if service_id else None
    if service_id and (service is None or service.retired_at is not None):
        raise TransitionRefused("That service is no longer in the directory: choose another")
    c.referral_service_id = service_id
    thread.event(session, c, f"{by.name} recommends a referral to {service.name}." if service
                 else f"{by.name} no longer recommends a referral to a service in the directory.", now, by=by)
    return service


def told(service: LocalService | None) -> str:
    """What the worker's notice adds about a recommended referral."""
    if service is None:
        return ""
    return (f" They recommend a referral to {service.name}: its criteria and how to refer are on the request. "
            "You make the referral, with the person's agreement.")
