"""Offer only what can succeed, or say why beside the choice: usage locations
where the wallet is not live (W1) and relatives outside the pooling scope (P2)
are not offered, and the page says why."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import InsuredPersonFactory, chongqing, guangzhou
from tests.wallet.factories import make_family, relate
from wallet.models import WalletPolicy

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.parametrize("page", ["open", "usage"])
def test_regions_where_the_wallet_is_not_live_are_not_offered(page):
    fam = make_family(open_wallets=page == "usage")
    not_live = guangzhou()
    if page == "open":
        url = reverse("wallet:open", args=[fam["parent"].pk])
    else:
        # W3: Sichuan (the parent's province) lets a wallet change its usage location.
        url = reverse("wallet:usage", args=[fam["parent"].pk])
    response = login(fam["user"]).get(url)
    assert response.status_code == 200
    choices = response.context["form"].fields["usage_region"].queryset
    assert not_live not in choices and chongqing() in choices
    html = response.content.decode()
    assert "not yet live: Guangdong" in html


def test_relatives_outside_the_2021_scope_are_named_with_the_reason():
    fam = make_family()
    sibling = InsuredPersonFactory(region=chongqing(), name="周小妹")
    relate(fam["employee"], sibling, "sibling")
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(
        pooling_all_close_relatives=False
    )
    response = login(fam["user"]).get(reverse("wallet:pooling"))
    offered = [value for value, _label in response.context["form"].fields["relative"].choices]
    assert fam["parent"].pk in offered and sibling.pk not in offered
    html = response.content.decode()
    assert "Not offered, and why" in html
    assert "<strong>周小妹</strong>:" in html
    WalletPolicy.objects.filter(pk=WalletPolicy.current().pk).update(
        pooling_all_close_relatives=True
    )
    response = login(fam["user"]).get(reverse("wallet:pooling"))
    offered = [value for value, _label in response.context["form"].fields["relative"].choices]
    assert sibling.pk in offered and "Not offered, and why" not in response.content.decode()
