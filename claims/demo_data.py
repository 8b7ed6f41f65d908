"""The demo's reference data: regions, facilities (F1), the chronic and special
disease list (C5) and regional policies (C3, C4). Examples to seed, not facts to
hard-code: everything lands in admin-editable rows."""

from accounts.models import InsuranceType
from claims.models import CareType

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
