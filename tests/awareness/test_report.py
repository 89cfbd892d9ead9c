"""The anonymous tip form at /report: a web Call for the operators, and nothing else kept."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select, text

from hotline.audit.models import AuditEvent
from hotline.awareness import services
from hotline.calls.models import Call
from hotline.phones import looks_like_phone
from tests.awareness.helpers import count_queries, parse

REFERENCE_RE = re.compile(r"WEB-[0-9A-Z]{4}-[0-9A-Z]{4}")
VISITOR_IP = "203.0.113.9"
VALID = {
    "what_happened": "Two girls work every night in a bar on the main road; the owner keeps their IDs.",
    "region": "17",
    "when": "since last month",
    "at_risk": ["minors", "women"],
    "contact": "",
}


def _counts(db) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return (
        db.scalar(select(func.count()).select_from(Call)),
        db.scalar(select(func.count()).select_from(AuditEvent)),
    )


def _send(client, data: dict, lang: str = "es", **kwargs):  # type: ignore[no-untyped-def]
    return client.post_form(f"/report?lang={lang}", data, environ_base={"REMOTE_ADDR": VISITOR_IP}, **kwargs)


def _reference(client) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    html = client.get("/report/sent").get_data(as_text=True)
    match = REFERENCE_RE.search(html)
    assert match, html[:300]
    return match.group(0), html


def _call_from_reference(db, reference: str) -> Call:  # type: ignore[no-untyped-def]
    call_id = services.call_id_from_reference(reference)
    assert call_id is not None
    call = db.get(Call, call_id)
    assert call is not None
    return call


@pytest.mark.parametrize("lang", ["es", "en"])
def test_form_page(client, lang):
    response = client.get(f"/report?lang={lang}")
    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    assert page.lang == lang
    names = {attrs.get("name") for tag, attrs in page.tags if tag in ("input", "textarea", "select")}
    assert {"csrf_token", "what_happened", "region", "when", "at_risk", "contact", "website"} <= names
    honeypot = page.find("input", name="website")[0]
    assert honeypot["tabindex"] == "-1" and honeypot["autocomplete"] == "off"
    assert page.find("div", class_="hp-field")[0]["aria-hidden"] == "true"
    regions = [attrs["value"] for attrs in page.find("option")]
    assert regions[:2] == ["", "unknown"] and "08" in regions and "15" in regions  # Cusco, Lima


def test_form_page_makes_one_query(client):
    client.get("/report")
    with count_queries() as statements:
        client.get("/report")
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1  # the regions


def test_valid_tip_creates_a_web_call_for_the_operators(client, db):
    calls_before, _ = _counts(db)
    response = _send(client, {**VALID, "contact": "+51 987 654 321"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/report/sent?lang=es"
    reference, html = _reference(client)
    assert "Two girls" not in html and "987" not in html and "Madre" not in html

    assert _counts(db)[0] == calls_before + 1
    call = _call_from_reference(db, reference)
    assert (call.channel, call.status, call.operator_id) == ("web", "ended", None)
    assert VALID["what_happened"] in call.summary
    assert "Madre de Dios" in call.summary  # region 17, by name
    assert "since last month" in call.summary
    assert "+51 987 654 321" in call.summary
    assert call.caller_number == "+51 987 654 321" and call.caller_number_index

    raw = db.execute(text("SELECT summary, caller_number FROM calls WHERE id = :id"), {"id": call.id}).one()
    assert raw.summary.startswith("gAAAA") and "girls" not in raw.summary
    assert raw.caller_number.startswith("gAAAA") and "987" not in raw.caller_number


def test_no_ip_is_stored_with_the_tip(client, db):
    _send(client, VALID)
    call = _call_from_reference(db, _reference(client)[0])
    rows = db.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "call", AuditEvent.object_id == str(call.id))
    ).all()
    assert [row.action for row in rows] == ["call.create"]
    assert rows[0].ip is None and rows[0].actor_id is None
    assert VISITOR_IP not in (call.summary or "")
    assert not db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.ip == VISITOR_IP))


def test_reference_is_shown_once(client):
    _send(client, VALID)
    assert client.get("/report/sent").status_code == 200
    again = client.get("/report/sent?lang=en")
    assert again.status_code == 302 and again.headers["Location"] == "/report?lang=en"


def test_only_what_happened_is_required(app, client, db):
    _send(client, {"what_happened": "Something strange at the port."})
    call = _call_from_reference(db, _reference(client)[0])
    with app.test_request_context(), force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        expected = services.compose_tip_summary(
            what_happened="Something strange at the port.",
            region_name=None,
            region_unknown=False,
            when="",
            at_risk=[],
            contact="",
            language="es",
        )
        not_given = gettext("not given")
    assert call.summary == expected
    assert expected.count(not_given) == 4
    assert call.caller_number is None


@pytest.mark.parametrize("what", ["", "   \r\n  "])
def test_missing_what_happened_keeps_the_typed_text(client, db, what):
    before = _counts(db)
    data = {**VALID, "what_happened": what, "when": "yesterday evening", "contact": "maria@example.org"}
    response = _send(client, data, lang="en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Please tell us what happened." in html
    page = parse(html)
    assert page.find("input", name="when")[0]["value"] == "yesterday evening"
    assert page.find("input", name="contact")[0]["value"] == "maria@example.org"
    assert "selected" in page.find("option", value="17")[0]
    checked = {a["value"] for a in page.find("input", name="at_risk") if "checked" in a}
    assert checked == {"minors", "women"}
    assert page.find("textarea", name="what_happened")[0]["aria-invalid"] == "true"
    assert _counts(db) == before


def test_too_long_text_is_refused_and_kept(client, db):
    before = _counts(db)
    long_text = "a" * 10_001
    response = _send(client, {**VALID, "what_happened": long_text})
    assert response.status_code == 200
    assert long_text in response.get_data(as_text=True)
    assert _counts(db) == before


def test_nul_is_refused(client, db):
    before = _counts(db)
    response = _send(client, {**VALID, "what_happened": "before\x00after"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _counts(db) == before


def test_unknown_region_and_unknown_groups_are_refused(client, db):
    before = _counts(db)
    response = _send(client, {**VALID, "region": "99", "at_risk": ["aliens"]})
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('class="error"') == 2
    assert _counts(db) == before


MALICIOUS = (
    "<script>alert('x')</script><img src=x onerror=alert(1)> {{ 7*7 }} '; DROP TABLE calls;-- "
    "🙂👩🏽‍⚕️ \u202eevil\u202c ñandú Ñawpa pacha, combining a\u0301 "
)


def test_malicious_input_is_stored_as_typed_and_never_echoed(client, db):
    what = (MALICIOUS * 200)[:10_000]
    assert len(what) == 10_000
    contact = "<b onmouseover=alert(1)>call me</b>"
    response = _send(client, {**VALID, "what_happened": what, "contact": contact, "when": "{{ 7*7 }}"})
    assert response.status_code == 302
    reference, html = _reference(client)
    for fragment in ("<script>", "alert", "onerror", "DROP TABLE", "evil", "🙂", "7*7", "49", "call me"):
        assert fragment not in unescape(html), fragment
    call = _call_from_reference(db, reference)
    assert what in call.summary
    assert contact in call.summary and "{{ 7*7 }}" in call.summary
    assert call.caller_number is None  # not a phone number
    assert db.scalar(select(func.count()).select_from(Call)) >= 1  # the table is still there


def test_errors_echo_the_typed_text_escaped(client):
    response = _send(client, {**VALID, "what_happened": "", "when": "<script>alert(1)</script>"})
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_honeypot_discards_silently_with_the_same_answer(client, db):
    before = _counts(db)
    response = _send(client, {**VALID, "website": "http://spam.example"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/report/sent?lang=es"
    reference, html = _reference(client)
    assert _counts(db) == before

    real = _send(client, VALID)
    assert (real.status_code, real.headers["Location"]) == (
        response.status_code,
        response.headers["Location"],
    )
    real_reference, real_html = _reference(client)
    assert html.replace(reference, "REF") == real_html.replace(real_reference, "REF")


def test_csrf_is_enforced(client, db):
    before = _counts(db)
    response = client.post("/report", data=VALID)
    assert response.status_code == 400
    response = client.post("/report", data={**VALID, "csrf_token": "forged"})
    assert response.status_code == 400
    assert _counts(db) == before
    # The visitor does not lose what they typed, and gets a fresh token to send it again.
    html = response.get_data(as_text=True)
    assert VALID["what_happened"] in unescape(html)
    token = parse(html).find("input", name="csrf_token")[0]["value"]
    assert token and token != "forged"
    assert client.post("/report", data={**VALID, "csrf_token": token}).status_code == 302
    assert _counts(db)[0] == before[0] + 1


def test_rate_limit_per_ip(client, db):
    for _ in range(5):
        assert _send(client, {**VALID, "what_happened": ""}).status_code == 200
    response = _send(client, VALID)
    assert response.status_code == 429
    page = parse(response.get_data(as_text=True))
    assert [a for _tag, a in page.tags if "data-quick-exit" in a]  # still the public frame
    # Another address is not affected.
    other = client.post_form(
        "/report", {**VALID, "what_happened": ""}, environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert other.status_code == 200
    # Reading the form is never limited.
    assert client.get("/report", environ_base={"REMOTE_ADDR": VISITOR_IP}).status_code == 200


# --- the service and the reference codec -------------------------------------------------------


def test_file_tip_composes_the_summary(app, db):
    with app.test_request_context():
        call = services.file_tip(
            what_happened="Line one\nLine two",
            region_ubigeo="unknown",
            at_risk=["foreigners", "minors"],
            language="en",
        )
        with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
            unknown = gettext("does not know")
            minors, foreigners = (str(services.AT_RISK_GROUPS[code]) for code in ("minors", "foreigners"))
    summary = call.summary
    assert "Line one\nLine two" in summary
    assert unknown in summary
    # Groups in a fixed order, whatever order they came in.
    assert f"{minors}, {foreigners}" in summary
    assert call.caller_number is None


@pytest.mark.parametrize("value, is_phone", [
    ("+51 987 654 321", True), ("(01) 221-7698", True), ("987654321", True),
    ("12345", False), ("maria@example.org", False), ("call me at 987654321", False), ("", False),
])  # fmt: skip
def test_phone_detection(value, is_phone):
    assert looks_like_phone(value) is is_phone


def test_reference_round_trip_and_unpredictable(app):
    with app.app_context():
        ids = [1, 2, 3, 1000, 2**31 - 1, 2**40 - 1]
        references = [services.tip_reference(i) for i in ids]
        assert all(REFERENCE_RE.fullmatch(ref) for ref in references)
        assert [services.call_id_from_reference(ref) for ref in references] == ids
        assert len(set(references)) == len(ids)
        # Neighbouring ids do not give neighbouring references.
        first, second = references[0], references[1]
        assert sum(a != b for a, b in zip(first, second, strict=True)) >= 4
        # Lenient reading: lower case, no dashes, O for 0 and I/L for 1.
        ref = services.tip_reference(42)
        assert services.call_id_from_reference(ref.lower().replace("-", " ")) == 42
        typo = ref.replace("0", "O").replace("1", "I")
        assert services.call_id_from_reference(typo) == 42
        assert services.call_id_from_reference("WEB-XXXX") is None
        assert services.call_id_from_reference("WEB-UUUU-UUUU") is None  # U is not in the alphabet
        with pytest.raises(ValueError):
            services.tip_reference(0)
