"""factory_boy factories shared by every app's tests."""

import datetime
import re

import factory
from django.contrib.auth import get_user_model

from accounts import national_id
from accounts.models import (
    Facility,
    InsuranceType,
    InsuredPerson,
    Province,
    Region,
    Relationship,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("Test-pass-2026")


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = "50"
    name = "重庆市"
    name_en = "Chongqing"
    wallet_live = True


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    province = factory.SubFactory(ProvinceFactory)
    code = factory.LazyAttribute(lambda o: f"{o.province.code}0100")
    name = factory.LazyAttribute(lambda o: o.province.name)
    name_en = factory.LazyAttribute(lambda o: o.province.name_en)


def chongqing() -> Region:
    return RegionFactory(province=ProvinceFactory(code="50", name="重庆市", name_en="Chongqing"))


def guangzhou() -> Region:
    province = ProvinceFactory(
        code="44",
        name="广东省",
        name_en="Guangdong",
        wallet_live=False,
        designated_facility_required=True,
    )
    return RegionFactory(province=province, code="440100", name="广州市", name_en="Guangzhou")


def chengdu() -> Region:
    province = ProvinceFactory(
        code="51", name="四川省", name_en="Sichuan", usage_location_change=True
    )
    return RegionFactory(province=province, code="510100", name="成都市", name_en="Chengdu")


class InsuredPersonFactory(factory.django.DjangoModelFactory):
    """A valid person; pass `born=date(...)` and `sex="F"` to shape the ID number."""

    class Meta:
        model = InsuredPerson

    class Params:
        born = datetime.date(1985, 6, 15)
        sex = "M"

    name = factory.Sequence(lambda n: f"测试{n}")
    region = factory.SubFactory(RegionFactory)
    # 500 numbers per birth date, sex and address code: past them the address
    # code's last two digits change, never the birth date a test asked for (a
    # long test run used to shift it by a day and make an adult a minor).
    national_id = factory.LazyAttributeSequence(
        lambda o, n: national_id.make(
            o.region.code if n < 500 else f"{o.region.code[:4]}{(n // 500) % 100:02d}",
            o.born,
            n % 500,
            o.sex,
        )
    )
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    insurance_type = InsuranceType.EMPLOYEE


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    code = factory.Sequence(lambda n: f"H{n:06d}")
    name = factory.Sequence(lambda n: f"第{n}人民医院")
    region = factory.SubFactory(RegionFactory)
    kind = Facility.Kind.HOSPITAL
    tier = 2
    designated_outpatient = True
    wallet_payment = True


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relationship

    person_a = factory.SubFactory(InsuredPersonFactory, born=datetime.date(1955, 1, 1))
    person_b = factory.SubFactory(InsuredPersonFactory)
    kind = "parent"


NOWRAP = re.compile(r'<span class="nowrap">([^<]*)</span>')


def plain(html: str) -> str:
    """A page's HTML with the one-line spans around amounts, dates and ID
    numbers taken away, so that tests read the sentence a family reads."""
    return NOWRAP.sub(r"\1", html)
