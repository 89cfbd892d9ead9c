"""What the caller hears and the SMS acknowledgement, in the caller's language.

These texts are spoken by Twilio's text-to-speech in a fixed language (Spanish first, English on
option 3), whatever the locale of the web request that produced them, so they are kept here per
language instead of going through the web UI's gettext catalogue. Placeholders: `{emergency}` is
the emergency number spelled digit by digit, `{public}` the hotline's public number.
"""

from __future__ import annotations

# Voices from Twilio's current text-to-speech list (Amazon Polly neural and Google voices), with
# the language each speaks. `TWILIO_VOICE_ES` / `TWILIO_VOICE_EN` choose among them; anything else
# falls back to the default (and the admin page says so). `alice`/`man`/`woman` are no longer listed.
KNOWN_VOICES: dict[str, str] = {
    "Polly.Lupe-Neural": "es-US",
    "Polly.Pedro-Neural": "es-US",
    "Polly.Mia-Neural": "es-MX",
    "Polly.Andres-Neural": "es-MX",
    "Google.es-US-Neural2-A": "es-US",
    "Google.es-US-Neural2-B": "es-US",
    "Google.es-US-Neural2-C": "es-US",
    "Polly.Joanna-Neural": "en-US",
    "Polly.Matthew-Neural": "en-US",
    "Google.en-US-Neural2-F": "en-US",
    "Google.en-US-Neural2-D": "en-US",
}
DEFAULT_VOICES: dict[str, str] = {"es": "Polly.Lupe-Neural", "en": "Polly.Joanna-Neural"}
LANGUAGES = tuple(DEFAULT_VOICES)


def voice_for(lang: str, configured: str | None = None) -> tuple[str, str]:
    """(voice, language) for `<Say>`: the configured voice when Twilio documents it, else the default."""
    name = (configured or "").strip()
    if name not in KNOWN_VOICES or not KNOWN_VOICES[name].startswith(lang):
        name = DEFAULT_VOICES.get(lang, DEFAULT_VOICES["es"])
    return name, KNOWN_VOICES[name]


PROMPTS: dict[str, dict[str, str]] = {
    "es": {
        "greeting": "Bienvenida, bienvenido a la Línea contra la Trata de Personas. "
        "Esta llamada es gratuita y confidencial.",
        "emergency": "Si usted u otra persona está en peligro inmediato, cuelgue y llame al {emergency}.",
        "menu": "Para reportar una situación, marque 1. Para recibir información, marque 2.",
        "english_option": "For English, press 3.",
        "invalid": "Esa opción no es válida.",
        "connecting": "Le comunicamos con una persona de la línea. Por favor, espere.",
        "busy": "En este momento todas nuestras operadoras y operadores están ocupados.",
        "closed": "En este momento no hay operadoras disponibles.",
        "leave_message": "Después del tono, cuéntenos qué ocurre y, si es seguro, cómo podemos "
        "comunicarnos con usted. Al terminar, cuelgue o marque numeral.",
        "thanks": "Gracias. Recibimos su mensaje y lo atenderemos lo antes posible. Hasta luego.",
        "no_message": "No recibimos ningún mensaje. Puede volver a llamar cuando lo necesite. Hasta luego.",
        "backup": "Estamos transfiriendo su llamada a nuestra línea de respaldo. Por favor, no cuelgue.",
        "unavailable": "No podemos atender su llamada en este momento. "
        "Si usted u otra persona está en peligro, llame al {emergency}.",
        "transfer": "Le comunicamos con una institución que puede ayudarle. Por favor, no cuelgue.",
        "transfer_failed": "No logramos comunicarle. Si está en peligro, llame al {emergency}.",
        "sms_ack": "Linea contra la Trata: recibimos su mensaje y le responderemos pronto. "
        "Si hay peligro inmediato, llame al {emergency_digits}.",
        "queue_wait": "Gracias por esperar. Usted es la persona número {position} en la fila. "
        "Una operadora le atenderá en breve.",
        "queue_next": "Gracias por esperar. Usted es la siguiente persona en ser atendida.",
        "hold": "Su llamada está en espera. Por favor, no cuelgue.",
        "whatsapp_reply": "Linea contra la Trata: recibimos su mensaje y le responderemos pronto.",
    },
    "en": {
        "greeting": "Welcome to the anti-trafficking hotline. This call is free and confidential.",
        "emergency": "If you or someone else is in immediate danger, hang up and call {emergency}.",
        "menu": "To report a situation, press 1. For information, press 2.",
        "english_option": "",
        "invalid": "That option is not valid.",
        "connecting": "We are connecting you to a member of our team. Please hold.",
        "busy": "All our operators are busy at the moment.",
        "closed": "No operator is available at the moment.",
        "leave_message": "After the tone, tell us what is happening and, if it is safe, how we can "
        "reach you. When you have finished, hang up or press the pound key.",
        "thanks": "Thank you. We have your message and will deal with it as soon as possible. Goodbye.",
        "no_message": "We did not receive a message. You can call again whenever you need. Goodbye.",
        "backup": "We are transferring your call to our backup line. Please stay on the line.",
        "unavailable": "We cannot take your call right now. "
        "If you or someone else is in danger, call {emergency}.",
        "transfer": "We are connecting you to an organisation that can help you. Please stay on the line.",
        "transfer_failed": "We could not connect you. If you are in danger, call {emergency}.",
        "sms_ack": "Anti-trafficking hotline: we got your message and will reply soon. "
        "In immediate danger call {emergency_digits}.",
        "queue_wait": "Thank you for waiting. You are number {position} in line. "
        "An operator will be with you shortly.",
        "queue_next": "Thank you for waiting. You are next in line.",
        "hold": "Your call is on hold. Please stay on the line.",
        "whatsapp_reply": "Anti-trafficking hotline: we received your message and will reply soon.",
    },
}


def spell(number: str) -> str:
    """'105' -> '1 0 5', so text-to-speech reads a short number digit by digit."""
    return " ".join(c for c in number if c.isdigit())


def prompt(lang: str, key: str, emergency: str = "105", **values: object) -> str:
    text = PROMPTS[lang if lang in PROMPTS else "es"][key]
    return text.format(emergency=spell(emergency), emergency_digits=emergency, **values)
