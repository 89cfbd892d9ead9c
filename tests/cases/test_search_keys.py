"""Case searches by personal data travel in a POST body and live behind a short-lived opaque key.

POST /cases/search -> 303 /cases/?s=<key>&<non-personal filters> -> the results. The key is random,
stored hashed with the search text encrypted, bound to its user (anyone else: 404), expires after
SEARCH_KEY_TTL (410 with a message and an empty search box) and is deleted by the worker.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select, text

from hotline import worker
from hotline.audit.models import AuditEvent
from hotline.cases import services
from hotline.cases.models import SearchKey
from hotline.database import utcnow
from tests.cases.helpers import make_case, make_person, search_cases
from tests.helpers import audit_count, count_queries, last_audit

NAME = "Rosa Mamani Condori"
PHONE = "987111222"
DOCUMENT = "44556677"
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


@pytest.fixture
def case(db, make_user):  # type: ignore[no-untyped-def]
    opener = make_user(role="operator")
    case = make_case(opener, region_ubigeo="17")
    make_person(
        case,
        opener,
        role="victim",
        name=NAME,
        phone=PHONE,
        document_type="dni",
        document_number=DOCUMENT,
        age=15,
    )
    return case


@pytest.fixture
def other(db, make_user):  # type: ignore[no-untyped-def]
    """A second case that a search for NAME must not find."""
    opener = make_user(role="operator")
    case = make_case(opener, region_ubigeo="15")
    make_person(case, opener, role="victim", name="Otra Persona", phone="912000333")
    return case


def _variants(value: str) -> set[str]:
    """Every way a value could appear in a URL: as typed, folded, URL-encoded, its digits."""
    found = {value, value.lower(), quote(value), quote_plus(value), value.split()[0].lower()}
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 6:
        found |= {digits, digits[-6:]}
    return {v for v in found if v}


def _assert_not_in(url: str, *values: str) -> None:
    for value in values:
        for variant in _variants(value):
            assert variant.lower() not in url.lower(), (variant, url)


def _post(client, q: str, **filters: str):  # type: ignore[no-untyped-def]
    return client.post_form("/cases/search", {"q": q, **filters}, page="/cases/")


def _key_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["s"][0]


# --- the happy path -----------------------------------------------------------------------------


@pytest.mark.parametrize("q", [NAME, "rosa MAMANÍ condori", PHONE, "+51 987-111-222", DOCUMENT])
def test_a_search_is_posted_redirected_to_a_key_and_shows_the_case(client, login, case, other, q):
    user = login("operator")
    response = _post(client, q)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert urlsplit(location).path == "/cases/"
    assert KEY_RE.match(_key_of(location))
    _assert_not_in(location, q)
    html = client.get(location).get_data(as_text=True)
    assert case.reference in html and other.reference not in html
    row = last_audit("case.search")
    assert row is not None and row.actor_id == user.id and "1 found" in row.summary


def test_the_non_personal_filters_stay_in_the_address_beside_the_key(client, login, case, other):
    login("coordinator")
    response = _post(client, NAME, status="new", region="17", sort="risk", per_page="10")
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert {k: v[0] for k, v in query.items() if k != "s"} == {
        "status": "new",
        "region": "17",
        "sort": "risk",
        "per_page": "10",
    }
    assert case.reference in client.get(response.headers["Location"]).get_data(as_text=True)
    # The same search narrowed to another region finds nothing.
    narrowed = search_cases(client, NAME, region="15").get_data(as_text=True)
    assert case.reference not in narrowed and "0 cases" in narrowed


def test_filters_alone_redirect_without_a_key(client, login, case, other):
    login("operator")
    response = _post(client, "", region="15")
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {"region": ["15"]}
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert other.reference in html and case.reference not in html
    assert audit_count("case.search") == 0
    assert _count_keys() == 0


def test_the_results_page_shows_the_search_in_the_form_and_links_carry_only_the_key(client, login, db):
    user = login("operator")
    cases = [make_case(user) for _ in range(30)]
    for c in cases:
        make_person(c, user, role="victim", name=NAME)
    first = search_cases(client, NAME, per_page="25")
    html = first.get_data(as_text=True)
    assert f'value="{NAME}"' in html  # in the page body (no-store), so the user sees what was searched
    assert first.headers["Cache-Control"] == "no-store"
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(NAME.split()[0] not in link for link in links)
    next_link = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert set(parse_qs(urlsplit(next_link).query)) == {"s", "page", "per_page"}
    second = client.get(next_link)
    assert second.status_code == 200
    pages = html + second.get_data(as_text=True)
    assert all(c.reference in pages for c in cases)
    # Every page of results is an audited read.
    assert audit_count("case.search", actor_id=user.id) == 2


def test_a_q_in_the_address_is_dropped_never_read_nor_echoed(client, login, case, other):
    login("operator")
    response = client.get("/cases/?q=" + quote_plus(NAME) + "&status=new&page=1")
    assert response.status_code == 303
    assert response.headers["Location"] == "/cases/?status=new&page=1"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "use the search box" in html
    assert case.reference in html and other.reference in html  # not filtered by the name
    assert "Rosa" not in html
    assert audit_count("case.search") == 0


def test_get_on_the_search_address_goes_back_to_the_list(client, login):
    login("operator")
    response = client.get("/cases/search")
    assert response.status_code == 302 and response.headers["Location"] == "/cases/"


# --- the key: owner, expiry, tampering ---------------------------------------------------------


def test_another_users_key_is_a_404_like_an_unknown_one(client, login, case, make_user):
    from tests.conftest import sign_in

    login("operator")
    location = _post(client, NAME).headers["Location"]
    stranger = make_user(role="coordinator")
    client = client.application.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # a new client: English like the others
    sign_in(client, stranger)
    response = client.get(location)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "This search does not exist or has expired. Search again." in html
    assert case.reference not in html and NAME not in html
    unknown = client.get("/cases/?s=" + "A" * 43)
    assert unknown.status_code == 404
    assert audit_count("case.search", actor_id=stranger.id) == 0


def test_an_expired_key_shows_a_message_and_an_empty_search_form(client, login, case, app):
    login("operator")
    location = _post(client, NAME).headers["Location"]
    ttl = app.config["SEARCH_KEY_TTL"]
    assert ttl == timedelta(minutes=15)
    with freeze_time(utcnow() + ttl - timedelta(seconds=5)):
        assert client.get(location).status_code == 200
    with freeze_time(utcnow() + ttl + timedelta(seconds=1)):
        response = client.get(location)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "This search has expired, so its results are no longer shown. Search again." in html
    assert case.reference not in html and NAME not in html
    assert re.search(r'<input[^>]*name="q"[^>]*>', html)
    assert 'value="' + NAME not in html
    assert 'action="/cases/search"' in html and 'method="post"' in html


def test_the_ttl_comes_from_the_configuration(client, login, case, app, monkeypatch):
    login("operator")
    monkeypatch.setitem(app.config, "SEARCH_KEY_TTL", timedelta(minutes=1))
    location = _post(client, NAME).headers["Location"]
    with freeze_time(utcnow() + timedelta(minutes=2)):
        assert client.get(location).status_code == 410


@pytest.mark.parametrize(
    "key",
    [
        "",
        "abc",
        "A" * 42,
        "A" * 44,
        "A" * 5000,
        "%00" * 43,
        "../../etc/passwd",
        "' OR 1=1 --",
        "ñ" * 43,
        "<script>alert(1)</script>",
    ],
)
def test_a_malformed_key_is_a_clear_404(client, login, case, key):
    login("operator")
    response = client.get("/cases/?s=" + quote(key, safe="%"))
    assert response.status_code == 404
    assert "This search does not exist or has expired." in response.get_data(as_text=True)
    assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_a_tampered_key_is_a_404(client, login, case):
    login("operator")
    key = _key_of(_post(client, NAME).headers["Location"])
    for tampered in (key[:-1] + ("A" if key[-1] != "A" else "B"), key.swapcase(), key[::-1]):
        assert client.get(f"/cases/?s={tampered}").status_code == 404
    assert client.get(f"/cases/?s={key}").status_code == 200


# --- storage and audit --------------------------------------------------------------------------


def _count_keys() -> int:
    from hotline.extensions import db

    return db.session.scalar(select(func.count()).select_from(SearchKey)) or 0


def test_the_key_is_stored_hashed_and_the_search_encrypted(client, login, case, db):
    user = login("operator")
    key = _key_of(_post(client, NAME).headers["Location"])
    raw = db.execute(text("SELECT key_hash, query, user_id FROM search_keys")).all()
    assert len(raw) == 1
    key_hash, stored, owner = raw[0]
    assert owner == user.id and key not in key_hash and len(key_hash) == 64
    assert "rosa" not in stored.lower() and stored.startswith("gAAAA")  # a Fernet token
    assert db.scalar(select(SearchKey.query)) == NAME  # decrypted on read with the data key


@pytest.mark.parametrize(("q", "kind"), [(NAME, "name"), (PHONE, "phone"), ("+51 987 111 222", "phone")])
def test_the_audit_row_says_what_was_searched_by_never_the_value(client, login, case, db, q, kind):
    user = login("operator")
    search_cases(client, q)
    row = last_audit("case.search")
    assert row.summary == f"personal search by {kind}, 1 found"
    assert (row.actor_id, row.actor_role, row.object_type, row.outcome) == (
        user.id,
        "operator",
        "case",
        "success",
    )
    clear = " ".join(str(getattr(row, c.name) or "") for c in AuditEvent.__table__.columns)
    _assert_not_in(clear, q)


def test_a_reference_search_is_not_a_personal_search(client, login, case):
    login("operator")
    html = search_cases(client, case.reference.lower()).get_data(as_text=True)
    assert case.reference in html
    assert audit_count("case.search") == 0


def test_a_search_issues_a_bounded_number_of_queries(client, login, db):
    user = login("operator")
    for _ in range(30):
        make_person(make_case(user), user, role="victim", name=NAME)
    location = _post(client, NAME, per_page="5").headers["Location"]
    with count_queries() as few:
        assert client.get(location).status_code == 200
    location = _post(client, NAME, per_page="30").headers["Location"]
    with count_queries() as many:
        assert client.get(location).status_code == 200
    assert len(many) == len(few), (len(few), len(many))


# --- bad input and roles ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"q": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"q": NAME, "opened_from": "2026-02-01", "opened_to": "2026-01-01"}, "The end date is before"),
        ({"q": NAME, "status": "bogus"}, "Choose a value from the list."),
        ({"q": "Rosa\x00"}, "This field contains a character that is not allowed."),
    ],
)
def test_a_bad_search_is_sent_back_with_errors_and_stores_nothing(client, login, case, data, message):
    login("operator")
    response = client.post_form("/cases/search", data, page="/cases/")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and case.reference not in html
    assert _count_keys() == 0


def test_a_search_without_the_csrf_token_is_refused(client, login, case):
    login("operator")
    response = client.post("/cases/search", data={"q": NAME})
    assert response.status_code == 400
    assert _count_keys() == 0


@pytest.mark.parametrize(("role", "status"), [("admin", 403), ("partner", 403)])
def test_roles_without_the_case_list_cannot_search(client, login, case, role, status):
    login(role)
    token = client.csrf_token("/app")
    assert client.post("/cases/search", data={"q": NAME, "csrf_token": token}).status_code == status
    assert client.get("/cases/?s=" + "A" * 43).status_code == status
    assert _count_keys() == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, case):
    response = client.post("/cases/search", data={"q": NAME})
    assert response.status_code in (302, 400)
    assert client.get("/cases/?s=" + "A" * 43).status_code == 302
    assert _count_keys() == 0


def test_a_manager_searches_by_reference_only_and_is_not_audited(client, login, case):
    login("manager")
    assert case.reference not in search_cases(client, NAME).get_data(as_text=True)
    assert case.reference in search_cases(client, case.reference).get_data(as_text=True)
    assert audit_count("case.search") == 0


# --- clean-up -----------------------------------------------------------------------------------


def test_the_worker_deletes_expired_keys_only(app, db, make_user):
    user, someone = make_user(role="operator"), make_user(role="coordinator")
    now = utcnow()
    old = services.create_search_key(
        NAME, actor=someone, ttl=timedelta(minutes=15), now=now - timedelta(hours=1)
    )
    fresh = services.create_search_key(PHONE, actor=user, ttl=timedelta(minutes=15), now=now)
    assert old != fresh
    assert "cases.search_keys" in [job.name for job in worker.jobs()]
    report = worker.run_round(app, [j for j in worker.jobs() if j.name == "cases.search_keys"])
    assert report.failed == [] and report.lines == ["search keys: 1 expired deleted"]
    assert db.scalars(select(SearchKey.query)).all() == [PHONE]
    assert services.resolve_search_key(fresh, actor=user) == PHONE
    with pytest.raises(services.SearchKeyNotFound):
        services.resolve_search_key(old, actor=someone)
    assert worker.run_round(app, [j for j in worker.jobs() if j.name == "cases.search_keys"]).lines == []


def test_a_failing_clean_up_is_logged_without_data_and_the_round_goes_on(app, db, monkeypatch, caplog):
    def broken(**kwargs: object) -> int:
        raise RuntimeError(f"cannot delete search for {NAME}")

    monkeypatch.setattr(services, "delete_expired_search_keys", broken)
    report = worker.run_round(app, worker.jobs())
    assert report.failed == ["cases.search_keys"]
    assert "job=cases.search_keys error=RuntimeError" in caplog.text
    assert NAME not in caplog.text


def test_a_new_search_deletes_the_users_own_expired_keys(db, make_user):
    user, someone = make_user(role="operator"), make_user(role="operator")
    past = utcnow() - timedelta(hours=1)
    services.create_search_key(NAME, actor=user, ttl=timedelta(minutes=1), now=past)
    services.create_search_key(NAME, actor=someone, ttl=timedelta(minutes=1), now=past)
    services.create_search_key(PHONE, actor=user, ttl=timedelta(minutes=15))
    owners = db.execute(select(SearchKey.user_id, SearchKey.query)).all()
    assert sorted(owners) == sorted([(someone.id, NAME), (user.id, PHONE)])


@pytest.mark.parametrize("bad", ["", "x" * 201, "a\x00b"])
def test_the_service_refuses_what_the_form_would(db, make_user, bad):
    user = make_user(role="operator")
    with pytest.raises(ValueError, match="search text") as raised:
        services.create_search_key(bad, actor=user, ttl=timedelta(minutes=15))
    assert not bad or bad not in str(raised.value)  # the message never quotes the search
    assert db.scalar(select(func.count()).select_from(SearchKey)) == 0


# --- logs carry ids only ------------------------------------------------------------------------


def test_an_unhandled_error_in_a_search_logs_its_class_and_frames_never_its_message(
    client, login, case, monkeypatch, caplog
):
    login("operator")

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"no index for {NAME} {PHONE}")

    monkeypatch.setattr(services, "list_cases", boom)
    location = _post(client, NAME).headers["Location"]
    with caplog.at_level("DEBUG"):
        response = client.get(location)
    assert response.status_code == 500
    assert NAME not in response.get_data(as_text=True)
    assert "endpoint=cases.index class=RuntimeError" in caplog.text
    assert "in boom" in caplog.text  # the frames are there for whoever debugs it
    _assert_not_in(caplog.text, NAME, PHONE)
