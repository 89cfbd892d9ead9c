"""Exports: formula neutralisation, file names, CSV and XLSX contents, identifiable exports and audit."""

from __future__ import annotations

import csv
import io
from datetime import date
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from hotline.reports import exports
from hotline.reports.filters import ReportError, ReportFilter
from tests.helpers import audit_count, last_audit
from tests.reports.helpers import MARCH

PERSONAL = ("Rosa", "Mamani", "+51", "984 112", "Los Pinos", "Narrativa", "Resumen")
TODAY = date(2026, 4, 15)
MANAGER = SimpleNamespace(id=None, role="manager", partner_id=None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+51 999", "'+51 999"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("|cmd", "'|cmd"),
        ("%0A", "'%0A"),
        ("  =HYPERLINK(x)", "'  =HYPERLINK(x)"),
        ("\ufeff=cmd", "'\ufeff=cmd"),
        ("\u00a0\u200b+cmd", "'\u00a0\u200b+cmd"),
        ("\t=cmd", "'\t=cmd"),
        ("\tplain", "'\tplain"),
        ("\r\n-x", "'\r\n-x"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("48+", "48+"),
        ("", ""),
        (5, 5),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


def test_cell_values():
    assert exports.cell(True) == 1 and exports.cell(False) == 0
    assert exports.cell("a\x00b\x07c") == "abc"  # characters XLSX cannot hold
    assert exports.cell("\x00=x") == "'=x"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("hotline", "calls", "2026-03-01"), "hotline-calls-2026-03-01.csv"),
        (("../../etc/passwd",), "etc-passwd.csv"),
        (("a\r\nContent-Type: x", 'b"; c'), "a-Content-Type-x-b-c.csv"),
        (("Región Áncash ñ",), "Regi-n-ncash.csv"),
        (("",), "export.csv"),
    ],
)
def test_safe_filename(parts, expected):
    assert exports.safe_filename(*parts, extension="csv") == expected


def test_safe_filename_extension():
    assert exports.safe_filename("x", extension="../X L/SX") == "x.xlsx"


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_calls_csv_anonymised(client, login, data):
    login("manager")
    response = client.get("/reports/exports/calls.csv?start=2026-03-01&end=2026-03-31")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="hotline-calls-anonymised-2026-03-01-2026-03-31.csv"'
    )
    rows = _csv(response)
    assert rows[0] == list(exports.CALLS.anonymised)
    body = rows[1:]
    assert len(body) == 7
    assert sorted(r[0] for r in body) == ["2026-03"] * 7
    first = body[0]  # ordered by id: the trafficking report of case A (Puno)
    assert first == ["2026-03", "phone", "trafficking_report", "", "", "60", "1", "21"]
    assert all(r[7] == "15" for r in body if r[2] == "case_followup")  # 1501 -> department 15
    text = response.get_data(as_text=True)
    assert not any(p in text for p in PERSONAL)
    assert "TP-2099" not in text
    event = last_audit("report.export")
    assert event.object_id == "calls"
    assert "calls csv anonymised, 7 rows" in event.summary
    assert "2026-03-01..2026-03-31" in event.summary


def test_cases_csv_with_filters(client, login, data):
    login("manager")
    rows = _csv(client.get("/reports/exports/cases.csv?start=2026-03-01&end=2026-03-31&region=15"))
    header, body = rows[0], rows[1:]
    assert header == list(exports.CASES.anonymised)
    assert len(body) == 2
    by_status = {r[header.index("status")]: dict(zip(header, r, strict=True)) for r in body}
    b = by_status["closed"]
    assert b["department"] == "15"
    assert b["exploitation_forms"] == "FORCED_LABOUR;LABOUR"
    assert b["victim_nationalities"] == ""
    assert b["closed_month"] == "2026-03"
    assert b["victims_recorded"] == "2"
    assert b["referrals_sent"] == "2"
    assert by_status["new"]["referrals_sent"] == "2"  # r5 and the revoked r7 were sent


def test_referrals_xlsx(client, login, data):
    login("manager")
    response = client.get("/reports/exports/referrals.xlsx?start=2026-03-01&end=2026-03-31")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["referrals"]
    rows = list(book["referrals"].iter_rows(values_only=True))
    assert list(rows[0]) == list(exports.REFERRALS.anonymised)
    assert len(rows) == 1 + 7  # r1-r7; r8 is February, r9 was never sent
    header = rows[0]
    records = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    r1 = next(r for r in records if r["outcome"] == "victim_assisted")
    assert r1 == {
        "sent_month": "2026-03",
        "partner_code": "MP-FISTRAP",
        "kind": "services",
        "risk": "urgent",
        "status": "closed",
        "hours_to_acknowledge": 1,
        "acknowledged_on_time": 1,
        "accepted": 1,
        "declined": 0,
        "outcome": "victim_assisted",
        "case_department": "21",
    }
    late = next(r for r in records if r["declined"] == 1)
    assert late["hours_to_acknowledge"] == 4 and late["acknowledged_on_time"] == 0
    assert all(isinstance(r["hours_to_acknowledge"], int | float | type(None)) for r in records)


def test_htcds_is_no_longer_an_ad_hoc_export(client, login, data):
    """The victims' file leaves only as recorded releases (tests/reports/test_releases_views.py)."""
    login("manager")
    response = client.get("/reports/exports/htcds.csv?start=2026-03-01&end=2026-03-31")
    assert response.status_code == 400
    assert "published only as recorded releases" in response.get_data(as_text=True)
    assert audit_count("report.export") == 0
    with pytest.raises(ReportError):
        exports.prepare_export("htcds", "csv", MARCH, actor=MANAGER, today=TODAY)


def test_identifiable_export_needs_a_reason(client, login, data):
    login("manager")
    form = {"dataset": "cases", "fmt": "csv", "start": "2026-03-01", "end": "2026-03-31"}
    for reason in ("", "   ", "because"):
        response = client.post_form(
            "/reports/exports/identifiable", {**form, "reason": reason}, page="/reports/exports"
        )
        assert response.status_code == 400
        assert "Write why you need identifiable data" in response.get_data(as_text=True)
    assert audit_count("report.export_identifiable") == 0


def test_identifiable_export_is_audited_with_reason_and_rows(client, login, data):
    user = login("manager")
    reason = "Prosecutor's request 123-2026, reconciliation of March"
    response = client.post_form(
        "/reports/exports/identifiable",
        {"dataset": "referrals", "fmt": "csv", "reason": reason, "start": "2026-03-01", "end": "2026-03-31"},
        page="/reports/exports",
    )
    assert response.status_code == 200
    rows = _csv(response)
    assert rows[0] == list(exports.REFERRALS.identifiable)
    assert len(rows) == 8
    header = rows[0]
    declined = next(dict(zip(header, r, strict=True)) for r in rows[1:] if r[header.index("declined")] == "1")
    assert declined["decline_reason"] == '\'=HYPERLINK("http://x") sin cupo'  # neutralised
    assert declined["sent_at"] == "2026-03-02T11:00-05:00"  # Lima time
    event = last_audit("report.export_identifiable")
    assert event.actor_id == user.id
    assert "referrals csv identifiable, 7 rows" in event.summary
    assert reason in event.summary


def test_identifiable_cases_xlsx_has_references_and_place(client, login, data):
    login("manager")
    response = client.post_form(
        "/reports/exports/identifiable",
        {
            "dataset": "cases",
            "fmt": "xlsx",
            "reason": "Data-quality check of March cases",
            "start": "2026-03-01",
            "end": "2026-03-31",
        },
        page="/reports/exports",
    )
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book["cases"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "case_reference" and sheet["A1"].font.b
    values = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(values) == 4
    assert all(str(v[0]).startswith("TP-2099-") for v in values)
    assert {v[8] for v in values} == {"Jr. Los Pinos 455"}
    flat = " ".join(str(c) for row in values for c in row)
    assert "Narrativa" not in flat and "Rosa" not in flat  # never narratives or names


def test_identifiable_export_refused_to_coordinators_by_the_service(data):
    coordinator = SimpleNamespace(id=None, role="coordinator", partner_id=None)
    with pytest.raises(ReportError):
        exports.prepare_export(
            "cases",
            "csv",
            MARCH,
            actor=coordinator,
            today=TODAY,
            identifiable=True,
            reason="A long enough reason for the test",
        )


def test_service_refuses_bad_requests(data):
    with pytest.raises(ReportError):
        exports.prepare_export("persons", "csv", MARCH, actor=MANAGER, today=TODAY)
    with pytest.raises(ReportError):
        exports.prepare_export("cases", "pdf", MARCH, actor=MANAGER, today=TODAY)
    with pytest.raises(ReportError):
        exports.prepare_export(
            "cases", "csv", ReportFilter(date(2010, 1, 1), date(2026, 1, 1)), actor=MANAGER, today=TODAY
        )
    with pytest.raises(ReportError) as refused:
        exports.prepare_export(
            "cases", "csv", MARCH, actor=MANAGER, today=TODAY, identifiable=True, reason="x"
        )
    # The message is translated (Spanish outside a request): it asks for the reason.
    assert "identificables" in str(refused.value) or "identifiable" in str(refused.value)
    with pytest.raises(ReportError):
        exports.prepare_export(
            "htcds",
            "csv",
            MARCH,
            actor=MANAGER,
            today=TODAY,
            identifiable=True,
            reason="A long enough reason for the test",
        )
    assert audit_count("report.export") == audit_count("report.export_identifiable") == 0


def test_rows_added_after_counting_are_not_exported(data):
    from tests.reports.helpers import add_call

    plan = exports.prepare_export("calls", "csv", MARCH, actor=MANAGER, today=TODAY)
    add_call("2026-03-15 10:00")
    rows = list(exports.iter_rows(plan))
    assert len(rows) == plan.rows == 7


def test_formula_in_every_text_column_is_neutralised(data):
    from tests.reports.helpers import add_call

    add_call("2026-03-16 10:00", channel="=cmd|' /C calc'!A0", kind="@SUM(1)")
    plan = exports.prepare_export("calls", "csv", MARCH, actor=MANAGER, today=TODAY)
    text = "".join(exports.stream(plan))
    assert "'=cmd|" in text and "'@SUM(1)" in text
    assert ",=cmd" not in text and ",@SUM" not in text
