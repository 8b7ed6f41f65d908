"""Bills in plain words: a bill is named by its facility and day, items by
their names and 甲类/乙类/丙类, each term explained once in a sentence, and
the bills list says what the family's year came to."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.models import DependentBinding
from claims import exports
from claims.selectors import annual_summary
from tests.claims.factories import policy, settle
from tests.factories import FacilityFactory, InsuredPersonFactory, guangzhou, plain

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def family(cq, user):
    me = InsuredPersonFactory(region=cq, insurance_type="employee", user=user)
    parent = InsuredPersonFactory(region=cq, insurance_type="resident")
    DependentBinding.objects.create(user=user, person=parent, relation="parent", status="active")
    hospital = FacilityFactory(region=cq, tier=2, name="重庆市第五人民医院")
    bills = [
        settle(parent, hospital, [("A100", 1, "100.00"), ("X100", 1, "30.00")], day=day)
        for day in (datetime.date(2026, 5, 2), datetime.date(2026, 5, 9))
    ]
    return {"me": me, "parent": parent, "hospital": hospital, "bills": bills}


def test_a_bill_is_named_by_its_facility_and_day_with_its_words_explained(user_client, family):
    html = user_client.get(family["bills"][0].get_absolute_url()).content.decode()
    assert "<title>重庆市第五人民医院 2026-05-02 ·" in html
    h1 = html.split("<h1>")[1].split("</h1>")[0]
    assert "重庆市第五人民医院" in h1 and "2026-05-02" in h1
    assert family["bills"][0].reference not in h1  # the reference is a fact below
    # The figures come right after the title, before the facts.
    lead = html.split('<p class="lead">')[1].split("</p>")[0]
    assert plain(lead) == "共 ¥130.00：医保基金支付 ¥40.00，个人支付 ¥90.00。"
    # The receipt's words for the classes, never the stored letter.
    assert '<td data-label="类别">甲类</td>' in html
    assert '<td data-label="类别">丙类</td>' in html
    for sentence in ("乙类：", "符合范围：", "限价：", "自费："):
        assert sentence in html


def test_in_english_the_classes_are_a_b_and_c(user_client, family, english):
    english(user_client)
    html = user_client.get(family["bills"][0].get_absolute_url()).content.decode()
    assert ">Class A</td>" in html and ">Class C</td>" in html
    assert "Class-B first-pay: " not in html  # said once, in the class B sentence
    assert "Price limit: the most the fund recognises" in html


def test_the_estimate_lists_the_items_by_name(user_client, family):
    query = {
        "person": family["parent"].pk,
        "facility": family["hospital"].pk,
        "visit": "outpatient",
        "disease": "",
        "day": "2026-06-01",
        "line-TOTAL_FORMS": "1",
        "line-INITIAL_FORMS": "0",
        "line-0-code": "A100",
        "line-0-quantity": "2",
        "line-0-unit_price": "",
    }
    html = user_client.get(reverse("claims:estimate"), query).content.decode()
    assert '<td class="lead-cell">item A100</td>' in html
    assert "符合范围：" in html


def test_the_bills_list_says_what_the_familys_year_came_to(user_client, family):
    html = user_client.get(reverse("claims:bills"), {"year": 2026}).content.decode()
    # Two bills of 130.00: 260.00; the fund paid 40 % of the class A 100.00 twice.
    assert '已结算 2 笔，共 <span class="nowrap">¥260.00</span>' in html
    assert '医保基金支付 <span class="nowrap">¥80.00</span>' in html


def test_exports_name_the_count_as_the_page_does_and_say_yuan_once(user_client, family):
    parent = family["parent"]
    csv = user_client.get(reverse("claims:summary_csv", args=[parent.pk, 2026]))
    text = csv.content.decode("utf-8-sig")
    assert "已结算单据,2" in text and "医疗费用,2" not in text
    summary = annual_summary(person=parent, year=2026)
    story = exports.summary_story(summary, parent.bills.select_related("facility"))
    words = [
        "".join(frag.text for frag in flowable.frags)
        for flowable in story
        if hasattr(flowable, "frags")
    ]
    sentence = next(w for w in words if "大病医疗专项附加扣除" in w)
    assert "元" not in sentence and "¥" in sentence  # "¥15,000.00 元" no more


def test_a_bill_refused_for_the_designated_facility_offers_to_choose_one(user_client, user):
    """F2: a Guangdong resident's general-outpatient bill at a facility that is
    not their designated one; the page offers the choice right there."""
    region = guangzhou()
    policy(region, rules={("general_outpatient", 1): (0, 70, 600)})
    parent = InsuredPersonFactory(region=region, insurance_type="resident")
    DependentBinding.objects.create(user=user, person=parent, relation="parent", status="active")
    bill = settle(parent, FacilityFactory(region=region, tier=1), [("A100", 1, "100.00")])
    assert "F2-01" in bill.reasons
    html = user_client.get(bill.get_absolute_url()).content.decode()
    assert reverse("accounts:facility_choose", args=[parent.pk]) in html
    assert f"为{parent.name}选择定点门诊机构" in html


def test_the_home_page_keeps_deductible_and_cap_one_tap_away(user_client, family):
    html = user_client.get(reverse("home")).content.decode()
    details = html.split('<details class="care-glance extra">')[1].split("</details>")[0]
    assert "<summary>起付线与年度封顶线</summary>" in details
    assert "起付线" in details.split("</summary>")[1]
