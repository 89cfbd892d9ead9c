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
from hotline.telephony.services.handoff import (
    browser_call,
    current_handoff,
    finish_handoff,
    hold_call,
    record_conference_event,
    start_handoff,
)
from hotline.telephony.services.live import (
    CallerHistory,
    Conversation,
    LiveCall,
    caller_history,
    claim_live_call,
    get_conversation,
    list_live_calls,
    listen_to_voicemail,
    parse_handoff_numbers,
    transfer_call,
)
from hotline.telephony.services.media import (
    Credentials,
    FetchReport,
    MediaUnavailable,
    fetch_pending_media,
    location_of,
    media_for,
    media_job,
    media_store,
    read_media,
)
from hotline.telephony.services.messages import (
    InboundMessage,
    is_opted_out,
    last_inbound_whatsapp_at,
    receive_message,
)
from hotline.telephony.services.queue import (
    OperatorState,
    PresenceRefused,
    QueueSummary,
    get_presence,
    handle_voice_status,
    identity_of,
    leave_queue,
    list_presence,
    operator_dial_result,
    queue_summary,
    set_presence,
    wait_in_queue,
)
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
    "CallerHistory",
    "Conversation",
    "Credentials",
    "FetchReport",
    "HandoffFailed",
    "InboundMessage",
    "LiveCall",
    "MediaUnavailable",
    "OperatorState",
    "PresenceRefused",
    "QueueSummary",
    "RecordingUnavailableError",
    "TelephonyError",
    "attach_recording",
    "browser_call",
    "caller_history",
    "claim_live_call",
    "config_problems",
    "count_rejected_webhooks",
    "current_handoff",
    "fetch_pending_media",
    "finish_handoff",
    "get_conversation",
    "get_presence",
    "handle_voice_status",
    "hold_call",
    "identity_of",
    "is_opted_out",
    "last_inbound_whatsapp_at",
    "leave_queue",
    "list_live_calls",
    "list_presence",
    "listen_to_voicemail",
    "location_of",
    "media_for",
    "media_job",
    "media_store",
    "operator_dial_result",
    "parse_handoff_numbers",
    "queue_summary",
    "read_media",
    "receive_message",
    "record_conference_event",
    "register_voice_call",
    "set_presence",
    "start_handoff",
    "transfer_call",
    "update_voice_status",
    "voice_menu_choice",
    "wait_in_queue",
    "webhook_urls",
]
