"""Pure pieces: opening hours, dial targets, hand-off lists, masking, the fallback TwiML."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotline.phones import mask_phone
from hotline.telephony import services, twiml
from hotline.telephony.prompts import PROMPTS, prompt
from tests.telephony.conftest import parse_twiml

SETTINGS = twiml.VoiceSettings(
    public_url="https://h.example",
    operator_targets=("+51999000111",),
    backup_number="+5114197260",
    emergency_number="105",
    opening_hours="24/7",
    timezone="America/Lima",
)


def lima(hour: int, minute: int = 0) -> datetime:
    return (
        datetime(2026, 11, 27, hour + 5, minute, tzinfo=UTC)
        if hour < 19
        else datetime(2026, 11, 28, hour + 5 - 24, minute, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("spec", "hour", "expected"),
    [
        ("24/7", 3, True),
        ("", 3, True),
        ("08:00-20:00", 8, True),
        ("08:00-20:00", 19, True),
        ("08:00-20:00", 20, False),
        ("08:00-20:00", 7, False),
        ("20:00-08:00", 22, True),
        ("20:00-08:00", 3, True),
        ("20:00-08:00", 12, False),
        ("nonsense", 3, True),
    ],
)
def test_opening_hours(spec, hour, expected):
    assert twiml.is_open(spec, lima(hour), "America/Lima") is expected


def test_parse_hours_rejects_nonsense():
    with pytest.raises(ValueError):
        twiml.parse_hours("25:00-26:00")


def test_split_targets():
    valid, invalid = twiml.split_targets(" +51999000111, 999000222 ,sip:op@pbx.example.pe,+51999000111,, x")
    assert valid == ["+51999000111", "sip:op@pbx.example.pe"]
    assert invalid == ["999000222", "x"]
    many = ",".join(f"+5199900{i:04d}" for i in range(15))
    assert len(twiml.split_targets(many)[0]) == twiml.MAX_DIAL_TARGETS


def test_parse_handoff_numbers():
    entries = services.parse_handoff_numbers(
        "CEM 24 horas=+5114197260; Policía = +51 1 431 8898;bad=123;+5117777777"
    )
    assert entries == [
        ("CEM 24 horas", "+5114197260"),
        ("Policía", "+5114318898"),
        ("+5117777777", "+5117777777"),
    ]


@pytest.mark.parametrize(
    ("number", "masked"), [("+51987654321", "••• ••• 321"), ("12345", "•••"), (None, None)]
)
def test_mask_phone(number, masked):
    assert mask_phone(number) == masked


def test_fallback_dials_the_backup_and_says_the_emergency_number_in_both_languages():
    root = parse_twiml(twiml.fallback(SETTINGS))
    assert [n.text for n in root.find("Dial").findall("Number")] == ["+5114197260"]
    languages = [s.get("language") for s in root.iter("Say")]
    assert "es-US" in languages and "en-US" in languages
    assert all("1 0 5" in (s.text or "") for s in root.iter("Say") if "105" in prompt("es", "unavailable"))


def test_fallback_with_a_sip_backup():
    settings = twiml.VoiceSettings(**{**SETTINGS.__dict__, "backup_number": "sip:backup@pbx.example.pe"})
    root = parse_twiml(twiml.fallback(settings))
    assert root.find("Dial").find("Sip").text == "sip:backup@pbx.example.pe"


def test_transfer_twiml_escapes_and_dials():
    root = parse_twiml(twiml.transfer(SETTINGS, "en", "+5114197260"))
    assert root.find("Dial").find("Number").text == "+5114197260"
    assert {s.get("language") for s in root.iter("Say")} == {"en-US"}


def test_every_prompt_exists_in_both_languages():
    assert set(PROMPTS["es"]) == set(PROMPTS["en"])


def test_sms_acknowledgement_is_fixed_text():
    root = parse_twiml(twiml.message_reply(SETTINGS, acknowledge=True))
    text = root.find("Message").text
    assert "105" in text and "recibimos su mensaje" in text
    assert parse_twiml(twiml.message_reply(SETTINGS, acknowledge=False)).find("Message") is None


def test_config_problems_for_an_empty_configuration():
    problems = [str(p) for p in services.config_problems({"HOTLINE_PUBLIC_URL": "http://x"})]
    assert any("TWILIO_AUTH_TOKEN" in p for p in problems)
    assert any("https://" in p for p in problems)
    assert any("TWILIO_OPERATOR_NUMBERS" in p for p in problems)
    assert any("TWILIO_BACKUP_NUMBER" in p for p in problems)


def test_fallback_document_is_the_same_twiml_indented():
    pretty = twiml.fallback_document(SETTINGS)
    assert pretty.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n')
    compact, indented = parse_twiml(twiml.fallback(SETTINGS)), parse_twiml(pretty.encode())
    assert [(e.tag, e.attrib, (e.text or "").strip()) for e in compact.iter()] == [
        (e.tag, e.attrib, (e.text or "").strip()) for e in indented.iter()
    ]
