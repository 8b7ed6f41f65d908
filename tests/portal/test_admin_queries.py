"""Every admin list, add and change page costs a bounded number of queries,
whatever the number of regions, facilities or rows: a choice list (regions name
their province, facilities their region) must not read one row per option."""

import contextlib

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from accounts.models import Facility, Region

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

MAX_QUERIES = 25


def _pages(model) -> list[str]:
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"
    pages = [reverse(f"{name}_changelist")]
    with contextlib.suppress(NoReverseMatch):  # an admin without an add page
        pages.append(reverse(f"{name}_add"))
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        pages.append(reverse(f"{name}_change", args=[obj.pk]))
    return pages


def test_every_admin_page_costs_at_most_25_queries(admin_client):
    # The demo: the regions of the 31 provinces (92), the demo family with their
    # bills, wallets, transfers, registrations, recognitions and settings.
    call_command("seed_demo", verbosity=0)
    assert Region.objects.count() > 80 and Facility.objects.count() > 10
    costs = {}
    for model in admin.site._registry:
        for url in _pages(model):
            with CaptureQueriesContext(connection) as queries:
                response = admin_client.get(url)
            assert response.status_code in (200, 302, 403), url
            costs[url] = len(queries.captured_queries)
    too_many = {url: n for url, n in costs.items() if n > MAX_QUERIES}
    assert not too_many, too_many
    # The pages with region or facility choices are among them.
    for name in (
        "claims_regionalpolicy_add",
        "wallet_premiumrate_add",
        "wallet_contributionrate_add",
        "accounts_designatedfacilitychoice_add",
        "claims_chronicrecognition_add",
    ):
        assert reverse(f"admin:{name}") in costs, name
