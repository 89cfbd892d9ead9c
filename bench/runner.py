"""`python -m bench` (what `make bench` runs): build or reuse a database, serve it, measure it.

1. Build (unless --reuse): `flask db upgrade`, `seed`, `demo-data --calls N --seed S` (timed), in-process.
2. Prepare: the bench accounts and the records to time (`hotline.benchmark.prepare`).
3. Serve: gunicorn with several workers on 127.0.0.1 and a free port, the app built with
   `BENCH_BASELINE=True` (the baseline endpoint and the `X-Query-Count` header exist only then).
4. Measure over HTTP (`bench/load.py`), print the table and write it as JSON under bench/results/.

Why a package outside `hotline/`: it is a client of the app, never part of it. It drives the
served app over real sockets like a browser would, needs a load generator the app does not
(aiohttp, pinned in requirements-dev.txt), and must not be deployed with it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from bench import load

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = f"sqlite:///{ROOT / 'instance' / 'bench.db'}"


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL)
    p.add_argument("--calls", type=int, default=100_000, help="contacts to generate on an empty database")
    p.add_argument("--seed", type=int, default=1818)
    p.add_argument("--reuse", action="store_true", help="time the data already in the database")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    p.add_argument("--runs", type=int, default=30, help="requests per page after a warm-up")
    p.add_argument("--page-seconds", type=float, default=20.0, help="time cap per page")
    p.add_argument("--throughput-seconds", type=float, default=20.0)
    p.add_argument("--clients", type=int, default=4, help="concurrent clients for the throughput")
    p.add_argument("--export-seconds", type=float, default=120.0, help="time cap per download")
    p.add_argument("--out", type=Path, default=RESULTS)
    return p.parse_args(argv)


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env.setdefault("HOTLINE_ENV", "development")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def calls_in(url: str) -> int | None:
    """Contacts in the database; None when it has no schema yet."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("calls"):
                return None
            return int(connection.execute(text("SELECT COUNT(*) FROM calls")).scalar() or 0)
    finally:
        engine.dispose()


def build(url: str, calls: int, seed: int) -> dict[str, Any]:
    """`db upgrade`, `seed` and `demo-data`: the app's own commands, run in this process (one app
    start instead of three); demo-data is timed on its own."""
    from flask_migrate import upgrade

    from hotline import create_app
    from hotline.extensions import db

    started = time.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    cli = app.test_cli_runner()  # click's in-process runner: the same commands as `flask ...`
    with app.app_context():
        upgrade()
    outputs = []
    timings = {}
    for args in (["seed"], ["demo-data", "--calls", str(calls), "--seed", str(seed)]):
        t = time.perf_counter()
        result = cli.invoke(args=args)
        timings[args[0]] = time.perf_counter() - t
        if result.exit_code != 0:
            raise load.BenchError(f"flask {args[0]} failed: {result.output[-2000:]}") from result.exception
        outputs.append(result.output)
    with app.app_context():
        db.engine.dispose()
    summary = next((line for line in outputs[-1].splitlines() if line.startswith("demo-data:")), "")
    return {
        "calls": calls,
        "seed": seed,
        "demo_data_seconds": round(timings["demo-data"], 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "summary": summary,
        "load": load.load_average(),
    }


def prepare(url: str) -> dict[str, Any]:
    from hotline import benchmark, create_app
    from hotline.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        fixtures = benchmark.prepare()
        db.session.remove()
        db.engine.dispose()
    return fixtures


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving the bench app on 127.0.0.1 (only there)."""

    def __init__(self, url: str, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = {"BENCH_BASELINE": True, "SQLALCHEMY_DATABASE_URI": url}
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "600",
            "--log-level",
            "warning",
            f"hotline:create_app({config!r})",
        ]
        self.url = url
        self.process: subprocess.Popen[bytes] | None = None
        self.workers_wanted = workers

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=_env(self.url))  # noqa: S603  (our own interpreter)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise load.BenchError(f"gunicorn stopped at start (exit {self.process.returncode})")
            with suppress(OSError), urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as r:  # noqa: S310  (127.0.0.1)
                if r.status == 200 and len(self.workers()) >= self.workers_wanted:
                    return
            time.sleep(0.3)
        raise load.BenchError("gunicorn did not answer /healthz within 60 s")

    def workers(self) -> list[int]:
        if self.process is None:
            return []
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        with suppress(OSError):
            return [int(p) for p in children.read_text().split()]
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with suppress(OSError, ValueError, IndexError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(stat.parent.name))
        return found

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # our own gunicorn master, by its pid
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def serving(url: str, workers: int):  # type: ignore[no-untyped-def]
    server = Server(url, workers)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def describe(url: str) -> str:
    parsed = make_url(url)
    return f"{parsed.get_backend_name()}:{Path(parsed.database or '').name}"


def print_table(report: dict[str, Any]) -> None:
    meta = report["meta"]
    say(f"data set: {meta['counts']}  database: {meta['database']}  workers: {meta['workers']}")
    say(f"{'page':<30}{'status':>7}{'runs':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'queries':>9}  load")
    for p in report["pages"]:
        queries = "-" if p["queries"] is None else str(p["queries"])
        say(
            f"{p['name']:<30}{p['status']:>7}{p['runs']:>6}{p['p50_ms']:>10.1f}{p['p95_ms']:>10.1f}"
            f"{p['p99_ms']:>10.1f}{queries:>9}  {p['load']} {p['note']}"
        )
    for t in report["throughput"]:
        say(
            f"{t['name']:<40} {t['clients']} clients {t['per_second']:>8.2f}/s  done {t['done']}, "
            f"failed {t['failed']}, p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms  {t['load']}"
        )
    if report.get("intake_vs_baseline") is not None:
        say(f"intake / baseline throughput: {report['intake_vs_baseline']:.3f}")
    for e in report["exports"]:
        say(
            f"{e['name']:<30}{e['status']:>5} {e['rows']:>9} rows {e['seconds']:>8.2f} s "
            f"{e['rows_per_second']:>10.1f} rows/s  peak RSS {e['peak_rss_mb']} MB  {e['load']} {e['note']}"
        )
    for s in report["skipped"]:
        say(f"skipped {s['name']}: {s['reason']}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database_url
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    meta: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": describe(url),
        "workers": args.workers,
        "load_at_start": load.load_average(),
    }
    present = calls_in(url)
    if not args.reuse:
        if present:
            raise load.BenchError(
                f"{describe(url)} already holds {present:,} contacts: use --reuse, or empty it"
            )
        say(f"building {args.calls:,} contacts in {describe(url)} ...")
        meta["build"] = build(url, args.calls, args.seed)
        say(f"  {meta['build']['summary']} (demo-data {meta['build']['demo_data_seconds']} s)")
    elif present is None:
        raise load.BenchError(f"{describe(url)} has no schema: run without --reuse to build it")
    fixtures = prepare(url)
    meta["counts"] = fixtures["counts"]
    limits = load.Limits(
        runs=args.runs,
        page_seconds=args.page_seconds,
        throughput_seconds=args.throughput_seconds,
        throughput_clients=args.clients,
        export_seconds=args.export_seconds,
    )
    meta["limits"] = asdict(limits)
    # The load runs in a thread of its own: its event loop never meets one already running in this
    # process (Playwright's, when the harness runs inside the test suite).
    with serving(url, args.workers) as server, ThreadPoolExecutor(max_workers=1) as pool:
        results = pool.submit(
            lambda: asyncio.run(load.run(server.base, fixtures, limits, server.workers))
        ).result()
    meta["load_at_end"] = load.load_average()
    report: dict[str, Any] = {"meta": meta, **results.as_dict()}
    rates = {t["name"].split(" ")[0]: t["per_second"] for t in report["throughput"]}
    report["intake_vs_baseline"] = (
        round(rates["intake"] / rates["baseline"], 3) if rates.get("baseline") and "intake" in rates else None
    )
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.out / f"{stamp}-{make_url(url).get_backend_name()}-{fixtures['counts']['calls']}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    report["path"] = str(path)
    print_table(report)
    say(f"written: {path}")
    return 0
