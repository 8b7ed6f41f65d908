"""The roof's writes for logging in (A1): sessions (list, end, re-key, idle and
absolute limits) and the staff second factor (enrol, verify, recovery codes),
each audited. portal.auth_views and portal.signup_views stay thin and call
these (import-linter's thin-views contract)."""
