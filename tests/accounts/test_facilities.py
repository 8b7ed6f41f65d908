"""Designated outpatient facility (F2): region, designation, next-day changes, history."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.models import AccountsPolicy, DesignatedFacilityChoice
from accounts.selectors import designated_facility_on, family_members
from accounts.services import facility_choose
from core.models import AuditEvent
from tests.accounts.conftest import error_codes
from tests.factories import FacilityFactory, chengdu, chongqing

pytestmark = pytest.mark.django_db

DAY1 = datetime.datetime(2026, 5, 10, 9, 0, tzinfo=datetime.UTC)  # 17:00 in Shanghai


def test_first_choice_applies_today_and_a_change_the_next_day(me):
    a = FacilityFactory(region=chongqing(), name="社区中心甲")
    b = FacilityFactory(region=chongqing(), name="社区中心乙")
    with time_machine.travel(DAY1, tick=False):
        first = facility_choose(actor=me.user, person=me, facility=a)
        assert first.effective_from == datetime.date(2026, 5, 10)
        change = facility_choose(actor=me.user, person=me, facility=b)
        assert change.effective_from == datetime.date(2026, 5, 11)
        member = family_members(user=me.user)[0]
        assert member.facility_current.facility == a
        assert member.facility_upcoming.facility == b
    assert designated_facility_on(person=me, day=datetime.date(2026, 5, 10)).facility == a
    assert designated_facility_on(person=me, day=datetime.date(2026, 5, 11)).facility == b
    assert designated_facility_on(person=me, day=datetime.date(2026, 5, 9)) is None
    assert DesignatedFacilityChoice.objects.filter(person=me).count() == 2  # history kept
    assert AuditEvent.objects.filter(action="facility.choose", person=me).count() == 2


def test_changing_twice_before_it_applies_keeps_the_latest(me):
    a, b, c = (FacilityFactory(region=chongqing()) for _ in range(3))
    with time_machine.travel(DAY1, tick=False):
        facility_choose(actor=me.user, person=me, facility=a)
        facility_choose(actor=me.user, person=me, facility=b)
        facility_choose(actor=me.user, person=me, facility=c)
    assert designated_facility_on(person=me, day=datetime.date(2026, 5, 11)).facility == c
    assert DesignatedFacilityChoice.objects.filter(person=me).count() == 3


def test_the_delay_is_a_setting(me):
    a, b = FacilityFactory(region=chongqing()), FacilityFactory(region=chongqing())
    AccountsPolicy.objects.filter(pk=AccountsPolicy.current().pk).update(
        facility_change_delay_days=3
    )
    with time_machine.travel(DAY1, tick=False):
        facility_choose(actor=me.user, person=me, facility=a)
        change = facility_choose(actor=me.user, person=me, facility=b)
    assert change.effective_from == datetime.date(2026, 5, 13)


def test_local_day_counts_not_utc(me):
    a, b = FacilityFactory(region=chongqing()), FacilityFactory(region=chongqing())
    # 23:30 UTC on 10 May is 07:30 on 11 May in Shanghai.
    with time_machine.travel(datetime.datetime(2026, 5, 10, 23, 30, tzinfo=datetime.UTC)):
        facility_choose(actor=me.user, person=me, facility=a)
        change = facility_choose(actor=me.user, person=me, facility=b)
    assert change.effective_from == datetime.date(2026, 5, 12)


def test_a_facility_outside_the_region_is_refused(me):
    elsewhere = FacilityFactory(region=chengdu(), name="成都某医院")
    with pytest.raises(ValidationError) as exc:
        facility_choose(actor=me.user, person=me, facility=elsewhere)
    assert error_codes(exc.value, "facility") == ["F2-11"]
    assert not DesignatedFacilityChoice.objects.exists()


def test_a_facility_not_designated_is_refused(me):
    plain = FacilityFactory(region=chongqing(), designated_outpatient=False)
    with pytest.raises(ValidationError) as exc:
        facility_choose(actor=me.user, person=me, facility=plain)
    assert error_codes(exc.value, "facility") == ["F2-12"]


def test_choosing_the_same_facility_again_is_refused(me):
    a = FacilityFactory(region=chongqing())
    facility_choose(actor=me.user, person=me, facility=a)
    with pytest.raises(ValidationError) as exc:
        facility_choose(actor=me.user, person=me, facility=a)
    assert error_codes(exc.value, "facility") == ["F2-13"]
