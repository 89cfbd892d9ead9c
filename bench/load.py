"""The load generator: real HTTP sessions (aiohttp) against the app served by gunicorn on 127.0.0.1.

Every figure is taken the way a browser would get it: signed in (two-step code included), CSRF
token read from the page, redirects followed, downloads read to their last byte. Loops are bounded
twice, by a count and by a time cap, so a slow page makes a short row, never a hung run.
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import os
import re
import statistics
import time
import zipfile
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import pyotp

from hotline.benchmark import BENCH_PASSWORD, BENCH_TOTP_SECRET, QUERY_HEADER

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
FORM_RE = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ATTR_RE = re.compile(r'([a-zA-Z_:-]+)="([^"]*)"')
EXPORT_LINK_RE = re.compile(r'href="(/reports/exports/([a-z_]+)\.(csv|xlsx)[^"]*)"')


class BenchError(RuntimeError):
    """The harness could not do what it measures (sign in, find a form): the run stops."""


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@dataclass
class PageFigure:
    name: str
    path: str
    status: int
    runs: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    queries: int | None  # the most any run made (redirect chain summed)
    load: list[float]
    note: str = ""


@dataclass
class Throughput:
    name: str
    clients: int
    seconds: float
    done: int
    failed: int
    per_second: float
    p50_ms: float
    p95_ms: float
    load: list[float]


@dataclass
class ExportFigure:
    name: str
    status: int
    rows: int
    bytes: int
    seconds: float
    rows_per_second: float
    peak_rss_mb: float | None
    load: list[float]
    note: str = ""


@dataclass
class Results:
    pages: list[PageFigure] = field(default_factory=list)
    throughput: list[Throughput] = field(default_factory=list)
    exports: list[ExportFigure] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Limits:
    runs: int = 30  # requests per page (after one warm-up)
    page_seconds: float = 20.0  # ...or fewer when a page takes longer than this in all
    throughput_seconds: float = 20.0
    throughput_clients: int = 4
    export_seconds: float = 120.0  # a download still going then is cut and its rate noted


def csrf_token(page: str) -> str | None:
    match = CSRF_RE.search(page)
    return html.unescape(match.group(1) or match.group(2)) if match else None


def find_form(page: str, field_name: str) -> dict[str, Any] | None:
    """The first form that has a field called `field_name`: its method, action and hidden fields."""
    for attrs, body in FORM_RE.findall(page):
        if f'name="{field_name}"' not in body:
            continue
        attributes = dict(ATTR_RE.findall(attrs))
        hidden = {}
        for tag in re.findall(r"<input\b[^>]*>", body):
            a = dict(ATTR_RE.findall(tag))
            if a.get("type") == "hidden" and a.get("name"):
                hidden[a["name"]] = html.unescape(a.get("value", ""))
        return {
            "method": attributes.get("method", "get").lower(),
            "action": html.unescape(attributes.get("action", "")),
            "hidden": hidden,
        }
    return None


def _queries(response: aiohttp.ClientResponse) -> int | None:
    counts = [r.headers.get(QUERY_HEADER) for r in (*response.history, response)]
    known = [int(c) for c in counts if c is not None and c.isdigit()]
    return sum(known) if known else None


class Bench:
    def __init__(self, base: str, fixtures: dict[str, Any], limits: Limits, workers: Callable[[], list[int]]):
        self.base = base
        self.fixtures = fixtures
        self.limits = limits
        self.workers = workers  # the gunicorn worker pids, for their peak memory
        self.results = Results()
        self.sessions: list[aiohttp.ClientSession] = []
        self.signed_in: dict[str, list[aiohttp.ClientSession]] = {}

    # --- sessions ---------------------------------------------------------------------------------

    async def session(self) -> aiohttp.ClientSession:
        # unsafe=True: keep cookies for an IP address host (127.0.0.1), which aiohttp drops by default.
        s = aiohttp.ClientSession(
            self.base,
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=aiohttp.ClientTimeout(total=None, sock_read=self.limits.export_seconds + 60),
        )
        self.sessions.append(s)
        return s

    async def close(self) -> None:
        for s in self.sessions:
            await s.close()

    async def text(self, s: aiohttp.ClientSession, path: str) -> str:
        async with s.get(path) as r:
            if r.status != 200:
                raise BenchError(f"GET {urlsplit(path).path} answered {r.status}")
            return await r.text()

    async def login(self, role: str, n: int = 0) -> aiohttp.ClientSession:
        """The n-th signed-in session of the role's bench account (each signs in once per run: a
        two-step code is good once, so a second sign-in within 30 s would wait for the next)."""
        sessions = self.signed_in.setdefault(role, [])
        while len(sessions) <= n:
            sessions.append(await self._sign_in(role))
        return sessions[n]

    async def _sign_in(self, role: str) -> aiohttp.ClientSession:
        s = await self.session()
        email = self.fixtures["users"][role]
        token = csrf_token(await self.text(s, "/login"))
        data = {"email": email, "password": BENCH_PASSWORD, "csrf_token": token or ""}
        async with s.post("/login", data=data, allow_redirects=False) as r:
            if r.status != 302:
                raise BenchError(f"bench sign-in of {role} answered {r.status}")
            location = r.headers.get("Location", "")
        if urlsplit(location).path == "/login/code":
            for attempt in range(2):  # a run a moment ago may have used this code: then the next one
                token = csrf_token(await self.text(s, "/login/code"))
                code = pyotp.TOTP(BENCH_TOTP_SECRET).now()
                async with s.post(
                    "/login/code", data={"code": code, "csrf_token": token or ""}, allow_redirects=False
                ) as r:
                    if r.status == 302:
                        break
                if attempt == 0:
                    await asyncio.sleep(30 - time.time() % 30 + 0.5)
            else:
                raise BenchError(f"bench second step of {role} failed")
        return s

    # --- pages ------------------------------------------------------------------------------------

    async def page(
        self, name: str, path: str, request: Callable[[], Awaitable[aiohttp.ClientResponse]]
    ) -> None:
        limits = self.limits
        response = await request()  # warm-up: templates compiled, connection pools filled
        samples: list[float] = []
        queries: list[int] = []
        statuses = {response.status}
        started = time.perf_counter()
        while len(samples) < limits.runs and (time.perf_counter() - started) < limits.page_seconds:
            t = time.perf_counter()
            response = await request()
            samples.append((time.perf_counter() - t) * 1000)
            statuses.add(response.status)
            q = _queries(response)
            if q is not None:
                queries.append(q)
        status = max(statuses)
        self.results.pages.append(
            PageFigure(
                name=name,
                path=path,
                status=status,
                runs=len(samples),
                p50_ms=round(statistics.median(samples), 1),
                p95_ms=round(percentile(samples, 0.95), 1),
                p99_ms=round(percentile(samples, 0.99), 1),
                queries=max(queries) if queries else None,
                load=load_average(),
                note="" if len(statuses) == 1 else f"statuses {sorted(statuses)}",
            )
        )

    def get(self, s: aiohttp.ClientSession, path: str) -> Callable[[], Awaitable[aiohttp.ClientResponse]]:
        async def request() -> aiohttp.ClientResponse:
            async with s.get(path) as r:
                await r.read()
                return r

        return request

    async def search(self, s: aiohttp.ClientSession, name: str, q: str) -> None:
        """Whatever the case list's search form is (GET ?q=, or POST then a redirect to an opaque
        key): read it from the page and submit it as a browser would, timing the whole chain."""
        form = find_form(await self.text(s, "/cases/"), "q")
        if form is None:
            self.results.skipped.append({"name": name, "reason": "not available: no search form on /cases/"})
            return
        action = form["action"] or "/cases/"
        if form["method"] == "post":
            data = {**form["hidden"], "q": q}

            async def request() -> aiohttp.ClientResponse:
                async with s.post(action, data=data) as r:
                    await r.read()
                    return r
        else:

            async def request() -> aiohttp.ClientResponse:
                async with s.get(action, params={"q": q}) as r:
                    await r.read()
                    return r

        await self.page(name, f"{form['method'].upper()} {urlsplit(action).path}", request)

    async def pages(self) -> None:
        f = self.fixtures
        operator = await self.login("operator")
        manager = await self.login("manager")
        partner = await self.login("partner")
        today = time.gmtime()
        year = today.tm_year - 1
        month = today.tm_mon - 1  # the last complete one (the working group publishes months)
        m_year = today.tm_year if month else today.tm_year - 1
        month = month or 12
        plain = [
            ("case list", operator, "/cases/"),
            ("case list filtered", operator, "/cases/?status=referred&risk=high&region=15"),
        ]
        for name, s, path in plain:
            await self.page(name, path, self.get(s, path))
        await self.search(operator, "search: reference", f["reference"])
        await self.search(operator, "search: name", f["name"])
        await self.search(operator, "search: phone", f["phone"])
        await self.search(operator, "search: document", f["document"])
        more = [
            ("case page", operator, f"/cases/{f['case_id']}"),
            ("calls queue", operator, "/calls/"),
            ("partner portal list", partner, "/portal/referrals/"),
            ("dashboard, a year", manager, f"/reports/?start={year}-01-01&end={year}-12-31"),
            (
                "working-group report, a month",
                manager,
                f"/reports/working-group?kind=month&year={m_year}&number={month}",
            ),
        ]
        for name, s, path in more:
            await self.page(name, path, self.get(s, path))

    # --- throughput -------------------------------------------------------------------------------

    async def throughput(
        self, name: str, clients: list[tuple[aiohttp.ClientSession, Callable[[], Awaitable[bool]]]]
    ) -> None:
        deadline = time.perf_counter() + self.limits.throughput_seconds
        latencies: list[float] = []
        failed = 0

        async def client(work: Callable[[], Awaitable[bool]]) -> None:
            nonlocal failed
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                ok = await work()
                latencies.append((time.perf_counter() - t) * 1000)
                failed += 0 if ok else 1

        started = time.perf_counter()
        await asyncio.gather(*(client(work) for _s, work in clients))
        elapsed = time.perf_counter() - started
        done = len(latencies) - failed
        self.results.throughput.append(
            Throughput(
                name=name,
                clients=len(clients),
                seconds=round(elapsed, 2),
                done=done,
                failed=failed,
                per_second=round(done / elapsed, 2),
                p50_ms=round(statistics.median(latencies), 1) if latencies else 0.0,
                p95_ms=round(percentile(latencies, 0.95), 1) if latencies else 0.0,
                load=load_average(),
            )
        )

    async def intake_client(self, n: int) -> tuple[aiohttp.ClientSession, Callable[[], Awaitable[bool]]]:
        s = await self.login("operator", n)
        token = csrf_token(await self.text(s, "/calls/new")) or ""
        counter = 0

        async def work() -> bool:
            nonlocal counter
            counter += 1
            data = {
                "csrf_token": token,
                "kind": "trafficking_report",
                "channel": "phone",
                "caller_number": f"98{n}{counter % 10**6:06d}",
                "caller_type": "anonymous",
                "language": "es",
                "summary": "Bench intake: a job offer in a mine, documents kept.",
                "case_choice": "new",
                "risk": "normal",
                "region": "15",
                "province": "1501",
                "indicators": "false_job_offer",
                "victim_count": "1",
                "narrative": "Bench intake narrative.",
            }
            async with s.post("/calls/new", data=data, allow_redirects=False) as r:
                await r.read()
                return r.status == 302 and "/cases/" in r.headers.get("Location", "")

        return s, work

    async def baseline_client(self, n: int) -> tuple[aiohttp.ClientSession, Callable[[], Awaitable[bool]]]:
        s = await self.login("operator", n)
        token = csrf_token(await self.text(s, "/calls/new")) or ""

        async def work() -> bool:
            async with s.post("/bench/baseline", data={"csrf_token": token}, allow_redirects=False) as r:
                await r.read()
                return r.status == 201

        return s, work

    async def intake(self) -> None:
        n = self.limits.throughput_clients
        await self.throughput(
            "intake (a call that opens a case)", [await self.intake_client(i) for i in range(n)]
        )
        await self.throughput(
            "baseline (sign-in, CSRF, one insert)", [await self.baseline_client(i) for i in range(n)]
        )

    # --- exports ----------------------------------------------------------------------------------

    def _reset_peaks(self) -> None:
        for pid in self.workers():
            with suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM (Linux)

    def _peak_rss_mb(self) -> float | None:
        peaks = []
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)))
        return round(max(peaks) / 1024, 1) if peaks else None

    async def download(
        self, s: aiohttp.ClientSession, name: str, method: str, path: str, data: Any = None, note: str = ""
    ) -> None:
        self._reset_peaks()
        started = time.perf_counter()
        cut = False
        buffer = io.BytesIO()
        status, kind = 0, ""
        wait = aiohttp.ClientTimeout(total=None, sock_read=self.limits.export_seconds + 5)
        try:
            async with s.request(method, path, data=data, timeout=wait) as r:
                status, kind = r.status, r.headers.get("Content-Type", "")
                async for chunk in r.content.iter_chunked(1 << 16):
                    buffer.write(chunk)
                    if time.perf_counter() - started > self.limits.export_seconds:
                        cut = True
                        break
        except (TimeoutError, aiohttp.ClientError):  # no byte within the cap (a file built before sending)
            cut = True
        elapsed = time.perf_counter() - started
        body = buffer.getvalue()
        if status == 404:
            self.results.skipped.append({"name": name, "reason": f"not available: {path} answered 404"})
            return
        xlsx = "spreadsheet" in kind or path.endswith(".xlsx")
        rows = _count_rows(body, xlsx=xlsx) if status == 200 and not cut else 0
        if cut:  # the CSV lines so far; an XLSX cannot be read half-way (rows unknown: 0)
            rows = 0 if xlsx else body.count(b"\n")
        note = f"cut after {self.limits.export_seconds:.0f} s" if cut else note
        if status != 200:
            note = f"answered {status}"
        self.results.exports.append(
            ExportFigure(
                name=name,
                status=status,
                rows=rows,
                bytes=len(body),
                seconds=round(elapsed, 2),
                rows_per_second=round(rows / elapsed, 1) if elapsed else 0.0,
                peak_rss_mb=self._peak_rss_mb(),
                load=load_average(),
                note=note,
            )
        )

    async def exports(self) -> None:
        manager = await self.login("manager")
        page = await self.text(manager, "/reports/exports")
        links = {}
        for href, dataset, fmt in EXPORT_LINK_RE.findall(page):
            links.setdefault(f"{dataset}.{fmt}", html.unescape(href))
        for dataset in ("calls", "cases", "referrals", "htcds"):
            for fmt in ("csv", "xlsx"):
                key = f"{dataset}.{fmt}"
                if key in links:
                    await self.download(manager, f"export {key}", "GET", links[key])
                elif dataset == "htcds" and await self.release(manager, page, fmt):
                    continue
                else:
                    self.results.skipped.append(
                        {"name": f"export {key}", "reason": "not available: no link on /reports/exports"}
                    )

    async def release(self, s: aiohttp.ClientSession, page: str, fmt: str) -> bool:
        """The standard-form file may be a "release" made by POST for a quarter: submit that form
        with its defaults, then download the file it links to."""
        for attrs, body in FORM_RE.findall(page):
            action = html.unescape(dict(ATTR_RE.findall(attrs)).get("action", ""))
            if "releas" not in action or 'method="post"' not in attrs.lower():
                continue
            data = dict(_form_defaults(body))
            started = time.perf_counter()
            async with s.post(action, data=data) as r:
                result = await r.text()
                landed = str(r.url)
            made = f"release made by POST in {time.perf_counter() - started:.2f} s, then downloaded"
            for href in re.findall(r'href="([^"]*releas[^"]*\.' + fmt + r'[^"]*)"', result):
                url = urljoin(landed, html.unescape(href))
                await self.download(s, f"export htcds.{fmt} (release)", "GET", url, note=made)
                return True
        return False


def _form_defaults(body: str) -> list[tuple[str, str]]:
    values = []
    for tag in re.findall(r"<input\b[^>]*>", body):
        a = dict(ATTR_RE.findall(tag))
        if a.get("name") and (a.get("type") not in ("checkbox", "radio") or "checked" in tag):
            values.append((a["name"], html.unescape(a.get("value", ""))))
    for name, options in re.findall(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', options) or re.search(
            r'<option[^>]*value="([^"]*)"', options
        )
        if chosen:
            values.append((name, html.unescape(chosen.group(1))))
    return values


def _count_rows(body: bytes, *, xlsx: bool) -> int:
    """Data rows of a download (its header row not counted)."""
    if not xlsx:
        return max(sum(1 for _row in csv.reader(io.StringIO(body.decode("utf-8-sig", "replace")))) - 1, 0)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        total = 0
        for name in sheets:
            xml = archive.read(name)
            total += xml.count(b"<row ") + xml.count(b"<row>")
        return max(total - len(sheets), 0)


async def run(
    base: str, fixtures: dict[str, Any], limits: Limits, workers: Callable[[], list[int]]
) -> Results:
    bench = Bench(base, fixtures, limits, workers)
    try:
        await bench.pages()
        await bench.intake()
        await bench.exports()
    finally:
        await bench.close()
    return bench.results
