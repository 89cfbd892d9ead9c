"""What the caller hears and the SMS acknowledgement, in the caller's language.

These texts are spoken by Twilio's text-to-speech in a fixed language (Spanish first, English on
option 3), whatever the locale of the web request that produced them, so they are kept here per
language instead of going through the web UI's gettext catalogue. Placeholders: `{emergency}` is
the emergency number spelled digit by digit, `{public}` the hotline's public number.
"""

from __future__ import annotations

# (Twilio <Say> voice, language) per caller language. `alice` speaks es-MX and en-US.
VOICES: dict[str, tuple[str, str]] = {"es": ("alice", "es-MX"), "en": ("alice", "en-US")}
LANGUAGES = tuple(VOICES)

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
        "backup": "Le comunicamos con nuestra línea de respaldo. Por favor, espere.",
        "unavailable": "No podemos atender su llamada en este momento. "
        "Si usted u otra persona está en peligro, llame al {emergency}.",
        "transfer": "Le comunicamos con una institución que puede ayudarle. Por favor, no cuelgue.",
        "transfer_failed": "No logramos comunicarle. Si está en peligro, llame al {emergency}.",
        "sms_ack": "Línea contra la Trata de Personas: recibimos su mensaje y le responderemos pronto. "
        "Si hay peligro inmediato, llame al {emergency_digits}.",
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
        "backup": "We are connecting you to our backup line. Please hold.",
        "unavailable": "We cannot take your call right now. "
        "If you or someone else is in danger, call {emergency}.",
        "transfer": "We are connecting you to an organisation that can help you. Please stay on the line.",
        "transfer_failed": "We could not connect you. If you are in danger, call {emergency}.",
        "sms_ack": "Anti-trafficking hotline: we received your message and will reply soon. "
        "If there is immediate danger, call {emergency_digits}.",
    },
}


def spell(number: str) -> str:
    """'105' -> '1 0 5', so text-to-speech reads a short number digit by digit."""
    return " ".join(c for c in number if c.isdigit())


def prompt(lang: str, key: str, emergency: str = "105") -> str:
    text = PROMPTS[lang if lang in PROMPTS else "es"][key]
    return text.format(emergency=spell(emergency), emergency_digits=emergency)
