"""Opening wallets and changing their usage location (W1–W3)."""

import json
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.utils.translation import get_language

from accounts.models import InsuredPerson, PersonStatus, Province, Region
from core import clock
from core.audit import Action, audit_record
from core.models import AuditEvent
from core.reasons import Refusal
from core.transitions import transition
from wallet.models import AccountKind, LedgerAccount, Wallet
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

    PostgreSQL: three statements whatever the number of rows (100,000 wallets in
    seconds instead of building 300,000 model instances). Elsewhere (SQLite, the
    embedded run): the same rows through the ORM, a constant number of queries.
    """
    wanted = dict(rows)
    if not wanted:
        return []
    actor = acting_user if acting_user and acting_user.is_authenticated else None
    now = clock.now()
    return _open_bulk_sql(wanted=wanted, actor=actor, now=now, batch_ref=batch_ref)


def _audit_details(*, region_code: str, batch_ref: str) -> dict:
    return {"usage_region": region_code, "by_proxy": True, "batch": batch_ref}


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


def _open_bulk_sql(*, wanted: dict[int, int], actor, now, batch_ref: str) -> list[int]:
    actor_id = actor.pk if actor is not None else None
    person_ids, region_ids = list(wanted), list(wanted.values())
    w, p, r, v = Wallet, InsuredPerson, Region, Province
    with connection.cursor() as cursor:
        # W1: active persons, live provinces; the unique person key skips any
        # person who already has a wallet (opened by anyone, at any time).
        cursor.execute(
            f"""
            INSERT INTO {_table(w)} ({_column(w, "person")}, {_column(w, "usage_region")},
                {_column(w, "status")}, {_column(w, "opened_at")}, {_column(w, "opened_by")},
                {_column(w, "by_proxy")}, {_column(w, "batch_ref")})
            SELECT x.person_id, x.region_id, %s, %s, %s, TRUE, %s
            FROM unnest(%s::bigint[], %s::bigint[]) AS x(person_id, region_id)
            JOIN {_table(p)} p ON p.{_column(p, "id")} = x.person_id
                AND p.{_column(p, "status")} = %s
            JOIN {_table(r)} r ON r.{_column(r, "id")} = x.region_id
            JOIN {_table(v)} v ON v.{_column(v, "id")} = r.{_column(r, "province")}
                AND v.{_column(v, "wallet_live")}
            ORDER BY x.person_id
            ON CONFLICT ({_column(w, "person")}) DO NOTHING
            RETURNING {_column(w, "id")}, {_column(w, "person")}, {_column(w, "usage_region")}
            """,  # noqa: S608 - identifiers come from the models, values are parameters
            [
                Wallet.Status.OPEN,
                now,
                actor_id,
                batch_ref,
                person_ids,
                region_ids,
                PersonStatus.ACTIVE,
            ],
        )
        opened = sorted(cursor.fetchall(), key=lambda row: row[1])
        if not opened:
            return []
        a = LedgerAccount
        cursor.execute(
            f"""
            INSERT INTO {_table(a)} ({_column(a, "kind")}, {_column(a, "person")},
                {_column(a, "shard")}, {_column(a, "balance")}, {_column(a, "created_at")})
            SELECT %s, x, 0, 0, %s FROM unnest(%s::bigint[]) AS x
            ON CONFLICT DO NOTHING
            """,  # noqa: S608
            [AccountKind.WALLET, now, [person for _, person, _ in opened]],
        )
        codes = dict(
            Region.objects.filter(pk__in={r for _, _, r in opened}).values_list("pk", "code")
        )
        e = AuditEvent
        # The same row accounts.services.audit_record writes, labels included: who
        # (username) and for whom (name and masked ID, never the full number, A1).
        cursor.execute(
            f"""
            INSERT INTO {_table(e)} ({_column(e, "at")}, {_column(e, "actor")},
                {_column(e, "person")}, {_column(e, "action")}, {_column(e, "target")},
                {_column(e, "details")}, {_column(e, "actor_label")},
                {_column(e, "person_label")})
            SELECT %s, %s, x.person_id, %s, x.target, x.details::jsonb, %s,
                p.{_column(p, "name")} || ' ' || left(p.{_column(p, "national_id")}, 4)
                || repeat('*', length(p.{_column(p, "national_id")}) - 8)
                || right(p.{_column(p, "national_id")}, 4)
            FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS x(person_id, target, details)
            JOIN {_table(p)} p ON p.{_column(p, "id")} = x.person_id
            """,  # noqa: S608
            [
                now,
                actor_id,
                Action.WALLET_OPEN.value,
                actor.get_username() if actor is not None else "",
                [person for _, person, _ in opened],
                [f"{Wallet._meta.label}:{pk}" for pk, _, _ in opened],
                [
                    json.dumps(_audit_details(region_code=codes[region], batch_ref=batch_ref))
                    for _, _, region in opened
                ],
            ],
        )
    return [person for _, person, _ in opened]


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
