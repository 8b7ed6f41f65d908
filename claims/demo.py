"""Demo data for claims (safe to run again): facilities for the demo regions (F1),
the directory (C1, this year's and last year's editions), regional policies
(C3, C4: the Chongqing example, Chengdu and Guangzhou), the chronic and special
disease list (C5), commercial plans (T3), and a few settled bills for the demo
family."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from accounts.models import Facility, Province, Region
from claims.demo_data import DISEASES, FACILITIES, POLICIES, PROVINCES, REGIONS
from claims.models import (
    Bill,
    CareType,
    ChronicRecognition,
    ClaimsSettings,
    DirectoryVersion,
    Disease,
    PolicyRule,
    RegionalPolicy,
    Visit,
)
from core import clock

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def region(code: str) -> Region:
    """The demo region with this code, created if the people demo has not."""
    province_code, name, name_en = REGIONS[code]
    p_name, p_en, live, change, designated = PROVINCES[province_code]
    province, _created = Province.objects.get_or_create(
        code=province_code,
        defaults={
            "name": p_name,
            "name_en": p_en,
            "wallet_live": live,
            "usage_location_change": change,
            "designated_facility_required": designated,
        },
    )
    found, _created = Region.objects.get_or_create(
        code=code, defaults={"province": province, "name": name, "name_en": name_en}
    )
    return found


def load_facilities() -> None:
    regions = {code: region(code) for code in REGIONS}
    for code, name, region_code, tier, flags, address in FACILITIES:
        pooling, designated, cross, chronic, wallet = (f == "1" for f in flags.split())
        Facility.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "region": regions[region_code],
                "kind": Facility.Kind.HOSPITAL if tier else Facility.Kind.PHARMACY,
                "tier": tier,
                "address": address,
                "outpatient_pooling": pooling,
                "designated_outpatient": designated,
                "cross_province_direct": cross,
                "chronic_settlement": chronic,
                "wallet_payment": wallet,
            },
        )


def load_directory(*, years: list[int]) -> None:
    """This year's edition from the fixture; last year's without the items new
    this year (C1: the directory changes every year)."""
    from claims.services.imports import directory_import

    text = (FIXTURES / "directory.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    header, rows = lines[0], lines[1:]
    newest = max(years)
    for year in years:
        version, created = DirectoryVersion.objects.get_or_create(
            effective_from=datetime.date(year, 1, 1), defaults={"name": f"{year} 年版"}
        )
        if not created and version.items.exists():
            continue
        keep = rows if year == newest else [r for r in rows if not r.endswith(",new")]
        directory_import(version=version, data="\n".join([header, *keep]), acting_user=None)


def load_policies(*, years: list[int]) -> None:
    for (region_code, insurance_type), spec in POLICIES.items():
        place = region(region_code)
        for year in years:
            policy, _created = RegionalPolicy.objects.get_or_create(
                region=place,
                year=year,
                defaults={"class_b_share": Decimal(spec["class_b_share"])},
            )
            for care_type in CareType.values:
                for tier, (deductible, rate, cap) in spec[care_type].items():
                    PolicyRule.objects.get_or_create(
                        policy=policy,
                        insurance_type=insurance_type,
                        care_type=care_type,
                        tier=tier,
                        defaults={
                            "deductible": Decimal(deductible),
                            "rate": Decimal(rate),
                            "annual_cap": None if cap is None else Decimal(cap),
                            "deductible_scope": PolicyRule.DeductibleScope.BILL
                            if care_type == CareType.INPATIENT
                            else PolicyRule.DeductibleScope.YEAR,
                        },
                    )


def load_diseases() -> None:
    for code, name, name_en, since in DISEASES:
        Disease.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "cross_province": since is not None,
                "cross_province_since": since,
            },
        )


def load_reference_data(*, years: list[int] | None = None) -> None:
    """Everything but the demo family's bills (also used by tests and the bench)."""
    if years is None:
        this_year = clock.localdate().year
        years = [this_year - 1, this_year]
    ClaimsSettings.current()  # commercial plans: seeded by migration 0002
    load_facilities()
    load_directory(years=years)
    load_policies(years=years)
    load_diseases()


def _demo_family() -> dict | None:
    from accounts.demo import demo_family

    return demo_family()


def load_family_bills() -> None:
    """A few settled bills for the demo family (idempotent by reference)."""
    from claims.services.bills import bill_create, bill_settle
    from claims.services.chronic import recognition_apply, recognition_approve

    family = _demo_family()
    if not family:
        return
    today = clock.localdate()
    employee, parent, child = family.get("employee"), family.get("parent"), family.get("child")
    facilities = {f.code: f for f in Facility.objects.filter(code__in=[f[0] for f in FACILITIES])}
    hypertension = Disease.objects.get(code="MT01")

    if (
        parent is not None
        and not ChronicRecognition.objects.filter(person=parent, disease=hypertension).exists()
    ):
        recognition = recognition_apply(
            person=parent,
            disease=hypertension,
            hospital=facilities["H510100003"],
            diagnosis="原发性高血压 2级（高危）",
            acting_user=None,
        )
        recognition_approve(
            recognition=recognition,
            acting_user=None,
            valid_from=today.replace(month=1, day=1),
        )

    diabetes = Disease.objects.get(code="MT02")
    if (
        employee is not None
        and not ChronicRecognition.objects.filter(person=employee, disease=diabetes).exists()
    ):
        # C5: an application waiting for an administrator, as the family typed it.
        recognition_apply(
            person=employee,
            disease=diabetes,
            hospital=facilities["H500100003"],
            diagnosis="2型糖尿病，空腹血糖 8.1 mmol/L，二甲双胍治疗中",
            acting_user=employee.user,
        )

    def day(month: int, dom: int) -> datetime.date:
        candidate = datetime.date(today.year, month, dom)
        return candidate if candidate <= today else today

    plans = []
    if employee is not None:
        plans += [
            (
                "DEMO-ZW-1",
                employee,
                "CQ-H2-01",
                day(2, 12),
                Visit.OUTPATIENT,
                None,
                "急性上呼吸道感染",
                [
                    ("副主任医师门诊诊查费", 1, "20.00"),
                    ("血常规(五分类)", 1, "20.00"),
                    ("阿奇霉素片 0.25g×6片", 1, "19.90"),
                    ("连花清瘟胶囊 0.35g×24粒", 1, "14.80"),
                ],
            ),
            (
                "DEMO-ZW-2",
                employee,
                "P500100001",
                day(5, 3),
                Visit.OUTPATIENT,
                None,
                "",
                [("布洛芬缓释胶囊 0.3g×20粒", 2, "12.60"), ("复合维生素片 60片", 1, "98.00")],
            ),
        ]
    if parent is not None:
        plans += [
            (
                "DEMO-ZJG-1",
                parent,
                "H510100003",
                day(3, 8),
                Visit.OUTPATIENT,
                hypertension,
                "原发性高血压 复诊",
                [
                    ("主任医师门诊诊查费", 1, "30.00"),
                    ("缬沙坦胶囊 80mg×28粒", 2, "39.00"),
                    ("苯磺酸氨氯地平片 5mg×28片", 2, "26.00"),
                    ("动态血压监测", 1, "120.00"),
                ],
            ),
            (
                "DEMO-ZJG-2",
                parent,
                "H510100003",
                day(6, 20),
                Visit.INPATIENT,
                None,
                "冠状动脉粥样硬化性心脏病 支架植入",
                [
                    ("普通病房床位费", 6, "45.00"),
                    ("一级护理", 6, "26.00"),
                    ("住院诊查费", 6, "15.00"),
                    ("经皮冠状动脉支架植入术", 1, "4500.00"),
                    ("冠脉药物洗脱支架", 1, "798.00"),
                    ("冠脉球囊导管", 1, "320.00"),
                    ("氯吡格雷片 75mg×28片", 1, "58.00"),
                ],
            ),
            # F4 + C5: the father lives in Chongqing with a long-term registration
            # (the people demo files it today); hypertension recognised at home.
            (
                "DEMO-ZJG-3",
                parent,
                "H500100004",
                today,
                Visit.OUTPATIENT,
                hypertension,
                "原发性高血压 异地复诊",
                [
                    ("主任医师门诊诊查费", 1, "30.00"),
                    ("缬沙坦胶囊 80mg×28粒", 1, "39.00"),
                    ("血脂四项", 1, "36.00"),
                ],
            ),
        ]
    if child is not None:
        plans += [
            (
                "DEMO-ZXY-1",
                child,
                "H500100001",
                day(4, 15),
                Visit.OUTPATIENT,
                None,
                "急性支气管炎",
                [
                    ("普通门诊诊查费", 1, "10.00"),
                    ("血常规(五分类)", 1, "20.00"),
                    ("阿莫西林胶囊 0.25g×24粒", 1, "9.80"),
                    ("氨溴索口服溶液 100ml:0.6g", 1, "22.00"),
                ],
            ),
        ]
    version = DirectoryVersion.objects.filter(effective_from__lte=today).first()
    codes = (
        dict(
            version.items.filter(
                name__in=[name for plan in plans for name, _q, _p in plan[7]]
            ).values_list("name", "code")
        )
        if version
        else {}
    )
    existing = set(
        Bill.objects.filter(reference__in=[p[0] for p in plans]).values_list("reference", flat=True)
    )
    for ref, person, facility_code, when, visit, disease, diagnosis, lines in plans:
        if ref in existing:
            continue
        bill = bill_create(
            person=person,
            facility=facilities[facility_code],
            service_date=when,
            visit=visit,
            disease=disease,
            diagnosis=diagnosis,
            lines=[
                {
                    "code": codes.get(name, name),
                    "name": name,
                    "quantity": Decimal(q),
                    "unit_price": Decimal(price),
                }
                for name, q, price in lines
            ],
            entered_by=None,
            reference=ref,
        )
        bill_settle(bill=bill, acting_user=None, settled_on=when)


def load() -> None:
    load_reference_data()
    load_family_bills()
