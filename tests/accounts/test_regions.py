"""Regions (W1, W3, P2, F2 flags): 31 provinces seeded by a migration, with the flags."""

import pytest

from accounts.models import Province, Region
from accounts.regions import PROVINCES, seed_regions
from tests.factories import chengdu, chongqing, guangzhou

pytestmark = pytest.mark.django_db

W3 = {"河北省", "山西省", "黑龙江省", "上海市", "安徽省", "福建省", "山东省", "河南省",
      "广西壮族自治区", "四川省", "西藏自治区", "甘肃省", "新疆维吾尔自治区"}  # fmt: skip


def test_all_31_mainland_provinces_are_seeded_with_cities():
    assert Province.objects.count() == 31
    assert not Province.objects.filter(regions__isnull=True).exists()
    assert Region.objects.count() >= 80
    assert Region.objects.filter(province__code="51").count() >= 6  # demo: Sichuan
    assert Region.objects.filter(province__code="44").count() >= 5  # demo: Guangdong


def test_province_flags_follow_the_rules():
    not_live = set(Province.objects.filter(wallet_live=False).values_list("name", flat=True))
    assert not_live == {"广东省"}  # W1
    w3 = set(Province.objects.filter(usage_location_change=True).values_list("name", flat=True))
    assert w3 == W3
    required = Province.objects.filter(designated_facility_required=True)
    assert list(required.values_list("code", flat=True)) == ["44"]  # F2
    assert not Province.objects.filter(cross_province_pooling__isnull=False).exists()  # P2


def test_seeding_again_adds_nothing_and_keeps_edited_flags():
    Province.objects.filter(code="44").update(wallet_live=True)
    assert seed_regions(Province, Region) == 0
    assert Province.objects.get(code="44").wallet_live is True


def test_factories_find_the_seeded_regions():
    assert chongqing().code == "500100" and str(chongqing()) == "重庆市"
    assert guangzhou().province.designated_facility_required
    assert str(chengdu()) == "四川省 成都市"
    assert Province.objects.count() == len(PROVINCES)
