"""Transfers (W4–W9, W11): every limit at its edges, acceptance, idempotency,
concurrency. The clock is moved with time-machine, never slept."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from accounts.models import InsuranceType
from core.reasons import Refusal
from tests.factories import InsuredPersonFactory, chongqing, guangzhou
from tests.wallet.factories import make_family, relate
from wallet.models import AccountKind, LedgerAccount, Transfer, WalletPolicy
from wallet.selectors import ledger_problems, transfer_allowance
from wallet.services import (
    transfer_accept,
    transfer_create,
    transfer_decline,
    wallet_open,
)

D = Decimal
MONDAY_10 = "2026-03-02 10:00:00 +08:00"


def balance(person, kind=AccountKind.PERSONAL):
    return LedgerAccount.objects.get(person=person, kind=kind).balance


@pytest.fixture
def fam(db):
    return make_family(balance="10000.00")


_keys = iter(range(10**6))


def send(fam, amount, *, key=None, recipient=None):
    return transfer_create(
        sender=fam["employee"],
        recipient=recipient or fam["parent"],
        amount=amount,
        idempotency_key=key or f"key-{next(_keys)}",
        acting_user=fam["user"],
    )


def refused(code, fn, *args, **kwargs) -> Refusal:
    with pytest.raises(Refusal) as exc:
        fn(*args, **kwargs)
    assert exc.value.code == code, str(exc.value)
    return exc.value


def accept(fam, transfer):
    return transfer_accept(transfer_id=transfer.pk, acting_user=fam["user"])


# W6 amounts --------------------------------------------------------------------


@pytest.mark.django_db
def test_amount_edges_w6(fam, time_machine):
    time_machine.move_to(MONDAY_10)
    err = refused("W6-01", send, fam, "0.99")
    assert "W6" not in str(err) and "¥1.00" in str(err)  # a sentence, not a rule id
    accept(fam, send(fam, "1.00"))
    accept(fam, send(fam, "2000.00"))
    refused("W6-02", send, fam, "2000.01")
    refused("W6-05", send, fam, "10.001")
    refused("W6-05", send, fam, "ten")
    assert balance(fam["parent"], AccountKind.WALLET) == D("2001.00")
    assert balance(fam["employee"]) == D("7999.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1e30", "W6-05"),
        ("1E+400", "W6-05"),
        ("NaN", "W6-05"),
        ("sNaN", "W6-05"),
        ("Infinity", "W6-05"),
        ("-Infinity", "W6-05"),
        ("1e2", "W6-05"),
        ("12.345", "W6-05"),
        ("10,00", "W6-05"),
        (D("1E+30"), "W6-02"),
        ("9" * 40, "W6-02"),
        ("9" * 13 + ".99", "W6-02"),
        ("-5", "W6-01"),
    ],
)
def test_unreadable_or_huge_amounts_are_refused_citing_w6(fam, time_machine, typed, code):
    time_machine.move_to(MONDAY_10)
    err = refused(code, send, fam, typed)
    assert err.reason.rule == "W6"
    if code == "W6-05":
        assert "from ¥1.00 to ¥2,000.00, with at most two decimals" in str(err)
    assert not Transfer.objects.exists()
    assert balance(fam["employee"]) == D("10000.00")


@pytest.mark.django_db
def test_w6_amounts_are_printed_alike_in_every_w6_refusal(fam, time_machine):
    """Every amount in a refusal is printed by core.money.yuan: ¥2,000.00 in
    English and in Chinese alike (W6-01/W6-02 once printed 2000.00, W6-05 2,000.00)."""
    time_machine.move_to(MONDAY_10)
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(
        min_amount=D("1000.00"), daily_amount_cap=D("3000")
    )
    with translation.override("en"):
        assert "smallest transfer is ¥1,000.00." in str(refused("W6-01", send, fam, "999"))
        assert "largest transfer is ¥2,000.00." in str(refused("W6-02", send, fam, "2001"))
        assert "from ¥1,000.00 to ¥2,000.00" in str(refused("W6-05", send, fam, "1.001"))
        accept(fam, send(fam, "2000"))
        err = refused("W6-04", send, fam, "1500")
        assert "At most ¥3,000.00 a day" in str(err) and "¥1,000.00 is left" in str(err)
    with translation.override("zh-hans"):
        assert "¥2,000.00" in str(refused("W6-02", send, fam, "2001"))  # grouped in Chinese too


@pytest.mark.django_db
def test_amounts_as_people_type_them(fam, time_machine):
    time_machine.move_to(MONDAY_10)
    for typed, sent in [("１００．５０", "100.50"), ("1,000", "1000.00"), (" 5. ", "5.00")]:
        transfer = send(fam, typed)
        assert transfer.amount == D(sent)
        accept(fam, transfer)


@pytest.mark.django_db
def test_fourth_transfer_of_the_day_is_refused_declined_and_returned_count(fam, time_machine):
    time_machine.move_to(MONDAY_10)
    accept(fam, send(fam, "10.00"))
    transfer_decline(transfer_id=send(fam, "10.00").pk, acting_user=fam["user"])
    accept(fam, send(fam, "10.00"))
    assert transfer_allowance(sender=fam["employee"]).left == 0
    err = refused("W6-03", send, fam, "10.00")
    assert "3" in str(err)
    time_machine.move_to("2026-03-03 06:00:00 +08:00")  # a new calendar day
    accept(fam, send(fam, "10.00"))
    assert balance(fam["employee"]) == D("9970.00")


@pytest.mark.django_db
def test_optional_daily_amount_cap(fam, time_machine):
    time_machine.move_to(MONDAY_10)
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(daily_amount_cap=D("2000.00"))
    accept(fam, send(fam, "1500.00"))
    err = refused("W6-04", send, fam, "500.01")
    assert "500.00" in str(err)
    accept(fam, send(fam, "500.00"))


@pytest.mark.django_db
def test_limits_are_policy_rows_not_literals(fam, time_machine):
    time_machine.move_to(MONDAY_10)
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(
        max_amount=D("500.00"), daily_count=1
    )
    refused("W6-02", send, fam, "500.01")
    accept(fam, send(fam, "500.00"))
    refused("W6-03", send, fam, "1.00")


# W7 quiet hours ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        ("2026-03-02 21:59:59 +08:00", True),
        ("2026-03-02 22:00:00 +08:00", False),
        ("2026-03-03 00:30:00 +08:00", False),
        ("2026-03-03 05:59:59 +08:00", False),
        ("2026-03-03 06:00:00 +08:00", True),
    ],
)
@pytest.mark.django_db
def test_quiet_hours_w7(fam, time_machine, moment, allowed):
    time_machine.move_to(moment, tick=False)
    if allowed:
        assert send(fam, "5.00").is_pending
    else:
        err = refused("W7-01", send, fam, "5.00")
        assert "22:00" in str(err) and "06:00" in str(err)
        assert transfer_allowance(sender=fam["employee"]).quiet_now


@pytest.mark.django_db
def test_quiet_hours_follow_china_time_not_utc(fam, time_machine):
    time_machine.move_to("2026-03-02 14:00:00 +00:00", tick=False)  # 22:00 in Beijing
    refused("W7-01", send, fam, "5.00")


# W8 one pending, acceptance, decline ---------------------------------------------


@pytest.mark.django_db
def test_one_pending_at_a_time_w8(fam, time_machine):
    time_machine.move_to(MONDAY_10)
    first = send(fam, "100.00")
    err = refused("W8-01", send, fam, "100.00")
    assert fam["parent"].name in str(err)
    accept(fam, first)
    assert send(fam, "100.00").is_pending


@pytest.mark.django_db
def test_money_waits_in_the_holding_account_until_accepted(fam, time_machine):
    time_machine.move_to(MONDAY_10)
    t = send(fam, "300.00")
    assert balance(fam["employee"]) == D("9700.00")
    assert balance(fam["parent"], AccountKind.WALLET) == 0
    assert LedgerAccount.objects.get(pk=t.holding_account_id).balance == D("300.00")
    # The parent's own login accepts.
    transfer_accept(transfer_id=t.pk, acting_user=fam["parent_user"])
    t.refresh_from_db()
    assert t.state == "accepted" and t.decided_by == fam["parent_user"]
    assert balance(fam["parent"], AccountKind.WALLET) == D("300.00")
    refused("W8-02", accept, fam, t)
    assert ledger_problems() == []


@pytest.mark.django_db
def test_decline_returns_the_money_at_once(fam, time_machine):
    time_machine.move_to(MONDAY_10)
    t = send(fam, "300.00")
    transfer_decline(transfer_id=t.pk, acting_user=fam["user"])
    t.refresh_from_db()
    assert t.state == "declined"
    assert balance(fam["employee"]) == D("10000.00")
    refused("W8-02", transfer_decline, transfer_id=t.pk, acting_user=fam["user"])
    assert ledger_problems() == []


@pytest.mark.django_db
def test_accepting_after_the_morning_cutoff_returns_it_w9(fam, time_machine):
    time_machine.move_to("2026-03-02 21:00:00 +08:00")
    t = send(fam, "300.00")
    time_machine.move_to("2026-03-03 06:00:00 +08:00", tick=False)
    err = refused("W9-01", accept, fam, t)
    assert "06:00" in str(err)
    t.refresh_from_db()
    assert t.state == "returned"
    assert balance(fam["employee"]) == D("10000.00")


@pytest.mark.django_db
def test_accept_just_before_the_cutoff_still_works(fam, time_machine):
    time_machine.move_to("2026-03-02 21:00:00 +08:00")
    t = send(fam, "300.00")
    # Accepting is not starting a transfer: allowed in the quiet hours, before 06:00.
    time_machine.move_to("2026-03-03 05:59:59 +08:00", tick=False)
    assert accept(fam, t).state == "accepted"


# W4 / W5 / W11 who may send and receive ------------------------------------------


@pytest.mark.django_db
def test_sender_must_be_an_active_employee_with_an_open_wallet_w4(fam, time_machine):
    time_machine.move_to(MONDAY_10)
    resident = fam["parent"]
    relate(resident, InsuredPersonFactory(region=chongqing()), "parent")
    refused(
        "W4-01",
        transfer_create,
        sender=resident,
        recipient=fam["employee"],
        amount="10.00",
        idempotency_key="r",
        acting_user=None,
    )
    lonely = make_family(balance="100.00", open_wallets=False)
    wallet_open(person=lonely["parent"], usage_region=lonely["parent"].region, acting_user=None)
    refused("W4-03", send, lonely, "10.00")
    employee = fam["employee"]
    employee.status = "suspended"
    employee.save(update_fields=["status"])
    refused("W4-02", send, fam, "10.00")


@pytest.mark.django_db
def test_not_more_than_the_balance_w4(db, time_machine):
    time_machine.move_to(MONDAY_10)
    fam = make_family(balance="50.00")
    refused("W4-04", send, fam, "50.01")
    assert send(fam, "50.00").is_pending
    assert balance(fam["employee"]) == 0


@pytest.mark.django_db
def test_recipient_must_be_a_close_relative_with_an_open_wallet_w5(fam, time_machine):
    time_machine.move_to(MONDAY_10)
    stranger = InsuredPersonFactory(region=chongqing())
    wallet_open(person=stranger, usage_region=stranger.region, acting_user=None)
    refused("W5-01", send, fam, "10.00", recipient=stranger)

    child = InsuredPersonFactory(region=chongqing(), insurance_type=InsuranceType.RESIDENT)
    relate(fam["employee"], child, "parent")
    err = refused("W5-02", send, fam, "10.00", recipient=child)
    with translation.override("en"):
        assert "ask them to open their wallet first, or open it for them" in str(err)
    with translation.override("zh-hans"):
        assert "代开通" in str(err)  # the Chinese sentence offers the proxy opening (W2) too

    # A wallet whose usage province is no longer live cannot receive.
    wallet_open(person=child, usage_region=child.region, acting_user=None)
    child.wallet.usage_region = guangzhou()
    child.wallet.save(update_fields=["usage_region"])
    refused("W5-03", send, fam, "10.00", recipient=child)


@pytest.mark.django_db
def test_received_money_is_not_sent_on_by_default_w11(fam, time_machine):
    time_machine.move_to(MONDAY_10)
    sibling = InsuredPersonFactory(region=chongqing())
    relate(fam["employee"], sibling, "sibling")
    wallet_open(person=sibling, usage_region=sibling.region, acting_user=None)
    # The employee's own wallet receives 100 from the sibling's personal account...
    from tests.wallet.factories import fund

    fund(sibling, "100.00")
    t = transfer_create(
        sender=sibling,
        recipient=fam["employee"],
        amount="100.00",
        idempotency_key="s1",
        acting_user=None,
    )
    transfer_accept(transfer_id=t.pk, acting_user=None)
    # ...and may not send it on, unless the setting allows it.
    args = {
        "sender": fam["employee"],
        "recipient": fam["parent"],
        "amount": "100.00",
        "acting_user": None,
        "source": Transfer.Source.WALLET,
    }
    refused("W11-01", transfer_create, idempotency_key="w1", **args)
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(received_money_sendable=True)
    sent_on = transfer_create(idempotency_key="w2", **args)
    assert sent_on.from_account.kind == AccountKind.WALLET
    assert balance(fam["employee"], AccountKind.WALLET) == 0
    assert balance(fam["employee"]) == D("10000.00")


# Idempotency -------------------------------------------------------------------


@pytest.mark.django_db
def test_same_idempotency_key_makes_one_transfer(fam, time_machine):
    time_machine.move_to("2026-03-02 21:59:59 +08:00")
    first = send(fam, "100.00", key="double-click")
    again = send(fam, "100.00", key="double-click")
    assert first.pk == again.pk
    time_machine.move_to("2026-03-02 22:00:05 +08:00")  # a retry after the quiet hours began
    assert send(fam, "100.00", key="double-click").pk == first.pk
    assert Transfer.objects.count() == 1
    assert balance(fam["employee"]) == D("9900.00")


# Concurrency (real PostgreSQL transactions in threads) ------------------------------


def run_in_threads(n, target):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def work(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Refusal as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_from_one_sender_one_pending(time_machine):
    time_machine.move_to(MONDAY_10)
    fam = make_family(balance="1000.00")
    results, errors = run_in_threads(8, lambda i: send(fam, "100.00", key=f"c{i}").pk)
    assert len(results) == 1
    assert sorted(errors) == ["W8-01"] * 7
    assert balance(fam["employee"]) == D("900.00")
    assert ledger_problems() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_from_one_sender_daily_count_and_balance(time_machine):
    time_machine.move_to(MONDAY_10)
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(one_pending=False)
    fam = make_family(balance="1000.00")
    results, errors = run_in_threads(8, lambda i: send(fam, "300.00", key=f"c{i}").pk)
    assert len(set(results)) == 3  # W6: exactly the allowed number
    assert sorted(errors) == ["W6-03"] * 5
    assert balance(fam["employee"]) == D("100.00")
    assert Transfer.objects.filter(state="pending").count() == 3
    assert ledger_problems() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_makes_one_transfer(time_machine):
    time_machine.move_to(MONDAY_10)
    fam = make_family(balance="1000.00")
    results, errors = run_in_threads(6, lambda i: send(fam, "100.00", key="same").pk)
    assert errors == []
    assert len(results) == 6 and len(set(results)) == 1
    assert balance(fam["employee"]) == D("900.00")


@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_and_decline_settle_once(time_machine):
    time_machine.move_to(MONDAY_10)
    fam = make_family(balance="1000.00")
    t = send(fam, "100.00")

    def decide(i):
        fn = transfer_accept if i % 2 else transfer_decline
        return fn(transfer_id=t.pk, acting_user=None).state

    results, errors = run_in_threads(6, decide)
    assert len(results) == 1 and errors == ["W8-02"] * 5
    assert ledger_problems() == []


@pytest.mark.django_db
def test_create_writes_one_audit_row_with_the_transfer(fam, time_machine):
    """The audit row is written in the transfer's own statement: the row
    audit_record writes, labels and all."""
    from core.models import AuditEvent

    time_machine.move_to(MONDAY_10)
    before = AuditEvent.objects.count()
    t = send(fam, "123.45", key="audited")
    send(fam, "123.45", key="audited")  # the same key again: no second row
    refused("W6-01", send, fam, "0.50")  # a refusal writes nothing
    assert AuditEvent.objects.count() == before + 1
    row = AuditEvent.objects.get(action="transfer.create")
    employee, user = fam["employee"], fam["user"]
    assert (row.actor, row.person, row.target) == (user, employee, f"wallet.Transfer:{t.pk}")
    assert row.details == {"to": fam["parent"].masked_id, "amount": "123.45"}
    assert row.actor_label == user.get_username()
    assert row.person_label == f"{employee.name} {employee.masked_id}"
    assert abs(row.at - t.created_at).total_seconds() < 1
