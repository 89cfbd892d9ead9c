"""The call log: every contact on every channel, and the operators' intake form."""
