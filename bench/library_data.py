"""The benchmark's library: practice notes, the service directory, and the search index over them and the
templates, at the scale of a partnership five years in. Words are drawn by the Zipf-Mandelbrot law, as in real
writing, from the field's words and then a long tail of rarer ones: the commonest ("anxious") is in about half
the notes, so a search of common words matches thousands of notes and one of rare words a few hundred."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from itertools import accumulate

from core.search import SearchEntry
from directory.models import SERVICE_KINDS, LocalService
from library.models import PracticeNote

VOCABULARY = """
anxious drinking appointments morning sleep housing methadone counter hostel voices cannabis crack
benzodiazepines harm engagement trauma family children pharmacy injecting overdose naloxone waiting judged
shame relapse detox mood panic eviction debt benefits prison probation violence partner grief loneliness
hearing paranoia psychosis medication script missed dosing withdrawal seizures liver pain dental wound abscess
pregnant baby social worker safeguarding school teenage daughter son mother father brother sister friend
neighbour landlord council rent arrears food bank shelter street outreach keyworker nurse doctor
gp hospital ambulance crisis police court solicitor tenancy move room noise night weekend evening
afternoon lunchtime queue crowd shop money cigarettes vaping nicotine alcohol spirits cider lager wine gambling
gaming phone online scam exploitation county lines cuckooing fear anger tearful hopeless numb flashbacks
nightmares startle avoidance dissociation memory confusion head injury learning disability autism adhd
literacy reading forms letters deadlines benefits sanction jobcentre work volunteering college training
""".split()
VOCABULARY += [f"term{n}" for n in range(3000)]  # the long tail: names of things, rarer words
FILLER = "the a to and of with her his they when before after about at in on for is was not".split()
# Added up once: random.choices adds up its weights on every call (three thousand of them), and with them added
# up already it chooses the same words.
CUMULATIVE_WEIGHTS = list(accumulate(1 / (rank + 10) for rank in range(len(VOCABULARY))))


def _words(rng: random.Random, n: int) -> str:
    chosen = rng.choices(VOCABULARY, cum_weights=CUMULATIVE_WEIGHTS, k=n)
    return " ".join(w if i % 3 else f"{rng.choice(FILLER)} {w}" for i, w in enumerate(chosen))


def notes(rng: random.Random, count: int, psychologists: list[int], span: tuple[datetime, float]):
    """The notes one by one, each published at a moment in [start, start + seconds)."""
    start, seconds = span
    for n in range(1, count + 1):
        published = start + timedelta(seconds=rng.random() * seconds)
        yield {"id": n, "consultation_id": None, "psychologist_id": psychologists[n % len(psychologists)],
               "status": "published" if n % 20 else "retired", "asked_at": published,
               "decided_at": published, "title": _words(rng, 5).capitalize(), "question": _words(rng, 12),
               "advice": _words(rng, 28), "needs": "alcohol,mental_health", "services": "drug_and_alcohol",
               "published_at": published, "retired_at": None if n % 20 else published, "updated_at": published}


def services(rng: random.Random, count: int, start: datetime) -> list[dict]:
    kinds = list(SERVICE_KINDS)
    return [{"id": n, "name": f"{_words(rng, 2).title()} service {n}", "kind": kinds[n % len(kinds)],
             "who_for": _words(rng, 12), "how_to_refer": "Self-referral by phone.", "criteria": _words(rng, 15),
             "contact": "01632 960 000", "opening_hours": "Monday to Friday 9am to 5pm", "not_for": "",
             "instead_id": None, "created_at": start, "updated_at": start, "updated_by_id": None, "retired_at": None}
            for n in range(1, count + 1)]


def search_entries(note_rows: list[dict], service_rows: list[dict], template_versions: dict[int, dict]):
    """What the packages' services would have written: published notes, live services, each template's latest."""
    for note in note_rows:
        if note["status"] == "published":
            yield {"kind": "note", "record_id": note["id"], "title": note["title"], "tags": "Alcohol, Mental health",
                   "body": f"{note['question']}\n{note['advice']}", "updated_at": note["published_at"]}
    for service in service_rows:
        yield {"kind": "service", "record_id": service["id"], "title": service["name"],
               "tags": SERVICE_KINDS[service["kind"]], "body": f"{service['who_for']}\n{service['criteria']}",
               "updated_at": service["updated_at"]}
    for template_id, version in template_versions.items():
        yield {"kind": "template", "record_id": template_id, "title": version["title"],
               "tags": version["tags"].replace(",", ", "), "body": version["summary"],
               "updated_at": version["published_at"]}


def write(w, rng: random.Random, size, psychologists: list[int], span: tuple[datetime, float],
          template_versions: dict[int, dict]) -> None:
    """The notes are made twice, written and then indexed, from the same random state, rather than all held."""
    state = rng.getstate()
    w.write(PracticeNote, notes(rng, size.notes, psychologists, span), "practice notes")
    service_rows = services(rng, size.services, span[0])
    w.write(LocalService, iter(service_rows), "services")
    again = random.Random()
    again.setstate(state)
    w.write(SearchEntry, search_entries(notes(again, size.notes, psychologists, span), service_rows,
                                        template_versions), "search entries")
