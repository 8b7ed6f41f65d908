"""我的: the person's own page and elder mode (长辈模式)."""

import pytest
from django.urls import reverse

from tests.factories import InsuredPersonFactory, chongqing

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(user):
    return InsuredPersonFactory(name="李华", region=chongqing(), user=user)


def test_me_page_shows_the_record_and_the_elder_mode_switch(user_client, person, english):
    html = english(user_client).get(reverse("me")).content.decode()
    assert "李华" in html and person.masked_id in html
    assert "Turn elder mode on" in html and 'class="elder"' not in html


def test_elder_mode_enlarges_every_page_until_switched_off(user_client, person, english):
    english(user_client)
    response = user_client.post(reverse("elder_mode"), {"on": "1"}, follow=True)
    html = response.content.decode()
    assert "Elder mode is on" in html and '<html lang="en" class="elder">' in html
    assert 'class="elder"' in user_client.get(reverse("home")).content.decode()
    user_client.post(reverse("elder_mode"), {"on": "0"})
    assert 'class="elder"' not in user_client.get(reverse("home")).content.decode()


def test_every_page_has_the_skip_link_and_the_tab_bar(user_client, person):
    html = user_client.get(reverse("wallet:index")).content.decode()
    assert '<a class="skip-link" href="#main">跳到正文</a>' in html
    for tab in ("首页", "家人", "钱包", "费用", "我的"):
        assert f"<span>{tab}</span>" in html
    assert 'href="/wallet/" aria-current="page">' in html.split('class="tabbar"')[1]


def test_pages_carry_no_inline_script_or_style(user_client, person):
    for name in ("home", "me", "accounts:family", "wallet:index", "claims:summary"):
        html = user_client.get(reverse(name)).content.decode()
        assert "<script>" not in html and "<style" not in html and ' style="' not in html
