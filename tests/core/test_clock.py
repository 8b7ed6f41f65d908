"""The portal's one clock (core/clock.py): real time unless a test clock is set."""

from datetime import timedelta

import pytest

from core import clock
from core.models import ClockOffset


@pytest.fixture
def test_clock_on(settings):
    settings.PORTAL_TEST_CLOCK = True
    clock.forget()
    yield
    clock.forget()


@pytest.mark.django_db
def test_without_the_setting_a_stored_offset_is_ignored(settings):
    settings.PORTAL_TEST_CLOCK = False
    ClockOffset.objects.create(pk=ClockOffset.SINGLETON, offset=timedelta(days=3))
    assert abs(clock.now() - clock.real_now()) < timedelta(seconds=5)


@pytest.mark.django_db
def test_a_set_clock_moves_now_localdate_and_new_records(test_clock_on):
    from tests.factories import InsuredPersonFactory

    ClockOffset.objects.create(pk=ClockOffset.SINGLETON, offset=timedelta(days=3))
    clock.forget()
    assert timedelta(days=3) - timedelta(seconds=5) < clock.now() - clock.real_now()
    assert clock.localdate() == clock.localtime(clock.real_now() + timedelta(days=3)).date()
    person = InsuredPersonFactory()
    assert person.created_at - clock.real_now() > timedelta(days=2)
