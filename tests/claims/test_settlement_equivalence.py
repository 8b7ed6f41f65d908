"""The set-based settlement gives exactly what the old one-query-per-fact
settlement gave (tests/claims/reference_settlement.py): on a seeded random set of
bills covering every rule that decides a settlement (C1–C6, F1–F4, P1–P3, W11) —
the same reason codes, figures to the fen, stored inputs, lines, running totals,
payment splits, ledger entries, balances and audit rows.

Each path runs from the same database state inside a savepoint that is then
rolled back, so the two runs see the same history."""

import datetime
import json
import random
from collections import Counter
from decimal import Decimal as D

import pytest
from django.db import transaction

from accounts.models import (
    DesignatedFacilityChoice,
    Facility,
    InsuranceType,
    NonLocalRegistration,
    Province,
    Relationship,
)
from claims.models import Bill, ChronicRecognition, PersonYearTotals
from claims.services.bills import bill_create, bill_settle, bills_settle_many
from claims.settlement.store import RESULT_FIELDS
from core.models import AuditEvent
from tests.claims.factories import (
    CHONGQING_RESIDENT,
    EMPLOYEE_OUTPATIENT,
    DiseaseFactory,
    directory,
    policy,
)
from tests.claims.reference_settlement import reference_bill_settle
from tests.factories import (
    FacilityFactory,
    InsuredPersonFactory,
    RegionFactory,
    UserFactory,
    chengdu,
    chongqing,
    guangzhou,
)
from tests.wallet.factories import fund
from wallet.models import (
    SINK_SHARDS,
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    Payment,
    PoolingBinding,
    Wallet,
)
from wallet.services.ledger import lock_accounts, person_account, post_pair, system_account_id

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

NOW = datetime.datetime(2026, 12, 31, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
CODES = ["A100", "A200", "B100", "B200", "X100", "A300", "B300", "NOPE1"]
QUANTITIES = ["1", "1", "2", "0.5", "1.250", "3"]
PRICES = ["0.00", "9.99", "45.50", "60.00", "120.00", "333.33", "1999.99", "18000.00"]


def _fill_wallet(person, amount) -> None:
    account = person_account(person=person, kind=AccountKind.WALLET)
    source = system_account_id(kind=AccountKind.CONTRIBUTIONS)
    lock_accounts([account.pk, source])
    post_pair(kind="contribution", out_of=source, into=account.pk, amount=D(amount), ref="test")


def build(seed: int, bills: int = 120) -> tuple[list[int], dict[int, datetime.date]]:
    """Regions, policies, directories, people with their history and money, and
    entered bills. Returns the bill ids and the settled_on dates of some."""
    rng = random.Random(seed)
    cq, cd, gz = chongqing(), chengdu(), guangzhou()
    wanzhou = RegionFactory(province=cq.province, code="500200", name="万州区", name_en="Wanzhou")
    regions = [cq, cq, wanzhou, cd, gz]
    _policies(cq, cd, gz)
    diseases = [
        DiseaseFactory(code="MT01", cross_province=True, cross_province_since=2021),
        DiseaseFactory(code="MT09", name="慢阻肺", cross_province=True, cross_province_since=2026),
        DiseaseFactory(code="MT20", name="某病", cross_province=False, cross_province_since=None),
    ]
    facilities = _facilities(rng, regions)
    persons = []
    destinations: dict[int, set[int]] = {}
    for i in range(30):
        persons.append(_person(rng, i, regions, gz, diseases, facilities, destinations))
    _pooling(rng, persons)
    # Every sink row exists before the runs, so both runs name the same accounts.
    for shard in range(SINK_SHARDS):
        system_account_id(kind=AccountKind.BILLS, shard=shard)
    return _bills(rng, bills, persons, facilities, destinations, diseases)


def _policies(cq, cd, gz) -> None:
    # Sichuan refuses cross-province pooling (P2 override).
    Province.objects.filter(pk=cd.province_id).update(cross_province_pooling=False)
    # Directories: 2025 and 2026 with different classes and limits.
    directory(2025, {"A100": ("A", None), "A200": ("B", D("40.00")), "B100": ("B", None)})
    directory(2026)
    directory(
        2026,
        {
            "A300": ("A", D("100.00")),
            "B300": ("B", D("1000.00")),
            "B200": ("B", D("100.00")),
        },
    )
    # Policies: Chongqing both types both years (2025 residents only), Chengdu
    # with its own shares, Guangzhou residents only; Wanzhou none (C3-03).
    policy(cq, rules=CHONGQING_RESIDENT)
    policy(cq, insurance_type="employee", rules=EMPLOYEE_OUTPATIENT)
    policy(
        cq,
        insurance_type="employee",
        rules={
            ("inpatient", 2): (500, 85, 200000, True),
            ("inpatient", 3): (900, 75, 200000, True),
            ("chronic_outpatient", 2): (0, 65, 1000),
            ("general_outpatient", 0): (0, 50, 500),
        },
    )
    policy(cq, year=2025, rules=CHONGQING_RESIDENT)
    policy(
        cd,
        class_b_share="15",
        referral="5",
        other="25",
        rules={
            ("general_outpatient", 1): (50, 55, 400),
            ("general_outpatient", 2): (50, 45, 400),
            ("inpatient", 2): (400, 75, None, True),
            ("chronic_outpatient", 2): (100, 60, 3000),
        },
    )
    policy(
        cd,
        insurance_type="employee",
        class_b_share="15",
        rules={("general_outpatient", 2): (100, 75, 3000), ("inpatient", 3): (1000, 60, None)},
    )
    policy(
        gz,
        class_b_share="5",
        rules={
            ("general_outpatient", 1): (0, 70, 600),
            ("general_outpatient", 0): (0, 50, 600),
            ("inpatient", 1): (200, 80, 100000, True),
        },
    )


def _facilities(rng, regions) -> list:
    facilities = []
    for region in {r.pk: r for r in regions}.values():
        for tier in (1, 2, 2, 3):
            facilities.append(
                FacilityFactory(
                    region=region,
                    tier=tier,
                    outpatient_pooling=rng.random() < 0.85,
                    chronic_settlement=rng.random() < 0.6,
                    wallet_payment=rng.random() < 0.6,
                )
            )
        facilities.append(
            FacilityFactory(
                region=region,
                kind=Facility.Kind.PHARMACY,
                tier=None,
                wallet_payment=rng.random() < 0.6,
            )
        )
    return facilities


def _person(rng, i, regions, gz, diseases, facilities, destinations):
    region = rng.choice(regions)
    person = InsuredPersonFactory(
        region=region,
        insurance_type=rng.choice([InsuranceType.EMPLOYEE, InsuranceType.RESIDENT]),
        status="suspended" if rng.random() < 0.1 else "active",
        born=datetime.date(1950 + i, 1 + i % 12, 1 + i % 27),
    )
    if person.insurance_type == InsuranceType.EMPLOYEE and rng.random() < 0.7:
        fund(person, rng.choice(["20.00", "150.00", "800.00", "5000.00"]))
    if rng.random() < 0.4:
        Wallet.objects.create(
            person=person,
            usage_region=region,
            status=rng.choice(["open", "open", "closed"]),
        )
        if rng.random() < 0.8:
            with transaction.atomic():
                _fill_wallet(person, rng.choice(["5.00", "90.00", "600.00"]))
    for _ in range(rng.choice([0, 0, 1, 2])):
        start = datetime.date(2025, 6, 1) + datetime.timedelta(days=rng.randint(0, 400))
        ChronicRecognition.objects.create(
            person=person,
            disease=rng.choice(diseases),
            hospital=rng.choice(facilities[:4]),
            diagnosis="x",
            status=rng.choice(["approved", "approved", "pending", "refused"]),
            valid_from=start,
            valid_until=start + datetime.timedelta(days=rng.choice([200, 365, 730])),
        )
    # Often several at once: the latest start covering the day decides (F3).
    for _ in range(rng.choice([0, 1, 2, 3])):
        start = datetime.date(2025, 9, 1) + datetime.timedelta(days=rng.randint(0, 300))
        destination = rng.choice(regions)
        destinations.setdefault(person.pk, set()).add(destination.pk)
        NonLocalRegistration.objects.create(
            person=person,
            destination=destination,
            kind=rng.choice(NonLocalRegistration.Kind.values),
            start_date=start,
            end_date=rng.choice(
                [None, None, start + datetime.timedelta(days=rng.randint(30, 300))]
            ),
            proof=NonLocalRegistration.Proof.COMMITMENT,
            status=rng.choice(["active", "active", "active", "cancelled"]),
        )
    if region.pk == gz.pk or rng.random() < 0.2:
        for _ in range(rng.choice([1, 2])):
            DesignatedFacilityChoice.objects.create(
                person=person,
                facility=rng.choice(facilities),
                effective_from=datetime.date(2025, 10, 1)
                + datetime.timedelta(days=rng.randint(0, 300)),
            )
    return person


def _pooling(rng, persons) -> None:
    # Pooling (P1–P3): valid bindings, one without a relationship (P1-02), one of a
    # suspended or resident "employee" (P1-01), some across provinces (P2).
    employees = [p for p in persons if p.insurance_type == InsuranceType.EMPLOYEE]
    for relative in rng.sample(persons, 14):
        for employee in rng.sample(employees, rng.choice([1, 1, 2])):
            if employee.pk == relative.pk:
                continue
            if (
                rng.random() < 0.85
                and not Relationship.objects.filter(
                    person_a__in=(employee, relative), person_b__in=(employee, relative)
                ).exists()
            ):
                Relationship.objects.create(
                    person_a=employee,
                    person_b=relative,
                    kind=rng.choice(["parent", "spouse", "sibling", "grandparent"]),
                )
            PoolingBinding.objects.get_or_create(
                employee=employee, relative=relative, status="active"
            )


def _bills(rng, bills, persons, facilities, destinations, diseases):
    ids, settled_on = [], {}
    for _ in range(bills):
        person = rng.choice(persons)
        home = [f for f in facilities if f.region_id == person.region_id]
        registered = [f for f in facilities if f.region_id in destinations.get(person.pk, ())]
        if rng.random() < 0.6:
            facility = rng.choice(home)
        else:  # away: mostly where the person registered to be treated (F3, F4)
            facility = rng.choice(registered if registered and rng.random() < 0.7 else facilities)
        day = datetime.date(2025, 11, 1) + datetime.timedelta(days=rng.randint(0, 400))
        inpatient = facility.kind == Facility.Kind.HOSPITAL and rng.random() < 0.2
        bill = bill_create(
            person=person,
            facility=facility,
            service_date=day,
            visit="inpatient" if inpatient else "outpatient",
            lines=[
                (rng.choice(CODES), D(rng.choice(QUANTITIES)), D(rng.choice(PRICES)))
                for _ in range(rng.randint(1, 5))
            ],
            entered_by=None,
            disease=rng.choice(diseases) if rng.random() < 0.45 else None,
            emergency=rng.random() < 0.1,
        )
        ids.append(bill.pk)
        if rng.random() < 0.2:
            settled_on[bill.pk] = day + datetime.timedelta(days=rng.randint(0, 20))
    return ids, settled_on


def snapshot(ids: list[int], entries_after: int, audit_after: int) -> dict:
    """Everything a settlement writes, with generated keys (payment ids, times,
    movement uuids) replaced by what they stand for."""
    bills = {}
    for bill in Bill.objects.filter(pk__in=ids).select_related("payment"):
        payment = bill.payment
        bills[bill.pk] = (
            bill.status,
            bill.care_type,
            bill.policy_rule_id,
            bill.settled_on,
            tuple(getattr(bill, name) for name in RESULT_FIELDS),
            bill.reasons,
            bill.inputs,
            None
            if payment is None
            else (
                payment.person_id,
                payment.amount,
                payment.purpose,
                payment.reference,
                payment.facility_id,
                payment.wallet_amount,
                payment.own_account_amount,
                payment.pooling_amount,
                payment.pooling_from_id,
                payment.cash_amount,
                payment.created_by_id,
            ),
            [
                (
                    line.pk,
                    line.item_id,
                    line.item_class,
                    line.price_limit,
                    line.name,
                    line.amount,
                    line.self_pay,
                    line.class_b_first_pay,
                    line.eligible,
                    line.reasons,
                )
                for line in bill.lines.order_by("pk")
            ],
        )
    payment_refs = {
        f"payment:{pk}": reference
        for pk, reference in Payment.objects.values_list("pk", "reference")
    }
    by_movement: dict = {}
    for movement, account, amount, kind, ref in LedgerEntry.objects.filter(
        pk__gt=entries_after
    ).values_list("movement", "account_id", "amount", "kind", "ref"):
        by_movement.setdefault(movement, []).append((account, amount, kind, payment_refs[ref]))
    payment_targets = {
        f"wallet.Payment:{pk}": reference
        for pk, reference in Payment.objects.values_list("pk", "reference")
    }
    audit = [
        (
            e.action,
            e.person_id,
            e.actor_id,
            payment_targets.get(e.target, e.target),
            json.dumps(e.details, sort_keys=True),
            e.actor_label,
            e.person_label,
        )
        for e in AuditEvent.objects.filter(pk__gt=audit_after).order_by("pk")
    ]
    return {
        "bills": bills,
        "totals": {
            (t.person_id, t.year, t.care_type): (t.deductible_used, t.fund_paid, t.bills)
            for t in PersonYearTotals.objects.all()
        },
        "balances": dict(LedgerAccount.objects.values_list("pk", "balance")),
        "movements": Counter(tuple(sorted(legs)) for legs in by_movement.values()),
        "audit": Counter(audit),
        "audit_order": [(a[0], a[3]) for a in audit],
    }


def run(ids, settle) -> dict:
    entries_after = LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    audit_after = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        settle()
        taken = snapshot(ids, entries_after, audit_after)
        transaction.set_rollback(True)
    return taken


def compare(old: dict, new: dict, *, audit_in_order: bool = True) -> None:
    assert old["bills"].keys() == new["bills"].keys()
    for pk, was in old["bills"].items():
        assert new["bills"][pk] == was, f"bill {pk}"
    for name in ("totals", "balances", "movements", "audit"):
        assert new[name] == old[name], name
    if audit_in_order:  # a chunk writes its payments' rows, then its bills'
        assert new["audit_order"] == old["audit_order"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_single_bills_settle_as_the_old_path_did(time_machine, seed):
    time_machine.move_to(NOW, tick=False)
    ids, settled_on = build(seed)
    order = random.Random(seed).sample(ids, len(ids))  # history depends on the order
    admin = UserFactory(username="settler", is_staff=True)
    assert len(set(Bill.objects.filter(pk__in=ids).values_list("person", flat=True))) > 10

    def old():
        for pk in order:
            reference_bill_settle(bill=pk, acting_user=admin, settled_on=settled_on.get(pk))

    def new():
        for pk in order:
            bill_settle(bill=pk, acting_user=admin, settled_on=settled_on.get(pk))

    before = run(ids, old)
    after = run(ids, new)
    # The scenario reaches every kind of outcome.
    reasons = {code for bill in before["bills"].values() for code in bill[5]}
    assert {"C3-01", "C3-03", "C5-01", "C5-02", "F1-01", "F2-01", "F4-01", "F4-04"} <= reasons
    splits = [bill[7] for bill in before["bills"].values() if bill[7]]
    assert any(s[5] for s in splits) and any(s[6] for s in splits) and any(s[7] for s in splits)
    compare(before, after)


@pytest.mark.parametrize("chunk_size", [7, 500])
def test_many_bills_settle_as_the_old_path_did_one_by_one(time_machine, chunk_size):
    time_machine.move_to(NOW, tick=False)
    ids, settled_on = build(4, bills=150)
    in_date_order = list(
        Bill.objects.filter(pk__in=ids).order_by("service_date", "pk").values_list("pk", flat=True)
    )

    def old():
        for pk in in_date_order:
            reference_bill_settle(bill=pk, acting_user=None, settled_on=settled_on.get(pk))

    def new():
        report = bills_settle_many(
            bills=Bill.objects.filter(pk__in=ids),
            acting_user=None,
            settled_on=settled_on,
            chunk_size=chunk_size,
        )
        assert (report.settled, report.failed) == (len(ids), [])

    compare(run(ids, old), run(ids, new), audit_in_order=False)
