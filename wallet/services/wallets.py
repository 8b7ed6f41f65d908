"""Opening wallets and changing their usage location (W1–W3)."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import AuditEvent, InsuredPerson, PersonStatus, Province, Region
from accounts.services import audit_record
from wallet.models import AccountKind, LedgerAccount, Wallet
from wallet.refusals import Refusal
from wallet.services.ledger import person_account


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
        raise Refusal("W1.2")
    province = usage_region.province
    if not province.wallet_live:
        raise Refusal("W1.1", province=place_name(province))
    now = timezone.now()
    if existing is not None:  # a closed wallet opens again with its old account
        existing.status = Wallet.Status.OPEN
        existing.usage_region = usage_region
        existing.opened_at = now
        existing.opened_by = acting_user if acting_user and acting_user.is_authenticated else None
        existing.by_proxy = by_proxy
        existing.batch_ref = batch_ref
        existing.save(
            update_fields=[
                "status",
                "usage_region",
                "opened_at",
                "opened_by",
                "by_proxy",
                "batch_ref",
            ]
        )
        wallet = existing
    else:
        try:
            with transaction.atomic():
                wallet = Wallet.objects.create(
                    person=person,
                    usage_region=usage_region,
                    opened_at=now,
                    opened_by=acting_user if acting_user and acting_user.is_authenticated else None,
                    by_proxy=by_proxy,
                    batch_ref=batch_ref,
                )
        except IntegrityError:  # a concurrent request opened it first
            return Wallet.objects.get(person=person)
    person_account(person=person, kind=AccountKind.WALLET)
    audit_record(
        actor=acting_user,
        action="wallet.open",
        person=person,
        target=wallet,
        details={"usage_region": usage_region.code, "by_proxy": by_proxy, "batch": batch_ref},
    )
    return wallet


@transaction.atomic
def wallet_open_bulk(*, rows: Iterable[tuple[int, int]], acting_user, batch_ref: str) -> list[int]:
    """Open many wallets by proxy at once (W2, bulk activation), set-based.

    `rows` are ``(person_id, usage_region_id)`` pairs the caller has validated.
    Persons who are not active, regions that are not live and wallets already open
    are skipped here too, so nothing is ever opened against W1 or twice. Returns
    the ids of the persons whose wallet this call opened. A constant number of
    queries per call; callers pass chunks (a few thousand rows)."""
    wanted = dict(rows)
    if not wanted:
        return []
    already = set(Wallet.objects.filter(person_id__in=wanted).values_list("person_id", flat=True))
    eligible = set(
        InsuredPerson.objects.filter(
            pk__in=set(wanted) - already, status=PersonStatus.ACTIVE
        ).values_list("pk", flat=True)
    )
    live_regions = set(
        Region.objects.filter(
            pk__in={wanted[p] for p in eligible}, province__wallet_live=True
        ).values_list("pk", flat=True)
    )
    to_open = sorted(p for p in eligible if wanted[p] in live_regions)
    now = timezone.now()
    actor = acting_user if acting_user and acting_user.is_authenticated else None
    Wallet.objects.bulk_create(
        [
            Wallet(
                person_id=p,
                usage_region_id=wanted[p],
                opened_at=now,
                opened_by=actor,
                by_proxy=True,
                batch_ref=batch_ref,
            )
            for p in to_open
        ],
        ignore_conflicts=True,
    )
    LedgerAccount.objects.bulk_create(
        [LedgerAccount(person_id=p, kind=AccountKind.WALLET, created_at=now) for p in to_open],
        ignore_conflicts=True,
    )
    # Keep only the wallets this call wrote (a concurrent batch may have won a row).
    opened = list(
        Wallet.objects.filter(
            person_id__in=to_open, batch_ref=batch_ref, opened_at=now
        ).values_list("person_id", flat=True)
    )
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                person_id=p,
                action="wallet.open",
                target=f"wallet.Wallet:person={p}",
                details={"usage_region_id": wanted[p], "by_proxy": True, "batch": batch_ref},
            )
            for p in opened
        ]
    )
    return opened


@transaction.atomic
def wallet_change_usage(*, person: InsuredPerson, usage_region: Region, acting_user) -> Wallet:
    """Change an open wallet's usage location (W3): only where the holder's insured
    province supports it, and only to a region where the wallet is live (W1)."""
    wallet = Wallet.objects.select_for_update().filter(person=person).first()
    if wallet is None or not wallet.is_open:
        raise Refusal("W3.2")
    home = person.region.province
    if not home.usage_location_change:
        raise Refusal("W3.1", province=place_name(home))
    if not usage_region.province.wallet_live:
        raise Refusal("W1.1", province=place_name(usage_region.province))
    old = wallet.usage_region.code
    wallet.usage_region = usage_region
    wallet.usage_changed_at = timezone.now()
    wallet.save(update_fields=["usage_region", "usage_changed_at"])
    audit_record(
        actor=acting_user,
        action="wallet.change_usage",
        person=person,
        target=wallet,
        details={"from": old, "to": usage_region.code},
    )
    return wallet
