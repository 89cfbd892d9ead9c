"""The append-only audit trail: who saw or changed what, when, and from where."""
