"""Wallet opening (W1–W3), contributions, family pooling (P1, P2)."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import InsuranceType
from core.models import AuditEvent
from core.reasons import Refusal
from tests.factories import (
    InsuredPersonFactory,
    ProvinceFactory,
    RegionFactory,
    chengdu,
    chongqing,
    guangzhou,
)
from tests.wallet.factories import make_family, relate
from wallet.models import (
    AccountKind,
    Contribution,
    ContributionRate,
    LedgerAccount,
    PoolingBinding,
    Wallet,
    WalletPolicy,
)
from wallet.selectors import ledger_problems
from wallet.services import (
    contribution_post,
    contributions_post_month,
    pooling_bind,
    pooling_end,
    wallet_change_usage,
    wallet_open,
    wallet_open_bulk,
)

D = Decimal


def refused(code, fn, **kwargs):
    with pytest.raises(Refusal) as exc:
        fn(**kwargs)
    assert exc.value.code == code, str(exc.value)
    return exc.value


# W1–W3 -------------------------------------------------------------------------


@pytest.mark.django_db
def test_open_for_oneself_and_by_proxy_is_recorded(db):
    fam = make_family(open_wallets=False)
    own = wallet_open(person=fam["employee"], usage_region=chongqing(), acting_user=fam["user"])
    assert own.is_open and not own.by_proxy and own.opened_by == fam["user"]
    proxy = wallet_open(
        person=fam["parent"], usage_region=chengdu(), acting_user=fam["user"], by_proxy=True
    )
    assert proxy.by_proxy and proxy.opened_by == fam["user"]
    assert LedgerAccount.objects.filter(person=fam["parent"], kind=AccountKind.WALLET).exists()
    event = AuditEvent.objects.get(action="wallet.open", person=fam["parent"])
    assert event.actor == fam["user"] and event.details["by_proxy"] is True
    # Opening again changes nothing.
    again = wallet_open(person=fam["parent"], usage_region=chongqing(), acting_user=None)
    assert again.pk == proxy.pk and again.usage_region == chengdu()


@pytest.mark.django_db
def test_not_live_province_is_refused_w1(db):
    person = InsuredPersonFactory(region=guangzhou())
    err = refused("W1-01", wallet_open, person=person, usage_region=guangzhou(), acting_user=None)
    assert "Guangdong" in str(err)
    assert not Wallet.objects.exists()


@pytest.mark.django_db
def test_inactive_person_cannot_open_w1(db):
    person = InsuredPersonFactory(region=chongqing(), status="ended")
    refused("W1-02", wallet_open, person=person, usage_region=chongqing(), acting_user=None)


@pytest.mark.django_db
def test_change_of_usage_location_only_where_supported_w3(db):
    fam = make_family()
    # Sichuan supports it (the parent), Chongqing does not (the employee).
    hebei = RegionFactory(
        province=ProvinceFactory(
            code="13", name="河北省", name_en="Hebei", usage_location_change=True
        )
    )
    changed = wallet_change_usage(person=fam["parent"], usage_region=hebei, acting_user=fam["user"])
    assert changed.usage_region == hebei and changed.usage_changed_at is not None
    err = refused(
        "W3-01", wallet_change_usage, person=fam["employee"], usage_region=hebei, acting_user=None
    )
    assert "Chongqing" in str(err)
    refused(
        "W1-01",
        wallet_change_usage,
        person=fam["parent"],
        usage_region=guangzhou(),
        acting_user=None,
    )


@pytest.mark.django_db
def test_bulk_open_is_one_statement_per_step_and_safe_to_rerun(db, django_assert_max_num_queries):
    people = [InsuredPersonFactory(region=chongqing()) for _ in range(20)]
    inactive = InsuredPersonFactory(region=chongqing(), status="ended")
    in_guangdong = InsuredPersonFactory(region=guangzhou())
    wallet_open(person=people[0], usage_region=chongqing(), acting_user=None)
    rows = [(p.pk, chongqing().pk) for p in people]
    rows += [(inactive.pk, chongqing().pk), (in_guangdong.pk, guangzhou().pk)]
    with django_assert_max_num_queries(12):
        opened = wallet_open_bulk(rows=rows, acting_user=None, batch_ref="B1")
    assert sorted(opened) == sorted(p.pk for p in people[1:])
    assert wallet_open_bulk(rows=rows, acting_user=None, batch_ref="B2") == []
    assert Wallet.objects.filter(batch_ref="B1", by_proxy=True).count() == 19
    assert LedgerAccount.objects.filter(kind=AccountKind.WALLET).count() == 20


# Contributions -----------------------------------------------------------------


@pytest.mark.django_db
def test_contribution_is_posted_once_per_person_per_month(db):
    fam = make_family(balance=None, open_wallets=False)
    march = datetime.date(2026, 3, 17)
    first = contribution_post(person=fam["employee"], month=march)
    assert first.month == datetime.date(2026, 3, 1) and first.total == D("150.00")
    assert contribution_post(person=fam["employee"], month=march).pk == first.pk
    assert contribution_post(person=fam["parent"], month=march) is None  # a resident
    account = LedgerAccount.objects.get(person=fam["employee"], kind=AccountKind.PERSONAL)
    assert account.balance == D("150.00")
    assert ledger_problems() == []


@pytest.mark.django_db
def test_monthly_job_posts_every_active_employee_once_with_the_regional_rate(db):
    employees = [InsuredPersonFactory(region=chongqing()) for _ in range(3)]
    InsuredPersonFactory(region=chongqing(), status="suspended")
    ContributionRate.objects.create(
        region=chongqing(),
        valid_from=datetime.date(2026, 1, 1),
        employee_share=D("200.00"),
        employer_credit=D("0.00"),
    )
    month = datetime.date(2026, 4, 1)
    assert contributions_post_month(month=month, chunk=2) == 3
    assert contributions_post_month(month=month, chunk=2) == 0
    assert Contribution.objects.filter(month=month).count() == 3
    assert {c.total for c in Contribution.objects.all()} == {D("200.00")}
    assert all(
        LedgerAccount.objects.get(person=e, kind=AccountKind.PERSONAL).balance == D("200.00")
        for e in employees
    )


# Family pooling -----------------------------------------------------------------


@pytest.mark.django_db
def test_bind_and_either_side_may_end_p1(db):
    fam = make_family()
    binding = pooling_bind(
        employee=fam["employee"], relative=fam["parent"], acting_user=fam["user"]
    )
    assert (
        pooling_bind(employee=fam["employee"], relative=fam["parent"], acting_user=fam["user"]).pk
        == binding.pk
    )
    ended = pooling_end(binding=binding, acting_user=fam["parent_user"], reason="relative")
    assert ended.status == "ended" and ended.ended_by == fam["parent_user"]
    again = pooling_bind(employee=fam["employee"], relative=fam["parent"], acting_user=fam["user"])
    assert again.pk != binding.pk and again.is_active


@pytest.mark.django_db
def test_only_active_employees_and_close_relatives_p1(db):
    fam = make_family()
    stranger = InsuredPersonFactory(region=chongqing())
    refused("P1-02", pooling_bind, employee=fam["employee"], relative=stranger, acting_user=None)
    refused(
        "P1-01", pooling_bind, employee=fam["parent"], relative=fam["employee"], acting_user=None
    )


@pytest.mark.django_db
def test_status_change_ends_the_binding_p1(db):
    fam = make_family()
    binding = pooling_bind(employee=fam["employee"], relative=fam["parent"], acting_user=None)
    employee = fam["employee"]
    employee.insurance_type = InsuranceType.RESIDENT
    employee.save()
    binding.refresh_from_db()
    assert binding.status == PoolingBinding.Status.ENDED
    assert binding.end_reason == PoolingBinding.EndReason.STATUS_CHANGE


@pytest.mark.django_db
def test_cross_province_follows_the_setting_and_province_override_p2(db):
    fam = make_family()  # Chongqing employee, Sichuan parent
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(cross_province_pooling=False)
    err = refused(
        "P2-02", pooling_bind, employee=fam["employee"], relative=fam["parent"], acting_user=None
    )
    assert "Chongqing" in str(err) and "Sichuan" in str(err)
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(cross_province_pooling=True)
    sichuan = fam["parent"].region.province
    sichuan.cross_province_pooling = False
    sichuan.save(update_fields=["cross_province_pooling"])
    refused(
        "P2-02", pooling_bind, employee=fam["employee"], relative=fam["parent"], acting_user=None
    )
    sichuan.cross_province_pooling = None
    sichuan.save(update_fields=["cross_province_pooling"])
    assert pooling_bind(
        employee=fam["employee"], relative=fam["parent"], acting_user=None
    ).is_active


@pytest.mark.django_db
def test_2021_scope_is_spouse_parents_children_p2(db):
    fam = make_family()
    sibling = InsuredPersonFactory(region=chongqing())
    relate(fam["employee"], sibling, "sibling")
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(
        pooling_all_close_relatives=False
    )
    refused("P2-01", pooling_bind, employee=fam["employee"], relative=sibling, acting_user=None)
    assert pooling_bind(
        employee=fam["employee"], relative=fam["parent"], acting_user=None
    ).is_active
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(
        pooling_all_close_relatives=True
    )
    assert pooling_bind(employee=fam["employee"], relative=sibling, acting_user=None).is_active
