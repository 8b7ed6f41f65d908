"""Texts to relatives (A3) go through the one SMS door: per phone and per
login, one a minute and ten a day; guesses count per requester and relative per
day, so withdrawing and re-adding a request gains nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import national_id
from accounts.models import DependentBinding, OutboundMessage
from accounts.services import (
    dependent_confirm_code,
    dependent_end,
    dependent_request,
    dependent_resend_code,
)
from core import ratelimit
from core.models import AuditEvent
from tests.accounts.conftest import error_codes, last_code
from tests.factories import InsuredPersonFactory, UserFactory, chengdu

pytestmark = pytest.mark.django_db

CST = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(START, tick=False)


def at(time_machine, **delta):
    time_machine.move_to(START + datetime.timedelta(**delta), tick=False)


def ask(me, relative):
    return dependent_request(
        user=me.user, national_id=relative.national_id, name=relative.name, relation="parent"
    )


def codes_of(call) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        call()
    return error_codes(exc.value)


def test_a_second_text_within_a_minute_is_refused(me, father, me_client, time_machine):
    binding = ask(me, father)
    assert codes_of(lambda: dependent_resend_code(user=me.user, binding=binding)) == ["A1-06"]
    # On the page: said in place, no new text.
    url = reverse("accounts:binding_resend", args=[binding.pk])
    html = me_client.post(url).content.decode()
    assert "you can ask for another in 60 seconds" in html
    assert OutboundMessage.objects.filter(person=father).count() == 1
    at(time_machine, seconds=59)
    assert codes_of(lambda: dependent_resend_code(user=me.user, binding=binding)) == ["A1-06"]
    at(time_machine, seconds=60)
    dependent_resend_code(user=me.user, binding=binding)
    assert OutboundMessage.objects.filter(person=father).count() == 2


def test_adding_another_relative_within_the_minute_waits_too(me, father, time_machine):
    ask(me, father)
    mother = InsuredPersonFactory(name="李秀英", region=chengdu(), born=datetime.date(1958, 1, 2),
                                  sex="F")  # fmt: skip
    assert "A1-06" in codes_of(lambda: ask(me, mother))
    assert not DependentBinding.objects.filter(person=mother).exists()
    # Details that match no record wait alike (A6): the login's texts, not the record's.
    invented = national_id.make("510100", datetime.date(1958, 1, 2), 402, "F")
    assert "A1-06" in codes_of(
        lambda: dependent_request(
            user=me.user, national_id=invented, name="李秀英", relation="parent"
        )
    )
    assert DependentBinding.objects.filter(user=me.user).count() == 1
    at(time_machine, minutes=1)
    ask(me, mother)


def test_a_phone_texted_a_moment_ago_gets_nothing_and_the_requester_reads_nothing(
    me, father, time_machine
):
    """The relative's phone limits are not the requester's to learn (A6): a phone
    texted a moment ago by someone else's request gets no second text, and the
    request waits as if it had gone (as a blind request does)."""
    sister = InsuredPersonFactory(name="张丽", region=chengdu(), born=datetime.date(1986, 5, 1),
                                  user=UserFactory(username="zhangli"))  # fmt: skip
    dependent_request(user=sister.user, national_id=father.national_id, name=father.name,
                      relation="parent")  # fmt: skip
    binding = ask(me, father)
    assert binding.status == "pending_code" and binding.code_sent_at is not None
    assert OutboundMessage.objects.filter(person=father).count() == 1
    at(time_machine, minutes=1)  # the phone's minute is over: a new code goes
    dependent_resend_code(user=me.user, binding=binding)
    assert OutboundMessage.objects.filter(person=father).count() == 2


def test_the_eleventh_text_of_the_day_is_refused_until_tomorrow(me, father, time_machine):
    binding = ask(me, father)
    for minute in range(1, 10):
        at(time_machine, minutes=minute)
        dependent_resend_code(user=me.user, binding=binding)
    assert OutboundMessage.objects.filter(person=father).count() == 10
    at(time_machine, minutes=30)
    assert codes_of(lambda: dependent_resend_code(user=me.user, binding=binding)) == ["A1-07"]
    assert OutboundMessage.objects.filter(person=father).count() == 10
    at(time_machine, hours=14)  # 00:00 the next day in Shanghai
    dependent_resend_code(user=me.user, binding=binding)
    assert OutboundMessage.objects.filter(person=father).count() == 11


def test_guesses_count_across_withdraw_and_re_add(me, father, time_machine):
    binding = ask(me, father)
    for left in (4, 3, 2):
        with pytest.raises(ValidationError) as exc:
            dependent_confirm_code(user=me.user, binding=binding, code="000000")
        assert exc.value.error_dict["code"][0].params == {"left": left}
    dependent_end(actor=me.user, binding=binding)
    at(time_machine, minutes=2)
    again = ask(me, father)  # a fresh request: still 2 guesses left today, not 5
    with pytest.raises(ValidationError) as exc:
        dependent_confirm_code(user=me.user, binding=again, code="000000")
    assert exc.value.error_dict["code"][0].params == {"left": 1}
    assert codes_of(lambda: dependent_confirm_code(user=me.user, binding=again, code="000000")) == [
        "A3-11"
    ]  # not "add the relative again": that waits for tomorrow too
    again.refresh_from_db()
    assert again.status == "expired"
    # Re-adding today sends no text: a blind request (A6: as for details that
    # match no record), which ends at its first code; tomorrow it works.
    at(time_machine, minutes=4)
    texts = OutboundMessage.objects.count()
    blind = ask(me, father)
    assert blind.person is None and OutboundMessage.objects.count() == texts
    assert codes_of(lambda: dependent_confirm_code(user=me.user, binding=blind, code="000000")) == [
        "A3-11"
    ]
    blind.refresh_from_db()
    assert blind.status == "expired"
    at(time_machine, days=1)
    fresh = ask(me, father)
    dependent_confirm_code(user=me.user, binding=fresh, code=last_code(father))
    fresh.refresh_from_db()
    assert fresh.status == "active"
    assert AuditEvent.objects.filter(action="dependent.code_wrong").count() == 5


def test_a_used_or_ended_code_is_not_readable_in_the_outbox(me, father, time_machine):
    binding = ask(me, father)
    code = last_code(father)
    dependent_confirm_code(user=me.user, binding=binding, code=code)
    message = OutboundMessage.objects.get(person=father)
    assert code not in message.body and message.code == ""
    sends = AuditEvent.objects.filter(action="sms.send")
    assert sends.count() == 1 and code not in str(sends.get().details)


def test_the_limiter_takes_all_or_nothing():
    minute = ratelimit.Interval("t-minute", "k", 60)
    day = ratelimit.Daily("t-day", "k", 1)
    ratelimit.consume(minute, day)
    with pytest.raises(ratelimit.RateLimited) as exc:
        ratelimit.consume(ratelimit.Interval("t-other", "k", 60), day)
    assert exc.value.limit == day
    assert exc.value.retry_at == datetime.datetime(2026, 3, 3, 0, 0, tzinfo=CST)
    # The interval taken before the day refused was given back.
    assert ratelimit.used(ratelimit.Interval("t-other", "k", 60)) == 0
    assert ratelimit.used(minute) == 1 and ratelimit.used(day) == 1
