"""Partner organisations of the multi-sector working group against trafficking."""
