"""Admin for claims (one module per area): directory (C1, CSV import), regional
policies (C3, C4, F4), chronic diseases (C5), bills (C2, C3, C6: inline lines,
settle, re-check, CSV import with a per-row error report), running totals and
settings (T2, T3), refunds (R1–R6) and out-of-pocket claims (M2–M5). Facilities
(F1) have one admin, the people app's."""

from claims.admin import (
    bills,
    chronic,
    directory,
    imports,
    policies,
    refunds,
    reimbursement,
    settings,
)

__all__ = [
    "bills",
    "chronic",
    "directory",
    "imports",
    "policies",
    "refunds",
    "reimbursement",
    "settings",
]
