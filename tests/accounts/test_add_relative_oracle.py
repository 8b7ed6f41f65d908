"""Adding a relative is no way to learn who is on record (A6): every outcome
that depends on the record reads the same as success, what is refused is
refused from the typed details alone, and a login may try 10 times a day."""

import datetime
import difflib
import re
import time
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts import national_id
from accounts.models import AccountsPolicy, DependentBinding, OutboundMessage
from tests.accounts.conftest import document
from tests.factories import InsuredPersonFactory, chengdu

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
OPEN = DependentBinding.OPEN_STATUSES
CST = datetime.timezone(datetime.timedelta(hours=8))
DAY_ONE = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=CST)


def answer(client, data):
    response = client.post(reverse("accounts:dependent_add"), data, **HX)
    # What was typed is shown back; the rest must not differ.
    # The newest message: the htmx swap leaves earlier ones for the family reload.
    newest = list(get_messages(response.wsgi_request))[-1:]
    said = [str(m).replace(data["name"], "<typed name>") for m in newest]
    body = response.content.decode().replace(data["national_id"], "<typed id>")
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return response.status_code, response.get("HX-Trigger"), said, body


def invented_parent(n: int) -> str:
    return national_id.make("510100", datetime.date(1956, 8, 20), n, "M")


def test_real_and_invented_relatives_read_the_same(me_client, me, father, time_machine):
    no_phone = InsuredPersonFactory(
        name="张建国", region=chengdu(), born=datetime.date(1956, 8, 20), phone=""
    )
    cases = [
        {"national_id": father.national_id, "name": "张建国"},  # a real father: a code goes
        {"national_id": invented_parent(411), "name": "张建国"},  # nobody
        {"national_id": father.national_id, "name": "张建"},  # a real ID, a wrong name
        {"national_id": no_phone.national_id, "name": "张建国"},  # no phone, no login
    ]
    time_machine.move_to(DAY_ONE, tick=False)
    answers = []
    for case in cases:
        answers.append(answer(me_client, {**case, "relation": "parent"}))
        # Withdrawn, and a minute later (the login's texts): the next starts afresh.
        asked = DependentBinding.objects.filter(user=me.user).latest("pk")
        me_client.post(reverse("accounts:binding_end", args=[asked.pk]), **HX)
        time_machine.shift(datetime.timedelta(seconds=61))
    assert all(a == answers[0] for a in answers), [a[:3] for a in answers]
    assert "If these details match a record, <typed name> gets a text" in answers[0][2][0]
    assert DependentBinding.objects.filter(person=father).count() == 1


def test_birth_dates_that_do_not_fit_are_told_from_the_typed_id_alone(me_client, me, father):
    # A "child" born in 1956 cannot be 张伟's (born 1984): said alike for both.
    real = answer(
        me_client, {"national_id": father.national_id, "name": "张建国", "relation": "child"}
    )
    fake = answer(
        me_client, {"national_id": invented_parent(413), "name": "张建国", "relation": "child"}
    )
    assert real == fake and "birth dates don't fit" in unescape(real[3])


def test_a_login_tries_ten_times_a_day(me_client, me, time_machine, settings, no_sms_pacing):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False)
    for n in range(settings.DEPENDENT_ADD_PER_DAY):
        data = {"national_id": invented_parent(421 + 2 * n), "name": "张建国", "relation": "parent"}
        assert "If these details match" in answer(me_client, data)[2][0]
        # Each is a (blind) request of its own: withdrawn, the next is not the sixth.
        asked = DependentBinding.objects.filter(user=me.user).latest("pk")
        me_client.post(reverse("accounts:binding_end", args=[asked.pk]), **HX)
    assert DependentBinding.objects.filter(user=me.user, person=None).count() == 10
    data = {"national_id": invented_parent(499), "name": "张建国", "relation": "parent"}
    assert "tried to add relatives 10 times today" in answer(me_client, data)[3]
    time_machine.move_to(datetime.datetime(2026, 3, 3, 10, 0, tzinfo=datetime.UTC), tick=False)
    assert "If these details match" in answer(me_client, data)[2][0]


def test_a_blind_request_is_asked_once_counts_and_is_withdrawn_like_a_real_one(
    me_client, me, father, no_sms_pacing
):
    real = {"national_id": father.national_id, "name": "张建国", "relation": "parent"}
    invented = {"national_id": invented_parent(441), "name": "张建国", "relation": "parent"}
    assert answer(me_client, real) == answer(me_client, invented)
    # Asked again: "already waiting" (A3-02), from the typed ID number alone.
    again = [answer(me_client, real), answer(me_client, invented)]
    assert again[0] == again[1]
    assert "already on your family page or waiting" in unescape(again[0][3])
    # Both count toward the five (A3-01): three more, and the sixth is refused.
    for n in range(3):
        answer(me_client, {**invented, "national_id": invented_parent(443 + 2 * n)})
    sixth = answer(me_client, {**invented, "national_id": invented_parent(451)})
    assert "at most 5 relatives" in unescape(sixth[3])
    # Withdrawn alike: gone from the family page.
    for binding in DependentBinding.objects.filter(user=me.user):
        response = me_client.post(reverse("accounts:binding_end", args=[binding.pk]), **HX)
        assert response.status_code == 200
    assert not DependentBinding.objects.filter(user=me.user, status__in=OPEN).exists()
    assert "Waiting for confirmation" not in me_client.get(reverse("home")).content.decode()


def normalised(html: str, typed: dict, binding: DependentBinding) -> str:
    html = html.replace(typed["national_id"], "<typed id>").replace(typed["name"], "<typed name>")
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r"[A-Za-z0-9]{64}", "<token>", html)  # the csrf token in hx-headers
    # The request's own number, in its element ids and URLs.
    return re.sub(rf"(binding-|code-|/requests/){binding.pk}\b", r"\1<binding>", html)


def what_the_requester_sees(client, user, typed: dict, time_machine) -> list:
    client.post(reverse("accounts:dependent_add"), {**typed, "relation": "parent"})
    binding = DependentBinding.objects.filter(user=user).latest("pk")
    seen = []

    def look(response):
        seen.append((response.status_code, normalised(response.content.decode(), typed, binding)))

    look(client.get(reverse("home")))  # the note, and the request waiting for its code
    code_url = reverse("accounts:binding_code", args=[binding.pk])
    look(client.get(code_url))
    resend_url = reverse("accounts:binding_resend", args=[binding.pk])
    look(client.post(resend_url, **HX))  # within the minute: wait
    time_machine.shift(datetime.timedelta(seconds=61))
    look(client.post(resend_url, **HX))
    time_machine.shift(datetime.timedelta(seconds=61))
    look(client.post(resend_url, follow=True))  # "a new code was sent to <typed name>"
    seen.append(DependentBinding.objects.filter(user=user, status__in=OPEN).count())
    policy = AccountsPolicy.current()
    sent = set(OutboundMessage.objects.values_list("code", flat=True))
    wrong = next(c for c in ("000000", "111111", "222222") if c not in sent)
    # The code's time runs out alike; a new one starts it again.
    time_machine.shift(datetime.timedelta(minutes=policy.code_ttl_minutes, seconds=1))
    look(client.post(code_url, {"code": wrong}, **HX))
    look(client.post(resend_url, **HX))
    for _try in range(policy.code_max_attempts):
        look(client.post(code_url, {"code": wrong}, **HX))
    look(client.get(reverse("home")))
    binding.refresh_from_db()
    seen.append(binding.status)
    return seen


def test_what_follows_a_request_reads_the_same_whoever_is_on_record(
    me_client, me, father, time_machine
):
    """What the requester can look at after asking (A6): the family page, the
    code page, "send a new code", wrong codes to the end, the open count. A real
    father, invented details, a real ID with another name and a record without
    a phone read the same; each is asked on a day of its own (the day's guesses
    and texts start again at midnight)."""
    no_phone = InsuredPersonFactory(
        name="张建国", region=chengdu(), born=datetime.date(1956, 8, 20), phone=""
    )
    cases = [
        {"national_id": father.national_id, "name": "张建国"},  # a real father: a code goes
        {"national_id": invented_parent(431), "name": "张建国"},  # nobody
        {"national_id": father.national_id, "name": "张建"},  # a real ID, a wrong name
        {"national_id": no_phone.national_id, "name": "张建国"},  # no phone, no login
    ]
    transcripts = []
    for day, typed in enumerate(cases):
        time_machine.move_to(DAY_ONE + datetime.timedelta(days=day), tick=False)
        transcripts.append(what_the_requester_sees(me_client, me.user, typed, time_machine))
    first = transcripts[0]
    for case, transcript in zip(cases[1:], transcripts[1:], strict=True):
        for n, (expected, got) in enumerate(zip(first, transcript, strict=True)):
            assert got == expected, (case, n, diff(expected, got))
    home, code_page, wait, resent, resent_page, open_count = first[:6]
    assert "<typed name>" in home[1] and "waiting for the relative&#x27;s code" in home[1]
    assert "<typed name>" in code_page[1] and "Send a new code" in code_page[1]
    assert "seconds" in wait[1] and "A new code was sent." in resent[1]
    assert "A new code was sent to <typed name>." in resent_page[1]
    assert open_count == 1
    assert "This code has expired" in first[6][1] and "A new code was sent." in first[7][1]
    assert "Too many wrong codes" in first[-3][1] and first[-1] == "expired"
    # Nothing went to anyone but the real father, and never by the blind requests.
    assert set(OutboundMessage.objects.values_list("person", flat=True)) == {father.pk}
    assert DependentBinding.objects.filter(person=None).count() == 3


def diff(expected, got):
    if not isinstance(expected, tuple):
        return (expected, got)
    lines = difflib.unified_diff(expected[1].splitlines(), got[1].splitlines(), lineterm="", n=1)
    return "\n".join(list(lines)[:40])


def test_a_child_waiting_for_review_reads_the_same_whoever_is_on_record(
    me_client, me, daughter, time_machine
):
    """A child's request waits for a review whether the details match a record
    or not (A6): decided from the typed ID number's birth date alone."""
    invented = national_id.make("500100", daughter.birth_date, 457, "F")
    pages = []
    for day, typed in enumerate(
        [
            {"national_id": daughter.national_id, "name": "张小雨"},
            {"national_id": invented, "name": "张小雨"},
            {"national_id": daughter.national_id, "name": "张小"},
        ]
    ):
        time_machine.move_to(DAY_ONE + datetime.timedelta(days=day), tick=False)
        data = {**typed, "relation": "child", "document": document()}
        me_client.post(reverse("accounts:dependent_add"), data)
        binding = DependentBinding.objects.filter(user=me.user).latest("pk")
        assert binding.status == "pending_review"
        home = me_client.get(reverse("home")).content.decode()
        code_page = me_client.get(reverse("accounts:binding_code", args=[binding.pk]))
        pages.append(
            [normalised(html, typed, binding) for html in (home, code_page.content.decode())]
        )
        me_client.post(reverse("accounts:binding_end", args=[binding.pk]), **HX)
        me_client.get(reverse("home"))  # "… was removed": read before the next
    for other in pages[1:]:
        for expected, got in zip(pages[0], other, strict=True):
            assert got == expected, diff((200, expected), (200, got))
    assert "an administrator will check the document for <typed name>" in pages[0][0]
    assert "An administrator is checking the document." in pages[0][1]


def test_adding_a_relative_answers_no_sooner_than_the_floor_either_way(
    me_client, me, father, settings
):
    settings.DEPENDENT_ANSWER_MS = 40
    for typed in (father.national_id, invented_parent(417)):
        started = time.monotonic()
        answer(me_client, {"national_id": typed, "name": "张建国", "relation": "parent"})
        assert time.monotonic() - started >= 0.04
