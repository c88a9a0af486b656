"""Formulations on a case, as the consultation's page lists them, and the people told when one is started."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from consult import thread
from consult.access import visible_params, visible_to
from consult.linked import LinkedRecord
from consult.models import Consultation, reference_of
from core.accounts.models import Person
from core.timeutil import format_london

from .models import Formulation, TemplateVersion

SHOWN = 20


# Built once for each visibility rule (and whether the client has a key), with the request bound: building it
# and its cache key on every view was a fifth of the request's page.
@lru_cache(maxsize=None)
def _query(visible, keyed: bool):
    this = Consultation.id == bindparam("consultation")
    same_client = and_(Consultation.organisation_id == bindparam("organisation"),
                       Consultation.client_key == bindparam("client_key")) if keyed else this
    return (select(Formulation.id, Formulation.updated_at, TemplateVersion.title, TemplateVersion.number,
                   Person.name, Consultation.id)
            .join(Consultation, Consultation.id == Formulation.consultation_id)
            .join(TemplateVersion, TemplateVersion.id == Formulation.template_version_id)
            .join(Person, Person.id == Formulation.author_id)
            .where(same_client, or_(this, visible))
            .order_by(Formulation.created_at.desc(), Formulation.id.desc()).limit(SHOWN))


def formulations_for_client(session: Session, c: Consultation, person: Person, now: datetime) -> list[LinkedRecord]:
    """The formulations on this request and on the client's other requests in the organisation (the same client
    key), where the reader may open them: a formulation is seen by whoever may see its request in full."""
    rows = session.execute(_query(visible_to(person), c.client_key is not None), {
        "consultation": c.id, "organisation": c.organisation_id, "client_key": c.client_key,
        **visible_params(person, now)})
    return [LinkedRecord(title=f"{title}, version {number}", url=f"/formulations/{formulation_id}",
                         note=f"by {author}, last saved {format_london(updated_at)}"
                              + ("" if on == c.id else f", on the request {reference_of(on)}"))
            for formulation_id, updated_at, title, number, author, on in rows]


def started_on_case(session: Session, formulation: Formulation, c: Consultation, author: Person, title: str,
                    now: datetime) -> None:
    """The thread records it, and whoever else works on the case (the psychologist, or the worker) is told, with
    a link straight to the formulation."""
    thread.event(session, c, f"{author.name} started a formulation with the template '{title}'.", now, by=author)
    for other in {c.requester_id, c.psychologist_id} - {author.id, None}:
        thread.tell(session, other, c, "A formulation was started for this client",
                    f"{author.name} started a formulation with the template '{title}'. Open it to read it and "
                    "comment.", link=f"/formulations/{formulation.id}")
