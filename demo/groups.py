"""Reflective practice: a fortnightly group for the recovery keyworkers and a monthly one open to the whole
partnership (so the pharmacy and the outreach team, who have no psychologist of their own, are offered it).
Each has sessions behind it, with the register kept, themes recorded and evaluations answered, and sessions
to come with seats booked."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timeutil import LONDON, as_utc
from supervision import register, services
from supervision.groups import schedule
from supervision.models import GroupSession

from .rota import HISTORY_DAYS

GROUPS = [
    {"title": "Keyworkers' reflective practice", "facilitator": "psychologist2@example.org",
     "created_by": "psychologist2@example.org", "team": "Recovery Keyworkers", "frequency": "weekly",
     "every_weeks": 2, "weekday": 2, "nth": None, "start_time": "14:00", "minutes": 90, "capacity": 8,
     "location": "Riverside, first-floor meeting room",
     "description": "A protected hour and a half to think together about the work and how it affects us.",
     "members": ["keyworker@example.org", "teamlead@example.org"],
     "themes": "Hope and burnout when clients relapse; holding boundaries with warmth."},
    {"title": "Partnership reflective practice", "facilitator": "psychologist@example.org",
     "created_by": "psychologist@example.org", "team": None, "frequency": "monthly", "every_weeks": 1,
     "weekday": 1, "nth": 1, "start_time": "10:00", "minutes": 60, "capacity": 12,
     "location": "Video call: https://meet.example.org/partnership-reflective-practice",
     "description": "For anyone in the partnership working with people who use drugs or alcohol and struggle "
                    "with their mental health: pharmacy, outreach, hostels, needle and syringe programmes.",
     "members": ["pharmacist@example.org", "outreach@example.org", "needle.exchange@example.org"],
     "themes": "Being the only service someone still trusts; what we can offer at a counter in five minutes."},
]


def _series_values(spec: dict, people: dict, starts_on) -> dict:
    return {"title": spec["title"], "description": spec["description"], "open_round": True,
            "facilitator_id": people[spec["facilitator"]].id, "capacity": spec["capacity"],
            "location": spec["location"], "time_zone": "Europe/London", "frequency": spec["frequency"],
            "every_weeks": spec["every_weeks"], "weekday": spec["weekday"], "nth": spec["nth"],
            "start_time": spec["start_time"], "minutes": spec["minutes"], "starts_on": starts_on,
            "ends_on": None, "session_count": None, "booking_cutoff_hours": 2, "cancellation_cutoff_hours": 24}


def seed(session: Session, people: dict, now: datetime) -> None:
    # From midnight, so the first day's sessions are booked well before their booking closes whatever the time
    # of day the demo is made (from "now" less the days, a session two hours after it could not be booked).
    history_start = as_utc(datetime.combine((now.astimezone(LONDON) - timedelta(days=HISTORY_DAYS)).date(), time(0),
                                            LONDON))
    for spec in GROUPS:
        organisation_id, team_id = None, None
        if spec["team"]:
            worker = people[spec["members"][0]]
            team = next(t for t in worker.teams if t.name == spec["team"])
            organisation_id, team_id = worker.organisation_id, team.id
        series, _ = schedule(session, people[spec["created_by"]],
                             _series_values(spec, people, history_start.astimezone(LONDON).date()), [],
                             organisation_id, team_id)
        services.make_sessions(session, history_start, days=HISTORY_DAYS + services.WINDOW_DAYS)
        sessions = session.scalars(select(GroupSession).where(GroupSession.series_id == series.id)
                                   .order_by(GroupSession.starts_at)).all()
        for gs in sessions:
            if gs.starts_at > now + timedelta(days=40):
                break
            booked_at = max(gs.starts_at - timedelta(days=5), history_start)
            bookings = [services.book(session, gs.id, people[email], booked_at) for email in spec["members"]]
            if gs.ends_at > now:
                continue
            # One of the group could not come to each past session: the register says so.
            register.mark_attendance(session, gs, {b.id: "absent" if i == len(bookings) - 1 and gs.id % 2
                                                   else "attended" for i, b in enumerate(bookings)},
                                     gs.ends_at + timedelta(minutes=10))
            register.save_notes(session, gs, "", spec["themes"], gs.ends_at + timedelta(minutes=20))
            session.flush()
            for booking in bookings:
                if booking.attendance == "attended":
                    register.answer_evaluation(session, booking, gs, "yes", "yes",
                                               "Slowing down before I react to a hard conversation.")
