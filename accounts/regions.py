"""Reference data: the 31 mainland province-level divisions and their cities /
pooling areas (统筹区), with GB/T 2260 codes and the flags other rules read.

Every install needs these rows, so a data migration seeds them (and the demo
loader calls `seed_regions` again, which only adds what is missing and never
overwrites flags an administrator has edited).

Flags (RULES.md, per province, editable in the admin):
- W1 wallet live everywhere except Guangdong.
- W3 change of usage location in the 13 provinces the sources name.
- F2 designated outpatient facility required in Guangdong.
- P2 cross-province pooling override left empty: the national setting applies.

The three direct-administered municipalities on the list (Beijing, Tianjin,
Shanghai, Chongqing) are one pooling area each, stored as a region named like the
province.
"""

WALLET_NOT_LIVE = {"44"}  # W1: Guangdong
USAGE_LOCATION_CHANGE = {  # W3: the 13 provinces the sources name
    "13",  # Hebei
    "14",  # Shanxi
    "23",  # Heilongjiang
    "31",  # Shanghai
    "34",  # Anhui
    "35",  # Fujian
    "37",  # Shandong
    "41",  # Henan
    "45",  # Guangxi
    "51",  # Sichuan
    "54",  # Tibet
    "62",  # Gansu
    "65",  # Xinjiang
}
DESIGNATED_FACILITY_REQUIRED = {"44"}  # F2: Guangdong

# (code, name, English name, [(region code, name, English name), ...])
PROVINCES: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    ("11", "北京市", "Beijing", [("110100", "北京市", "Beijing")]),
    ("12", "天津市", "Tianjin", [("120100", "天津市", "Tianjin")]),
    (
        "13",
        "河北省",
        "Hebei",
        [
            ("130100", "石家庄市", "Shijiazhuang"),
            ("130200", "唐山市", "Tangshan"),
            ("130400", "邯郸市", "Handan"),
            ("130600", "保定市", "Baoding"),
        ],
    ),
    (
        "14",
        "山西省",
        "Shanxi",
        [
            ("140100", "太原市", "Taiyuan"),
            ("140200", "大同市", "Datong"),
            ("140800", "运城市", "Yuncheng"),
        ],
    ),
    (
        "15",
        "内蒙古自治区",
        "Inner Mongolia",
        [
            ("150100", "呼和浩特市", "Hohhot"),
            ("150200", "包头市", "Baotou"),
            ("150400", "赤峰市", "Chifeng"),
        ],
    ),
    (
        "21",
        "辽宁省",
        "Liaoning",
        [
            ("210100", "沈阳市", "Shenyang"),
            ("210200", "大连市", "Dalian"),
            ("210300", "鞍山市", "Anshan"),
        ],
    ),
    (
        "22",
        "吉林省",
        "Jilin",
        [
            ("220100", "长春市", "Changchun"),
            ("220200", "吉林市", "Jilin City"),
            ("222400", "延边朝鲜族自治州", "Yanbian"),
        ],
    ),
    (
        "23",
        "黑龙江省",
        "Heilongjiang",
        [
            ("230100", "哈尔滨市", "Harbin"),
            ("230200", "齐齐哈尔市", "Qiqihar"),
            ("230600", "大庆市", "Daqing"),
        ],
    ),
    ("31", "上海市", "Shanghai", [("310100", "上海市", "Shanghai")]),
    (
        "32",
        "江苏省",
        "Jiangsu",
        [
            ("320100", "南京市", "Nanjing"),
            ("320200", "无锡市", "Wuxi"),
            ("320300", "徐州市", "Xuzhou"),
            ("320500", "苏州市", "Suzhou"),
        ],
    ),
    (
        "33",
        "浙江省",
        "Zhejiang",
        [
            ("330100", "杭州市", "Hangzhou"),
            ("330200", "宁波市", "Ningbo"),
            ("330300", "温州市", "Wenzhou"),
            ("330700", "金华市", "Jinhua"),
        ],
    ),
    (
        "34",
        "安徽省",
        "Anhui",
        [
            ("340100", "合肥市", "Hefei"),
            ("340200", "芜湖市", "Wuhu"),
            ("340300", "蚌埠市", "Bengbu"),
        ],
    ),
    (
        "35",
        "福建省",
        "Fujian",
        [
            ("350100", "福州市", "Fuzhou"),
            ("350200", "厦门市", "Xiamen"),
            ("350500", "泉州市", "Quanzhou"),
        ],
    ),
    (
        "36",
        "江西省",
        "Jiangxi",
        [
            ("360100", "南昌市", "Nanchang"),
            ("360400", "九江市", "Jiujiang"),
            ("360700", "赣州市", "Ganzhou"),
        ],
    ),
    (
        "37",
        "山东省",
        "Shandong",
        [
            ("370100", "济南市", "Jinan"),
            ("370200", "青岛市", "Qingdao"),
            ("370600", "烟台市", "Yantai"),
            ("370700", "潍坊市", "Weifang"),
        ],
    ),
    (
        "41",
        "河南省",
        "Henan",
        [
            ("410100", "郑州市", "Zhengzhou"),
            ("410300", "洛阳市", "Luoyang"),
            ("410700", "新乡市", "Xinxiang"),
            ("411300", "南阳市", "Nanyang"),
        ],
    ),
    (
        "42",
        "湖北省",
        "Hubei",
        [
            ("420100", "武汉市", "Wuhan"),
            ("420500", "宜昌市", "Yichang"),
            ("420600", "襄阳市", "Xiangyang"),
        ],
    ),
    (
        "43",
        "湖南省",
        "Hunan",
        [
            ("430100", "长沙市", "Changsha"),
            ("430200", "株洲市", "Zhuzhou"),
            ("430600", "岳阳市", "Yueyang"),
        ],
    ),
    (
        "44",
        "广东省",
        "Guangdong",
        [
            ("440100", "广州市", "Guangzhou"),
            ("440300", "深圳市", "Shenzhen"),
            ("440400", "珠海市", "Zhuhai"),
            ("440600", "佛山市", "Foshan"),
            ("441300", "惠州市", "Huizhou"),
            ("441900", "东莞市", "Dongguan"),
        ],
    ),
    (
        "45",
        "广西壮族自治区",
        "Guangxi",
        [
            ("450100", "南宁市", "Nanning"),
            ("450200", "柳州市", "Liuzhou"),
            ("450300", "桂林市", "Guilin"),
        ],
    ),
    (
        "46",
        "海南省",
        "Hainan",
        [("460100", "海口市", "Haikou"), ("460200", "三亚市", "Sanya")],
    ),
    ("50", "重庆市", "Chongqing", [("500100", "重庆市", "Chongqing")]),
    (
        "51",
        "四川省",
        "Sichuan",
        [
            ("510100", "成都市", "Chengdu"),
            ("510300", "自贡市", "Zigong"),
            ("510500", "泸州市", "Luzhou"),
            ("510600", "德阳市", "Deyang"),
            ("510700", "绵阳市", "Mianyang"),
            ("511100", "乐山市", "Leshan"),
            ("511300", "南充市", "Nanchong"),
            ("511500", "宜宾市", "Yibin"),
        ],
    ),
    (
        "52",
        "贵州省",
        "Guizhou",
        [("520100", "贵阳市", "Guiyang"), ("520300", "遵义市", "Zunyi")],
    ),
    (
        "53",
        "云南省",
        "Yunnan",
        [
            ("530100", "昆明市", "Kunming"),
            ("530700", "丽江市", "Lijiang"),
            ("532900", "大理白族自治州", "Dali"),
        ],
    ),
    (
        "54",
        "西藏自治区",
        "Tibet",
        [("540100", "拉萨市", "Lhasa"), ("540200", "日喀则市", "Shigatse")],
    ),
    (
        "61",
        "陕西省",
        "Shaanxi",
        [
            ("610100", "西安市", "Xi'an"),
            ("610300", "宝鸡市", "Baoji"),
            ("610400", "咸阳市", "Xianyang"),
        ],
    ),
    (
        "62",
        "甘肃省",
        "Gansu",
        [("620100", "兰州市", "Lanzhou"), ("620500", "天水市", "Tianshui")],
    ),
    (
        "63",
        "青海省",
        "Qinghai",
        [("630100", "西宁市", "Xining"), ("630200", "海东市", "Haidong")],
    ),
    (
        "64",
        "宁夏回族自治区",
        "Ningxia",
        [("640100", "银川市", "Yinchuan"), ("640200", "石嘴山市", "Shizuishan")],
    ),
    (
        "65",
        "新疆维吾尔自治区",
        "Xinjiang",
        [
            ("650100", "乌鲁木齐市", "Urumqi"),
            ("650200", "克拉玛依市", "Karamay"),
            ("652900", "阿克苏地区", "Aksu"),
        ],
    ),
]


def seed_regions(province_model, region_model) -> int:
    """Create the provinces and regions that are missing; return how many rows were
    added. Existing rows are left alone (an administrator may have edited flags).
    Takes the model classes so a migration can pass its historical models."""
    added = 0
    for code, name, name_en, regions in PROVINCES:
        province, created = province_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "wallet_live": code not in WALLET_NOT_LIVE,
                "usage_location_change": code in USAGE_LOCATION_CHANGE,
                "designated_facility_required": code in DESIGNATED_FACILITY_REQUIRED,
                "cross_province_pooling": None,
            },
        )
        added += created
        for region_code, region_name, region_en in regions:
            _region, created = region_model.objects.get_or_create(
                code=region_code,
                defaults={"province": province, "name": region_name, "name_en": region_en},
            )
            added += created
    return added
