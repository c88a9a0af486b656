"""Formulations on a case, as the consultation's page lists them, and the people told when one is started."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult import thread
from consult.linked import LinkedRecord
from consult.models import Consultation
from core.accounts.models import Person
from core.timeutil import format_london

from .models import Formulation, TemplateVersion


def formulations_on_case(session: Session, c: Consultation) -> list[LinkedRecord]:
    rows = session.execute(
        select(Formulation.id, Formulation.updated_at, TemplateVersion.title, TemplateVersion.number, Person.name)
        .join(TemplateVersion, TemplateVersion.id == Formulation.template_version_id)
        .join(Person, Person.id == Formulation.author_id)
        .where(Formulation.consultation_id == c.id).order_by(Formulation.created_at, Formulation.id))
    return [LinkedRecord(title=f"{title}, version {number}", url=f"/formulations/{formulation_id}",
                         note=f"by {author}, last saved {format_london(updated_at)}")
            for formulation_id, updated_at, title, number, author in rows]



def started_on_case(session: Session, formulation: Formulation, c: Consultation, author: Person, title: str,
                    now: datetime) -> None:
    """The thread records it, and whoever else works on the case (the psychologist, or the worker) is told, with
    a link straight to the formulation."""
    thread.event(session, c, f"{author.name} started a formulation with the template '{title}'.", now, by=author)
    for other in {c.requester_id, c.psychologist_id} - {author.id, None}:
        thread.tell(session, other, c, "A formulation was started for this client",
                    f"{author.name} started a formulation with the template '{title}'. Open it to read it and "
                    "comment.", link=f"/formulations/{formulation.id}")
