"""Media and locations of inbound messages: recorded by the signed webhook, fetched by the worker
through a fake HTTP session (no network), stored encrypted, shown only to operators (audited)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import select, text

from hotline.extensions import db
from hotline.telephony import services
from hotline.telephony.models import Message, MessageMedia
from hotline.telephony.services import media as media_service
from hotline.telephony.storage import FileStore, sniff
from hotline.worker import Job, run_round
from tests.helpers import audit_count
from tests.telephony.conftest import ACCOUNT_SID, TOKEN, new_sid, sms_form

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 200
OGG = b"OggS\x00\x02" + b"\x00" * 200
HTML = b"<html><script>alert(1)</script></html>"
URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{'a' * 32}/Media/ME{'b' * 32}"


class FakeResponse:
    def __init__(self, status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.body = body
        self.headers = headers or {}
        self.closed = False

    def iter_content(self, chunk_size: int = 1024):  # type: ignore[no-untyped-def]
        for i in range(0, len(self.body), chunk_size):
            yield self.body[i : i + chunk_size]

    def close(self) -> None:
        self.closed = True


class FakeSession:
    """Answers GETs from a queue of responses or exceptions; records what was asked."""

    def __init__(self, *answers: FakeResponse | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def get(self, url: str, **kwargs: Any) -> FakeResponse:
        self.calls.append({"url": url, **kwargs})
        answer = self.answers.pop(0) if self.answers else FakeResponse(200, JPEG)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def session(app):  # type: ignore[no-untyped-def]
    def install(*answers: FakeResponse | Exception) -> FakeSession:
        fake = FakeSession(*answers)
        app.extensions[media_service.MEDIA_SESSION_KEY] = fake
        return fake

    yield install
    app.extensions.pop(media_service.MEDIA_SESSION_KEY, None)


def mms(twilio, *types: str, whatsapp: bool = False, **extra: str) -> Message:  # type: ignore[no-untyped-def]
    form = sms_form(Body="", NumMedia=str(len(types)), **extra)
    if whatsapp:
        form["From"] = "whatsapp:" + form["From"]
    for n, content_type in enumerate(types):
        form[f"MediaUrl{n}"] = URL + str(n)
        form[f"MediaContentType{n}"] = content_type
    assert twilio.post("/twilio/sms", form).status_code == 200
    return db.session.scalar(select(Message).where(Message.sid == form["MessageSid"]))


def rows(message: Message) -> list[MessageMedia]:
    return list(
        db.session.scalars(
            select(MessageMedia)
            .where(MessageMedia.message_id == message.id)
            .order_by(MessageMedia.position)
            .execution_options(populate_existing=True)
        )
    )


def fetch(app, **kwargs):  # type: ignore[no-untyped-def]
    return media_service.media_job(app)


def due_now(message: Message) -> None:
    for row in rows(message):
        row.next_attempt_at = row.next_attempt_at - timedelta(days=1)
    db.session.flush()


def test_an_mms_records_each_attachment_pending(twilio):
    message = mms(twilio, "image/jpeg", "audio/ogg; codecs=opus")
    assert [(r.position, r.declared_type, r.status) for r in rows(message)] == [
        (0, "image/jpeg", "pending"),
        (1, "audio/ogg", "pending"),
    ]
    assert message.num_media == 2


def test_the_worker_downloads_with_the_account_credentials_and_stores_encrypted(
    app, twilio, session, media_dir
):
    message = mms(twilio, "image/jpeg", "audio/ogg", whatsapp=True)
    fake = session(FakeResponse(200, JPEG), FakeResponse(200, OGG))
    report = run_round(app, [Job("telephony.media", services.media_job)])
    assert report.failed == [] and report.lines == ["media: stored 2, retry 0, rejected 0, failed 0"]
    assert [c["url"] for c in fake.calls] == [URL + "0", URL + "1"]
    assert all(c["auth"] == (ACCOUNT_SID, TOKEN) and c["timeout"] for c in fake.calls)
    stored = rows(message)
    assert [(r.status, r.content_type, r.size_bytes) for r in stored] == [
        ("stored", "image/jpeg", len(JPEG)),
        ("stored", "audio/ogg", len(OGG)),
    ]
    files = [p for p in media_dir.rglob("*") if p.is_file()]
    assert len(files) == 2 and all(JPEG not in p.read_bytes() and OGG not in p.read_bytes() for p in files)
    assert all(oct(p.stat().st_mode)[-3:] == "600" for p in files)
    assert audit_count("call.media") == 2


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (requests.Timeout("read timed out"), "Timeout"),
        (requests.ConnectionError("refused"), "ConnectionError"),
        (FakeResponse(404, b"not found"), "HTTP 404"),
        (FakeResponse(503, b""), "HTTP 503"),
    ],
    ids=["timeout", "connection", "404", "503"],
)
def test_transient_failures_are_retried_with_back_off_then_recorded_as_failed(
    app, twilio, session, answer, error
):
    message = mms(twilio, "image/jpeg")
    session(*[answer] * media_service.MAX_ATTEMPTS)
    for attempt in range(1, media_service.MAX_ATTEMPTS + 1):
        due_now(message)
        line = fetch(app)
        row = rows(message)[0]
        assert row.attempts == attempt and row.error == error
        if attempt < media_service.MAX_ATTEMPTS:
            assert row.status == "pending" and "retry 1" in line
        else:
            assert row.status == "failed" and "failed 1" in line
    assert fetch(app) is None  # nothing more is attempted


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        (HTML, {"Content-Type": "image/jpeg"}, "type not accepted"),  # declared jpeg, really HTML
        (b"MZ\x90\x00" + b"\x00" * 100, {}, "type not accepted"),  # a Windows executable
        (JPEG + b"\x00" * 2000, {}, "too large"),
        (JPEG, {"Content-Length": "999999999"}, "too large"),
    ],
    ids=["html-as-jpeg", "exe", "too-big-streamed", "too-big-declared"],
)
def test_wrong_type_or_too_big_is_rejected_at_once(app, twilio, session, monkeypatch, body, headers, reason):
    monkeypatch.setitem(app.config, "MEDIA_MAX_BYTES", 1000)
    message = mms(twilio, "image/jpeg")
    session(FakeResponse(200, body, headers))
    assert "rejected 1" in fetch(app)
    row = rows(message)[0]
    assert (row.status, row.error, row.storage_key, row.attempts) == ("rejected", reason, None, 1)


def test_a_database_error_on_one_attachment_never_crashes_the_worker(app, twilio, session, monkeypatch):
    mms(twilio, "image/jpeg")
    session()

    def broken_store(config):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk gone")

    monkeypatch.setattr(media_service, "media_store", broken_store)
    report = run_round(app, [Job("telephony.media", services.media_job), Job("other", lambda a: "ok")])
    assert report.failed == ["telephony.media"] and "ok" in report.lines


def test_sniffing_reads_the_bytes_not_the_name():
    assert sniff(JPEG) == "image/jpeg" and sniff(OGG) == "audio/ogg"
    assert sniff(b"\x89PNG\r\n\x1a\n" + b"0" * 10) == "image/png"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"\x00\x00\x00\x18ftypM4A \x00") == "audio/mp4"
    assert sniff(b"#!AMR\n") == "audio/amr" and sniff(b"%PDF-1.7") == "application/pdf"
    assert sniff(HTML) is None and sniff(b"") is None


def test_file_store_round_trip_and_refuses_path_tricks(app, db, tmp_path):
    store = FileStore(tmp_path)
    key = store.put(b"secret evidence")
    assert store.get(key) == b"secret evidence"
    with pytest.raises(Exception):
        store.get("../../etc/passwd")
    store.delete(key)
    with pytest.raises(Exception):
        store.get(key)


def test_a_media_url_outside_twilio_is_a_bad_request(twilio):
    form = sms_form(NumMedia="1", MediaUrl0="https://evil.example/x.jpg", MediaContentType0="image/jpeg")
    assert twilio.post("/twilio/sms", form).status_code == 400


def test_a_whatsapp_location_is_stored_encrypted_and_shown_on_a_card(client, login, twilio):
    form = sms_form(
        From="whatsapp:+51987654321",
        Body="",
        Latitude="-12.046374",
        Longitude="-77.042793",
        Address="Jr. de la Unión 300, Lima",
        Label="Bar La Estrella",
    )
    assert twilio.post("/twilio/sms", form).status_code == 200
    message = db.session.scalar(select(Message).where(Message.sid == form["MessageSid"]))
    assert json.loads(message.location)["label"] == "Bar La Estrella"
    raw = db.session.execute(
        text("SELECT location FROM messages WHERE id = :id"), {"id": message.id}
    ).scalar()
    assert "Estrella" not in raw and "-12.04" not in raw
    login("operator")
    page = client.get(f"/live/calls/{message.call_id}?lang=en").get_data(as_text=True)
    assert 'data-kind="location"' in page and "Bar La Estrella" in page and "-12.046374" in page
    assert "(no text)" not in page and "maps.google" not in page and "openstreetmap" not in page


@pytest.mark.parametrize(
    "extra",
    [{"Latitude": "91", "Longitude": "0"}, {"Latitude": "1"}, {"Latitude": "1e9", "Longitude": "2"}],
    ids=["out-of-range", "half", "exponent"],
)
def test_a_malformed_location_is_a_bad_request(twilio, extra):
    assert twilio.post("/twilio/sms", sms_form(From="whatsapp:+51987654321", **extra)).status_code == 400


def test_stored_media_is_shown_and_played_from_the_authenticated_route(app, client, login, twilio, session):
    message = mms(twilio, "image/jpeg", "audio/ogg", whatsapp=True)
    session(FakeResponse(200, JPEG), FakeResponse(200, OGG))
    fetch(app)
    image, voice = rows(message)
    login("operator")
    page = client.get(f"/live/calls/{message.call_id}").get_data(as_text=True)
    assert f'<img src="/live/media/{image.id}"' in page
    assert f'<audio controls preload="none" src="/live/media/{voice.id}"' in page
    assert "api.twilio.com" not in page
    response = client.get(f"/live/media/{voice.id}")
    assert response.status_code == 200 and response.data == OGG and response.mimetype == "audio/ogg"
    assert response.headers["Cache-Control"].startswith("no-store")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert audit_count("call.media_view", object_id=str(message.call_id)) == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [("operator", 200), ("coordinator", 200), ("manager", 403), ("admin", 403), ("partner", 403)],
)
def test_media_route_roles(app, client, login, twilio, session, role, status):
    message = mms(twilio, "image/jpeg")
    session(FakeResponse(200, JPEG))
    fetch(app)
    login(role)
    assert client.get(f"/live/media/{rows(message)[0].id}").status_code == status


def test_media_route_anonymous_and_not_stored(app, client, login, twilio):
    message = mms(twilio, "image/jpeg")
    media_id = rows(message)[0].id
    assert client.get(f"/live/media/{media_id}").status_code == 302
    login("operator")
    assert client.get(f"/live/media/{media_id}").status_code == 404  # still pending
    assert client.get("/live/media/999999").status_code == 404


def test_conversation_lists_media_without_n_plus_one(app, client, login, twilio, session):
    from tests.helpers import count_queries

    first = mms(twilio, "image/jpeg")
    for _ in range(4):
        form = sms_form(From="+51987654321", NumMedia="1", MediaUrl0=URL + "x", MediaContentType0="image/png")
        form["MessageSid"] = new_sid("MM")
        twilio.post("/twilio/sms", form)
    login("operator")
    with count_queries() as queries:
        assert client.get(f"/live/calls/{first.call_id}").status_code == 200
    assert len([q for q in queries if "message_media" in q]) == 1


def test_the_worker_runs_the_media_job():
    from hotline.worker import jobs

    assert "telephony.media" in [job.name for job in jobs()]
