"""Admin for people (RULES.md A, F), one module per subject: every model,
searchable by the masked ID suffix (last 4 characters), name and phone; the
approval queue for child bindings; the SMS outbox read-only (the audit log's
page is core/admin.py). The full ID number shows only on an insured person's
change page. Every change made here is audited."""

from accounts.admin import dependents, facilities, lockouts, outbox, people, search
from accounts.admin.search import PersonSearchMixin, national_id_lookup

__all__ = [
    "PersonSearchMixin",
    "dependents",
    "facilities",
    "lockouts",
    "national_id_lookup",
    "outbox",
    "people",
    "search",
]
