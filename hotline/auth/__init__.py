"""Users, roles, login and logout, password policy, lockout, two-factor and server-side sessions."""
