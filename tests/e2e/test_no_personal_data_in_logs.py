"""No name or phone number in the server's logs, in any URL, or in the browser's history.

The real app runs under gunicorn in a subprocess on 127.0.0.1 (a free port), with a temporary seeded
SQLite database, its access log and error log in one file at debug level, the app's own loggers at
DEBUG into the same file, and an access-log format stricter than the README's: the whole request
line (with its query string) and the Referer. An operator signs in in the system Chromium with a
real profile, searches by a name and by a phone, opens the case and goes back. Then neither string
may appear in the log file, in any URL the browser requested or navigated to, in any Referer, or in
the profile's own history database (what chrome://history shows).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote_plus

import pytest

from tests.conftest import CHROMIUM

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NAME = "Zoraida Quillahuamán Huarcaya"
PHONE = "956 321 478"
OPERATOR = ("operadora@demo.pe", "turno-manana-1818")
# Stricter than the README's format (%(U)s, the path alone): the full request line and the Referer,
# so the test shows that the app keeps data out of URLs, not only that the log format drops it.
ACCESS_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)ss'

SEED = f"""
from flask_migrate import upgrade
from sqlalchemy import select
from wsgi import app
from hotline.extensions import db
from hotline.auth.models import User
from hotline.cases import services

with app.app_context():
    upgrade()
    runner = app.test_cli_runner()
    for command in (["seed"], ["demo"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    operator = db.session.scalar(select(User).where(User.email == {OPERATOR[0]!r}))
    case = services.open_case(
        facts=services.CaseFacts(narrative="Oferta de trabajo falsa en una mina.", region_ubigeo="17"),
        actor=operator,
    )
    person = services.PersonData(role="victim", name={NAME!r}, phone={PHONE!r})
    services.add_person(case, person, actor=operator)
    db.session.commit()
    import sys
    sys.stdout.write(f"CASE {{case.id}} {{case.reference}}\\n")
"""

GUNICORN_CONF = """
import logging

def post_fork(server, worker):
    # The app's own loggers (hotline.*, flask, sqlalchemy warnings) at DEBUG into the same file.
    handler = logging.FileHandler({log!r})
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
"""


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _leaks(text: str) -> list[str]:
    """What of NAME or PHONE shows in `text`: any word of the name (any case or accents, encoded or
    not), or the phone's last six digits with any separators between them."""
    forms = (text, unquote_plus(text))
    found = [word for word in NAME.split() if any(_fold(word) in _fold(f) for f in forms)]
    digits = re.sub(r"\D", "", PHONE)[-6:]
    pattern = re.compile(r"\D{0,3}".join(digits))
    found += [digits for f in forms if pattern.search(f)]
    return sorted(set(found))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    tmp = tmp_path_factory.mktemp("no-pii")
    log = tmp / "server.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DATABASE_", "FLASK_"))},
        "HOTLINE_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp / 'hotline.db'}",
        "PYTHONUNBUFFERED": "1",
    }
    seeded = subprocess.run(
        [sys.executable, "-c", SEED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    case_id, reference = re.search(r"CASE (\d+) (\S+)", seeded.stdout).groups()  # type: ignore[union-attr]
    conf = tmp / "gunicorn.conf.py"
    conf.write_text(GUNICORN_CONF.format(log=str(log)))
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(conf),
        "-w",
        "1",
        "--threads",
        "4",
        "-b",
        "127.0.0.1:0",
        "--access-logfile",
        str(log),
        "--error-logfile",
        str(log),
        "--log-level",
        "debug",
        "--capture-output",
        "--no-control-socket",
        "--access-logformat",
        ACCESS_FORMAT,
        "wsgi:app",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        url = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            match = re.search(
                r"Listening at: (http://127\.0\.0\.1:\d+)", log.read_text() if log.exists() else ""
            )
            booted = log.exists() and "Booting worker" in log.read_text()
            if match and booted:
                url = match.group(1)
                break
            time.sleep(0.2)
        assert url, (log.read_text() if log.exists() else "no log")[-3000:]
        yield {
            "url": url,
            "log": log,
            "case_id": int(case_id),
            "reference": reference,
            "profile": tmp / "profile",
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _search(page, base: str, text: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(base + "/cases/")
    page.fill("#q", text)
    with page.expect_navigation():
        page.click("form.case-filters .search-row button[type=submit]")
    assert "?s=" in page.url
    return page.url


def test_searching_leaves_no_name_or_phone_in_logs_urls_or_history(browser, server):  # type: ignore[no-untyped-def]
    base = str(server["url"])
    profile = Path(str(server["profile"]))
    # A real profile (not an incognito context) so that Chromium keeps its history database.
    context = browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        locale="es-PE",
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"],
    )
    urls: list[str] = []
    navigated: list[str] = []
    referers: list[str] = []
    outside: list[str] = []
    page = context.new_page()

    def on_request(request) -> None:  # type: ignore[no-untyped-def]
        urls.append(request.url)
        if not request.url.startswith((base, "data:", "about:")):
            outside.append(request.url)
        referer = request.headers.get("referer")
        if referer:
            referers.append(referer)

    page.on("request", on_request)
    page.on("framenavigated", lambda frame: navigated.append(frame.url))
    try:
        page.goto(base + "/login")
        page.fill("#email", OPERATOR[0])
        page.fill("#password", OPERATOR[1])
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_url("**/app")

        by_name = _search(page, base, NAME)
        assert server["reference"] in page.inner_text("table.cases")
        by_phone = _search(page, base, PHONE)
        assert server["reference"] in page.inner_text("table.cases")
        assert by_name != by_phone  # each search has its own key

        with page.expect_navigation():
            page.click(f"text={server['reference']}")
        assert page.url == f"{base}/cases/{server['case_id']}"
        assert NAME in page.inner_text("main")  # the data is on the page, where it belongs
        page.go_back()  # the results page comes back from its key while the key lives
        page.wait_for_url("**/cases/?s=*")
        assert server["reference"] in page.inner_text("table.cases")
        entries = page.evaluate("history.length")
    finally:
        context.close()

    # login, app, list, results, list, results, case, (back)
    assert entries >= 6, entries
    assert outside == [], outside
    assert len(navigated) >= entries and urls
    for where, items in (("requested", urls), ("navigated", navigated), ("referer", referers)):
        for url in items:
            assert _leaks(url) == [], f"{where}: {url}"

    with sqlite3.connect(profile / "Default" / "History") as history:
        visited = [row[0] for row in history.execute("SELECT url FROM urls")]
    assert any("/cases/?s=" in url for url in visited), visited  # the history database is the real one
    for url in visited:
        assert _leaks(url) == [], f"history: {url}"

    log = Path(str(server["log"])).read_text()
    assert "POST /cases/search" in log and "GET /cases/?s=" in log  # the access log is there, full lines
    assert " DEBUG " in log or "[DEBUG]" in log  # and at debug level
    assert _leaks(log) == [], [line for line in log.splitlines() if _leaks(line)][:5]


def test_the_readme_access_log_format_leaves_out_query_strings_and_referers():
    readme = (ROOT / "README.md").read_text()
    formats = re.findall(r"--access-logformat '([^']+)'", readme)
    assert formats, "the README shows the gunicorn command with its access-log format"
    for fmt in formats:
        assert "%(U)s" in fmt
        for leaky in ("%(r)s", "%(q)s", "%(f)s", "%({"):
            assert leaky not in fmt, (leaky, fmt)
