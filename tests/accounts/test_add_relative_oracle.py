"""Adding a relative is no way to learn who is on record (A6): every outcome
that depends on the record reads the same as success, what is refused is
refused from the typed details alone, and a login may try 10 times a day."""

import datetime
import re
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts import national_id
from accounts.models import DependentBinding
from tests.factories import InsuredPersonFactory, chengdu

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


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


def test_real_and_invented_relatives_read_the_same(me_client, me, father):
    no_phone = InsuredPersonFactory(
        name="张建国", region=chengdu(), born=datetime.date(1956, 8, 20), phone=""
    )
    cases = [
        {"national_id": father.national_id, "name": "张建国"},  # a real father: a code goes
        {"national_id": invented_parent(411), "name": "张建国"},  # nobody
        {"national_id": father.national_id, "name": "张建"},  # a real ID, a wrong name
        {"national_id": no_phone.national_id, "name": "张建国"},  # no phone, no login
    ]
    answers = [answer(me_client, {**case, "relation": "parent"}) for case in cases]
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


def test_a_login_tries_ten_times_a_day(me_client, me, time_machine, settings):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False)
    for n in range(settings.DEPENDENT_ADD_PER_DAY):
        data = {"national_id": invented_parent(421 + 2 * n), "name": "张建国", "relation": "parent"}
        assert "If these details match" in answer(me_client, data)[2][0]
    data = {"national_id": invented_parent(499), "name": "张建国", "relation": "parent"}
    assert "tried to add relatives 10 times today" in answer(me_client, data)[3]
    time_machine.move_to(datetime.datetime(2026, 3, 3, 10, 0, tzinfo=datetime.UTC), tick=False)
    assert "If these details match" in answer(me_client, data)[2][0]
