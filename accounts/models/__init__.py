"""People (RULES.md A, F), one module per subject:

regions.py        provinces and regions with the flags other rules read
people.py         insured persons (A1) and their close relatives (A2)
facilities.py     designated facilities (F1) and the designated-facility choice (F2)
dependents.py     dependent accounts (A3) and the approval queue of child bindings
registrations.py  non-local registrations (F3)
outbox.py         the SMS outbox and the one-time codes sent through it (A1)
inbox.py          the message centre (消息中心) and per-login preferences (elder mode)
policy.py         the editable numbers of the people rules

The audit trail is core.models.AuditEvent.
"""

from accounts.models.dependents import DependentBinding, PendingChildBinding
from accounts.models.facilities import DesignatedFacilityChoice, Facility
from accounts.models.inbox import InboxMessage, LoginPreference, MessageKind
from accounts.models.outbox import CODE_MASK, CodeChallenge, OutboundMessage
from accounts.models.people import (
    InsuranceType,
    InsuredPerson,
    PersonStatus,
    Relationship,
    RelationshipKind,
    Sex,
    new_qr_token,
)
from accounts.models.policy import AccountsPolicy
from accounts.models.regions import Province, Region
from accounts.models.registrations import NonLocalRegistration

__all__ = [
    "CODE_MASK",
    "AccountsPolicy",
    "CodeChallenge",
    "DependentBinding",
    "DesignatedFacilityChoice",
    "Facility",
    "InboxMessage",
    "InsuranceType",
    "InsuredPerson",
    "LoginPreference",
    "MessageKind",
    "NonLocalRegistration",
    "OutboundMessage",
    "PendingChildBinding",
    "PersonStatus",
    "Province",
    "Region",
    "Relationship",
    "RelationshipKind",
    "Sex",
    "new_qr_token",
]
