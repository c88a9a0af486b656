"""The demo library's first practice note, made as the app makes one: the pharmacy's question about a client
too anxious to wait at the counter, offered by the psychologist, agreed by the pharmacist, then published."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.models import Consultation
from core.accounts.models import Person
from library import services

SOURCE = "PH-2291"
TITLE = "Too anxious to wait at the counter for supervised dosing"


def seed(session: Session, people: dict, now) -> None:
    c = session.scalar(select(Consultation).where(Consultation.client_reference == SOURCE))
    if c is None or c.closed_at is None or c.advice_given_at is None:
        return  # the story has not reached its close yet at this moment
    psychologist = session.get(Person, c.psychologist_id)
    asked = c.closed_at + timedelta(hours=1)
    note = services.offer(session, c, psychologist, asked)
    services.decide(session, note, c, session.get(Person, c.requester_id), True, asked + timedelta(hours=2))
    services.save(session, note, {"title": TITLE, "question": note.question, "advice": note.advice,
                                  "needs": note.needs, "services": note.services}, asked + timedelta(hours=3))
    services.publish(session, note, psychologist, asked + timedelta(hours=3))
