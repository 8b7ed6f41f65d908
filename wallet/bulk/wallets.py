"""What bulk activation needs from the wallet models (issue 4), in one place.

``open_wallets`` is ``wallet.services.wallet_open_bulk`` (W1, W2) written as three
set-based SQL statements for PostgreSQL: 100,000 wallets are opened in seconds
instead of building 300,000 model instances. Same rules and the same rows as
wallet_open_bulk (tests/wallet/bulk/test_wallets.py holds them side by side):
only active persons, only live provinces, nothing opened twice (ON CONFLICT DO
NOTHING on the wallet's one-per-person key), a wallet ledger account per wallet,
and one "wallet.open" audit row per wallet with accounts.services.audit_record's
target and details. Elsewhere (SQLite, the embedded run) it is wallet_open_bulk.
"""

import json
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AuditEvent, InsuredPerson, PersonStatus, Province, Region
from wallet.models import AccountKind, LedgerAccount, Wallet
from wallet.services import wallet_open_bulk


def open_person_ids(person_ids: set[int]) -> set[int]:
    """The persons among `person_ids` whose wallet is already open (one query)."""
    return set(
        Wallet.objects.filter(person_id__in=person_ids, status=Wallet.Status.OPEN).values_list(
            "person_id", flat=True
        )
    )


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


@transaction.atomic
def open_wallets(*, rows: Iterable[tuple[int, int]], acting_user, batch_ref: str) -> list[int]:
    """Open the wallets of ``(person_id, usage_region_id)`` pairs by proxy (W2);
    returns the ids of the persons whose wallet this call opened."""
    wanted = dict(rows)
    if not wanted:
        return []
    if connection.vendor != "postgresql":
        return wallet_open_bulk(rows=wanted.items(), acting_user=acting_user, batch_ref=batch_ref)
    actor_id = acting_user.pk if acting_user and acting_user.is_authenticated else None
    now = timezone.now()
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
                "wallet.open",
                acting_user.get_username() if actor_id is not None else "",
                [person for _, person, _ in opened],
                [f"{Wallet._meta.label}:{pk}" for pk, _, _ in opened],
                [
                    json.dumps(
                        {"usage_region": codes[region], "by_proxy": True, "batch": batch_ref}
                    )
                    for _, _, region in opened
                ],
            ],
        )
    return [person for _, person, _ in opened]
