"""The demo partnership's local service directory: the services its workers refer to, each saying who it is
for and, where it turns some people away, who is for them. Contacts are invented (Ofcom's drama numbers)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from directory.services import save

CMHT = "Brighton and Hove Community Mental Health Team"

# name, kind, who for, criteria, how to refer, contact, opening hours, not for, instead (a name above it)
SERVICES = [
    ("Sussex Mental Health Crisis Line", "crisis", "Anyone in Sussex in a mental health crisis, and those worried "
     "about them.", "None: anyone can call, whatever they have taken.", "The person or the worker calls; no "
     "referral needed.", "0808 157 0999, or NHS 111, option 2", "Every day, 24 hours", "", None),
    ("Young People's Substance Misuse Service", "drug_alcohol", "Young people under 18 whose drug or alcohol use "
     "worries them or others.", "Aged 11 to 17, living in Brighton and Hove.", "Self-referral, or the worker "
     "calls with the young person's agreement.", "01632 960 101", "Monday to Friday 9am to 5pm", "", None),
    (CMHT, "secondary_mental_health", "Adults with severe or complex mental health needs, including those who "
     "also use drugs or alcohol.", "Aged 18 or over, registered with a Brighton and Hove GP, with needs a GP "
     "cannot meet alone. Drug or alcohol use is no reason to turn anyone away.", "The GP refers, or the worker "
     "calls the duty line with the person's agreement and sends the referral form.", "Duty line 01632 960 202",
     "Monday to Friday 9am to 5pm", "Under 18s.", "Young People's Substance Misuse Service"),
    ("Pavilions Drug and Alcohol Service", "drug_alcohol", "Adults who want help with drugs or alcohol: "
     "prescribing, detox, groups and one-to-one support.", "Aged 18 or over, living in Brighton and Hove.",
     "Self-referral by phone or drop-in; workers may refer with the person's agreement.", "01632 960 303",
     "Monday to Friday 9am to 5pm, Thursday until 7pm", "Under 18s.", "Young People's Substance Misuse Service"),
    ("NHS Talking Therapies, Brighton and Hove", "talking_therapies", "Adults with anxiety or low mood who can "
     "use talking therapy.", "Aged 18 or over, registered with a local GP. Drug or alcohol use is considered "
     "case by case.", "Self-referral online, or the GP refers.", "talkingtherapies.example.org",
     "Monday to Friday 8am to 8pm", "People whose needs are severe or complex.", CMHT),
    ("Harbour Hostel Pathway", "housing", "Adults who are homeless or about to be, including those who use "
     "drugs or alcohol.", "Aged 18 or over with a local connection. Being intoxicated at assessment is a "
     "reason to adapt the assessment, not to turn the person away.", "The outreach worker or the council's "
     "housing team refers by phone.", "01632 960 404", "Every day, 8am to 10pm", "", None),
    ("Needle and Syringe Programme", "harm_reduction", "Anyone who injects drugs, including steroids.",
     "None.", "Walk in; no referral needed.", "01632 960 505", "Monday to Saturday 10am to 6pm", "", None),
]


def seed(session: Session, people: dict, now: datetime) -> dict:
    """The demo's services, saved by its admin; returns them by name."""
    admin, made = people["admin@example.org"], {}
    for name, kind, who_for, criteria, how, contact, hours, not_for, instead in SERVICES:
        made[name] = save(session, None, {
            "name": name, "kind": kind, "who_for": who_for, "criteria": criteria, "how_to_refer": how,
            "contact": contact, "opening_hours": hours, "not_for": not_for,
            "instead_id": made[instead].id if instead else None}, admin, now)
    return made
