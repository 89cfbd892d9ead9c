"""The whole load benchmark, small: 2,000 contacts, gunicorn on 127.0.0.1, every figure produced.

No timing is asserted (the machine is shared): the run must produce a figure for every core page,
the throughput of the intake and of the baseline, the exports, and the JSON file.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from bench import load, runner

CORE_PAGES = {
    "case list",
    "case list filtered",
    "search: reference",
    "search: name",
    "search: phone",
    "search: document",
    "case page",
    "calls queue",
    "partner portal list",
    "dashboard, a year",
    "working-group report, a month",
}


@pytest.fixture
def loop_already_running():
    """As in a test process where Playwright's sync API runs an event loop in this thread."""
    loop = asyncio.new_event_loop()
    asyncio.events._set_running_loop(loop)
    yield
    asyncio.events._set_running_loop(None)
    loop.close()


def test_the_whole_harness_on_2000_calls(tmp_path, capsys, loop_already_running):
    url = f"sqlite:///{tmp_path}/bench.db"
    out = tmp_path / "results"
    args = ["--database-url", url, "--calls", "2000", "--workers", "2", "--runs", "2", "--clients", "2"]
    args += [
        "--page-seconds",
        "5",
        "--throughput-seconds",
        "1.5",
        "--export-seconds",
        "20",
        "--out",
        str(out),
    ]

    assert runner.main(args) == 0

    [written] = list(out.glob("*-sqlite-2000.json"))
    report = json.loads(written.read_text())
    assert report["meta"]["counts"]["calls"] == 2000
    assert report["meta"]["build"]["demo_data_seconds"] > 0
    pages = {p["name"]: p for p in report["pages"]}
    assert set(pages) >= CORE_PAGES, report["skipped"]
    for name in CORE_PAGES:
        page = pages[name]
        assert page["status"] == 200, page
        assert page["runs"] >= 1 and 0 < page["p50_ms"] <= page["p95_ms"] <= page["p99_ms"], page
        assert page["queries"] and page["queries"] > 0, page  # the bench-only X-Query-Count header
        assert len(page["load"]) == 3
    rates = {t["name"].split(" ")[0]: t for t in report["throughput"]}
    assert rates["intake"]["done"] > 0 and rates["intake"]["failed"] == 0
    assert rates["baseline"]["done"] > 0 and rates["baseline"]["failed"] == 0
    assert report["intake_vs_baseline"] > 0
    exports = {e["name"].split(" ")[1]: e for e in report["exports"]}
    for key in ("calls.csv", "calls.xlsx", "cases.csv", "cases.xlsx", "referrals.csv", "referrals.xlsx"):
        assert exports[key]["status"] == 200 and exports[key]["rows"] > 0, exports.get(key)
        assert exports[key]["peak_rss_mb"] and exports[key]["peak_rss_mb"] > 10
    skipped = {s["name"] for s in report["skipped"]}
    assert all(key in exports or f"export {key}" in skipped for key in ("htcds.csv", "htcds.xlsx"))
    printed = capsys.readouterr().out
    assert "case list" in printed and "intake / baseline" in printed and str(written) in printed

    # A second run refuses to build over the data (and never silently times another data set).
    with pytest.raises(load.BenchError, match=r"already holds 2,0\d\d contacts"):
        runner.main(args)


def test_the_search_form_is_read_from_the_page():
    get_form = '<form method="get" action="/cases/" role="search"><input name="q" id="q"></form>'
    assert load.find_form(get_form, "q") == {"method": "get", "action": "/cases/", "hidden": {}}
    post_form = (
        '<form action="/other"><input name="x"></form>'
        '<form method="post" action="/cases/search"><input id="csrf_token" name="csrf_token" type="hidden" '
        'value="abc&amp;1"><input name="q"></form>'
    )
    assert load.find_form(post_form, "q") == {
        "method": "post",
        "action": "/cases/search",
        "hidden": {"csrf_token": "abc&1"},
    }
    assert load.find_form(get_form, "nothing") is None
    assert load.csrf_token(post_form) == "abc&1"


def test_rows_are_counted_in_csv_and_xlsx():
    import io

    from openpyxl import Workbook

    assert load._count_rows(b'id,note\n1,"two\nlines"\n2,x\n', xlsx=False) == 2
    book = Workbook()
    sheet = book.active
    for row in (["id"], [1], [2], [3]):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    assert load._count_rows(buffer.getvalue(), xlsx=True) == 3
    assert load.percentile([5.0, 1.0, 3.0], 0.5) == 3.0


def test_the_baseline_and_the_query_header_exist_only_in_bench_mode(app, client):
    from hotline import create_app

    assert "bench.baseline" not in app.url_map._rules_by_endpoint
    assert "X-Query-Count" not in client.get("/healthz").headers
    bench_app = create_app({**app.config, "BENCH_BASELINE": True})
    assert "bench.baseline" in bench_app.url_map._rules_by_endpoint
    with bench_app.test_client() as bench_client:
        assert bench_client.get("/healthz").headers["X-Query-Count"].isdigit()
        # Signed out: the login page; and never without a CSRF token once signed in (CSRFProtect).
        assert bench_client.post("/bench/baseline").status_code in (302, 400, 401)
