"""Twilio telephony: signed voice/SMS/WhatsApp webhooks, TwiML, the live-call view, outbound SMS.

Only this package imports `twilio`.
"""
