"""Every figure of the dashboard against the hand-built data set in helpers.py.

The same expected values are asserted on SQLite and on PostgreSQL (run the suite with
TEST_DATABASE_URL), so both engines give identical results.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from hotline.reports import dashboard
from hotline.reports.dashboard import AckTimes, Quality
from hotline.reports.filters import ReportFilter
from tests.reports.helpers import MARCH, NOW, statements


@pytest.fixture
def march(data):  # type: ignore[no-untyped-def]
    return dashboard.build_dashboard(MARCH, now=NOW)


def test_contacts_by_channel_and_kind_in_lima_time(march):
    channel = march.contacts_by_channel
    assert channel.periods == ["2026-03-01"]
    assert channel.counts == {
        ("2026-03-01", "phone"): 4,
        ("2026-03-01", "whatsapp"): 1,
        ("2026-03-01", "sms"): 1,
        ("2026-03-01", "web"): 1,
    }
    assert channel.keys == ["phone", "sms", "whatsapp", "web"]
    assert channel.total == 7
    kind = march.contacts_by_kind
    assert {k: kind.key_total(k) for k in kind.keys} == {
        "trafficking_report": 1,
        "information": 2,
        "case_followup": 1,
        "silent": 1,
        "prank": 1,
        "": 1,  # intake not done yet
    }


def test_contacts_by_day_and_week(data):
    by_day = dashboard.build_dashboard(replace(MARCH, period="day"), now=NOW).contacts_by_channel
    assert len(by_day.periods) == 31
    assert by_day.period_total("2026-03-02") == 2
    assert by_day.period_total("2026-03-31") == 2  # 23:30Z on the 31st and 04:00Z on 1 April
    assert by_day.period_total("2026-03-01") == 0  # 03:00Z on 1 March is still February in Lima
    by_week = dashboard.build_dashboard(replace(MARCH, period="week"), now=NOW).contacts_by_channel
    assert by_week.periods[0] == "2026-02-23" and by_week.periods[-1] == "2026-03-30"  # Mondays
    assert {p: by_week.period_total(p) for p in by_week.periods if by_week.period_total(p)} == {
        "2026-03-02": 2,
        "2026-03-09": 2,
        "2026-03-16": 1,
        "2026-03-30": 2,
    }
    assert by_week.period_total("2026-03-09") == 2  # 10 March and 15 March (sms)


def test_cases(march):
    assert march.cases == {"total": 4, "with_minors": 1, "closed": 1, "urgent": 1, "victims_reported": 0}
    assert march.cases_by_form == [
        ("BEGGING", 1),
        ("FORCED_LABOUR", 1),
        ("LABOUR", 1),
        ("SEXUAL", 1),
        ("", 1),
    ]
    assert march.cases_by_region == [("15", 1), ("1501", 1), ("21", 1), ("", 1)]
    assert march.cases_by_close_reason == [("referred_and_attended", 1)]


def test_victims(march):
    assert march.victims == {"total": 6, "minors": 2, "adults": 3, "age_unknown": 1}
    assert march.victims_by_gender == [
        ("feminine", 3),
        ("masculine", 1),
        ("transgender_feminine", 1),
        ("", 1),
    ]
    assert march.victims_by_age == [("9-17", 2), ("18-20", 1), ("30-38", 1), ("39-47", 1), ("", 1)]
    assert march.victims_by_nationality == [("PE", 3), ("CO", 1), ("VE", 1), ("", 1)]


def test_referrals_per_partner(march, data):
    x, y = data.partners["MP-FISTRAP"], data.partners["MIMP"]
    rows = {row.partner_id: row for row in march.partners}
    assert set(rows) == {x, y}
    assert rows[x].by_status == {"closed": 3, "accepted": 1}
    assert rows[y].by_status == {"declined": 1, "sent": 1, "revoked": 1}
    assert rows[x].quality == Quality(sent=4, on_time=4, accepted=4, outcome=3, implemented=2, successful=2)
    assert rows[y].quality == Quality(sent=3, revoked=1, late=1, overdue=1, declined=1)
    assert rows[y].quality.counted == 2 and rows[y].quality.waiting == 0
    assert rows[y].quality.share("missed") == 1.0
    assert march.referral_totals == Quality(
        sent=7,
        revoked=1,
        on_time=4,
        late=1,
        overdue=1,
        accepted=4,
        declined=1,
        outcome=3,
        implemented=2,
        successful=2,
    )


def test_time_to_acknowledge_median_and_90th_percentile(march, data):
    rows = {row.partner_id: row for row in march.partners}
    # MP-FISTRAP: 1 h, 2 h, 3 h, 10 h -> median (2 h + 3 h) / 2, 90th percentile the 4th value.
    assert rows[data.partners["MP-FISTRAP"]].ack == AckTimes(4, 9000.0, 36000.0)
    # MIMP: one acknowledgement (4 h, late); the revoked and the unanswered ones have none.
    assert rows[data.partners["MIMP"]].ack == AckTimes(1, 14400.0, 14400.0)
    # All: 1, 2, 3, 4, 10 h -> the 3rd value; the 90th percentile is rank ceil(4.5) = 5.
    assert march.ack_overall == AckTimes(5, 10800.0, 36000.0)


def test_overdue_depends_on_now(data):
    early = dashboard.build_dashboard(MARCH, now=NOW.replace(month=3, day=8))
    assert early.referral_totals.overdue == 0  # r4 is due on 9 March
    assert early.referral_totals.waiting == 1


def test_quality_over_time_and_outcomes(march):
    assert [m for m, _ in march.quality_by_month] == ["2026-03"]
    assert march.quality_by_month[0][1] == march.referral_totals
    assert march.outcomes == [("investigation_opened", 1), ("no_action", 1), ("victim_assisted", 1)]


def test_quality_by_month_lists_empty_months(data):
    d = dashboard.build_dashboard(ReportFilter(date(2026, 1, 1), date(2026, 3, 31)), now=NOW)
    months = dict(d.quality_by_month)
    assert list(months) == ["2026-01", "2026-02", "2026-03"]
    assert months["2026-01"] == Quality()
    assert months["2026-02"].sent == 1 and months["2026-02"].overdue == 1  # r8


def test_region_filter_includes_lima_metropolitana(data):
    lima = dashboard.build_dashboard(replace(MARCH, region="15"), now=NOW)
    assert lima.cases["total"] == 2
    assert lima.contacts_by_channel.total == 1  # the follow-up call of case B
    assert lima.referral_totals.sent == 4  # r3, r4 (case B), r5 and r7 (case C)
    metro = dashboard.build_dashboard(replace(MARCH, region="1501"), now=NOW)
    assert metro.cases["total"] == 1
    assert metro.victims["total"] == 2
    puno = dashboard.build_dashboard(replace(MARCH, region="21"), now=NOW)
    assert puno.cases_by_region == [("21", 1)]  # case D (February) is outside the dates


def test_form_filter(data):
    sexual = dashboard.build_dashboard(replace(MARCH, form="SEXUAL"), now=NOW)
    assert sexual.cases["total"] == 1
    assert sexual.cases_by_form == [("SEXUAL", 1)]
    assert sexual.contacts_by_channel.total == 1
    assert sexual.victims["total"] == 2
    assert sexual.referral_totals.sent == 2


def test_partner_filter(data):
    mimp = dashboard.build_dashboard(replace(MARCH, partner_id=data.partners["MIMP"]), now=NOW)
    assert mimp.cases["total"] == 3  # A, B and C were sent to MIMP (C's referral was revoked later)
    assert [row.partner_id for row in mimp.partners] == [data.partners["MIMP"]]
    assert mimp.referral_totals.sent == 3
    assert mimp.contacts_by_channel.total == 2  # calls linked to A and B


def test_empty_range(data):
    d = dashboard.build_dashboard(ReportFilter(date(2020, 1, 1), date(2020, 1, 31)), now=NOW)
    assert d.contacts_by_channel.total == 0 and d.cases["total"] == 0
    assert d.partners == [] and d.ack_overall == AckTimes()
    assert d.victims == {"total": 0, "minors": 0, "adults": 0, "age_unknown": 0}


def test_dashboard_queries_are_bounded(data):
    with statements() as seen:
        dashboard.build_dashboard(
            replace(MARCH, region="15", form="SEXUAL", partner_id=data.partners["MIMP"]), now=NOW
        )
    assert len(seen) <= 14  # one per figure, whatever the size of the data


def test_period_keys():
    assert dashboard.period_keys(date(2025, 11, 15), date(2026, 2, 1), "month") == [
        "2025-11-01",
        "2025-12-01",
        "2026-01-01",
        "2026-02-01",
    ]
    assert dashboard.period_keys(date(2026, 3, 4), date(2026, 3, 16), "week") == [
        "2026-03-02",
        "2026-03-09",
        "2026-03-16",
    ]
