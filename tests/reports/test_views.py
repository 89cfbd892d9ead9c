"""Report pages: the role matrix of every route, bad filters, the dashboard as people see it."""

from __future__ import annotations

import re

import pytest

from hotline.auth.models import Role
from tests.helpers import audit_count
from tests.reports.helpers import statements

MARCH = "start=2026-03-01&end=2026-03-31"
# Every route of the blueprint, and the roles that may use it (the test below checks the list is complete).
GET_ROUTES = {
    "/reports/": {Role.MANAGER, Role.COORDINATOR},
    "/reports/?publish=1": {Role.MANAGER, Role.COORDINATOR},
    "/reports/working-group?kind=month&year=2026&number=3": {Role.MANAGER, Role.COORDINATOR},
    "/reports/working-group.xlsx?kind=month&year=2026&number=3": {Role.MANAGER, Role.COORDINATOR},
    "/reports/field-mapping": {Role.MANAGER, Role.COORDINATOR},
    "/reports/exports": {Role.MANAGER},
    f"/reports/exports/calls.csv?{MARCH}": {Role.MANAGER},
}
ENDPOINTS = {
    "reports.index",
    "reports.working_group_page",
    "reports.working_group_xlsx",
    "reports.field_mapping",
    "reports.exports_page",
    "reports.export",
    "reports.export_identifiable",
    "reports.make_release",
    "reports.release_sheet",
    "reports.release_download",
}
IDENTIFIABLE = {
    "dataset": "cases",
    "fmt": "csv",
    "reason": "Prosecutor's request 123-2026 for the quarterly reconciliation",
    "start": "2026-03-01",
    "end": "2026-03-31",
}


def test_every_route_is_in_the_matrix(app):
    found = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("reports.")}
    assert found == ENDPOINTS


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("url", list(GET_ROUTES))
def test_role_matrix_get(client, login, data, role, url):
    login(role)
    response = client.get(url)
    expected = 200 if Role(role) in GET_ROUTES[url] else 403
    assert response.status_code == expected, (role, url)
    response.get_data()


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_role_matrix_identifiable_export(client, login, data, role):
    login(role)
    response = client.post_form("/reports/exports/identifiable", IDENTIFIABLE, page="/app")
    assert response.status_code == (200 if role == Role.MANAGER else 403)
    response.get_data()
    assert audit_count("report.export_identifiable") == (1 if role == Role.MANAGER else 0)


@pytest.mark.parametrize("url", [*GET_ROUTES, "/reports/exports/identifiable"])
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url) if "identifiable" not in url else client.post(url)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]


def test_navigation(client, login):
    login("manager")
    assert 'href="/reports/"' in client.get("/app").get_data(as_text=True)


def test_navigation_hidden_from_operators(client, login):
    login("operator")
    assert 'href="/reports/"' not in client.get("/app").get_data(as_text=True)


def test_index(client, login, data):
    login("manager")
    html = client.get(f"/reports/?{MARCH}").get_data(as_text=True)
    assert "<h1>Reports" in html
    # Each chart is an accessible image with its data table; nothing is fetched from elsewhere.
    charts = re.findall(r'<svg class="chart"[^>]*role="img"', html)
    assert len(charts) >= 9
    assert html.count('<details class="data-table"') == len(charts)
    assert '<script src="http' not in html and '<link rel="stylesheet" href="http' not in html
    assert 'class="tile-map"' in html and ">PUN<" in html
    # Lima (15) and Lima Metropolitana (1501) make one tile of 2.
    assert re.search(r">LIM</text>\s*<text[^>]*>2</text>", html)
    assert "Lima Metropolitana" in html  # the table lists it on its own
    assert "Victims recorded</dt><dd>6</dd>" in html
    assert "Referrals sent</dt><dd>6</dd>" in html
    assert "Median time to acknowledge</dt><dd>3.0 h</dd>" in html
    assert 'value="2026-03-01"' in html  # the filter keeps the dates
    assert "Rosa" not in html and "+51" not in html and "TP-2099" not in html


def test_dashboard_in_spanish(client, login, data):
    login("coordinator")
    html = client.get(f"/reports/?{MARCH}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "mar 2026" in html  # month labels in Spanish
    assert "Llamada telefónica" in html  # channel names from the catalogue


def test_publication_version_hides_small_numbers(client, login, data):
    login("manager")
    html = client.get(f"/reports/?{MARCH}&publish=1").get_data(as_text=True)
    assert "Version for publication" in html
    assert "Cases involving minors</dt><dd>&lt;3</dd>" in html
    assert "of whom minors</dt><dd>&lt;3</dd>" in html
    assert "Cases opened</dt><dd>4</dd>" in html
    # On the map, small counts (zero included) share one shade and read "<3".
    assert 'class="tile qs"' in html and 'class="tile q1"' not in html


WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


@pytest.mark.parametrize("url", [*GET_ROUTES, "/reports/exports/identifiable"])
def test_reports_only_read(client, login, data, url):
    """Reports change no domain row: the only rows they write are audit rows."""
    login("manager")
    with statements() as seen:
        if "identifiable" in url:
            response = client.post_form(url, IDENTIFIABLE, page="/reports/exports")
        else:
            response = client.get(url)
        assert response.status_code == 200
        response.get_data()
    written = {match.group(1) for statement in seen if (match := WRITE.match(statement))}
    assert written <= {"audit_events"}, written


def test_index_queries_are_bounded(client, login, data):
    login("manager")
    client.get("/reports/")
    with statements() as seen:
        assert client.get(f"/reports/?{MARCH}&region=15&form=SEXUAL&period=week").status_code == 200
    assert len(seen) <= 22  # session, labels (3) and one query per figure


BAD_FILTERS = [
    ("start=2026-03-31&end=2026-03-01", "The end date is before the start date."),
    ("start=1900-01-01&end=2026-03-01", "Choose dates between 2000-01-01 and"),
    ("start=2026-01-01&end=9999-12-31", "Choose dates between 2000-01-01 and"),
    ("start=2015-01-01&end=2026-03-01", "The range is too long: choose at most five years."),
    ("region=99", "Choose a region from the list."),
    ("region=15' OR '1'='1", "Choose a region from the list."),
    ("form=NOPE", "Choose a form of exploitation from the list."),
    ("partner=999999", "Choose a partner from the list."),
    ("partner=99999999999999999999999", "Choose a partner from the list."),
    ("partner=abc", "Choose a partner from the list."),
    ("start=2026-13-45", "Not a valid date value."),
    ("end=yesterday", "Not a valid date value."),
]
# Only the dashboard groups by period.
DASHBOARD_ONLY = [
    ("start=2026-01-01&end=2026-06-30&period=day", "Figures by day cover at most 92 days"),
    ("start=2022-01-01&end=2026-03-01&period=week", "Figures by week cover at most two years"),
    ("period=hour", "Choose days, weeks or months."),
]


@pytest.mark.parametrize(
    ("page", "query", "message"),
    [("/reports/", q, m) for q, m in BAD_FILTERS + DASHBOARD_ONLY]
    + [(page, q, m) for page in ("/reports/exports", "/reports/exports/cases.csv") for q, m in BAD_FILTERS],
)
def test_bad_filters_are_explained(client, login, db, page, query, message):
    login("manager")
    response = client.get(f"{page}?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message.replace("'", "&#39;") in html
    assert audit_count("report.export") == 0


def test_exports_ignore_the_period(client, login, db):
    login("manager")
    assert client.get("/reports/exports?period=hour").status_code == 200


def test_unknown_export_is_404(client, login, db):
    login("manager")
    assert client.get("/reports/exports/persons.csv").status_code == 404
    assert client.get("/reports/exports/calls.pdf").status_code == 404
    assert client.get("/reports/exports/..%2f..%2fetc.csv").status_code == 404


def test_field_mapping_page(client, login, db):
    login("coordinator")
    html = client.get("/reports/field-mapping").get_data(as_text=True)
    for column in (
        "ageBroad",
        "citizenship",
        "meansOfControlDebtBondage",
        "isSexualExploit",
        "recruiterRelation",
    ):
        assert column in html
    assert "k = 11" in html
    assert 'id="definitions"' in html
