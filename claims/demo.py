"""Demo data for claims (safe to run again): facilities for the demo regions (F1),
the directory (C1, this year's and last year's editions), regional policies
(C3, C4: the Chongqing example, Chengdu and Guangzhou), the chronic and special
disease list (C5), commercial plans (T3), and a few settled bills for the demo
family."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from accounts.models import Facility, InsuranceType, Province, Region
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

FIXTURES = Path(__file__).resolve().parent / "fixtures"

PROVINCES = {
    # code: (name, English name, wallet live, usage-location change, designated required)
    "50": ("重庆市", "Chongqing", True, False, False),
    "51": ("四川省", "Sichuan", True, True, False),
    "44": ("广东省", "Guangdong", False, False, True),
}
REGIONS = {
    "500100": ("50", "重庆市", "Chongqing"),
    "510100": ("51", "成都市", "Chengdu"),
    "440100": ("44", "广州市", "Guangzhou"),
}

# code, name, region, tier (None: pharmacy), flags: outpatient pooling,
# designated outpatient, cross-province direct, chronic settlement, wallet payment.
# Facilities the people demo also seeds keep its codes (H500100001 …): whichever
# demo runs first creates them, the other leaves them as they are.
FACILITIES = [
    (
        "H500100001",
        "重庆市渝中区大坪街道社区卫生服务中心",
        "500100",
        1,
        "1 1 0 1 1",
        "渝中区大坪正街 88 号",
    ),
    ("H500100004", "重庆医科大学附属第一医院", "500100", 3, "1 0 1 1 1", "渝中区袁家岗友谊路1号"),
    ("CQ-H3-02", "重庆市人民医院", "500100", 3, "1 0 1 1 1", "渝中区枇杷山正街116号"),
    (
        "CQ-H3-03",
        "陆军军医大学第一附属医院（西南医院）",
        "500100",
        3,
        "1 0 1 1 0",
        "沙坪坝区高滩岩正街30号",
    ),
    ("CQ-H2-01", "重庆市第五人民医院", "500100", 2, "1 1 1 1 1", "南岸区仁济路24号"),
    ("H500100003", "重庆市渝中区人民医院", "500100", 2, "1 1 0 1 1", "渝中区健康路1号"),
    ("CQ-H2-03", "重庆市九龙坡区第一人民医院", "500100", 2, "1 1 0 0 0", "九龙坡区杨家坪西郊路"),
    ("CQ-H1-01", "渝中区七星岗街道社区卫生服务中心", "500100", 1, "1 1 0 1 1", "渝中区中山一路"),
    (
        "H500100002",
        "重庆市江北区观音桥街道社区卫生服务中心",
        "500100",
        1,
        "1 1 0 1 1",
        "江北区建新北路",
    ),
    (
        "CQ-H1-03",
        "沙坪坝区小龙坎街道社区卫生服务中心",
        "500100",
        1,
        "1 1 0 0 0",
        "沙坪坝区小龙坎正街",
    ),
    ("P500100001", "重庆桐君阁大药房（解放碑店）", "500100", None, "1 0 0 0 1", "渝中区民权路"),
    ("CQ-P-02", "和平药房（观音桥店）", "500100", None, "1 0 0 1 1", "江北区观音桥步行街"),
    ("CQ-P-03", "鑫斛药房（沙坪坝店）", "500100", None, "0 0 0 0 1", "沙坪坝区三峡广场"),
    ("H510100003", "四川大学华西医院", "510100", 3, "1 0 1 1 1", "武侯区国学巷37号"),
    ("CD-H3-02", "四川省人民医院", "510100", 3, "1 0 1 1 1", "青羊区一环路西二段32号"),
    ("CD-H3-03", "成都市第三人民医院", "510100", 3, "1 0 1 1 0", "青羊区青龙街82号"),
    ("CD-H2-01", "成都市武侯区人民医院", "510100", 2, "1 1 1 1 1", "武侯区广福桥街"),
    ("CD-H2-02", "成都市新都区人民医院", "510100", 2, "1 1 0 0 1", "新都区上南街"),
    ("H510100001", "成都市武侯区玉林社区卫生服务中心", "510100", 1, "1 1 0 1 1", "武侯区玉林北路"),
    ("CD-H1-02", "锦江区书院街街道社区卫生服务中心", "510100", 1, "1 1 1 1 1", "锦江区书院西街"),
    ("P510100001", "成都老百姓大药房（春熙路店）", "510100", None, "1 0 1 1 1", "锦江区春熙路"),
    ("CD-P-02", "一心堂（玉林店）", "510100", None, "1 0 0 0 1", "武侯区玉林南路"),
    ("H440100003", "中山大学附属第一医院", "440100", 3, "1 1 1 1 0", "越秀区中山二路58号"),
    ("GZ-H3-02", "广东省人民医院", "440100", 3, "1 1 1 1 0", "越秀区中山二路106号"),
    ("GZ-H3-03", "广州市第一人民医院", "440100", 3, "1 0 1 1 0", "越秀区盘福路1号"),
    ("GZ-H2-01", "广州市越秀区儿童医院", "440100", 2, "1 1 0 0 0", "越秀区诗书路"),
    ("GZ-H2-02", "广州市海珠区第二人民医院", "440100", 2, "1 1 0 1 0", "海珠区南洲路"),
    ("H440100001", "广州市越秀区北京街社区卫生服务中心", "440100", 1, "1 1 0 1 0", "越秀区北京路"),
    ("GZ-H1-02", "海珠区南华西街社区卫生服务中心", "440100", 1, "1 1 0 0 0", "海珠区同福西路"),
    ("GZ-P-01", "大参林（北京路店）", "440100", None, "1 0 0 0 0", "越秀区北京路"),
    ("GZ-P-02", "采芝林（中山五路店）", "440100", None, "1 0 1 1 0", "越秀区中山五路"),
]

# C5: the cross-province list (five since 2021, five more since 2024) and a few
# diseases only recognised locally.
DISEASES = [
    ("MT01", "高血压", "Hypertension", 2021),
    ("MT02", "糖尿病", "Diabetes", 2021),
    ("MT03", "恶性肿瘤门诊放化疗", "Outpatient radio/chemotherapy for cancer", 2021),
    ("MT04", "尿毒症透析", "Uraemia dialysis", 2021),
    ("MT05", "器官移植术后抗排异治疗", "Anti-rejection treatment after transplant", 2021),
    ("MT06", "慢性阻塞性肺疾病", "Chronic obstructive pulmonary disease (COPD)", 2024),
    ("MT07", "病毒性肝炎", "Viral hepatitis", 2024),
    ("MT08", "冠心病", "Coronary heart disease", 2024),
    ("MT09", "类风湿关节炎", "Rheumatoid arthritis", 2024),
    ("MT10", "强直性脊柱炎", "Ankylosing spondylitis", 2024),
    ("MT11", "精神分裂症", "Schizophrenia", None),
    ("MT12", "帕金森病", "Parkinson's disease", None),
    ("MT13", "系统性红斑狼疮", "Systemic lupus erythematosus", None),
]

# Policy rules: care type -> {tier: (deductible, rate %, annual cap or None)};
# tier 0 is pharmacies. Inpatient deductibles are per admission.
# C4 (the Chongqing residents' example): general outpatient 60/40/0 % by tier with a
# 300 cap (the lower contribution level); recognised chronic disease 40–55 % with a
# higher cap; inpatient deductible 100/300/800, rate 80/70/50 %.
POLICIES = {
    ("500100", InsuranceType.RESIDENT): {
        "class_b_share": "10",
        CareType.GENERAL_OUTPATIENT: {
            0: (0, 60, 300),
            1: (0, 60, 300),
            2: (0, 40, 300),
            3: (0, 0, 300),
        },
        CareType.CHRONIC_OUTPATIENT: {
            0: (0, 50, 4000),
            1: (0, 55, 4000),
            2: (0, 50, 4000),
            3: (0, 40, 4000),
        },
        CareType.INPATIENT: {1: (100, 80, 150000), 2: (300, 70, 150000), 3: (800, 50, 150000)},
    },
    ("500100", InsuranceType.EMPLOYEE): {
        "class_b_share": "10",
        CareType.GENERAL_OUTPATIENT: {
            0: (200, 70, 2000),
            1: (200, 80, 2000),
            2: (200, 70, 2000),
            3: (200, 60, 2000),
        },
        CareType.CHRONIC_OUTPATIENT: {
            0: (0, 80, 8000),
            1: (0, 85, 8000),
            2: (0, 80, 8000),
            3: (0, 75, 8000),
        },
        CareType.INPATIENT: {1: (200, 90, 400000), 2: (500, 87, 400000), 3: (800, 85, 400000)},
    },
    ("510100", InsuranceType.RESIDENT): {
        "class_b_share": "8",
        CareType.GENERAL_OUTPATIENT: {
            0: (0, 50, 500),
            1: (0, 55, 500),
            2: (0, 45, 500),
            3: (0, 30, 500),
        },
        CareType.CHRONIC_OUTPATIENT: {
            0: (0, 55, 5000),
            1: (0, 60, 5000),
            2: (0, 55, 5000),
            3: (0, 50, 5000),
        },
        CareType.INPATIENT: {1: (100, 85, 150000), 2: (400, 75, 150000), 3: (800, 55, 150000)},
    },
    ("510100", InsuranceType.EMPLOYEE): {
        "class_b_share": "8",
        CareType.GENERAL_OUTPATIENT: {
            0: (200, 70, 3000),
            1: (200, 80, 3000),
            2: (200, 70, 3000),
            3: (200, 60, 3000),
        },
        CareType.CHRONIC_OUTPATIENT: {
            0: (0, 80, 8000),
            1: (0, 85, 8000),
            2: (0, 80, 8000),
            3: (0, 75, 8000),
        },
        CareType.INPATIENT: {1: (200, 90, 400000), 2: (500, 88, 400000), 3: (800, 85, 400000)},
    },
    ("440100", InsuranceType.RESIDENT): {
        "class_b_share": "10",
        CareType.GENERAL_OUTPATIENT: {
            0: (0, 50, 600),
            1: (0, 70, 600),
            2: (0, 60, 600),
            3: (0, 50, 600),
        },
        CareType.CHRONIC_OUTPATIENT: {
            0: (0, 60, 6000),
            1: (0, 70, 6000),
            2: (0, 65, 6000),
            3: (0, 60, 6000),
        },
        CareType.INPATIENT: {1: (200, 85, 200000), 2: (500, 75, 200000), 3: (1000, 60, 200000)},
    },
    ("440100", InsuranceType.EMPLOYEE): {
        "class_b_share": "10",
        CareType.GENERAL_OUTPATIENT: {
            0: (0, 60, 3000),
            1: (0, 75, 3000),
            2: (0, 70, 3000),
            3: (0, 65, 3000),
        },
        CareType.CHRONIC_OUTPATIENT: {
            0: (0, 75, 9000),
            1: (0, 85, 9000),
            2: (0, 80, 9000),
            3: (0, 75, 9000),
        },
        CareType.INPATIENT: {1: (300, 90, 500000), 2: (500, 88, 500000), 3: (1000, 85, 500000)},
    },
}


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
        this_year = timezone.localdate().year
        years = [this_year - 1, this_year]
    ClaimsSettings.current()  # commercial plans: seeded by migration 0002
    load_facilities()
    load_directory(years=years)
    load_policies(years=years)
    load_diseases()


def _demo_family() -> dict | None:
    try:
        from accounts.demo import demo_family
    except ImportError:  # the people demo is not there (yet): no family bills
        return None
    return demo_family()


def load_family_bills() -> None:
    """A few settled bills for the demo family (idempotent by reference)."""
    from claims.services.bills import bill_create, bill_settle
    from claims.services.chronic import recognition_apply, recognition_approve

    family = _demo_family()
    if not family:
        return
    today = timezone.localdate()
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
