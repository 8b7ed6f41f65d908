"""The directory for families (D1): by name, code or pinyin initials, this
year's edition or last year's, with the class, the part paid first where the
family member is insured, the price limit and the region's rates."""

from decimal import Decimal

import pytest

from claims.models import DirectoryItem
from core import clock
from core.pinyin import initials
from tests.claims.factories import CHONGQING_RESIDENT, directory, policy
from tests.factories import InsuredPersonFactory, chengdu

URL = "/claims/directory/"


@pytest.fixture
def items(cq):
    this_year = directory(2026, items={})
    last_year = directory(2025, items={})
    DirectoryItem.objects.create(
        version=this_year, code="D0001", name="阿莫西林胶囊 0.25g×24粒", kind="drug",
        item_class="A", price_limit=Decimal("12.00"),
    )  # fmt: skip
    DirectoryItem.objects.create(
        version=this_year, code="D0002", name="头孢克肟分散片", kind="drug", item_class="B",
    )  # fmt: skip
    DirectoryItem.objects.create(
        version=this_year, code="S0001", name="医疗美容激光祛斑", kind="service",
        item_class="OUT",
    )  # fmt: skip
    DirectoryItem.objects.create(
        version=last_year, code="D0002", name="头孢克肟分散片", kind="drug", item_class="OUT",
    )  # fmt: skip
    return cq


def test_initials_are_stored_with_the_name():
    assert initials("阿莫西林胶囊 0.25g×24粒") == "AMXLJN"
    assert initials("CT检查") == "CTJC"
    assert initials("头孢克肟") == "TBKW"  # second-level characters too


@pytest.mark.parametrize("query", ["阿莫", "d0001", "AMXL", "amxl"])
def test_found_by_name_code_or_pinyin_initials(items, user, user_client, query):
    InsuredPersonFactory(region=items, insurance_type="resident", user=user)
    page = user_client.get(URL, {"q": query}).content.decode()
    assert "阿莫西林胶囊" in page
    assert "头孢克肟" not in page


def test_class_self_pay_part_and_price_limit_in_the_members_region(items, user, user_client):
    """D1 with C1: class B pays the region's share first (here 10 %), class C
    all of it; the limit is shown; the region's rates by care type."""
    InsuredPersonFactory(region=items, insurance_type="resident", user=user)
    page = user_client.get(URL, {"q": "D000"}).content.decode()
    assert "甲" in page and "乙" in page
    assert "¥12.00" in page
    assert "10%" in page
    assert "60%" in page or "0–60%" in page  # general outpatient by tier (C4)


def test_last_years_edition(items, user, user_client):
    """D1: last year the item was class C (all self-pay)."""
    InsuredPersonFactory(region=items, insurance_type="resident", user=user)
    page = user_client.get(URL, {"q": "TBKW", "year": "2025"}).content.decode()
    assert "丙" in page and "100%" in page
    page = user_client.get(URL, {"q": "TBKW", "year": "2026"}).content.decode()
    assert "乙" in page and "10%" in page


def test_a_member_insured_elsewhere_sees_their_regions_share(items, user, user_client):
    """D1, C1: the class-B share is the insured region's own (Chengdu: 15 %)."""
    policy(chengdu(), rules=CHONGQING_RESIDENT, class_b_share="15")
    InsuredPersonFactory(region=chengdu(), insurance_type="resident", user=user)
    page = user_client.get(URL, {"q": "TBKW"}).content.decode()
    assert "15%" in page


def test_the_claims_area_links_to_the_directory(user_client, cq):
    page = user_client.get("/claims/reimbursements/").content.decode()
    assert URL in page
    assert user_client.get(URL).status_code == 200


def test_a_year_out_of_range_is_not_searched(items, user_client):
    response = user_client.get(URL, {"q": "阿莫", "year": str(clock.localdate().year - 5)})
    assert response.status_code == 200
    assert "阿莫西林胶囊" not in response.content.decode()


def test_the_search_costs_the_same_queries_for_one_item_or_fifty(
    items, user, user_client, django_assert_num_queries
):
    """D1: the page's queries do not grow with the items found."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    InsuredPersonFactory(region=items, insurance_type="resident", user=user)
    with CaptureQueriesContext(connection) as one:
        user_client.get(URL, {"q": "D0001"})
    count = len(one)  # now: the next request clears the connection's log
    version = DirectoryItem.objects.filter(code="D0001").first().version
    for n in range(60):
        DirectoryItem.objects.create(
            version=version, code=f"D9{n:03d}", name=f"药品{n}", kind="drug", item_class="B"
        )
    with django_assert_num_queries(count):
        page = user_client.get(URL, {"q": "D9"}).content.decode()
    assert page.count("D9") >= 50
