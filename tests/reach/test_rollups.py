"""The daily roll-ups: figures read from them equal the figures worked out afresh, on the hand-counted month and
on a random partnership, for any period and filter; a later change to a closed day shows at once and is rolled
up again; a change of an organisation's kind of service starts the roll-ups again."""
from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select, update

from consult.exclusions import REASONS
from consult.models import NEEDS, RISKS, CloseOutSurvey, Consultation
from core.accounts.models import Organisation
from core.identifiers import client_key
from core.timeutil import LONDON
from formulations.models import Formulation, TemplateVersion
from formulations.starter import seed_starter_library
from library.models import NoteAnswer, PracticeNote
from reach import periods, rollups
from reach.clinics import clinic_figures
from reach.figures import NOW as THIS_PERIOD
from reach.figures import Scope, _formulations, report
from reach.learning import learning_needs
from reach.rollups import DailyFigures, OutOfDateDay, RolledUpThrough
from supervision.models import Booking, ClinicCase, GroupSeries, GroupSession
from tests.partnership_october import NOW, OCTOBER, consultation, utc
from tests.reach.test_dashboard import _matches_the_hand_count
from tests.support import person


def _roll_up_all(session, now=NOW) -> None:
    while rollups.roll_up(session, now, limit=50):
        pass
    session.commit()


@contextmanager
def without_roll_ups(session):
    """Figures worked out from the records alone (each period in one range) meanwhile, leaving the roll-ups be."""
    saved = session.execute(select(RolledUpThrough.family, RolledUpThrough.through)).all()
    session.execute(delete(RolledUpThrough))
    try:
        yield
    finally:
        session.execute(insert(RolledUpThrough), [{"family": f, "through": t} for f, t in saved])


def _afresh(session, scope: Scope, now=NOW) -> dict:
    with without_roll_ups(session):
        return asdict(report(session, scope, now))


def test_the_hand_counted_month_from_the_roll_ups(session, october):
    afresh = asdict(report(session, OCTOBER, NOW))
    _roll_up_all(session)
    assert session.get(RolledUpThrough, "raised").through == NOW.date()  # every day before today
    assert session.scalar(select(func.count()).select_from(DailyFigures).where(DailyFigures.bucket == "m")) > 0
    rolled = report(session, OCTOBER, NOW)
    _matches_the_hand_count(rolled.current)
    assert asdict(rolled) == afresh


def test_the_figures_are_read_from_the_roll_ups(session, october):
    """Altered by hand, October's stored month shows through: the page does not read October's records."""
    _roll_up_all(session)
    month = session.scalar(select(DailyFigures).where(DailyFigures.family == "closed", DailyFigures.bucket == "m",
                                                      DailyFigures.starts == OCTOBER.start.date(),
                                                      DailyFigures.partition == "all"))
    month.body = month.body.replace("[3.0,", "[30.0,", 1)
    session.commit()
    assert report(session, OCTOBER, NOW).current["consultations_closed"] == 30
    rollups.from_scratch(session)
    _roll_up_all(session)
    assert report(session, OCTOBER, NOW).current["consultations_closed"] == 3


def test_any_period_and_filter_matches_across_the_clock_changes(session, october):
    _roll_up_all(session)
    organisations = session.scalars(select(Organisation.id)).all()
    kinds = session.scalars(select(Organisation.service_type).distinct()).all()
    periods = [OCTOBER, Scope(datetime(2026, 10, 24, 18, tzinfo=LONDON), datetime(2026, 11, 2, 7, tzinfo=LONDON)),
               Scope(datetime(2026, 9, 1, tzinfo=LONDON), datetime(2026, 11, 23, 12, tzinfo=LONDON)),
               Scope(datetime(2026, 3, 29, 0, 30, tzinfo=LONDON), datetime(2026, 12, 1, tzinfo=LONDON))]
    for period in periods:
        for scope in [period, *(Scope(period.start, period.end, organisation_id=o) for o in organisations),
                      *(Scope(period.start, period.end, service_type=k) for k in kinds),
                      Scope(period.start, period.end, organisation_id=organisations[0], service_type="community_pharmacy")]:
            assert asdict(report(session, scope, NOW)) == _afresh(session, scope), scope


def test_a_later_change_to_a_closed_day_shows_at_once_and_is_rolled_up_again(session, october):
    _roll_up_all(session)
    overdue = session.scalar(select(Consultation).where(Consultation.client_reference == "HH-7"))
    overdue.advice_given_at, overdue.used_seconds = utc(2026, 11, 23, 9), 10
    session.commit()
    mark = session.get(OutOfDateDay, ("raised", overdue.created_at.astimezone(LONDON).date()))
    assert mark is not None
    soon = {c["urgency"]: (c["decided"], c["met"]) for c in report(session, OCTOBER, NOW).current["compliance"]}
    assert soon["soon"] == (1, 1)  # answered within its target now, not overdue
    _roll_up_all(session)
    assert session.scalar(select(func.count()).select_from(OutOfDateDay)) == 0
    assert asdict(report(session, OCTOBER, NOW)) == _afresh(session, OCTOBER)


def test_a_survey_answered_after_the_request_closed_is_counted(session, october):
    _roll_up_all(session)
    late = consultation(session, "frontline", "RDA-009", utc(2026, 10, 3, 9), closed_at=utc(2026, 10, 6),
                        outcome="advice_only", status="closed")
    session.commit()
    _roll_up_all(session)
    session.add(CloseOutSurvey(consultation_id=late.id, useful="no", more_confident="no"))
    session.commit()
    survey = {s["answer"]: s["useful"] for s in report(session, OCTOBER, NOW).current["survey"]}
    assert survey["no"] == 1
    _roll_up_all(session)
    assert asdict(report(session, OCTOBER, NOW)) == _afresh(session, OCTOBER)


def test_a_clients_first_request_given_another_reference_moves_every_day_they_are_counted(session, october):
    """A client is counted as their first request: when it takes another client's reference, the days of both
    clients' other requests are worked out again, so the two are not taken for one."""
    _roll_up_all(session)
    first = session.scalar(select(Consultation).where(Consultation.client_reference == "RDA-001")
                           .order_by(Consultation.id))
    first.client_reference = "RDA-009"
    first.client_key = client_key("k", first.organisation_id, "RDA-009")
    session.commit()
    marked = set(session.scalars(select(OutOfDateDay.day).where(OutOfDateDay.family == "clients")))
    assert marked == {date(2026, 10, 1), date(2026, 10, 10)}  # its own day, and its old client's other request
    assert report(session, OCTOBER, NOW).current["client_references"] == 4
    _roll_up_all(session)
    assert report(session, OCTOBER, NOW).current["client_references"] == 4
    assert asdict(report(session, OCTOBER, NOW)) == _afresh(session, OCTOBER)


def test_someone_who_moves_organisation_or_team_moves_the_days_they_were_supported(session, october):
    """Organisations and teams supported are counted by where people are now, as worked out afresh."""
    from core.accounts.services import set_teams
    _roll_up_all(session)
    mover, stayer = person(session, "other_frontline"), person(session, "frontline")
    assert report(session, OCTOBER, NOW).current["organisations_supported"] == 2
    mover.organisation_id = stayer.organisation_id
    session.commit()
    assert date(2026, 10, 20) in set(session.scalars(select(OutOfDateDay.day).where(
        OutOfDateDay.family == "organisations")))  # the day they asked
    assert report(session, OCTOBER, NOW).current["organisations_supported"] == 1
    _roll_up_all(session)
    assert report(session, OCTOBER, NOW).current["organisations_supported"] == 1
    teams = report(session, OCTOBER, NOW).current["teams_supported"]
    set_teams(session, mover, [])  # leaves their team
    session.commit()
    assert report(session, OCTOBER, NOW).current["teams_supported"] == teams - 1
    set_teams(session, mover, [stayer.teams[0].id])
    session.commit()
    _roll_up_all(session)
    assert asdict(report(session, OCTOBER, NOW)) == _afresh(session, OCTOBER)


def test_who_was_supported_from_the_roll_ups_is_who_the_records_show(session):
    """The staff, organisations, teams and attendees supported, from the sets, equal the counts made one person
    at a time from the records (reach.figures._people, which a team lead's figures still use)."""
    from core.accounts.models import Team
    from core.accounts.services import set_teams
    from reach.figures import _people
    rng = random.Random(11)
    first = utc(2026, 2, 1)
    lead = person(session, "team_lead")
    second = Team(organisation_id=lead.organisation_id, name="Second team")
    session.add(second)
    session.flush()
    set_teams(session, lead, [lead.teams[0].id, second.id])  # so teams supported are not organisations supported
    _random_groups(session, rng, first)
    for n in range(300):
        consultation(session, rng.choice(["frontline", "other_frontline", "team_lead"]), f"S-{n}",
                     first + timedelta(minutes=rng.randrange(0, 150 * 24 * 60)))
    session.commit()
    now = utc(2026, 11, 30, 15)
    _roll_up_all(session, now)
    organisation = person(session, "frontline").organisation_id
    for _ in range(6):
        start = datetime.combine((first + timedelta(days=rng.randrange(0, 120))).date(), datetime.min.time(),
                                 tzinfo=LONDON)
        period = Scope(start, start + timedelta(days=rng.randrange(1, 90)))
        for scope in (period, Scope(period.start, period.end, organisation_id=organisation),
                      *(Scope(period.start, period.end, service_type=kind) for kind in ("drug_and_alcohol", "other"))):
            people = _people(session, scope)
            # From the roll-ups, and worked out afresh (as today and a period's edges are): a partnership-wide
            # group's attendees belong to no kind of service either way.
            for f in (asdict(report(session, scope, now)), _afresh(session, scope, now)):
                for p, figures in ((1, f["current"]), (0, f["previous"])):
                    assert (figures["staff_supported"], figures["organisations_supported"],
                            figures["teams_supported"], figures["attendees"]) == people[p], scope


def _october_session(session, day: int) -> GroupSession:
    return session.scalar(select(GroupSession).where(GroupSession.starts_at == datetime(2026, 10, day, 13, 30,
                                                                                      tzinfo=LONDON)))


def test_an_author_who_moves_organisation_takes_their_formulations_with_them(session, october):
    """Formulations and templates used are counted by where their authors are now, as worked out afresh."""
    _roll_up_all(session)
    author, other = person(session, "frontline"), person(session, "other_frontline")
    theirs, mine = (Scope(OCTOBER.start, OCTOBER.end, organisation_id=o) for o in (other.organisation_id,
                                                                                   author.organisation_id))

    def used(scope: Scope) -> tuple[int, int]:
        figures = report(session, scope, NOW).current
        return figures["formulations"], figures["templates_used"]

    assert (used(mine), used(theirs)) == ((1, 1), (0, 0))
    author.organisation_id = other.organisation_id
    session.commit()
    assert {(f, d) for f, d in session.execute(select(OutOfDateDay.family, OutOfDateDay.day))} >= {
        ("formulated", date(2026, 10, 15)), ("templates", date(2026, 10, 15))}
    assert (used(mine), used(theirs)) == ((0, 0), (1, 1))
    _roll_up_all(session)
    assert (used(mine), used(theirs)) == ((0, 0), (1, 1))
    assert asdict(report(session, theirs, NOW)) == _afresh(session, theirs)


def test_a_register_marked_after_the_day_is_counted(session, october):
    """A facilitator who marks the register days later, or corrects it, moves the day's attendances and
    attendees."""
    _roll_up_all(session)
    gs = _october_session(session, 21)
    walk_in = Booking(session_id=gs.id, person_id=person(session, "other_frontline").id, status="booked",
                      attendance="attended", walk_in=True)
    session.add(walk_in)
    session.commit()
    assert {mark.family for mark in session.scalars(select(OutOfDateDay))} == {
        "held", "staff", "organisations", "teams", "attendees", "clinics", "clinic_attendees", "clinic_orgs"}
    f = report(session, OCTOBER, NOW).current
    assert (f["attendances"], f["attendees"], f["staff_supported"]) == (4, 3, 3)  # asked already, so supported
    _roll_up_all(session)
    walk_in.attendance = "absent"  # marked in error
    session.commit()
    f = report(session, OCTOBER, NOW).current
    assert (f["attendances"], f["attendees"]) == (3, 2)
    _roll_up_all(session)
    assert session.scalar(select(func.count()).select_from(OutOfDateDay)) == 0
    assert asdict(report(session, OCTOBER, NOW)) == _afresh(session, OCTOBER)


def test_a_session_cancelled_or_a_group_changed_after_the_day_is_counted(session, october):
    _roll_up_all(session)
    _october_session(session, 21).status = "cancelled"
    session.commit()
    f = report(session, OCTOBER, NOW).current
    assert (f["sessions_held"], f["attendances"], f["facilitation_minutes"]) == (1, 2, 90)
    _roll_up_all(session)
    series = session.scalar(select(GroupSeries))
    series.minutes, series.organisation_id = 60, None  # shorter, and open to the whole partnership
    session.commit()
    assert {mark.day for mark in session.scalars(select(OutOfDateDay))} == {date(2026, 10, 14), date(2026, 10, 21),
                                                                           date(2026, 10, 28), date(2026, 11, 4)}
    assert report(session, OCTOBER, NOW).current["facilitation_minutes"] == 60
    assert {row["service_type"]: row["attendances"] for row in report(session, OCTOBER, NOW).joint}[
        "drug_and_alcohol"] == 0  # a partnership-wide group is no one kind of service's
    _roll_up_all(session)
    assert asdict(report(session, OCTOBER, NOW)) == _afresh(session, OCTOBER)


def test_a_mark_renewed_while_the_day_is_rolled_up_stays(session, october, monkeypatch):
    _roll_up_all(session)
    c = session.scalar(select(Consultation).where(Consultation.client_reference == "HH-7"))
    c.first_response_at = utc(2026, 11, 20)
    session.commit()
    day = c.created_at.astimezone(LONDON).date()
    real = rollups.roll_up_day

    def renewed_meanwhile(s, family, d, kinds):
        real(s, family, d, kinds)
        if d == day:  # another change lands while this one is worked out
            s.execute(update(OutOfDateDay).where(OutOfDateDay.day == d)
                      .values(generation=OutOfDateDay.generation + 1))

    monkeypatch.setattr(rollups, "roll_up_day", renewed_meanwhile)
    rollups.roll_up(session, NOW)
    assert session.get(OutOfDateDay, ("raised", day)) is not None


def test_changing_an_organisations_kind_of_service_starts_the_roll_ups_again(session, october):
    _roll_up_all(session)
    organisation = session.scalars(select(Organisation).order_by(Organisation.id)).first()
    organisation.service_type = "community_pharmacy" if organisation.service_type != "community_pharmacy" else "housing"
    session.commit()
    assert session.scalar(select(func.count()).select_from(RolledUpThrough)) == 0
    joint = {row["service_type"]: row["requests"] for row in report(session, OCTOBER, NOW).joint}
    _roll_up_all(session)
    assert {row["service_type"]: row["requests"] for row in report(session, OCTOBER, NOW).joint} == joint
    assert joint[organisation.service_type] > 0


def _random_groups(session, rng: random.Random, first: datetime) -> None:
    """Groups and case clinics for one organisation and for the whole partnership, their sessions at any hour
    over five months, some cancelled, with registers marked and cases presented."""
    lead, facilitator = person(session, "team_lead"), person(session, "psychologist")
    people = [person(session, key) for key in ("frontline", "other_frontline", "team_lead", "admin")]
    for n, organisation_id in enumerate([lead.organisation_id, None, people[1].organisation_id, None]):
        kind = "case_clinic" if n in (1, 2) else "reflective_practice"
        series = GroupSeries(title=f"Group {n}", kind=kind, facilitator_id=facilitator.id, created_by_id=lead.id,
                             organisation_id=organisation_id, capacity=8, location="Room", frequency="weekly",
                             weekday=2, start_time="13:30", minutes=rng.choice([60, 90, 120]), starts_on=first.date())
        session.add(series)
        session.flush()
        for k in range(60):  # each moved from the date its rule gave it to any hour
            starts = first + timedelta(minutes=rng.randrange(0, 150 * 24 * 60))
            gs = GroupSession(series_id=series.id, occurrence=first.date() + timedelta(days=k), starts_at=starts,
                              ends_at=starts + timedelta(minutes=series.minutes),
                              status=rng.choice(["scheduled"] * 5 + ["cancelled"]))
            session.add(gs)
            session.flush()
            session.add_all(Booking(session_id=gs.id, person_id=who.id, status="booked",
                                    attendance=rng.choice([None, "absent", "attended", "attended"]))
                            for who in rng.sample(people, rng.randrange(0, 5)))
            if kind == "case_clinic":
                session.add_all(ClinicCase(session_id=gs.id, presenter_id=rng.choice(people).id, client_reference="R-1",
                                           status=rng.choice(["presented", "recommendations_sent", "declined"]),
                                           use_and_mental_health="-", question_for_group="-")
                                for _ in range(rng.randrange(0, 3)))


def _random_formulations_and_answers(session, rng, people: list[str], first: datetime) -> None:
    """Formulations from the starter library's templates, and questions answered by a practice note."""
    seed_starter_library(session, person(session, "psychologist"))
    versions = session.scalars(select(TemplateVersion.id)).all()
    note = PracticeNote(psychologist_id=person(session, "psychologist").id, status="published", title="Mornings",
                        question="?", advice="A morning check-in.")
    session.add(note)
    session.flush()
    for _ in range(200):
        at, who = first + timedelta(minutes=rng.randrange(0, 150 * 24 * 60)), person(session, rng.choice(people))
        session.add(Formulation(template_version_id=rng.choice(versions), author_id=who.id, created_at=at,
                                updated_at=at))
        if rng.random() < 0.5:
            session.add(NoteAnswer(note_id=note.id, person_id=who.id, organisation_id=who.organisation_id,
                                   answered_at=at + timedelta(hours=rng.randrange(0, 48))))


def test_a_random_partnership_from_the_roll_ups_matches_the_records(session):
    rng = random.Random(7)
    people = ["frontline", "other_frontline", "team_lead"]
    first = utc(2026, 2, 1)
    _random_groups(session, rng, first)
    for n in range(500):
        created = first + timedelta(minutes=rng.randrange(0, 150 * 24 * 60))
        urgency = rng.choice(["urgent", "soon", "routine"])
        values = {"due_at": created + timedelta(hours=rng.choice([4, 16, 40]))}
        if rng.random() < 0.8:
            values["first_response_at"] = created + timedelta(minutes=rng.randrange(5, 3000))
        if rng.random() < 0.7:
            values.update(advice_given_at=created + timedelta(hours=rng.randrange(1, 60)),
                          used_seconds=rng.randrange(600, 200000))
        if rng.random() < 0.6:
            values.update(closed_at=created + timedelta(hours=rng.randrange(2, 400)), status="closed",
                          outcome=rng.choice(["advice_only", "joint_working", "referral_avoided"]),
                          minutes_spent=rng.randrange(5, 90))
        values.update(presenting_needs=",".join(rng.sample(list(NEEDS), rng.randrange(0, 4))),
                      risks=",".join(rng.sample(list(RISKS), rng.randrange(0, 3))))
        if rng.random() < 0.3:
            values.update(excluded_by=rng.choice(["mental_health", "drug_and_alcohol", "housing"]),
                          exclusion_reason=rng.choice(list(REASONS)))
        c = consultation(session, rng.choice(people), f"R-{rng.randrange(120)}", created, urgency, **values)
        if "closed_at" in values and rng.random() < 0.5:
            session.add(CloseOutSurvey(consultation_id=c.id, useful=rng.choice(["yes", "partly", "no"]),
                                       more_confident=rng.choice(["yes", "partly", "no"]),
                                       without_advice=rng.choice([None, "nothing", "referred_elsewhere"]),
                                       confidence_before=rng.randrange(1, 6), confidence_now=rng.randrange(1, 6)))
    _random_formulations_and_answers(session, rng, people, first)
    _random_formulations_and_answers(session, rng, people, first)
    session.commit()
    now = utc(2026, 11, 30, 15)
    _roll_up_all(session, now)
    for _ in range(12):
        start = first + timedelta(hours=rng.randrange(0, 140 * 24))
        end = start + timedelta(hours=rng.randrange(1, 100 * 24))
        start = start.replace(minute=0) if rng.random() < 0.5 else start
        if rng.random() < 0.6:  # most periods a user asks for start and end at midnight
            start = datetime.combine(start.astimezone(LONDON).date(), datetime.min.time(), tzinfo=LONDON)
            end = datetime.combine(end.astimezone(LONDON).date(), datetime.min.time(), tzinfo=LONDON)
        scope = Scope(start, end)
        rolled = report(session, scope, now)
        assert asdict(rolled) == _afresh(session, scope, now), scope
        used = [rolled.current[key] for key in ("formulations", "templates_used", "answered_by_notes")]
        assert used == _formulations(session, scope)[THIS_PERIOD], scope  # as a team lead's are counted, from the records
        clinics = clinic_figures(session, scope)[THIS_PERIOD]  # as a team lead's are counted, from the records
        by_kind = clinics.pop("clinic_attendees_by_kind")
        assert {key: rolled.current[key] for key in clinics} == clinics, scope
        assert {row["service_type"]: row["clinic_attendees"] for row in rolled.joint if row["clinic_attendees"]} == {
            kind: n for kind, n in by_kind.items() if n}, scope
    months = [periods.Period(date(2026, m, 1), 1) for m in range(1, 12)]
    for kind in [None, *session.scalars(select(Organisation.service_type).distinct())]:
        rolled = asdict(learning_needs(session, months, kind))
        with without_roll_ups(session):
            assert rolled == asdict(learning_needs(session, months, kind)), kind


def test_the_roll_ups_on_postgresql(pg_app):
    """PostgreSQL stores the dates and sums its own way, and marks a day out of date with its own upsert."""
    from core.database import db
    from tests.partnership_october import add_october
    with pg_app.app_context(), db.new_session() as s:
        add_october(pg_app, s)
        afresh = asdict(report(s, OCTOBER, NOW))
        _roll_up_all(s)
        _matches_the_hand_count(report(s, OCTOBER, NOW).current)
        assert asdict(report(s, OCTOBER, NOW)) == afresh
        for answered_at in (utc(2026, 11, 23, 9), utc(2026, 11, 23, 10)):  # a mark, then the same mark renewed
            late = s.scalar(select(Consultation).where(Consultation.client_reference == "HH-7"))
            late.advice_given_at, late.used_seconds = answered_at, 10
            s.commit()
        assert s.scalar(select(OutOfDateDay.generation)) == 2
        assert {c["urgency"]: c["met"] for c in report(s, OCTOBER, NOW).current["compliance"]}["soon"] == 1
        _roll_up_all(s)
        assert asdict(report(s, OCTOBER, NOW)) == _afresh(s, OCTOBER)


def test_the_command_rolls_up_from_scratch(app, session, october):
    _roll_up_all(session)
    session.execute(update(DailyFigures).values(body="[0]"))  # stored sums gone wrong
    session.commit()
    result = app.test_cli_runner().invoke(args=["reach", "roll-up", "--from-scratch"])
    assert result.exit_code == 0 and "day(s) rolled up" in result.output
    session.expire_all()
    _matches_the_hand_count(report(session, OCTOBER, NOW).current)


def test_a_day_is_rolled_up_once_changes_made_before_its_midnight_have_settled(session, october):
    """A change just before midnight marks nothing (its day is still open), so the day waits a few minutes."""
    just_after = datetime(2026, 11, 24, 0, 5, tzinfo=LONDON)
    _roll_up_all(session, just_after)
    assert session.get(RolledUpThrough, "raised").through == datetime(2026, 11, 23).date()
    _roll_up_all(session, just_after + rollups.SETTLING)
    assert session.get(RolledUpThrough, "raised").through == datetime(2026, 11, 24).date()
