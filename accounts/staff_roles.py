"""Staff roles (S1): one registry, role -> the permissions it grants, kept in
step with the auth groups after every ``migrate`` (an idempotent post_migrate
sync), so no member of staff needs hand-picked permissions: an administrator
puts them in a group.

Least privilege: each role holds what its duty needs and nothing more. Names
are ``app_label.codename``; a name whose permission does not exist (yet: a model
another branch adds later) is skipped and granted by the next ``migrate`` after
it appears. The auditor's role is every ``view_`` permission there is and
nothing else; the administrator's is every permission.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

REVIEWER = "reviewer"
FINANCE = "finance"
BULK_OPERATOR = "bulk operator"
AUDITOR = "auditor"
ADMINISTRATOR = "administrator"

# Marks for roles computed from what exists rather than listed.
ALL_VIEW = "*.view_*"
ALL = "*.*"

ROLES: dict[str, tuple[str, ...]] = {
    # S1: chronic applications (C5), child documents (A3), out-of-pocket claims (M).
    REVIEWER: (
        "accounts.view_insuredperson",
        "accounts.view_facility",
        "accounts.view_nonlocalregistration",
        "accounts.view_dependentbinding",
        "accounts.change_dependentbinding",
        "claims.view_disease",
        "claims.view_chronicrecognition",
        "claims.change_chronicrecognition",
        "claims.view_directoryitem",
        "claims.view_reimbursementclaim",
        "claims.change_reimbursementclaim",
        "claims.review_reimbursementclaim",
    ),
    # S1: refunds and payments; never the review of a claim.
    FINANCE: (
        "accounts.view_insuredperson",
        "claims.view_bill",
        "claims.refund",
        "claims.view_refund",
        "claims.change_refund",
        "claims.view_reimbursementclaim",
        "claims.pay_reimbursementclaim",
        "wallet.view_payment",
        "wallet.view_ledgeraccount",
        "wallet.view_ledgerentry",
        "wallet.view_ledgercheck",
    ),
    # S1: bulk proxy activation (W2) and what it reads.
    BULK_OPERATOR: (
        "bulk.bulk_proxy_activate",
        "accounts.view_insuredperson",
        "wallet.view_wallet",
    ),
    AUDITOR: (ALL_VIEW,),
    ADMINISTRATOR: (ALL,),
}

READ_ONLY_ROLES = (AUDITOR,)


def _wanted(names: tuple[str, ...], permissions) -> list:
    """The permission rows a role's names stand for (those that exist)."""
    if names == (ALL,):
        return list(permissions)
    if names == (ALL_VIEW,):
        return [p for p in permissions if p.codename.startswith("view_")]
    wanted = set(names)
    return [p for p in permissions if f"{p.content_type.app_label}.{p.codename}" in wanted]


def sync_staff_roles(*, using: str = DEFAULT_DB_ALIAS, apps=global_apps) -> dict[str, int]:
    """S1: create the role groups if missing and set each one's permissions to
    exactly what ROLES says. Safe to run any number of times. Returns how many
    permissions each role holds."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.using(using).select_related("content_type"))
    held = {}
    for role, names in ROLES.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        wanted = _wanted(names, permissions)
        group.permissions.set(wanted)
        held[role] = len(wanted)
    return held


def _last_app_label() -> str:
    return [app for app in global_apps.get_app_configs() if app.models_module][-1].label


def sync_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate runs once per app; the roles are synced once, after the
    last app's permissions were created."""
    if sender.label == _last_app_label():
        sync_staff_roles(using=using)
