"""Referrals: routing rules, the referral lifecycle with deadlines, the partner portal."""
