"""The cost estimate's item picker in a real browser: typing part of a name asks
the portal for the matching directory items (htmx) and offers them as the input's
suggestions; the page never carries the whole directory."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Facility
from claims.demo import load_reference_data
from tests.e2e.test_claims_flow import log_in
from tests.factories import InsuredPersonFactory, chongqing


@pytest.mark.django_db(transaction=True)
def test_typing_an_item_name_offers_matching_items_and_the_estimate_uses_them(
    live_server, page: Page
):
    today = timezone.localdate()
    load_reference_data(years=[today.year])
    user = get_user_model().objects.create_user("lihua", password="Family-2026-pw")
    me = InsuredPersonFactory(region=chongqing(), insurance_type="resident", user=user)
    clinic = Facility.objects.filter(region=me.region, tier=1).first()
    log_in(page, live_server.url, "lihua", "Family-2026-pw")
    page.goto(f"{live_server.url}/claims/estimate/")
    assert page.locator("#directory-items option").count() == 0
    code = page.locator("#id_line-0-code")
    with page.expect_response(lambda r: "/claims/estimate/items/" in r.url):
        code.press_sequentially("阿莫西林", delay=30)
    options = page.locator("#directory-items option")
    expect(options.first).to_have_attribute("value", "D0001")
    expect(options.first).to_contain_text("阿莫西林胶囊")
    code.fill("D0001")
    page.get_by_label("患者").select_option(str(me.pk))
    page.get_by_label("机构").select_option(str(clinic.pk))
    page.get_by_role("button", name="测算").click()
    expect(page.get_by_text("按当前情况", exact=True)).to_be_visible()
