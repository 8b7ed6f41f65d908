"""Opening wallets and changing their usage location (W1–W3)."""

import json
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.utils.translation import get_language

from accounts.models import InsuredPerson, PersonStatus, Province, Region
from core import clock
from core.audit import audit_record
from core.reasons import Refusal
from core.transitions import transition
from wallet.actions import Action
from wallet.models import AccountKind, Wallet
from wallet.services.ledger import person_account
from wallet.sql import ledger as ledger_sql
from wallet.sql import wallets as wallet_sql


def place_name(province: Province) -> str:
    """A province's name in the reader's language, for refusal messages."""
    language = get_language() or ""
    return province.name_en if language.startswith("en") else province.name


@transaction.atomic
def wallet_open(
    *,
    person: InsuredPerson,
    usage_region: Region,
    acting_user,
    by_proxy: bool = False,
    batch_ref: str = "",
) -> Wallet:
    """Open `person`'s wallet with its usage location (W1), for oneself or by proxy
    for a dependent (W2: ``by_proxy=True``, recorded with who opened it and, for
    bulk activation, the batch). Refused for an inactive person and in provinces
    where the wallet is not live. Opening an open wallet again returns it unchanged,
    so a retried request or a re-run batch opens nothing twice.

    The caller decides whether `acting_user` may act for `person` (the views use
    accounts.selectors.person_for_user, bulk activation its staff permission)."""
    existing = Wallet.objects.filter(person=person).select_for_update().first()
    if existing is not None and existing.is_open:
        return existing
    if person.status != PersonStatus.ACTIVE:
        raise Refusal("W1-02")
    province = usage_region.province
    if not province.wallet_live:
        raise Refusal("W1-01", province=place_name(province))
    now = clock.now()
    opened = {
        "usage_region": usage_region,
        "opened_at": now,
        "opened_by": acting_user if acting_user and acting_user.is_authenticated else None,
        "by_proxy": by_proxy,
        "batch_ref": batch_ref,
    }
    details = {"usage_region": usage_region.code, "by_proxy": by_proxy, "batch": batch_ref}
    if existing is not None:  # a closed wallet opens again with its old account
        person_account(person=person, kind=AccountKind.WALLET)
        return transition(
            existing,
            to=Wallet.Status.OPEN,
            actor=acting_user,
            action=Action.WALLET_OPEN,
            person=person,
            locked=True,
            changes=opened,
            details=details,
        )
    try:
        with transaction.atomic():
            wallet = Wallet.objects.create(person=person, **opened)
    except IntegrityError:  # a concurrent request opened it first
        return Wallet.objects.get(person=person)
    person_account(person=person, kind=AccountKind.WALLET)
    audit_record(
        actor=acting_user, action=Action.WALLET_OPEN, person=person, target=wallet, details=details
    )
    return wallet


@transaction.atomic
def wallet_open_bulk(*, rows: Iterable[tuple[int, int]], acting_user, batch_ref: str) -> list[int]:
    """Open many wallets by proxy at once (W2, bulk activation), set-based. The one
    service for opening wallets in bulk: bulk proxy activation's job calls it per
    chunk.

    `rows` are ``(person_id, usage_region_id)`` pairs the caller has validated.
    Persons who are not active, regions that are not live and persons who already
    have a wallet (open or closed: a closed one is reopened by ``wallet_open``)
    are skipped here too, so nothing is ever opened against W1 or twice. Each
    wallet gets its wallet ledger account and the "wallet.open" audit row
    ``wallet_open`` writes (accounts.services.audit_record's target, details and
    labels). Returns the ids of the persons whose wallet this call opened.

    Three statements whatever the number of rows (wallet/sql/wallets.py:
    100,000 wallets in seconds instead of building 300,000 model instances).
    """
    wanted = dict(rows)
    if not wanted:
        return []
    actor = acting_user if acting_user and acting_user.is_authenticated else None
    now = clock.now()
    return _open_bulk_sql(wanted=wanted, actor=actor, now=now, batch_ref=batch_ref)


def _audit_details(*, region_code: str, batch_ref: str) -> dict:
    return {"usage_region": region_code, "by_proxy": True, "batch": batch_ref}


def _open_bulk_sql(*, wanted: dict[int, int], actor, now, batch_ref: str) -> list[int]:
    actor_id = actor.pk if actor is not None else None
    with connection.cursor() as cursor:
        cursor.execute(
            wallet_sql.OPEN_BULK.text,
            {
                "open": Wallet.Status.OPEN.value,
                "now": now,
                "actor": actor_id,
                "batch": batch_ref,
                "persons": list(wanted),
                "regions": list(wanted.values()),
                "active": PersonStatus.ACTIVE.value,
            },
        )
        opened = sorted(cursor.fetchall(), key=lambda row: row[1])
        if not opened:
            return []
        persons = [person for _, person, _ in opened]
        cursor.execute(
            ledger_sql.ACCOUNTS_OPEN.text,
            {"kind": AccountKind.WALLET.value, "now": now, "persons": persons},
        )
        codes = dict(
            Region.objects.filter(pk__in={r for _, _, r in opened}).values_list("pk", "code")
        )
        cursor.execute(
            wallet_sql.AUDIT_BULK.text,
            {
                "now": now,
                "actor": actor_id,
                "action": Action.WALLET_OPEN.value,
                "actor_label": actor.get_username() if actor is not None else "",
                "persons": persons,
                "targets": [f"{Wallet._meta.label}:{pk}" for pk, _, _ in opened],
                "details": [
                    json.dumps(_audit_details(region_code=codes[region], batch_ref=batch_ref))
                    for _, _, region in opened
                ],
            },
        )
    return persons


@transaction.atomic
def wallet_change_usage(*, person: InsuredPerson, usage_region: Region, acting_user) -> Wallet:
    """Change an open wallet's usage location (W3): only where the holder's insured
    province supports it, and only to a region where the wallet is live (W1)."""
    wallet = Wallet.objects.select_for_update().filter(person=person).first()
    if wallet is None or not wallet.is_open:
        raise Refusal("W3-02")
    home = person.region.province
    if not home.usage_location_change:
        raise Refusal("W3-01", province=place_name(home))
    if not usage_region.province.wallet_live:
        raise Refusal("W1-01", province=place_name(usage_region.province))
    old = wallet.usage_region.code
    wallet.usage_region = usage_region
    wallet.usage_changed_at = clock.now()
    wallet.save(update_fields=["usage_region", "usage_changed_at"])
    audit_record(
        actor=acting_user,
        action=Action.WALLET_CHANGE_USAGE,
        person=person,
        target=wallet,
        details={"from": old, "to": usage_region.code},
    )
    return wallet
