"""The releases on the exports page: roles, making (POST with CSRF), byte-for-byte downloads with
their audit rows, the 400s for periods and filters that are not releases, and failures."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.auth.models import Role
from hotline.reports.models import Release, ReleaseMember
from tests.helpers import audit_count, database_fails_on, last_audit
from tests.reports.release_helpers import add_victims

PAGE = "/reports/exports"


def _count() -> tuple[int, int]:
    from hotline.extensions import db

    return (
        db.session.scalar(select(func.count()).select_from(Release)) or 0,
        db.session.scalar(select(func.count()).select_from(ReleaseMember)) or 0,
    )


@pytest.fixture
def quarter(db):  # type: ignore[no-untyped-def]
    return add_victims("2025-02-10 15:00", 25, seed=21)


@pytest.fixture
def release(client, login, quarter):  # type: ignore[no-untyped-def]
    """A release of 2025-Q1 made through the page by a manager (the client stays signed in)."""
    user = login("manager")
    response = client.post_form("/reports/releases", {"period": "2025-Q1"}, page=PAGE)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    from hotline.extensions import db

    made = db.session.scalar(select(Release))
    assert made is not None and made.made_by_id == user.id
    return made


def test_the_page_lists_releases_and_offers_periods(client, login, quarter):
    login("manager")
    html = client.get(PAGE).get_data(as_text=True)
    assert "Releases: victims, standard form" in html
    assert '<option value="2025-Q1">2025-Q1: 25 victims</option>' in html
    assert '<option value="2025">2025: 25 victims</option>' in html
    assert "2025-Q2" not in html  # no victims there
    assert "No release has been made yet." in html
    assert "/reports/exports/htcds" not in html  # the ad-hoc file is gone


def test_make_then_list_then_download_byte_for_byte(client, release):
    html = client.get(f"/reports/releases/{release.id}").get_data(as_text=True)
    assert "Release 2025-Q1" in html and "k (smallest group)" in html and release.csv_sha256 in html
    page = client.get(PAGE).get_data(as_text=True)
    assert f"/reports/releases/{release.id}.csv" in page and f"/reports/releases/{release.id}.xlsx" in page
    assert '<option value="2025-Q1">' not in page and '<option value="2025">' not in page
    assert audit_count("report.release_make", object_id=str(release.id)) == 1
    for fmt in ("csv", "xlsx"):
        first = client.get(f"/reports/releases/{release.id}.{fmt}")
        second = client.get(f"/reports/releases/{release.id}.{fmt}")
        assert first.status_code == second.status_code == 200
        assert first.data == second.data == (release.csv_data if fmt == "csv" else release.xlsx_data)
        assert first.headers["Content-Disposition"] == (
            f'attachment; filename="hotline-htcds-release-2025-Q1.{fmt}"'
        )
        assert first.headers["Cache-Control"] == "no-store"
    assert audit_count("report.release_download", object_id=str(release.id)) == 4
    assert f"htcds release {release.id} xlsx, 25 rows" in last_audit("report.release_download").summary


def test_making_the_same_release_twice_is_refused(client, release):
    response = client.post_form("/reports/releases", {"period": "2025-Q1"}, page=PAGE)
    assert response.status_code == 400
    assert "No release was made." in response.get_data(as_text=True)
    assert _count() == (1, 25)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"period": "2025-09"}, "A release covers a whole calendar quarter"),
        ({"period": "2025-09-03"}, "A release covers a whole calendar quarter"),
        ({"period": "2099-Q1"}, "has not ended yet"),
        ({"period": ""}, "A release covers a whole calendar quarter"),
        ({"period": "2025-Q1", "region": "15"}, "A release takes no filters."),
        ({"period": "2025-Q1", "start": "2025-02-01"}, "A release takes no filters."),
        ({"period": "2025-Q1", "partner": "1"}, "A release takes no filters."),
        ({"period": "<script>alert(1)</script>"}, "A release covers a whole calendar quarter"),
    ],
)
def test_bad_release_requests_get_a_clear_400(client, login, quarter, form, message):
    login("manager")
    response = client.post_form("/reports/releases", form, page=PAGE)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "<script>alert(1)</script>" not in html
    assert _count() == (0, 0) and audit_count("report.release_make") == 0


def test_a_period_that_has_not_ended_yet(client, login, db):
    from hotline.reports import views

    login("manager")
    today = views._today()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    response = client.post_form("/reports/releases", {"period": quarter}, page=PAGE)
    assert response.status_code == 400
    assert "has not ended yet" in response.get_data(as_text=True)


def test_without_csrf_nothing_is_made(client, login, quarter):
    login("manager")
    response = client.post("/reports/releases", data={"period": "2025-Q1"})
    assert response.status_code == 400 and _count() == (0, 0)


def test_in_spanish(client, login, quarter):
    login("manager")
    response = client.post_form(
        "/reports/releases", {"period": "2025-09"}, page=PAGE, headers={"Accept-Language": "es"}
    )
    assert response.status_code == 400
    assert '<html lang="es">' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    ["start=2026-09-03&end=2026-12-31", "start=2026-09-04&end=2026-12-31", "region=15", ""],
)
def test_the_old_ad_hoc_victims_file_answers_400(client, login, quarter, query):
    login("manager")
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/reports/exports/htcds.{fmt}?{query}")
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "published only as recorded releases" in html
    assert audit_count("report.export") == 0


@pytest.mark.parametrize(
    "query", ["start=2025-01-01", "region=15", "end=2025-02-01&form=SEXUAL", "period=month"]
)
def test_filters_on_a_release_get_a_400(client, release, query):
    for url in (f"/reports/releases/{release.id}.csv", f"/reports/releases/{release.id}"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400
        assert "takes no dates or filters" in response.get_data(as_text=True)
    assert audit_count("report.release_download") == 0


def test_unknown_releases_and_formats(client, release):
    assert client.get(f"/reports/releases/{release.id}.pdf").status_code == 404
    assert client.get(f"/reports/releases/{release.id + 999}.csv").status_code == 404
    assert client.get(f"/reports/releases/{release.id + 999}").status_code == 404
    assert client.get("/reports/releases/abc.csv").status_code == 404


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.MANAGER])
def test_only_managers(client, login, make_user, quarter, role):
    from hotline.reports.releases import make_release
    from hotline.reports.releases.periods import Period
    from tests.reports.release_helpers import TODAY

    maker = make_user(role="manager")
    made = make_release(Period("quarter", 2025, 1), actor=maker, k=11, today=TODAY)
    login(role)
    assert client.get(PAGE).status_code == 403
    assert client.get(f"/reports/releases/{made.id}").status_code == 403
    assert client.get(f"/reports/releases/{made.id}.csv").status_code == 403
    assert client.get(f"/reports/releases/{made.id}.xlsx").status_code == 403
    response = client.post_form("/reports/releases", {"period": "2025"}, page="/app")
    assert response.status_code == 403
    assert audit_count("report.release_download") == 0 and _count() == (1, 25)


def test_anonymous_users_are_sent_to_login(client, db):
    for url in ("/reports/releases/1", "/reports/releases/1.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/reports/releases", data={"period": "2025"}).status_code in (302, 400)


def test_a_database_failure_mid_make_writes_nothing(client, login, quarter, db):
    login("manager")
    token = client.csrf_token(PAGE)
    with database_fails_on(db, "INSERT INTO report_release_members"):
        response = client.post("/reports/releases", data={"period": "2025-Q1", "csrf_token": token})
    assert response.status_code == 503
    assert _count() == (0, 0) and audit_count("report.release_make") == 0


def test_the_list_is_one_query(client, login, db):
    from hotline.reports.releases import list_releases, make_release
    from hotline.reports.releases.periods import Period
    from tests.helpers import count_queries
    from tests.reports.release_helpers import MANAGER, TODAY

    for quarter, month in ((1, "02"), (2, "05"), (3, "08")):
        add_victims(f"2025-{month}-10 15:00", 11, seed=quarter)
        make_release(Period("quarter", 2025, quarter), actor=MANAGER, k=11, today=TODAY)
    db.expire_all()
    with count_queries() as seen:
        found = list_releases()
        names = [(r.made_by.name if r.made_by else None, r.victims) for r in found]
    assert len(names) == 3 and len(seen) == 1
    assert all("csv_data" not in s for s in seen)


def test_making_a_release_writes_only_its_own_tables_and_the_audit(client, login, quarter):
    """`reports` changes no other domain's row: a release writes its two tables and audit rows."""
    from tests.reports.helpers import statements
    from tests.reports.test_views import WRITE

    login("manager")
    token = client.csrf_token(PAGE)
    with statements() as seen:
        response = client.post("/reports/releases", data={"period": "2025-Q1", "csrf_token": token})
        assert response.status_code == 303
    written = {match.group(1) for statement in seen if (match := WRITE.match(statement))}
    assert written <= {"audit_events", "report_releases", "report_release_members"}, written
    assert "report_releases" in written
