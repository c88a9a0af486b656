"""Throughput under gunicorn (2 workers, loopback): a signed-in mix of the key pages beside a trivial
endpoint of the same app, so the figure that matters is the ratio, not this machine's speed."""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from core.config import PROJECT_ROOT

from .dataset import BENCH_PASSWORD

TRIVIAL = "/healthz"
CLIENT_PROCESSES = int(os.environ.get("BENCH_CLIENTS", 4))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(database_url: str, port: int, workers: int = 2, mail: dict | None = None,
          log_path: Path | None = None) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "MAIL_BACKEND": "log", "APP_ENV": "development",
           **(mail or {})}
    process = subprocess.Popen(
        [str(PROJECT_ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=log_path.open("a") if log_path else subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _get(port, TRIVIAL)[0] in (200, 503):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not start (its log: {log_path or 'not kept'})")


@contextmanager
def heartbeat(database_url: str):
    """Keep the scheduler's heartbeat fresh while the bench runs, as a running scheduler would. The bench runs no
    scheduler (its sweeps would load the machine unevenly), and without a recent beat /healthz answers 503 and
    lead psychologists' pages show a warning, as they should in production."""
    from core.scheduler import run_sweep, sweeps_of
    from factory import create_app
    app, done = create_app({"DATABASE_URL": database_url}), threading.Event()

    def keep_beating():
        while not done.is_set():
            run_sweep(app, sweeps_of(app)["heartbeat"])  # as the scheduler runs it, committed
            done.wait(20)

    beater = threading.Thread(target=keep_beating, daemon=True)
    beater.start()
    try:
        yield
    finally:
        done.set()
        beater.join(10)
        app.extensions["database"]["engine"].dispose()


def workers_peak_mb(process: subprocess.Popen) -> float:
    """The largest peak resident memory of the server's workers (its children, as /proc lists them)."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:  # a process that ended while being read
            continue
        if fields.get("PPid", "").strip() == str(process.pid) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return max(peaks, default=0.0)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _get(port: int, path: str, cookie: str = "") -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def signed_in_cookie(port: int, email: str) -> str:
    status, body, headers = _get(port, "/sign-in")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/sign-in", body=urlencode({"email": email, "password": BENCH_PASSWORD, "csrf_token": token}),
                     headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        assert response.status == 302, f"could not sign in as {email}"
        return response.getheader("Set-Cookie").split(";", 1)[0]
    finally:
        conn.close()


def _client(port: int, requests: list[tuple[str, str]], seconds: float) -> tuple[int, list[float], int]:
    """One client process: go round the requests until the time is up, keeping each person's cookie up to
    date as a browser does (a stale cookie would make the app start their session afresh on every page)."""
    latencies, errors, n = [], 0, 0
    cookies = {cookie: cookie for _, cookie in requests}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        path, signed_in_as = requests[n % len(requests)]
        started = time.perf_counter()
        status, _, headers = _get(port, path, cookies[signed_in_as])
        latencies.append((time.perf_counter() - started) * 1000)
        if "Set-Cookie" in headers:
            cookies[signed_in_as] = headers["Set-Cookie"].split(";", 1)[0]
        errors += status >= 500 or status in (302, 403, 404)
        n += 1
    return n, latencies, errors


def hammer(port: int, requests: list[tuple[str, str]], seconds: float) -> dict:
    with ProcessPoolExecutor(CLIENT_PROCESSES) as pool:
        results = list(pool.map(_client, [port] * CLIENT_PROCESSES,
                                [requests[i::CLIENT_PROCESSES] or requests for i in range(CLIENT_PROCESSES)],
                                [seconds] * CLIENT_PROCESSES))
    return {"seconds": seconds, "requests": sum(n for n, _, _ in results),
            "latencies": [lat for _, lats, _ in results for lat in lats], "errors": sum(e for _, _, e in results)}


def summary(runs: list[dict]) -> dict:
    """Requests per second and latency percentiles over several runs of `hammer`."""
    latencies = sorted(lat for run in runs for lat in run["latencies"])
    return {"rps": sum(run["requests"] for run in runs) / sum(run["seconds"] for run in runs),
            "p50": statistics.median(latencies), "p95": latencies[int(0.95 * (len(latencies) - 1))],
            "errors": sum(run["errors"] for run in runs)}


def compare(port: int, first: list[tuple[str, str]], second: list[tuple[str, str]], seconds: float,
            rounds: int = 4) -> tuple[dict, dict]:
    """Hammer two sets of requests in turn, a few rounds each, so a change in the machine's speed during the
    run (it is shared) falls on both alike and their ratio holds."""
    first_runs, second_runs = [], []
    for _ in range(rounds):
        first_runs.append(hammer(port, first, seconds / rounds))
        second_runs.append(hammer(port, second, seconds / rounds))
    return summary(first_runs), summary(second_runs)


if __name__ == "__main__":  # a quick look by hand: python -m bench.load URL
    port = free_port()
    server = serve(sys.argv[1], port)
    try:
        print(summary([hammer(port, [(TRIVIAL, "")], 5)]))
    finally:
        stop(server)
