"""Telephony rules: calls and conversations from Twilio, their states, opt-outs, claims, hand-offs.

`from hotline.telephony import services` then `services.register_voice_call(...)`. Webhooks call one
function here and commit once; staff views likewise. Split by responsibility: `voice` (calls and
voicemails), `messages` (SMS, WhatsApp, opt-outs), `live` (the operators' live view, claiming,
hand-off) and `settings` (the admin's Twilio page).
"""

from hotline.telephony.services.common import (
    CallAlreadyClaimed,
    CallNotLive,
    HandoffFailed,
    RecordingUnavailableError,
    TelephonyError,
)
from hotline.telephony.services.live import (
    Conversation,
    LiveCall,
    claim_live_call,
    get_conversation,
    list_live_calls,
    listen_to_voicemail,
    parse_handoff_numbers,
    transfer_call,
)
from hotline.telephony.services.messages import InboundMessage, is_opted_out, receive_message
from hotline.telephony.services.settings import config_problems, count_rejected_webhooks, webhook_urls
from hotline.telephony.services.voice import (
    attach_recording,
    register_voice_call,
    update_voice_status,
    voice_menu_choice,
)

__all__ = [
    "CallAlreadyClaimed",
    "CallNotLive",
    "Conversation",
    "HandoffFailed",
    "InboundMessage",
    "LiveCall",
    "RecordingUnavailableError",
    "TelephonyError",
    "attach_recording",
    "claim_live_call",
    "config_problems",
    "count_rejected_webhooks",
    "get_conversation",
    "is_opted_out",
    "list_live_calls",
    "listen_to_voicemail",
    "parse_handoff_numbers",
    "receive_message",
    "register_voice_call",
    "transfer_call",
    "update_voice_status",
    "voice_menu_choice",
    "webhook_urls",
]
