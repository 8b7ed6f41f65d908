"""我的 (the person's own page, elder mode 长辈模式) and 家人 (the family tab)."""

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
    for name in ("home", "me", "family", "wallet:index", "claims:summary"):
        html = user_client.get(reverse(name)).content.decode()
        assert "<script>" not in html and "<style" not in html and ' style="' not in html


def test_family_tab_lists_the_people_and_what_can_be_done_for_them(user_client, person, english):
    html = english(user_client).get(reverse("family")).content.decode()
    assert "<h1>Family</h1>" in html and "李华" in html
    assert reverse("accounts:person_qr_counter", args=[person.pk]) in html
    assert reverse("wallet:statement", args=[person.pk]) in html
    assert reverse("accounts:dependent_add") in html
    # It reloads itself after an action elsewhere on the page (htmx).
    part = user_client.get(reverse("family"), HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<div id="family-list"') and "<html" not in part
