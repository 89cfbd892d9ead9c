"""Data-subject rights under Peru's Ley 29733 (DS 016-2024-JUS) and the retention of personal data."""
