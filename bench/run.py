"""`make bench`: the key pages timed against the benchmark partnership, with their SQL query counts.

Loads the dataset (generated once per seed into instance/, or into DATABASE_URL when it is set and empty),
signs in as the person each page is for, and times each page in-process: warm-up requests first, then
REPEATS timed ones. Writes bench/results.md and exits non-zero when a target is missed.
"""
from __future__ import annotations

import contextlib
import os
import re
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import event, func, select

from consult.models import Consultation, Message
from core.cli import upgrade_database
from core.config import INSTANCE_DIR, PROJECT_ROOT
from core.database import db
from core.timeutil import utcnow
from factory import create_app
from formulations.models import Template, TemplateVersion
from reach.periods import last_quarter
from reach.rollups import roll_up
from supervision.models import Booking, ClinicCase, GroupSeries, GroupSession

from . import load
from .dataset import BENCH_PASSWORD, DATASET_VERSION, Size, generate

SEED = int(os.environ.get("BENCH_SEED", 1))
SCALE = float(os.environ.get("BENCH_SCALE", 1))  # 10: a region, ten times the partnership
if not 0.01 <= SCALE <= 10:
    sys.exit("BENCH_SCALE is from 0.01 to 10 (1 is the partnership, 10 a region)")
SIZE = Size().scaled(SCALE)
REPEATS = int(os.environ.get("BENCH_REPEATS", 30))
WARM_UP = 3
# The dashboard's first view runs one statement per group of figures worked out from the records (two), thirteen
# for the roll-ups (how far they reach, the stored sums, the eight families of sums' days not yet rolled up, the
# stored sets, the sets' days not yet rolled up, and the requests unanswered past their date), besides signing
# in, the filters' organisations, the scheduler's heartbeat and the audit row. A commissioner's first view of a quarter adds up its months' rounded
# figures, so it works out eight periods' (six months and two quarters).
# Measured as ratios in one run, which hold on a noisy machine: a page at a larger scale against the same page
# at scale 1, timed in turn; the dashboard's first view against its cached view; the mix against the trivial
# endpoint.
TARGETS = {"p95_ms": 50.0, "commissioner_ms": 1500.0, "queries": 12, "dashboard_queries": 19,
           "scale_ratio": 1.5, "first_view_ratio": 3.0, "throughput_ratio": 0.35, "worker_mb": 200.0,
           "generator_mb": 1024.0}
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", 20))
PAGE_SECONDS = LOAD_SECONDS / 4
RESULTS = PROJECT_ROOT / "bench" / "results.md"


def _database_url(scale: float = SCALE) -> str:
    named = "" if scale == 1 else f"-x{scale:g}"
    return os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / f'bench-{SEED}{named}-v{DATASET_VERSION}.db'}"


def _baseline_url() -> str | None:
    """Where the partnership at scale 1 is, to time each page against when the run is at another scale: beside
    the dataset on SQLite, and BENCH_BASELINE_URL (an empty PostgreSQL database, say) when DATABASE_URL is set."""
    if SCALE == 1:
        return None
    if os.environ.get("DATABASE_URL"):
        return os.environ.get("BENCH_BASELINE_URL") or None
    return _database_url(1)


class Progress:
    """A progress bar on the terminal, redrawn every 1% of the rows."""

    def __init__(self, total: int):
        self.total, self.done, self.shown = max(1, total), 0, -1

    def __call__(self, label: str, rows: int) -> None:
        self.done += rows
        percent = min(100, 100 * self.done // self.total)
        if percent != self.shown:
            self.shown = percent
            bar = "#" * (percent // 4)
            print(f"\r  [{bar:<25}] {percent:3d}% {label:<24}", end="", file=sys.stderr, flush=True)
            if percent == 100:
                print(file=sys.stderr)


def peak_memory_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fill(app, size: Size, scale: float) -> None:
    """Migrate, and generate the partnership if the database has nobody in it yet. The generator's peak memory
    is kept beside a SQLite dataset, for runs that find it cached."""
    upgrade_database(app)
    with app.app_context(), db.new_session() as session:
        from core.accounts.models import Person
        if session.scalar(select(func.count()).select_from(Person)):
            _roll_up(session)
            return
        started = time.perf_counter()
        print(f"Generating the benchmark partnership at scale {scale:g} (about {50 * scale:.0f} s on SQLite)…",
              flush=True)
        generate(session, app.config["SECRET_KEY"], size, SEED, date.today(), Progress(size.rows))
        GENERATOR_PEAK[scale] = peak_memory_mb()
        print(f"  done in {time.perf_counter() - started:.0f} s; the generator's peak memory "
              f"{GENERATOR_PEAK[scale]:.0f} MB", flush=True)
        _roll_up(session)
        if session.get_bind().dialect.name == "postgresql":
            # What autovacuum would do soon after a bulk load, done now so it does not run during the timing.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")


def _roll_up(session) -> None:
    """The days closed since the dataset was made (all of them, the first time), rolled up as the scheduler
    would have."""
    started, days = time.perf_counter(), 0
    while done := roll_up(session, utcnow()):
        session.commit()
        days += done
    if days:
        print(f"  {days} day(s) of figures rolled up in {time.perf_counter() - started:.0f} s", flush=True)


GENERATOR_PEAK: dict[float, float] = {}  # scale: MB, for the datasets this run generated or found noted


def load_dataset(app, size: Size = SIZE, scale: float = SCALE) -> dict:
    """The partnership, generated once. A SQLite file is made under another name and renamed when complete (the
    generator commits as it goes), so an interrupted run is never taken for a cached dataset."""
    url = app.config["DATABASE_URL"]
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if path is not None and not path.exists():
        partial = path.with_name(path.name + ".partial")
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
        builder = create_app({"DATABASE_URL": f"sqlite:///{partial}"})
        _fill(builder, size, scale)
        builder.extensions["database"]["engine"].dispose()
        os.replace(partial, path)
        path.with_name(path.name + ".memory").write_text(f"{GENERATOR_PEAK[scale]:.0f}\n")
    elif path is not None and path.with_name(path.name + ".memory").exists():
        GENERATOR_PEAK[scale] = float(path.with_name(path.name + ".memory").read_text())
    _fill(app, size, scale)
    with app.app_context(), db.new_session() as session:
        return _subjects(session)


def _subjects(session) -> dict:
    """Real ids for the pages that need one: busy records, as a user would open them."""
    psychologist = session.scalar(select(func.min(Consultation.psychologist_id)))
    thread = session.scalar(select(Message.consultation_id).join(Consultation, Consultation.id == Message.consultation_id)
                            .where(Consultation.psychologist_id == psychologist)
                            .group_by(Message.consultation_id).order_by(func.count().desc()).limit(1))
    register = session.execute(
        select(GroupSession.id, GroupSeries.facilitator_id).join(GroupSeries, GroupSeries.id == GroupSession.series_id)
        .join(Booking, Booking.session_id == GroupSession.id).group_by(GroupSession.id, GroupSeries.facilitator_id)
        .order_by(func.count().desc(), GroupSession.id).limit(1)).one()
    clinic = session.execute(
        select(GroupSession.id, GroupSeries.facilitator_id).join(GroupSeries, GroupSeries.id == GroupSession.series_id)
        .join(ClinicCase, ClinicCase.session_id == GroupSession.id).group_by(GroupSession.id, GroupSeries.facilitator_id)
        .order_by(func.count().desc(), GroupSession.id).limit(1)).one()
    presenter = session.scalar(select(ClinicCase.presenter_id).group_by(ClinicCase.presenter_id)
                               .order_by(func.count().desc(), ClinicCase.presenter_id).limit(1))
    from core.accounts.models import Person
    email = dict(session.execute(select(Person.id, Person.email)).all())
    return {"psychologist": email[psychologist], "thread": thread, "register": register[0],
            "facilitator": email[register[1]], "clinic": clinic[0], "clinic_facilitator": email[clinic[1]],
            "presenter": email[presenter],
            "version": session.scalar(select(func.max(TemplateVersion.id)).where(
                TemplateVersion.template_id == select(func.min(Template.id)).scalar_subquery()))}


def _signed_in(app, email: str):
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/sign-in", data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"could not sign in as {email}"
    return client


def pages(subjects: dict) -> list[tuple[str, str, str]]:
    frontline = "staff76@bench.example"
    return [
        ("Duty queue", subjects["psychologist"], "/consultations/queue"),
        ("My requests", frontline, "/consultations/mine"),
        ("Consultation thread", subjects["psychologist"], f"/consultations/{subjects['thread']}"),
        ("Session list", frontline, "/reflective-practice/"),
        ("Register", subjects["facilitator"], f"/reflective-practice/sessions/{subjects['register']}/register"),
        ("Case clinic session (facilitator)", subjects["clinic_facilitator"],
         f"/reflective-practice/sessions/{subjects['clinic']}"),
        ("Cases offered to clinics", subjects["presenter"], "/reflective-practice/cases"),
        ("Template library", frontline, "/formulations/"),
        ("Find answers: a search of common words", frontline, "/library/?q=anxious+drinking+before+appointments"),
        ("Find answers: a search of rare words", frontline, "/library/?q=literacy+deadlines+sanction"),
        ("Suggestions while typing a question", frontline, "/library/suggestions?q=she+is+drinking+in+the+morn"),
        ("Service directory search", frontline, "/directory/?q=housing+outreach"),
        ("Template history", subjects["psychologist"], f"/formulations/versions/{subjects['version']}"),
        ("Dashboard, a year, whole partnership", subjects["psychologist"], "/reach/"),
        ("Dashboard for a commissioner, last quarter", COMMISSIONER, COMMISSIONERS_QUARTER),
        ("Partnership board reports", COMMISSIONER, "/reach/board-reports"),
        ("What workers need to learn, a year", LEAD_PSYCHOLOGIST, "/reach/learning-needs?months=12"),
        ("Duty hours by psychologist, a month", LEAD_PSYCHOLOGIST, "/reach/duty-hours"),
    ]


COMMISSIONER, LEAD_PSYCHOLOGIST = "commissioner@bench.example", "psychologist1@bench.example"
COMMISSIONERS_QUARTER = f"/reach/?period={last_quarter(date.today()).key}"
COLD_DASHBOARD = "Dashboard, first view (figures worked out afresh)"
COLD_COMMISSIONER = "Dashboard for a commissioner, first view of a quarter (worked out afresh)"


def measure(app, email: str, url: str) -> dict:
    client = _signed_in(app, email)
    engine = app.extensions["database"]["engine"]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    for _ in range(WARM_UP):
        assert client.get(url).status_code == 200, url
    times = []
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(REPEATS):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", count)
    times.sort()
    return {"median": statistics.median(times), "p95": times[max(0, round(0.95 * len(times)) - 1)],
            "queries": len(statements)}


def load_test(url: str, subjects: dict) -> dict:
    """The trivial endpoint and the signed-in mix, hammered in turn through gunicorn, LOAD_SECONDS each; then
    each page on its own beside the trivial endpoint again (PAGE_SECONDS each), for its own ratio; and the
    workers' peak memory after it all."""
    port = load.free_port()
    server = load.serve(url, port)
    trivial_only = [(load.TRIVIAL, "")]
    try:
        return {**_hammer_all(port, subjects, trivial_only), "worker_mb": load.workers_peak_mb(server)}
    finally:
        load.stop(server)


def _hammer_all(port: int, subjects: dict, trivial_only: list) -> dict:
    cookies: dict[str, str] = {}
    mix, alone = [], []
    for label, email, path in pages(subjects):
        cookie = cookies.setdefault(email, load.signed_in_cookie(port, email))
        mix.append((path, cookie))
        alone.append((label, [(path, cookie)]))
    trivial, signed_in = load.compare(port, trivial_only, mix, LOAD_SECONDS)
    result = {"trivial": trivial, "mix": signed_in, "ratio": signed_in["rps"] / trivial["rps"], "pages": []}
    print(f"trivial {trivial['rps']:.0f}/s, mix {signed_in['rps']:.0f}/s: {result['ratio']:.0%}", flush=True)
    for label, requests in alone:
        beside, page = load.compare(port, trivial_only, requests, PAGE_SECONDS, rounds=2)
        result["pages"].append((label, page, page["rps"] / beside["rps"]))
        print(f"  {label}: {page['rps']:.0f}/s, {result['pages'][-1][2]:.0%} of the trivial endpoint", flush=True)
    return result


def _runs(url: str, subjects: dict) -> list[tuple]:
    """(app, label, email, path) for each key page, and for the dashboard's first views with nothing kept."""
    app = create_app({"DATABASE_URL": url})
    cold = create_app({"DATABASE_URL": url, "REACH_CACHE_SECONDS": 0})  # the dashboard keeps its figures a while
    return [(app, *page) for page in pages(subjects)] + [(cold, COLD_DASHBOARD, subjects["psychologist"], "/reach/"),
                                                         (cold, COLD_COMMISSIONER, COMMISSIONER, COMMISSIONERS_QUARTER)]


def _limits(label: str) -> tuple[float | None, int]:
    """A page's p95 target in ms (none for the dashboard's first view, held to its cached view) and its queries."""
    return {COLD_DASHBOARD: (None, TARGETS["dashboard_queries"]),
            COLD_COMMISSIONER: (TARGETS["commissioner_ms"], 8 * TARGETS["dashboard_queries"])
            }.get(label, (TARGETS["p95_ms"], TARGETS["queries"]))


def _timed(runs: list[tuple], baseline: list[tuple] | None) -> list[dict]:
    """Each page at this run's scale and, in turn with it, at scale 1, so both see the same minute of the
    machine."""
    timed = []
    for n, (which, label, email, path) in enumerate(runs):
        result = {"label": label, "at": measure(which, email, path)}
        if baseline:
            base_app, _, base_email, base_path = baseline[n]
            result["base"] = measure(base_app, base_email, base_path)
        timed.append(result)
        print(label, {k: round(v, 1) for k, v in result["at"].items()}, flush=True)
    return timed


def _checked(timed: list[dict]) -> tuple[list[str], list[str]]:
    """The table's rows and the targets missed."""
    cached = next(t["at"]["p95"] for t in timed if t["label"] == "Dashboard, a year, whole partnership")
    rows, failures = [], []
    for t in timed:
        label, at, base = t["label"], t["at"], t.get("base")
        limit, queries = _limits(label)
        limit_text = f"{limit:.0f}" if limit else f"{TARGETS['first_view_ratio']:g}× cached ({cached:.0f})"
        met = at["p95"] < (limit or TARGETS["first_view_ratio"] * cached) and at["queries"] <= queries
        if base:
            ratio = at["p95"] / base["p95"]
            met = met and ratio <= TARGETS["scale_ratio"]
            rows.append(f"| {label} | {base['median']:.1f} / {base['p95']:.1f} | {at['median']:.1f} / {at['p95']:.1f} "
                        f"| {ratio:.1f}× | {limit_text} | {base['queries']} / {at['queries']} | "
                        f"{'yes' if met else '**no**'} |")
        else:
            rows.append(f"| {label} | {at['median']:.1f} | {at['p95']:.1f} | {limit_text} | {at['queries']} | "
                        f"{'yes' if met else '**no**'} |")
        if not met:
            failures.append(label)
    return rows, failures


def main() -> int:
    url, base_url = _database_url(), _baseline_url()
    app = create_app({"DATABASE_URL": url})
    subjects = load_dataset(app)
    baseline = None
    if base_url:
        base_subjects = load_dataset(create_app({"DATABASE_URL": base_url}), Size(), 1)
        baseline = _runs(base_url, base_subjects)
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    with load.heartbeat(url), (load.heartbeat(base_url) if base_url else contextlib.nullcontext()):
        # as a running scheduler would: lead psychologists' pages show no banner
        rows, failures = _checked(_timed(_runs(url, subjects), baseline))
        throughput = load_test(url, subjects)
    checks = [(f"The signed-in mix at {TARGETS['throughput_ratio']:.0%} or more of the trivial endpoint's rate",
               f"{throughput['ratio']:.0%}", throughput["ratio"] >= TARGETS["throughput_ratio"]),
              (f"A gunicorn worker's peak memory after the mix under {TARGETS['worker_mb']:.0f} MB",
               f"{throughput['worker_mb']:.0f} MB", throughput["worker_mb"] < TARGETS["worker_mb"])]
    if SCALE in GENERATOR_PEAK:
        checks.append((f"The data generator's peak memory under {TARGETS['generator_mb']:.0f} MB",
                       f"{GENERATOR_PEAK[SCALE]:.0f} MB", GENERATOR_PEAK[SCALE] < TARGETS["generator_mb"]))
    if SCALE != 1 and not base_url:
        checks.append(("Each page within 1.5× of scale 1 (set BENCH_BASELINE_URL to a database for it)",
                       "not timed", False))
    failures += [what for what, _, met in checks if not met]
    header = (["| page | scale 1 median / p95 ms | " f"scale {SCALE:g} median / p95 ms | p95 ratio | target p95 ms | "
               "SQL queries (1 / " f"{SCALE:g}) | target met |", "|---|---|---|---|---|---|---|"] if baseline else
              ["| page | median ms | p95 ms | target p95 ms | SQL queries | target met |", "|---|---|---|---|---|---|"])
    table = "\n".join([
        f"# Benchmark results ({backend}, {date.today():%d %B %Y})", "",
        f"Dataset (scale {SCALE:g}): {SIZE.staff:,} staff, {SIZE.consultations:,} consultations, "
        f"{SIZE.messages:,} messages, {SIZE.sessions:,} sessions, {SIZE.bookings:,} bookings, "
        f"{SIZE.formulations:,} formulations, {SIZE.notes:,} practice notes, {SIZE.services:,} services (seed {SEED}).",
        f"Server time in milliseconds over {REPEATS} requests after {WARM_UP} warm-up requests, in-process"
        + (", each page at scale 1 and this scale in turn" if baseline else "") + ".", "",
        *header, *rows, "",
        f"Under gunicorn (2 workers, loopback, {LOAD_SECONDS} s each in four alternating rounds, "
        f"{load.CLIENT_PROCESSES} clients keeping their cookies as browsers do):", "",
        "| requests | per second | median ms | p95 ms | errors |", "|---|---|---|---|---|",
        *[f"| {name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['errors']} |"
          for name, r in (("Trivial endpoint (/healthz)", throughput["trivial"]),
                          ("Signed-in mix of the key pages", throughput["mix"]))], "",
        "| target | measured | met |", "|---|---|---|",
        *[f"| {what} | {measured} | {'yes' if met else '**no**'} |" for what, measured, met in checks], "",
        f"Each page on its own ({PAGE_SECONDS:g} s, in two rounds alternating with the trivial endpoint):", "",
        "| page | per second | median ms | p95 ms | share of the trivial endpoint's rate |", "|---|---|---|---|---|",
        *[f"| {label} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {ratio:.0%} |"
          for label, r, ratio in throughput["pages"]], ""])
    name = ("results" if backend == "SQLite" else "results-postgresql") + ("" if SCALE == 1 else f"-x{SCALE:g}")
    results = RESULTS.with_name(f"{name}.md")
    results.write_text(table, encoding="utf-8")
    print(f"\nWritten to {results.relative_to(PROJECT_ROOT)}.")
    if failures:
        print("Targets missed: " + ", ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
