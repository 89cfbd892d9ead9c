"""The working-group report: figures per partner, small numbers as "<3", the XLSX and the printable page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from hotline.reports import working_group
from hotline.reports.filters import ReportError
from hotline.reports.working_group import Period
from tests.helpers import last_audit
from tests.reports.helpers import NOW

TODAY = date(2026, 4, 15)


def report(period: Period, **kw):  # type: ignore[no-untyped-def]
    return working_group.build_report(period, locale="en", now=NOW, **kw)


def test_march_by_partner(data):
    r = report(Period("month", 2026, 3))
    by_code = {p.code: p for p in r.partners}
    assert set(by_code) == {"MP-FISTRAP", "MIMP"}
    fistrap = working_group.summary_cells("F", by_code["MP-FISTRAP"].quality, by_code["MP-FISTRAP"].ack)
    assert fistrap == [
        "F",
        "4",
        "4",
        "100 %",
        "<3",
        "4",
        "100 %",
        "<3",
        "3",
        "75 %",
        "<3",
        "<3",
        "2.5 h",
        "10.0 h",
    ]
    mimp = working_group.summary_cells("M", by_code["MIMP"].quality, by_code["MIMP"].ack)
    # Two referrals counted (the revoked one left out): every figure is below 3.
    assert mimp == ["M", "<3", "<3", "—", "<3", "<3", "—", "<3", "<3", "—", "<3", "<3", "—", "—"]
    total = working_group.summary_cells("All", r.totals, r.ack)
    assert total[1:4] == ["6", "4", "67 %"]
    assert r.outcomes == {"victim_assisted": 1, "investigation_opened": 1, "no_action": 1}
    assert r.months == ["2026-03"] and r.reasons is None


def test_quarter_adds_february(data):
    r = report(Period("quarter", 2026, 1))
    fistrap = next(p for p in r.partners if p.code == "MP-FISTRAP")
    assert fistrap.quality.counted == 5 and fistrap.quality.overdue == 1
    assert [m for m, _ in fistrap.by_month] == ["2026-01", "2026-02", "2026-03"]
    assert dict(fistrap.by_month)["2026-02"].sent == 1


def test_one_partner_and_reasons(data):
    r = report(Period("month", 2026, 3), partner_id=data.partners["MIMP"], include_reasons=True)
    assert [p.code for p in r.partners] == ["MIMP"]
    assert r.reasons == [("MIMP", "2026-03", '=HYPERLINK("http://x") sin cupo')]


@pytest.mark.parametrize(
    ("kind", "year", "number"),
    [("month", 2026, 13), ("quarter", 2026, 5), ("week", 2026, 1), ("month", 1999, 1), ("month", 2026, 5)],
)
def test_bad_periods(kind, year, number):
    with pytest.raises(ReportError):
        working_group.make_period(kind, year, number, today=TODAY)


def test_periods():
    assert Period("quarter", 2026, 4).end == date(2026, 12, 31)
    assert Period("month", 2024, 2).end == date(2024, 2, 29)
    assert working_group.last_month(date(2026, 1, 10)) == Period("month", 2025, 12)


def test_workbook(client, login, data):
    login("coordinator")
    response = client.get("/reports/working-group.xlsx?kind=month&year=2026&number=3&reasons=y")
    assert response.status_code == 200
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="hotline-working-group-2026-03.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Summary", "By month", "Outcomes", "Decline reasons", "Definitions"]
    sheet = book["Summary"]
    assert "March 2026" in sheet["A2"].value
    header = [c.value for c in sheet[5]]
    assert header[:4] == ["Partner", "Sent", "Acknowledged on time", "On time (%)"]
    assert sheet["A5"].font.b and sheet["A5"].fill.fgColor.rgb.endswith("0B4F8A")
    assert sheet.freeze_panes == "B6"
    rows = {row[0]: row for row in sheet.iter_rows(min_row=6, values_only=True)}
    fistrap = next(v for k, v in rows.items() if k.endswith("(MP-FISTRAP)"))
    assert fistrap[1:4] == ("4", "4", "100 %")
    mimp = next(v for k, v in rows.items() if k.endswith("(MIMP)"))
    assert set(mimp[1:]) <= {"<3", "—"}  # never an exact small number
    assert rows["All partners"][1] == "6"
    reasons = list(book["Decline reasons"].iter_rows(min_row=6, values_only=True))
    assert reasons == [("MIMP", "2026-03", '\'=HYPERLINK("http://x") sin cupo')]  # neutralised
    outcomes = [c.value for c in book["Outcomes"][5]]
    assert outcomes[1:] == [
        "Victim assisted",
        "Victim sheltered",
        "Investigation opened",
        "Prosecution under way",
        "No action",
        "Other outcome",
    ]
    event = last_audit("report.working_group")
    assert event.summary.startswith("xlsx 2026-03, partner all, 2 partners, decline reasons included")


def test_printable_page(client, login, data):
    login("manager")
    html = client.get("/reports/working-group?kind=month&year=2026&number=3").get_data(as_text=True)
    assert "Referrals to the working group's partners: March 2026" in html
    assert "data-print" in html and "css/reports.css" in html
    assert "&lt;3" in html
    assert "Decline reasons given by the partners" not in html and "sin cupo" not in html
    html = client.get("/reports/working-group?kind=month&year=2026&number=3&reasons=y").get_data(as_text=True)
    assert "Decline reasons given by the partners" in html and "sin cupo" in html
    assert last_audit("report.working_group").summary.startswith("page 2026-03")


def test_default_period_is_last_month(client, login, db):
    login("coordinator")
    html = client.get("/reports/working-group").get_data(as_text=True)
    assert "No referrals were sent in this period." in html


@pytest.mark.parametrize(
    "query",
    [
        "kind=month&year=2026&number=13",
        "kind=year&year=2026&number=1",
        "year=abc",
        "year=1850",
        "number=-1",
        "partner=x",
    ],
)
def test_bad_period_on_the_page(client, login, db, query):
    login("manager")
    response = client.get(f"/reports/working-group?{query}")
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert client.get(f"/reports/working-group.xlsx?{query}").status_code == 400
