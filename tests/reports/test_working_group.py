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
    # Every partner is listed, so that a row's presence says nothing about its referrals.
    assert {"MP-FISTRAP", "MIMP"} < set(by_code) and len(by_code) > 20
    fistrap = working_group.summary_cells(r, "F", by_code["MP-FISTRAP"].key)
    assert fistrap[:2] == ["F", "4"]
    assert fistrap[-3:] == ["4", "2.5 h", "10.0 h"]  # acknowledged, median, 90th percentile
    assert set(fistrap[2:-3]) <= {"<3", "x", "—"}  # 4 on time of 4 sent would give the small ones back
    mimp = working_group.summary_cells(r, "M", by_code["MIMP"].key)
    # Two referrals counted (the revoked one left out): every figure is below 3.
    assert mimp == ["M", "<3", "<3", "—", "<3", "<3", "—", "<3", "<3", "—", "<3", "<3", "<3", "—", "—"]
    total = working_group.summary_cells(r, "All")
    assert total[1] == "6" and total[5:7] == ["4", "67 %"]
    assert working_group.outcome_cells(r) == ["<3"] * 6
    assert r.months == ["2026-03"] and r.reasons is None


def test_quarters_are_refused(data):
    with pytest.raises(ReportError, match="one calendar month"):
        working_group.make_period("quarter", 2026, 1, today=TODAY)


def test_one_partner_shows_the_same_cells(data):
    full = report(Period("month", 2026, 3))
    mimp = report(Period("month", 2026, 3), partner_id=data.partners["MIMP"], include_reasons=True)
    assert [p.code for p in mimp.rows] == ["MIMP"]
    row = mimp.rows[0]
    assert working_group.summary_cells(mimp, "M", row.key) == working_group.summary_cells(full, "M", row.key)
    assert working_group.summary_cells(mimp, "All") == working_group.summary_cells(full, "All")
    # One referral declined in March: its reason would give the hidden count back.
    assert mimp.reasons == [] and mimp.reasons_withheld


def test_reasons_when_the_declined_count_is_shown(data):
    from tests.reports.helpers import add_referral

    # Three more declined by each partner: the total is published, so are the reasons.
    for n, code in [(n, code) for n in range(3) for code in ("MIMP", "MP-FISTRAP")]:
        add_referral(
            data.cases["B"],
            code,
            risk="normal",
            status="declined",
            sent=f"2026-03-1{n} 10:00",
            ack_due_at="2026-03-20 10:00",
            acknowledged_at=f"2026-03-1{n} 11:00",
            decline_reason="sin cupo" if n else "fuera de   zona",
        )
    r = report(Period("month", 2026, 3), include_reasons=True)
    assert not r.reasons_withheld
    # De-duplicated, without partner or month.
    assert r.reasons == ['=HYPERLINK("http://x") sin cupo', "fuera de zona", "sin cupo"]


@pytest.mark.parametrize(
    ("kind", "year", "number"),
    [
        ("month", 2026, 13),
        ("quarter", 2026, 5),
        ("quarter", 2026, 1),
        ("week", 2026, 1),
        ("month", 1999, 1),
        ("month", 2026, 5),
    ],
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
    assert fistrap[1] == "4" and fistrap[2] == "x"
    mimp = next(v for k, v in rows.items() if k.endswith("(MIMP)"))
    assert set(mimp[1:]) <= {"<3", "—"}  # never an exact small number
    assert rows["All partners"][1] == "6"
    reasons = list(book["Decline reasons"].iter_rows(min_row=6, values_only=True))
    assert reasons == [("Not listed: the number of referrals declined is not shown.",)]
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
    assert event.summary.startswith("xlsx 2026-03, partner all, ")
    assert event.summary.endswith("partners, decline reasons included")


def test_printable_page(client, login, data):
    login("manager")
    html = client.get("/reports/working-group?kind=month&year=2026&number=3").get_data(as_text=True)
    assert "Referrals to the working group's partners: March 2026" in html
    assert "data-print" in html and "css/reports.css" in html
    assert "&lt;3" in html
    assert "Decline reasons given by the partners" not in html and "sin cupo" not in html
    html = client.get("/reports/working-group?kind=month&year=2026&number=3&reasons=y").get_data(as_text=True)
    assert "Decline reasons given by the partners" in html and "sin cupo" not in html
    assert "Not listed: the number of referrals declined is not shown." in html
    assert last_audit("report.working_group").summary.startswith("page 2026-03")


def test_default_period_is_last_month(client, login, db):
    login("coordinator")
    response = client.get("/reports/working-group")
    assert response.status_code == 200
    assert 'name="kind"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "kind=month&year=2026&number=13",
        "kind=year&year=2026&number=1",
        "kind=quarter&year=2026&number=1",
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
