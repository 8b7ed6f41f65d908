"""The home page, shorter: what waits for the family's answer comes first,
and each person is one line of facts (tests/claims/test_plain_bills.py: the
deductible and cap a tap away)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.wallet.factories import make_family
from wallet.services import transfer_create

pytestmark = pytest.mark.django_db


def test_money_waiting_comes_before_the_family_cards(time_machine):
    time_machine.move_to("2026-03-02 10:00:00 +08:00")
    fam = make_family(balance="5000.00")
    transfer_create(
        sender=fam["employee"],
        recipient=fam["parent"],
        amount="100.00",
        idempotency_key="k1",
        acting_user=fam["user"],
    )
    client = Client()
    client.force_login(fam["user"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("home")).content.decode()
    waiting = html.index("Money waiting to be accepted")
    assert waiting < html.index("Your family at a glance") < html.index('id="family-cards"')
    assert f"{fam['parent'].name}: 1 transfer to accept" in html
    # One line per person: insurance, region and ID number, no table of facts.
    assert html.count('class="muted extra person-line"') == 2
