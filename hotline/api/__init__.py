"""The partner API (`/api/v1/`): referrals over JSON for partners' own case systems, with scoped
keys, idempotent state changes and signed webhooks. It reaches referrals only through
`hotline.referrals.services`, with the portal's rules."""
