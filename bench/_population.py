"""A region's population, loaded fast: bench/scale.py's generator (and its test's).

Households of three: an employee in Chongqing with a portal login (a third of
the persons have one), a parent resident in Chengdu and a child resident in
Chongqing. The persons and logins go in with COPY (psycopg 3 ``cursor.copy``);
everything derived from them is one INSERT … SELECT over generate_series each,
with ids given out from the table's current maximum so that no round trip asks
for them. Proportions, per household (3 persons):

  relationships        2   (parent → employee, employee → child; A2)
  dependent bindings   2   (the employee's login holds both relatives; A3)
  wallets              3   (every person; ledger account each) + 1 personal account
  contributions       12   (the employee, the last twelve months; a balanced
                            pair of ledger entries each: source → personal)
  transfers          0.2   (a fifth of employees sent one to their parent,
                            accepted: two balanced pairs through the holding shard)
  pooling bindings  0.25   (a quarter of employees pool with their child)
  registrations      0.1   (a tenth of parents live in Chongqing, commitment letter)
  bills              2.5   (settled, over five years; 3 lines each)
  inbox messages       2   (per login)
  audit rows        16.4   (a binding's activation, a contribution's posting,
                            a transfer's creation and acceptance)

Every row is what the services would have written: valid ID numbers (GB 11643
check digit), relationships stored once, balances equal to their entries, each
movement a pair summing to zero (the ledger's own triggers check it as the rows
go in), bills whose settled parts add up. Table and column names come from the
models (core.sql.compose)."""

import datetime
import os
import time

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许"
    "韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = [
    "建华", "志强", "海燕", "桂兰", "玉梅", "晓东", "文静", "国庆", "春生", "红梅",
    "立新", "永刚", "淑珍", "德明", "雪梅", "宏伟", "丽娟", "俊杰", "嘉怡", "子涵",
    "浩然", "欣怡", "宇航", "思雨", "明轩", "梓萱", "天佑", "雨桐", "家豪", "佳琪",
]  # fmt: skip


def _sql(template: str, **models):
    from core.sql import compose

    return compose(template, **models)


def _next_id(cursor, model) -> int:
    cursor.execute(_sql("SELECT coalesce(max({t:pk}), 0) + 1 FROM {t}", t=model))
    return cursor.fetchone()[0]


def _reset_sequence(cursor, model) -> None:
    table, pk = model._meta.db_table, model._meta.pk.column
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, %s),"
        f" (SELECT coalesce(max({pk}), 1) FROM {table}))",
        [table, pk],
    )


def _person_rows(households: int, base: int, base_user: int, regions, now):
    """(id, name, national_id, birth, sex, phone, type, status, qr, created, updated,
    user, region) per person, in household order: employee, parent, child."""
    from accounts import national_id

    cq, cd = regions
    spans = {
        0: ("500103", datetime.date(1962, 1, 1), 12000),
        1: ("510104", datetime.date(1936, 1, 1), 7000),
        2: ("500105", datetime.date(2008, 1, 1), 5000),
    }
    token = os.urandom(8).hex()
    for k in range(households):
        name = SURNAMES[k % len(SURNAMES)]
        n = base + 3 * k  # unique across loads into one database: the head's id
        for r in range(3):
            code, start, span = spans[r]
            born = start + datetime.timedelta(days=n % span)
            sex = "M" if (k + r) % 2 else "F"
            nid = national_id.make(code, born, (n // span) % 500, sex)
            given = GIVEN[(k // len(SURNAMES) + r * 7) % len(GIVEN)]
            i = base + 3 * k + r
            yield (
                i,
                name + given,
                nid,
                born,
                sex,
                f"139{k:08d}" if r == 0 else (f"137{k:08d}" if r == 1 else ""),
                "employee" if r == 0 else "resident",
                "active",
                f"{token}{i:024x}",
                now,
                now,
                base_user + k if r == 0 else None,
                cd.pk if r == 1 else cq.pk,
            )


def _copy_people(cursor, households: int, ids: dict, now) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from accounts.models import InsuredPerson, Region

    User = get_user_model()
    password = make_password("scale-bench-2026")
    user_columns = ["id", "password", "is_superuser", "username", "first_name", "last_name",
                    "email", "is_staff", "is_active", "date_joined"]  # fmt: skip
    columns = ", ".join(User._meta.get_field(c).column for c in user_columns)
    with cursor.copy(f"COPY {User._meta.db_table} ({columns}) FROM STDIN") as copy:
        for k in range(households):
            copy.write_row((ids["user"] + k, password, False, f"scale{ids['user'] + k}", "", "",
                            "", False, True, now))  # fmt: skip
    regions = (Region.objects.get(code="500100"), Region.objects.get(code="510100"))
    fields = ["id", "name", "national_id", "birth_date", "sex", "phone", "insurance_type",
              "status", "qr_token", "created_at", "updated_at", "user", "region"]  # fmt: skip
    columns = ", ".join(InsuredPerson._meta.get_field(f).column for f in fields)
    with cursor.copy(f"COPY {InsuredPerson._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in _person_rows(households, ids["person"], ids["user"], regions, now):
            copy.write_row(row)


def _facility():
    from accounts.demo import FACILITIES
    from accounts.models import Facility, Region

    region, code, name, kind, tier, address, *_ = FACILITIES[0]
    facility, _ = Facility.objects.get_or_create(
        code=code,
        defaults={"name": name, "region": Region.objects.get(code=region), "kind": kind,
                  "tier": tier, "address": address, "designated_outpatient": True},
    )  # fmt: skip
    return facility


# Each statement: households k in generate_series(0, %(h)s - 1); the persons of
# household k are %(p)s + 3k (employee), + 1 (parent), + 2 (child); person j's
# wallet account is %(a)s + j and employee k's personal account %(a)s + 3h + k.
K = "generate_series(0, %(h)s - 1) AS k"
MASKED = "left({x}, 4) || repeat('*', 10) || right({x}, 4)"
AUDIT = "INSERT INTO {e} ({e:at}, {e:action}, {e:target}, {e:details}, {e:actor}, {e:person}, {e:actor_label}, {e:person_label})"  # noqa: E501
LABEL = "{who.name} || ' ' || " + MASKED.format(x="{who.national_id}")
ENTRY = "INSERT INTO {le} ({le:movement}, {le:amount}, {le:kind}, {le:ref}, {le:at}, {le:account})"

STEPS = [
    ("relationships", "rel", """
     INSERT INTO {rel} ({rel:person_a}, {rel:person_b}, {rel:kind}, {rel:created_at})
     SELECT x.a, x.b, 'parent', %(now)s FROM """ + K + """
     CROSS JOIN LATERAL (VALUES (%(p)s + 3 * k + 1, %(p)s + 3 * k),
                                (%(p)s + 3 * k, %(p)s + 3 * k + 2)) AS x(a, b)"""),
    ("dependent bindings", "db", """
     INSERT INTO {db} ({db:relation}, {db:status}, {db:document}, {db:code_hash},
       {db:code_attempts}, {db:created_at}, {db:activated_at}, {db:review_note}, {db:user},
       {db:person}, {db:typed_name}, {db:subject})
     SELECT x.rel, 'active', '', '', 0, %(now)s, %(now)s, '', %(u)s + k, x.person, '', ''
     FROM """ + K + """
     CROSS JOIN LATERAL (VALUES ('parent', %(p)s + 3 * k + 1),
                                ('child', %(p)s + 3 * k + 2)) AS x(rel, person)"""),
    ("audit: bindings", "db", AUDIT + """
     SELECT %(now)s, 'dependent.activate', 'accounts.DependentBinding:' || {b.pk},
            jsonb_build_object('relation', {b.relation}, 'how', 'scale'), NULL, {who.pk}, '',
            """ + LABEL + """
     FROM {db} AS b JOIN {ip} AS who ON {who.pk} = {b.person} WHERE {b.pk} >= %(db0)s"""),
    ("wallets", "w", """
     INSERT INTO {w} ({w:status}, {w:opened_at}, {w:by_proxy}, {w:batch_ref}, {w:person},
                      {w:usage_region})
     SELECT 'open', %(now)s, j %% 3 <> 0, '', %(p)s + j,
            CASE WHEN j %% 3 = 1 THEN %(cd)s ELSE %(cq)s END
     FROM generate_series(0, 3 * %(h)s - 1) AS j"""),
    ("ledger accounts", "la", """
     INSERT INTO {la} ({la:pk}, {la:kind}, {la:shard}, {la:balance}, {la:created_at}, {la:person})
     SELECT %(a)s + j, 'wallet', 0, 0, %(now)s, %(p)s + j
     FROM generate_series(0, 3 * %(h)s - 1) AS j
     UNION ALL
     SELECT %(a)s + 3 * %(h)s + k, 'personal', 0, 0, %(now)s, %(p)s + 3 * k FROM """ + K),
    ("contributions", "c", """
     INSERT INTO {c} ({c:month}, {c:employee_amount}, {c:employer_amount}, {c:posted_at},
                      {c:person})
     SELECT m.month, 120.00, 80.00, m.month + interval '14 days', %(p)s + 3 * k FROM """ + K + """
     CROSS JOIN (SELECT (date_trunc('month', %(today)s::date) - n * interval '1 month')::date
                 FROM generate_series(1, 12) AS n) AS m(month)"""),
    ("ledger: contributions", "le", ENTRY + """
     SELECT x.mv, leg.amount, 'contribution', 'contribution:' || x.id, x.at, leg.account
     FROM (SELECT {c.pk} AS id, {c.posted_at} AS at, gen_random_uuid() AS mv,
                  {c.employee_amount} + {c.employer_amount} AS total, {pa.pk} AS personal
           FROM {c} AS c JOIN {la} AS pa ON {pa.person} = {c.person} AND {pa.kind} = 'personal'
           WHERE {c.pk} >= %(c0)s) AS x
     CROSS JOIN LATERAL (VALUES (%(src)s::bigint, -x.total), (x.personal, x.total))
       AS leg(account, amount)"""),
    ("audit: contributions", "c", AUDIT + """
     SELECT {c.posted_at}, 'contribution.post', 'wallet.Contribution:' || {c.pk},
            jsonb_build_object('month', to_char({c.month}, 'YYYY-MM'),
                               'amount', ({c.employee_amount} + {c.employer_amount})::text),
            NULL, {who.pk}, '', """ + LABEL + """
     FROM {c} AS c JOIN {ip} AS who ON {who.pk} = {c.person} WHERE {c.pk} >= %(c0)s"""),
    ("transfers", "t", """
     INSERT INTO {t} ({t:amount}, {t:state}, {t:source}, {t:idempotency_key}, {t:created_at},
       {t:local_day}, {t:due_back_at}, {t:single_pending}, {t:decided_at}, {t:created_by},
       {t:from_account}, {t:holding_account}, {t:recipient}, {t:sender}, {t:to_account})
     SELECT 100.00, 'accepted', 'personal', 'scale-' || k, x.at,
            (x.at AT TIME ZONE 'Asia/Shanghai')::date, x.at + interval '1 day', true,
            x.at + interval '1 hour', %(u)s + k, %(a)s + 3 * %(h)s + k, {hold.pk},
            %(p)s + 3 * k + 1, %(p)s + 3 * k, %(a)s + 3 * k + 1
     FROM """ + K + """
     CROSS JOIN LATERAL (SELECT %(now)s - interval '30 days' + (k %% 1000) * interval '1 minute')
       AS x(at)
     JOIN {la} AS hold ON {hold.person} IS NULL AND {hold.kind} = 'holding'
          AND {hold.shard} = (%(p)s + 3 * k) %% %(shards)s
     WHERE k %% 5 = 0"""),
    ("ledger: transfers", "le", ENTRY + """
     SELECT leg.mv, leg.amount, leg.kind, 'transfer:' || y.id, leg.at, leg.account
     FROM (SELECT {t.pk} AS id, {t.amount} AS amount, {t.created_at} AS made,
                  {t.decided_at} AS decided, {t.from_account} AS src, {t.holding_account} AS hold,
                  {t.to_account} AS dst, gen_random_uuid() AS sent, gen_random_uuid() AS taken
           FROM {t} AS t WHERE {t.pk} >= %(t0)s) AS y
     CROSS JOIN LATERAL (VALUES
       (y.sent, 'transfer', y.made, y.src, -y.amount),
       (y.sent, 'transfer', y.made, y.hold, y.amount),
       (y.taken, 'transfer_accept', y.decided, y.hold, -y.amount),
       (y.taken, 'transfer_accept', y.decided, y.dst, y.amount))
       AS leg(mv, kind, at, account, amount)"""),
    ("audit: transfers", "t", AUDIT + """
     SELECT x.at, x.action, 'wallet.Transfer:' || {t.pk},
            jsonb_build_object('amount', {t.amount}::text), NULL, {who.pk}, '', """ + LABEL + """
     FROM {t} AS t JOIN {ip} AS who ON {who.pk} = {t.sender}
     CROSS JOIN LATERAL (VALUES ({t.created_at}, 'transfer.create'),
                                ({t.decided_at}, 'transfer.accepted')) AS x(at, action)
     WHERE {t.pk} >= %(t0)s"""),
    ("pooling bindings", "pb", """
     INSERT INTO {pb} ({pb:status}, {pb:created_at}, {pb:end_reason}, {pb:employee}, {pb:relative})
     SELECT 'active', %(now)s, '', %(p)s + 3 * k, %(p)s + 3 * k + 2 FROM """ + K + """
     WHERE k %% 4 = 0"""),
    ("registrations", "nr", """
     INSERT INTO {nr} ({nr:kind}, {nr:start_date}, {nr:proof}, {nr:proof_document},
       {nr:commitment_signed_name}, {nr:commitment_signed_at}, {nr:status}, {nr:created_at},
       {nr:created_by}, {nr:person}, {nr:destination}, {nr:commitment_text})
     SELECT 'long_term_resident', %(today)s::date - 200, 'commitment', '', {who.name}, %(now)s,
            'active', %(now)s, %(u)s + k, %(p)s + 3 * k + 1, %(cq)s, %(commitment)s
     FROM """ + K + """ JOIN {ip} AS who ON {who.pk} = %(p)s + 3 * k
     WHERE k %% 10 = 0"""),
    ("bills", "bill", """
     INSERT INTO {bill} ({bill:reference}, {bill:service_date}, {bill:visit}, {bill:diagnosis},
       {bill:emergency}, {bill:status}, {bill:created_at}, {bill:settled_at}, {bill:settled_on},
       {bill:care_type}, {bill:rate}, {bill:total}, {bill:out_of_directory}, {bill:over_limit},
       {bill:self_pay}, {bill:class_b_first_pay}, {bill:eligible}, {bill:deductible},
       {bill:fund_paid}, {bill:copay}, {bill:over_cap}, {bill:not_reimbursed},
       {bill:personal_in_directory}, {bill:personal_total}, {bill:reasons}, {bill:inputs},
       {bill:facility}, {bill:person})
     SELECT 'SCALE-' || (%(p)s + j) || '-' || b, d.day, 'outpatient', '', false, 'settled',
            d.day + interval '10 hours', d.day + interval '10 hours', d.day, 'general_outpatient',
            0.50, 300.00, 0, 0, 0, 0, 300.00, 0, 150.00, 150.00, 0, 0, 150.00, 150.00,
            '[]'::jsonb, '{}'::jsonb, %(facility)s, %(p)s + j
     FROM generate_series(0, 3 * %(h)s - 1) AS j
     CROSS JOIN generate_series(0, 1) AS b
     CROSS JOIN LATERAL (SELECT %(today)s::date - 1 - (j * 37 + b * 400) %% 1800) AS d(day)
     WHERE b = 0 OR j %% 2 = 0"""),
    ("bill lines", "line", """
     INSERT INTO {line} ({line:position}, {line:code}, {line:name}, {line:quantity},
       {line:unit_price}, {line:item_class}, {line:amount}, {line:self_pay},
       {line:class_b_first_pay}, {line:eligible}, {line:reasons}, {line:bill},
       {line:refunded_quantity})
     SELECT n, 'SCALE-' || n, '诊查费', 1, 100.00, 'A', 100.00, 0, 0, 100.00, '[]'::jsonb,
       {bill.pk}, 0
     FROM {bill} AS bill CROSS JOIN generate_series(1, 3) AS n WHERE {bill.pk} >= %(bill0)s"""),
    ("inbox messages", "im", """
     INSERT INTO {im} ({im:kind}, {im:facts}, {im:link}, {im:important}, {im:key},
                       {im:created_at}, {im:read_at}, {im:person}, {im:user})
     SELECT x.kind, x.facts, '', false, '', %(now)s, x.read_at, {who.pk}, %(u)s + k
     FROM """ + K + """
     JOIN {ip} AS who ON {who.pk} IN (%(p)s + 3 * k + 1, %(p)s + 3 * k + 2)
     CROSS JOIN LATERAL (SELECT
       CASE WHEN ({who.pk} - %(p)s) %% 3 = 1 THEN 'delegation_accepted' ELSE 'premium_due' END,
       CASE WHEN ({who.pk} - %(p)s) %% 3 = 1 THEN jsonb_build_object('person', {who.name})
            ELSE jsonb_build_object('person', {who.name}, 'year', %(year)s, 'amount', '380.00')
       END,
       CASE WHEN ({who.pk} - %(p)s) %% 3 = 1 THEN %(now)s END) AS x(kind, facts, read_at)"""),
]  # fmt: skip

BALANCES = """
UPDATE {la} AS a SET {a:balance} = {a.balance} + d.delta
FROM (SELECT {le.account} AS account, sum({le.amount}) AS delta FROM {le} AS le
      WHERE {le.pk} >= %(le0)s GROUP BY 1) AS d
WHERE {a.pk} = d.account"""

FIVE_YEARS = """
INSERT INTO {c} ({c:month}, {c:employee_amount}, {c:employer_amount}, {c:posted_at}, {c:person})
SELECT m.month, 120.00, 80.00, m.month + interval '14 days', %(person)s
FROM (SELECT (date_trunc('month', %(today)s::date) - n * interval '1 month')::date
      FROM generate_series(1, 60) AS n) AS m(month)
ON CONFLICT DO NOTHING"""


def _names() -> dict:
    from accounts.models import (
        DependentBinding,
        InboxMessage,
        InsuredPerson,
        NonLocalRegistration,
        Relationship,
    )
    from claims.models import Bill, BillLine
    from core.models import AuditEvent
    from wallet.models import (
        Contribution,
        LedgerAccount,
        LedgerEntry,
        PoolingBinding,
        Transfer,
        Wallet,
    )

    return {
        "rel": Relationship, "db": DependentBinding, "b": DependentBinding, "w": Wallet,
        "la": LedgerAccount, "a": LedgerAccount, "pa": LedgerAccount, "hold": LedgerAccount,
        "c": Contribution, "le": LedgerEntry, "t": Transfer, "pb": PoolingBinding,
        "nr": NonLocalRegistration, "bill": Bill, "line": BillLine, "im": InboxMessage,
        "e": AuditEvent, "ip": InsuredPerson, "who": InsuredPerson,
    }  # fmt: skip


def _params(cursor, names: dict, households: int) -> dict:
    from accounts.models import Region
    from core import clock
    from wallet.models import HOLDING_SHARDS, AccountKind, LedgerAccount

    now = clock.now()
    params = {
        "h": households,
        "now": now,
        "today": clock.localdate(),
        "year": clock.localdate().year,
        "cq": Region.objects.get(code="500100").pk,
        "cd": Region.objects.get(code="510100").pk,
        "src": LedgerAccount.objects.get(kind=AccountKind.CONTRIBUTIONS, person=None).pk,
        "shards": HOLDING_SHARDS,
        "facility": _facility().pk,
        "commitment": "本人承诺所填居住信息真实（压测数据）。",
    }
    from django.contrib.auth import get_user_model

    params["u"] = _next_id(cursor, get_user_model())
    for key, alias in (("p", "ip"), ("a", "la"), ("db0", "db"), ("c0", "c"), ("t0", "t"),
                       ("bill0", "bill"), ("le0", "le")):  # fmt: skip
        params[key] = _next_id(cursor, names[alias])
    return params


def populate(persons: int, *, log=print) -> dict:
    """Load `persons` more insured persons (rounded down to whole households of
    three) and everything that hangs off them, in the current database. Returns
    the row counts added per table."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    names = _names()
    households = persons // 3
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        params = _params(cursor, names, households)
        started = time.monotonic()
        _copy_people(
            cursor, households, {"user": params["u"], "person": params["p"]}, params["now"]
        )
        log(f"  COPY persons and logins: {time.monotonic() - started:.1f}s")
        counts["persons"], counts["logins"] = 3 * households, households
        for label, _alias, template in STEPS:
            started = time.monotonic()
            cursor.execute(_sql(template, **names), params)
            counts[label] = cursor.rowcount
            log(f"  {label}: {cursor.rowcount:,} rows, {time.monotonic() - started:.1f}s")
        cursor.execute(_sql(BALANCES, **names), params)
        for model in (get_user_model(), names["ip"], names["la"]):
            _reset_sequence(cursor, model)
    return counts


def five_years_of_entries(person_id: int, *, log=print) -> None:
    """Sixty monthly contributions for one employee (their statement then spans
    five years), posted as the generator posts them."""
    from django.db import connection, transaction

    names = _names()
    with transaction.atomic(), connection.cursor() as cursor:
        params = _params(cursor, names, 0)
        params["person"] = person_id
        cursor.execute(_sql(FIVE_YEARS, **names), params)
        added = cursor.rowcount
        for label, _alias, template in STEPS:
            if label in ("ledger: contributions", "audit: contributions"):
                cursor.execute(_sql(template, **names), params)
        cursor.execute(_sql(BALANCES, **names), params)
    log(f"  five years of contributions for person {person_id}: {added} months added")
