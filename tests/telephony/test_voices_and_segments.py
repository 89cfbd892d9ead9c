"""Current Twilio voices, configurable; automatic texts fit in two SMS segments (GSM-7 / UCS-2)."""

from __future__ import annotations

import pytest

from hotline.telephony import twiml
from hotline.telephony.prompts import DEFAULT_VOICES, KNOWN_VOICES, PROMPTS, prompt, voice_for
from hotline.telephony.segments import count_segments, fits
from tests.telephony.conftest import parse_twiml, voice_form

SETTINGS = twiml.VoiceSettings(
    public_url="https://h.example",
    operator_targets=("+51999000111",),
    backup_number="+5114197260",
    emergency_number="105",
    opening_hours="24/7",
    timezone="America/Lima",
)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # the extension table counts two septets
        ("[" * 81, "GSM-7", 162, 2),
        ("ñandú", "UCS-2", 5, 1),  # ú is not GSM-7: the whole text is UCS-2
        ("é" * 160, "GSM-7", 160, 1),  # é, ñ, ü, à are in the basic table
        ("á" * 70, "UCS-2", 70, 1),
        ("á" * 71, "UCS-2", 71, 2),
        ("á" * 134, "UCS-2", 134, 2),
        ("á" * 135, "UCS-2", 135, 3),
        ("🙂" * 35, "UCS-2", 70, 1),  # an emoji is two UTF-16 code units
    ],
)
def test_segments_are_counted_as_twilio_counts_them(text, encoding, units, segments):
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_the_old_acknowledgement_cost_four_segments():
    old = (
        "Línea contra la Trata de Personas: recibimos su mensaje y le responderemos pronto. "
        "Si hay peligro inmediato, llame al 105. / Anti-trafficking hotline: we received your "
        "message and will reply soon. If there is immediate danger, call 105."
    )
    assert (len(old), count_segments(old).segments) == (236, 4)


@pytest.mark.parametrize("emergency", ["105", "116", "0800-12345"])
def test_every_automatic_text_fits_in_two_segments(emergency):
    settings = twiml.VoiceSettings(**{**SETTINGS.__dict__, "emergency_number": emergency})
    ack = twiml.acknowledgement(settings)
    assert fits(ack) and emergency in ack
    assert count_segments(ack).segments <= 2
    for lang in PROMPTS:
        assert fits(prompt(lang, "sms_ack", emergency)) and fits(prompt(lang, "whatsapp_reply", emergency))
    body = parse_twiml(twiml.message_reply(settings, acknowledge=True)).find("Message").text
    assert body == ack


def test_a_long_bilingual_acknowledgement_falls_back_to_spanish(monkeypatch):
    monkeypatch.setitem(PROMPTS["en"], "sms_ack", "x" * 200)
    assert twiml.acknowledgement(SETTINGS) == prompt("es", "sms_ack", "105")


def test_voices_are_from_twilios_current_list():
    assert "alice" not in KNOWN_VOICES and "man" not in KNOWN_VOICES
    assert voice_for("es") == ("Polly.Lupe-Neural", "es-US")
    assert voice_for("en") == ("Polly.Joanna-Neural", "en-US")
    assert voice_for("es", "Google.es-US-Neural2-A") == ("Google.es-US-Neural2-A", "es-US")
    assert voice_for("es", "alice") == voice_for("es")  # retired voice: the default
    assert voice_for("es", "Polly.Joanna-Neural") == voice_for("es")  # an English voice for Spanish


def test_no_twiml_uses_a_retired_voice():
    documents = [
        twiml.menu(SETTINGS, "es"),
        twiml.fallback(SETTINGS),
        twiml.voicemail(SETTINGS, "en", reason="busy"),
        twiml.enqueue(SETTINGS, "es"),
        twiml.queue_wait(SETTINGS, "es", 3, leave=False),
        twiml.hold(SETTINGS, "en", 4),
    ]
    for document in documents:
        for say in parse_twiml(document).iter("Say"):
            assert say.get("voice") in KNOWN_VOICES and say.get("voice") != "alice"
            assert KNOWN_VOICES[say.get("voice")] == say.get("language")


def test_the_voice_is_configurable(app, twilio, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_VOICE_ES", "Google.es-US-Neural2-A")
    monkeypatch.setitem(app.config, "TWILIO_VOICE_EN", "Polly.Matthew-Neural")
    root = parse_twiml(twilio.post("/twilio/voice", voice_form()).get_data())
    voices = {s.get("voice") for s in root.iter("Say")}
    assert voices == {"Google.es-US-Neural2-A", "Polly.Matthew-Neural"}
    assert set(DEFAULT_VOICES.values()) <= set(KNOWN_VOICES)
