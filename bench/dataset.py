"""A partnership at scale for benchmarks: deterministic from a seed and an end date.

Rows go in with Core bulk inserts in chunks, with the indexes built once at the end, so five years of a
3,000-person partnership loads in about forty seconds on SQLite (ten times the size in about ten minutes).
Every account shares one password (BENCH_PASSWORD) so the benchmark can sign in.
"""
from __future__ import annotations

import json
import random
from array import array
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Iterator

from sqlalchemy import Integer, func, insert, select, text
from sqlalchemy.orm import Session

from bench import library_data
from consult.models import NEEDS, OUTCOMES, CloseOutSurvey, Consultation, Message
from core.accounts.models import Organisation, Person, PersonRole, Role, ServiceType, Team, TeamMembership
from core.accounts.passwords import hash_password
from core.audit import AuditEvent
from core.identifiers import client_key
from core.timeutil import LONDON
from formulations.models import Formulation, FormulationRevision, Template, TemplateVersion
from formulations.sections import parse_sections, to_json
from rota.models import DutyPattern, DutySlot
from supervision.models import Booking, ClinicCase, GroupSeries, GroupSession

BENCH_PASSWORD = "bench-password-2026"
CHUNK = 5000
SECTIONS = parse_sections("## What is happening\nWhat the person says.\n? What is going on now?\n"
                          "## What helps\n? What helps, even a little?\n## What hinders\n? What gets in the way?")


CLINIC_EVERY = 10
# Bumped whenever the generator's output changes, so a cached dataset of an older shape is not reused.
DATASET_VERSION = 4


@dataclass(frozen=True)
class Size:
    organisations: int = 25
    staff: int = 3000
    psychologists: int = 80
    years: int = 5
    consultations: int = 100_000
    messages: int = 400_000
    series: int = 600
    sessions: int = 25_000
    bookings: int = 250_000
    templates: int = 300
    versions: int = 1_500
    formulations: int = 20_000
    notes: int = 20_000
    services: int = 200

    def scaled(self, factor: float) -> Size:
        """A partnership of the same shape and years, `factor` times the size (a tenth for the generator's own
        tests, ten times for a region)."""
        if factor == 1:
            return self
        return Size(**{f.name: max(1, round(getattr(self, f.name) * factor)) if f.name != "years" else self.years
                       for f in fields(self)})

    @property
    def rows(self) -> int:
        """Roughly how many rows the generator writes, for a progress bar."""
        return (self.staff * 3 + self.consultations * 3 + self.messages + self.bookings + self.formulations * 2
                + self.sessions * 2 + self.notes * 2 + self.services * 2 + self.versions)


class Writer:
    """Bulk inserts in chunks, with explicit ids so rows can point at each other without reading back."""

    def __init__(self, session: Session, progress: Callable[[str, int], None]):
        self.session, self.progress = session, progress

    def write(self, model, rows: Iterator[dict], label: str) -> int:
        count, chunk = 0, []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                count += self._flush(model, chunk, label)
                chunk = []
        if chunk:
            count += self._flush(model, chunk, label)
        return count

    def _flush(self, model, chunk: list[dict], label: str) -> int:
        # Into the table, not through the ORM's bulk insert (which spent more time on each row than SQLite did);
        # rows with the same columns together, as an executemany takes its columns from its first row.
        by_columns: dict[tuple, list[dict]] = {}
        for row in chunk:
            by_columns.setdefault(tuple(row), []).append(row)
        for rows in by_columns.values():
            self.session.execute(insert(model.__table__), rows)
        # Committed as it goes: one transaction of millions of rows made SQLite's write-ahead log gigabytes long,
        # and every insert slower as it grew.
        self.session.commit()
        self.progress(label, len(chunk))
        return len(chunk)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _moment(microseconds: int) -> datetime:
    return _EPOCH + timedelta(microseconds=microseconds)


def _advance_sequences(session: Session) -> None:
    """Rows went in with explicit ids; PostgreSQL's sequences must move past them, or the app's next
    insert into those tables would reuse an id."""
    if session.get_bind().dialect.name != "postgresql":
        return
    from core.database import Base
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and isinstance(table.c.id.type, Integer):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                 f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def _drop_secondary_indexes(session: Session) -> list[str]:
    """Drop every index that no constraint needs, returning the statements that make them again. Built once from
    the loaded rows, they cost a fraction of what keeping them up to date through millions of inserts in random
    order does (at ten times the size, most of the load's time)."""
    if session.get_bind().dialect.name == "postgresql":
        found = session.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)")).all()
    else:
        found = session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")).all()
    for name, _ in found:
        session.execute(text(f'DROP INDEX "{name}"'))
    session.commit()
    return [statement for _, statement in found]


def _build_indexes(session: Session, statements: list[str], progress: Callable[[str, int], None]) -> None:
    for statement in statements:
        session.execute(text(statement))
        session.commit()
        progress("indexes", 0)


def generate(session: Session, secret: str, size: Size = Size(), seed: int = 1, until: date | None = None,
             progress: Callable[[str, int], None] = lambda label, n: None) -> dict:
    """Fill an empty, migrated database. Returns the accounts the benchmark signs in as."""
    if session.scalar(select(func.count()).select_from(Person)):
        raise ValueError("The database already has people: generate into an empty, migrated database.")
    if session.get_bind().dialect.name == "sqlite":
        # A quarter of a gigabyte of page cache for this connection (within the generator's memory target), for
        # the sorts that build the indexes at the end.
        session.execute(text("PRAGMA cache_size = -262144"))
        # The app maps a gigabyte of the file into memory for its reads; the load reads little, and every page it
        # wrote and read again would count in its memory.
        session.execute(text("PRAGMA mmap_size = 0"))
    indexes = _drop_secondary_indexes(session)
    rng = random.Random(seed)
    until = until or date.today()
    end = datetime.combine(until, time(0), tzinfo=timezone.utc)
    start = end - timedelta(days=365 * size.years)
    span = (end - start).total_seconds()
    w = Writer(session, progress)
    password_hash = hash_password(BENCH_PASSWORD)

    def moment() -> datetime:
        return start + timedelta(seconds=rng.random() * span)

    # --- Organisations, teams, people -----------------------------------------------------------
    kinds = [t.value for t in ServiceType]
    orgs = [{"id": n + 1, "name": f"Bench organisation {n + 1:02d}", "service_type": kinds[n % len(kinds)],
             "created_at": start} for n in range(size.organisations)]
    w.write(Organisation, iter(orgs), "organisations")
    teams, team_id = [], 0
    for org in orgs:
        for t in range(3):
            team_id += 1
            teams.append({"id": team_id, "organisation_id": org["id"], "name": f"Team {t + 1}", "created_at": start})
    w.write(Team, iter(teams), "teams")

    people, roles, memberships = [], [], []
    staff_by_org: dict[int, list[int]] = {}
    team_of: dict[int, int] = {}
    leads: dict[int, int] = {}  # team id -> lead
    for n in range(size.staff):
        team = teams[n % len(teams)]
        pid = n + 1
        people.append({"id": pid, "email": f"staff{pid}@bench.example", "name": f"Staff {pid}",
                       "organisation_id": team["organisation_id"], "password_hash": password_hash, "is_active": True,
                       "created_at": start})
        roles.append({"person_id": pid, "role": Role.FRONTLINE.value})
        if team["id"] not in leads:
            leads[team["id"]] = pid
            roles.append({"person_id": pid, "role": Role.TEAM_LEAD.value})
        memberships.append({"person_id": pid, "team_id": team["id"]})
        staff_by_org.setdefault(team["organisation_id"], []).append(pid)
        team_of[pid] = team["id"]
    mental_health = [o["id"] for o in orgs if o["service_type"] == ServiceType.MENTAL_HEALTH.value] or [1]
    psychologists = []
    for n in range(size.psychologists):
        pid = size.staff + n + 1
        psychologists.append(pid)
        people.append({"id": pid, "email": f"psychologist{n + 1}@bench.example", "name": f"Dr Bench {n + 1}",
                       "organisation_id": mental_health[n % len(mental_health)], "password_hash": password_hash,
                       "is_active": True, "created_at": start, "professional_registration": f"HCPC PYL{n:06d}"})
        roles.append({"person_id": pid, "role": Role.PSYCHOLOGIST.value})
        if n == 0:
            roles.append({"person_id": pid, "role": Role.LEAD_PSYCHOLOGIST.value})
    admin_id, commissioner_id = size.staff + size.psychologists + 1, size.staff + size.psychologists + 2
    for pid, label, role in ((admin_id, "admin", Role.ADMIN), (commissioner_id, "commissioner", Role.COMMISSIONER)):
        people.append({"id": pid, "email": f"{label}@bench.example", "name": label.title(), "organisation_id": 1,
                       "password_hash": password_hash, "is_active": True, "created_at": start})
        roles.append({"person_id": pid, "role": role.value})
    w.write(Person, iter(people), "people")
    w.write(PersonRole, iter(roles), "roles")
    w.write(TeamMembership, iter(memberships), "team memberships")

    # --- Five years of duty rota ------------------------------------------------------------------
    w.write(DutyPattern, ({"id": i + 1, "psychologist_id": p, "weekdays": str(i % 5), "start_time": "09:00",
                           "end_time": "13:00", "every_weeks": 1, "starts_on": start.date(), "daily_capacity": 4,
                           "created_at": start, "updated_at": start} for i, p in enumerate(psychologists)), "duty patterns")

    on_weekday = {d: [(i, p) for i, p in enumerate(psychologists) if i % 5 == d] for d in range(7)}

    def slots():
        day = start.date()
        while day < until + timedelta(days=56):
            for i, p in on_weekday[day.weekday()]:
                starts = datetime.combine(day, time(9), tzinfo=LONDON)
                yield {"psychologist_id": p, "pattern_id": i + 1, "kind": "pattern", "starts_at": starts,
                       "ends_at": starts + timedelta(hours=4), "capacity": 4, "status": "active",
                       "sequence": 0, "updated_at": start}
            day += timedelta(days=1)
    w.write(DutySlot, slots(), "duty slots")

    # --- Consultations, messages, surveys ------------------------------------------------------------
    frontline = list(range(1, size.staff + 1))
    needs, outcomes = list(NEEDS), list(OUTCOMES)
    targets = {"urgent": 14400, "soon": 57600, "routine": 144000}
    # Each request's requester, psychologist (0: none) and creation time (microseconds since 1970) are kept in
    # arrays for its messages and audit rows: a million rows as dicts would not fit the generator's memory.
    c_requester, c_psychologist, c_created, closed_ids = array("i"), array("i"), array("q"), array("i")

    def consultation_rows():
        for cid in range(1, size.consultations + 1):
            requester = rng.choice(frontline)
            org = people[requester - 1]["organisation_id"]
            created = moment()
            urgency = rng.choices(["urgent", "soon", "routine"], [1, 3, 6])[0]
            age = (end - created).days
            reference = f"C{org}-{rng.randrange(size.consultations // 8 or 1):05d}"
            row = {"id": cid, "requester_id": requester, "organisation_id": org, "team_id": team_of[requester],
                   "client_reference": reference, "client_key": client_key(secret, org, reference),
                   "consent_basis": "consented", "presenting_needs": ",".join(rng.sample(needs, 2)),
                   "use_and_mental_health": "Drinks to get to sleep; the low mood is worse the day after.",
                   "tried_so_far": "Motivational interviewing.", "care_coordinator": "", "risks": "",
                   "immediate_danger": False, "urgency": urgency, "preferred_mode": "written",
                   "question": "How can I help them think about the link between their mood and their drinking?",
                   "status": "received", "created_at": created, "updated_at": created,
                   "target_seconds": targets[urgency], "used_seconds": 0, "due_at": created + timedelta(days=3),
                   "psychologist_id": None, "allocated_at": None, "first_response_at": None, "advice_given_at": None,
                   "closed_at": None, "outcome": None, "minutes_spent": None, "clock_started_at": created}
            if age > 2 or rng.random() < 0.5:
                replied = created + timedelta(hours=rng.uniform(0.5, 60))
                row.update(psychologist_id=rng.choice(psychologists), allocated_at=created + timedelta(minutes=5),
                           first_response_at=replied, status="allocated")
                if age > 14 or rng.random() < 0.3:
                    row.update(status="closed", advice_given_at=replied, closed_at=replied + timedelta(days=rng.uniform(0, 5)),
                               outcome=rng.choice(outcomes), minutes_spent=rng.randrange(10, 90, 5),
                               used_seconds=int(rng.uniform(0.3, 1.3) * targets[urgency]), due_at=None,
                               clock_started_at=None)
                    closed_ids.append(cid)
            c_requester.append(requester)
            c_psychologist.append(row["psychologist_id"] or 0)
            c_created.append(_microseconds(created))
            yield row
    w.write(Consultation, consultation_rows(), "consultations")

    def messages():
        for n in range(size.messages):
            i = n % size.consultations
            author = c_requester[i] if n % 2 == 0 or not c_psychologist[i] else c_psychologist[i]
            yield {"consultation_id": i + 1, "author_id": author, "kind": "message",
                   "body": "Thank you: that helps. **One more thing** to try next time.",
                   "created_at": _moment(c_created[i]) + timedelta(hours=n % 48 + 1)}
    w.write(Message, messages(), "messages")
    w.write(CloseOutSurvey, ({"consultation_id": cid, "useful": rng.choice(["yes", "yes", "partly", "no"]),
                              "more_confident": rng.choice(["yes", "partly", "no"]), "what_happened_next": "",
                              "submitted_at": end} for cid in closed_ids[::3]), "surveys")

    # --- Reflective practice: series, sessions, bookings -----------------------------------------------------
    sessions_per = max(1, size.sessions // size.series)
    series_rows = []
    s_series, s_starts = array("i"), array("q")  # each session's series and start (microseconds since 1970)
    for sid in range(1, size.series + 1):
        team = teams[(sid - 1) % len(teams)]
        first = (start + timedelta(days=rng.randrange(max(1, 365 * size.years - 7 * sessions_per + 120)))).date()
        clinic = sid % CLINIC_EVERY == 0  # one series in ten is a case clinic, with two case slots
        series_rows.append({"id": sid, "title": f"{'Case clinic' if clinic else 'Reflective practice round'} {sid}",
                            "kind": "case_clinic" if clinic else "reflective_practice",
                            "case_slots": 2 if clinic else None, "description": "A monthly space.",
                            "facilitator_id": rng.choice(psychologists), "created_by_id": leads[team["id"]],
                            "organisation_id": team["organisation_id"], "team_id": team["id"], "open_round": True,
                            "capacity": 12, "location": "Room 1", "time_zone": "Europe/London", "frequency": "weekly",
                            "every_weeks": 1, "weekday": first.weekday(), "start_time": "13:30", "minutes": 90,
                            "starts_on": first, "booking_cutoff_hours": 2, "cancellation_cutoff_hours": 24,
                            "created_at": start})
        for k in range(sessions_per):
            day = first + timedelta(weeks=k)
            starts = datetime.combine(day, time(13, 30), tzinfo=LONDON)
            s_series.append(sid)
            s_starts.append(_microseconds(starts))

    def session_rows():
        """Each session as a row, from the arrays: id, series, London date, start and end."""
        for n, (sid, starts) in enumerate(zip(s_series, s_starts, strict=True)):
            starts = _moment(starts).astimezone(LONDON)  # in London time: a week before is by the wall clock
            yield {"id": n + 1, "series_id": sid, "occurrence": starts.date(), "starts_at": starts,
                   "ends_at": starts + timedelta(minutes=90), "status": "scheduled", "sequence": 0}
    w.write(GroupSeries, iter(series_rows), "group series")
    w.write(GroupSession, session_rows(), "group sessions")
    per_session = max(1, size.bookings // len(s_series))

    def bookings():
        for s in session_rows():
            org = series_rows[s["series_id"] - 1]["organisation_id"]
            past = s["ends_at"] < end
            for pid in rng.sample(staff_by_org[org], min(per_session, len(staff_by_org[org]))):
                yield {"session_id": s["id"], "person_id": pid, "status": "booked", "walk_in": False,
                       "attendance": ("attended" if rng.random() < 0.8 else "absent") if past else None,
                       "created_at": s["starts_at"] - timedelta(days=7), "updated_at": s["starts_at"], "sequence": 0}
    w.write(Booking, bookings(), "bookings")

    def clinic_cases():
        """At each clinic session: the case in slot 1 (its recommendations sent once the session is past), and a
        second case still offered."""
        for s in session_rows():
            series = series_rows[s["series_id"] - 1]
            if series["kind"] != "case_clinic":
                continue
            staff = staff_by_org[series["organisation_id"]]
            past = s["ends_at"] < end
            for slot, status in ((1, "recommendations_sent" if past else "accepted"), (None, "offered")):
                yield {"session_id": s["id"], "presenter_id": rng.choice(staff), "consultation_id": None,
                       "status": status, "slot": slot, "client_reference": f"CC-{s['id']}-{slot or 2}",
                       "use_and_mental_health": "Drinks to quieten the voices.", "tried_so_far": "",
                       "question_for_group": "How do I keep them engaged?", "summary": "Keeping someone engaged.",
                       "review_note": "", "suggestion": "", "recommendations": "Try the same worker each week." if past
                       else "", "recommendations_sent_at": s["ends_at"] if past else None,
                       "follow_up_of_id": None, "created_at": s["starts_at"] - timedelta(days=10),
                       "updated_at": s["starts_at"]}
    w.write(ClinicCase, clinic_cases(), "clinic cases")

    # --- Formulation templates, versions, formulations -------------------------------------------------------
    per_template = max(1, size.versions // size.templates)
    sections_json = to_json(SECTIONS)
    versions = []
    for t in range(1, size.templates + 1):
        for number in range(1, per_template + 1):
            versions.append({"id": len(versions) + 1, "template_id": t, "number": number, "status": "published",
                             "title": f"Template {t}", "summary": "A way to think a situation through together.",
                             "audience": "plain" if t % 2 else "specialist", "tags": "mood,alcohol",
                             "minutes_needed": 20, "source_note": "Bench data.", "sections_json": sections_json,
                             "created_by_id": psychologists[t % len(psychologists)], "created_at": start,
                             "published_at": start})
    shown = {v["template_id"]: v["id"] for v in versions}  # each template's latest, all being published
    w.write(Template, ({"id": t, "created_by_id": psychologists[t % len(psychologists)], "created_at": start,
                        "published_version_id": shown[t]} for t in range(1, size.templates + 1)), "templates")
    w.write(TemplateVersion, iter(versions), "template versions")
    answers = json.dumps([["" for _ in section["prompts"]] for section in SECTIONS])
    f_author, f_created = array("i"), array("q")

    def formulation_rows():
        for f in range(1, size.formulations + 1):
            row = {"id": f, "template_version_id": rng.choice(versions)["id"], "author_id": rng.choice(frontline),
                   "consultation_id": None, "created_at": (m := moment()), "updated_at": m}
            f_author.append(row["author_id"])
            f_created.append(_microseconds(m))
            yield row
    w.write(Formulation, formulation_rows(), "formulations")
    w.write(FormulationRevision, ({"formulation_id": n + 1, "number": 1, "answers_json": answers,
                                   "author_id": author, "created_at": _moment(created)}
                                  for n, (author, created) in enumerate(zip(f_author, f_created, strict=True))),
                 "formulation revisions")
    library_data.write(w, rng, size, psychologists, (start, span), {v["template_id"]: v for v in versions})

    # --- Audit rows to match: each request raised and viewed, each register kept ---------------------------
    def audit_rows():
        for i in range(size.consultations):
            created, cid = _moment(c_created[i]), str(i + 1)
            yield {"at": created, "actor_id": c_requester[i], "action": "consultation.created",
                   "record_type": "consultation", "record_id": cid, "detail": None}
            yield {"at": created + timedelta(hours=1), "actor_id": c_psychologist[i] or c_requester[i],
                   "action": "consultation.viewed", "record_type": "consultation", "record_id": cid,
                   "detail": None}
        for s in session_rows():
            yield {"at": s["starts_at"], "actor_id": series_rows[s["series_id"] - 1]["facilitator_id"],
                   "action": "session.register_viewed", "record_type": "group_session", "record_id": str(s["id"]),
                   "detail": None}
    w.write(AuditEvent, audit_rows(), "audit events")
    _build_indexes(session, indexes, progress)
    _advance_sequences(session)
    session.commit()
    return {"frontline": f"staff{len(teams) + 1}@bench.example", "team_lead": f"staff{leads[1]}@bench.example",
            "psychologist": "psychologist1@bench.example", "admin": "admin@bench.example",
            "commissioner": "commissioner@bench.example"}
