"""Who may do what for an insured person: the authorization matrix, written once.

``docs/AUTHORIZATION.md`` is generated from this table (``markdown()``; a test
fails when they differ), the consent page a relative reads before letting a
delegate in lists exactly the delegate's actions (``delegate_scope()``), and one
parametrised test drives every family view with every role against it.

Family roles are relations between a login and the person acted for:

- owner: the person's own login;
- delegate: a login holding the person as an active dependent (亲情账户, A3);
- pooling payer: an employee paying the person's bills and premiums from their
  own personal account (家庭共济, P1);
- relative: a close relative on record (A2) with none of the above.

Staff roles act in the admin, never on family pages: their actions are Django
permissions (``STAFF``), granted through groups of those names.

A delegate does what the consent page says, nothing more (A7): above all no
money of the relative's moves on a delegate's word (A8).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts import staff_roles

OWNER = "owner"
DELEGATE = "delegate"
POOLING_PAYER = "pooling_payer"
RELATIVE = "relative"
FAMILY_ROLES = (OWNER, DELEGATE, POOLING_PAYER, RELATIVE)

REVIEWER = "reviewer"
FINANCE = "finance"
BULK_OPERATOR = "bulk_operator"
AUDITOR = "auditor"
ADMINISTRATOR = "administrator"
STAFF_ROLES = (REVIEWER, FINANCE, BULK_OPERATOR, AUDITOR, ADMINISTRATOR)

ROLE_NAMES = {
    OWNER: _("owner (the person's own login)"),
    DELEGATE: _("delegate (dependent account, 亲情账户)"),
    POOLING_PAYER: _("pooling payer (家庭共济)"),
    RELATIVE: _("close relative"),
    REVIEWER: _("reviewer"),
    FINANCE: _("finance"),
    BULK_OPERATOR: _("bulk operator"),
    AUDITOR: _("auditor"),
    ADMINISTRATOR: _("administrator"),
}


@dataclass(frozen=True)
class Action:
    key: str
    rule: str  # the RULES.md ids it serves
    # What the consent page says a delegate may do ("" when a delegate may not).
    sentence: Promise | str
    group: str  # "see" or "act": how the consent page groups the sentences


VIEW_CARD = "view_card"
PRINT_PROOF = "print_proof"
VIEW_RECORDS = "view_records"
OPEN_WALLET = "open_wallet"
CHANGE_USAGE = "change_usage"
CHOOSE_FACILITY = "choose_facility"
REGISTRATIONS = "registrations"
APPLY_CHRONIC = "apply_chronic"
DECIDE_TRANSFER = "decide_transfer"
SEND_TRANSFER_TO = "send_transfer_to"
SEND_FROM = "send_from"
PAY_PREMIUM = "pay_premium"
POOLING_END = "pooling_end"
FILE_CLAIM = "file_claim"

ACTIONS = {
    VIEW_CARD: Action(
        VIEW_CARD, "A1 A3", _("see your insurance card and show your insurance QR code"), "see"
    ),
    PRINT_PROOF: Action(PRINT_PROOF, "A1 A3", _("print a proof of your insurance"), "see"),
    VIEW_RECORDS: Action(
        VIEW_RECORDS,
        "A3 C5 T1",
        _(
            "see your records: personal account and wallet balances, bills and their "
            "settlement, and your yearly cost summary"
        ),
        "see",
    ),
    OPEN_WALLET: Action(OPEN_WALLET, "W1 W2", _("open your medical insurance wallet"), "act"),
    CHANGE_USAGE: Action(
        CHANGE_USAGE, "W3", _("change where your wallet is used (usage location)"), "act"
    ),
    CHOOSE_FACILITY: Action(
        CHOOSE_FACILITY, "F2", _("choose your designated outpatient facility"), "act"
    ),
    REGISTRATIONS: Action(REGISTRATIONS, "F3", _("file or cancel non-local registrations"), "act"),
    APPLY_CHRONIC: Action(
        APPLY_CHRONIC, "C5", _("apply for recognition of a chronic or special disease"), "act"
    ),
    FILE_CLAIM: Action(
        FILE_CLAIM,
        "M1",
        _(
            "file an out-of-pocket claim for your care, paid by the fund to the bank "
            "account given on the claim"
        ),
        "act",
    ),
    DECIDE_TRANSFER: Action(DECIDE_TRANSFER, "W8 A8", "", "act"),
    SEND_TRANSFER_TO: Action(SEND_TRANSFER_TO, "W5", "", "act"),
    SEND_FROM: Action(SEND_FROM, "W4 A8", "", "act"),
    PAY_PREMIUM: Action(PAY_PREMIUM, "W11 P3 A8", "", "act"),
    POOLING_END: Action(POOLING_END, "P1", "", "act"),
}

# The matrix: for each action on a person, the family roles that may do it.
MATRIX: dict[str, frozenset[str]] = {
    VIEW_CARD: frozenset({OWNER, DELEGATE}),
    PRINT_PROOF: frozenset({OWNER, DELEGATE}),
    VIEW_RECORDS: frozenset({OWNER, DELEGATE}),
    OPEN_WALLET: frozenset({OWNER, DELEGATE}),
    CHANGE_USAGE: frozenset({OWNER, DELEGATE}),
    CHOOSE_FACILITY: frozenset({OWNER, DELEGATE}),
    REGISTRATIONS: frozenset({OWNER, DELEGATE}),
    APPLY_CHRONIC: frozenset({OWNER, DELEGATE}),
    # The fund pays a claim to the account named on it; the consent page says so.
    FILE_CLAIM: frozenset({OWNER, DELEGATE}),
    # Money: only the holder decides on money sent to them or moves theirs;
    # a pooling payer pays with their own account (A8).
    DECIDE_TRANSFER: frozenset({OWNER}),
    SEND_TRANSFER_TO: frozenset({RELATIVE, POOLING_PAYER}),
    SEND_FROM: frozenset({OWNER}),
    PAY_PREMIUM: frozenset({OWNER, POOLING_PAYER}),
    POOLING_END: frozenset({OWNER, POOLING_PAYER}),
}

# Staff roles: what each does in the admin, and the Django permissions its group
# holds (S1): the groups' one registry is accounts/staff_roles.py. None of them
# opens a family page (A9).
STAFF: dict[str, tuple[Promise | str, tuple[str, ...]]] = {
    REVIEWER: (
        _("review chronic-disease applications, child documents and out-of-pocket claims"),
        staff_roles.ROLES[staff_roles.REVIEWER],
    ),
    FINANCE: (
        _("refund bills, pay approved out-of-pocket claims, read payments and the ledger"),
        staff_roles.ROLES[staff_roles.FINANCE],
    ),
    BULK_OPERATOR: (
        _("upload, check and run bulk proxy activation batches"),
        staff_roles.ROLES[staff_roles.BULK_OPERATOR],
    ),
    AUDITOR: (
        _("read everything in the admin, change nothing"),
        staff_roles.ROLES[staff_roles.AUDITOR],
    ),
    ADMINISTRATOR: (
        _(
            "everything in the admin, including staff logins, authenticator "
            "enrolment links and ending sessions"
        ),
        staff_roles.ROLES[staff_roles.ADMINISTRATOR],
    ),
}
# The group each staff role is (accounts/staff_roles.py names them).
STAFF_GROUP = {
    REVIEWER: staff_roles.REVIEWER,
    FINANCE: staff_roles.FINANCE,
    BULK_OPERATOR: staff_roles.BULK_OPERATOR,
    AUDITOR: staff_roles.AUDITOR,
    ADMINISTRATOR: staff_roles.ADMINISTRATOR,
}


def allowed(action: str, roles) -> bool:
    """Whether any of `roles` may do `action` (an unknown action: nobody)."""
    return bool(MATRIX.get(action, frozenset()) & set(roles))


def delegate_may(action: str) -> bool:
    return DELEGATE in MATRIX[action]


def delegate_scope() -> dict[str, list[str]]:
    """The consent page's lists: what a delegate may see and do, in the
    matrix's order (sentences, translated when rendered)."""
    scope: dict[str, list[str]] = {"see": [], "act": []}
    for key, action in ACTIONS.items():
        if delegate_may(key) and action.sentence:
            scope[action.group].append(action.sentence)
    return scope


def markdown() -> str:
    """docs/AUTHORIZATION.md, from the table above (in English)."""
    with translation.override("en"):
        return _markdown()


def _markdown() -> str:
    header = "| action | rules | " + " | ".join(FAMILY_ROLES) + " |"
    lines = [
        "# Authorization matrix",
        "",
        "Generated from `accounts/authorization.py` (`python manage.py authorization_doc`);",
        "`tests/accounts/test_authorization.py` fails when this file and the table differ,",
        "and drives every family view with every role against it. Rules A7-A9 in",
        "docs/RULES.md.",
        "",
        "## Family roles (per insured person)",
        "",
        *(f"- **{role}**: {ROLE_NAMES[role]}" for role in FAMILY_ROLES),
        "",
        header,
        "|" + " --- |" * (len(FAMILY_ROLES) + 2),
    ]
    for key, action in ACTIONS.items():
        marks = " | ".join("yes" if role in MATRIX[key] else "no" for role in FAMILY_ROLES)
        lines.append(f"| {key} | {action.rule} | {marks} |")
    lines += [
        "",
        "A delegate's actions are exactly the consent page's list (generated from the",
        "`delegate` column): a relative agrees to nothing the table does not grant.",
        "",
        "## Staff roles (the admin only; none opens a family page)",
        "",
        "| role | may | Django permissions |",
        "| --- | --- | --- |",
    ]
    for role in STAFF_ROLES:
        what, perms = STAFF[role]
        lines.append(f"| {role} | {what} | {', '.join(perms)} |")
    return "\n".join(lines) + "\n"
