"""Elder mode (长辈模式) is its own simple home, as the national app's 长辈版: a
few large buttons (出示医保码, 钱包余额, 家人, 消息, 打电话给家人 where a phone
is on record), one task a screen, no secondary navigation."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.services import preference_set
from tests.wallet.factories import make_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def elder(time_machine):
    """The parent of make_family, logged in with elder mode on; their son (the
    employee) looks after them and has a phone on record."""
    time_machine.move_to("2026-03-02 10:00:00 +08:00")
    fam = make_family(balance="5000.00")
    fam["employee"].phone = "13800138000"
    fam["employee"].save(update_fields=["phone"])
    preference_set(user=fam["parent_user"], elder_mode=True)
    client = Client()
    client.force_login(fam["parent_user"])
    return fam, client


def test_the_elder_home_is_a_few_large_buttons(elder):
    fam, client = elder
    html = client.get(reverse("home")).content.decode()
    buttons = re.findall(r'<a class="big-button[^"]*" href="([^"]+)">\s*([^<]+)', html)
    labels = [label.strip() for _href, label in buttons]
    assert labels == ["出示医保码", "钱包余额", "家人", "消息", f"打电话给{fam['employee'].name}"]
    hrefs = [href for href, _label in buttons]
    assert hrefs[0] == reverse("accounts:person_qr_counter", args=[fam["parent"].pk])
    assert hrefs[-1] == "tel:13800138000"
    assert html.count("<h1>") == 1 and 'id="family-cards"' not in html
    assert '<span class="big-figure"><span class="nowrap">¥0.00</span></span>' in html


def test_no_call_button_without_a_phone_on_record(elder):
    fam, client = elder
    fam["employee"].phone = ""
    fam["employee"].save(update_fields=["phone"])
    assert "tel:" not in client.get(reverse("home")).content.decode()


def test_elder_mode_off_keeps_the_family_home(elder):
    fam, client = elder
    preference_set(user=fam["parent_user"], elder_mode=False)
    html = client.get(reverse("home")).content.decode()
    assert "big-button" not in html and 'id="family-cards"' in html
