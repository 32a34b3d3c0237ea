"""Names, kinds and staffing of the demo units. Every unit generated from these is synthetic."""

# (name, short name, kind, role). Role "government" is the root of its level; "offices_admin" is the
# offices administration that manages buildings, depots and title registration for its division.
SICHUAN_UNITS: tuple[tuple[str, str, str, str], ...] = (
    ("四川省人民政府", "省政府", "government_organ", "government"),
    ("四川省机关事务管理局", "省机关事务管理局", "government_organ", "offices_admin"),
    ("中共四川省委办公厅", "省委办公厅", "party_organ", "party"),
    ("中共四川省委组织部", "省委组织部", "party_organ", "party"),
    ("中共四川省委宣传部", "省委宣传部", "party_organ", "party"),
    ("中共四川省委统战部", "省委统战部", "party_organ", "party"),
    ("中共四川省委政法委员会", "省委政法委", "party_organ", "party"),
    ("四川省人民政府办公厅", "省政府办公厅", "government_organ", "department"),
    ("四川省发展和改革委员会", "省发展改革委", "government_organ", "department"),
    ("四川省教育厅", "省教育厅", "government_organ", "department"),
    ("四川省科学技术厅", "省科技厅", "government_organ", "department"),
    ("四川省经济和信息化厅", "省经济和信息化厅", "government_organ", "department"),
    ("四川省公安厅", "省公安厅", "government_organ", "department"),
    ("四川省民政厅", "省民政厅", "government_organ", "department"),
    ("四川省司法厅", "省司法厅", "government_organ", "department"),
    ("四川省财政厅", "省财政厅", "government_organ", "department"),
    ("四川省人力资源和社会保障厅", "省人力资源社会保障厅", "government_organ", "department"),
    ("四川省自然资源厅", "省自然资源厅", "government_organ", "department"),
    ("四川省生态环境厅", "省生态环境厅", "government_organ", "department"),
    ("四川省住房和城乡建设厅", "省住房城乡建设厅", "government_organ", "department"),
    ("四川省交通运输厅", "省交通运输厅", "government_organ", "department"),
    ("四川省水利厅", "省水利厅", "government_organ", "department"),
    ("四川省农业农村厅", "省农业农村厅", "government_organ", "department"),
    ("四川省商务厅", "省商务厅", "government_organ", "department"),
    ("四川省文化和旅游厅", "省文化和旅游厅", "government_organ", "department"),
    ("四川省卫生健康委员会", "省卫生健康委", "government_organ", "department"),
    ("四川省应急管理厅", "省应急管理厅", "government_organ", "department"),
    ("四川省审计厅", "省审计厅", "government_organ", "department"),
    ("四川省统计局", "省统计局", "government_organ", "department"),
    ("四川省市场监督管理局", "省市场监管局", "government_organ", "department"),
    ("四川省林业和草原局", "省林草局", "government_organ", "department"),
    ("四川省粮食和物资储备局", "省粮食和储备局", "government_organ", "department"),
    ("四川省大数据中心", "省大数据中心", "public_institution", "institution"),
    ("四川省政务服务和公共资源交易服务中心", "省政务服务中心", "public_institution", "institution"),
)

# The Chongqing municipality is provincial-level: its offices sit at division 500000.
CHONGQING_UNITS: tuple[tuple[str, str, str, str], ...] = (
    ("重庆市人民政府", "重庆市政府", "government_organ", "government"),
    ("重庆市机关事务管理局", "重庆市机关事务局", "government_organ", "offices_admin"),
    ("重庆市财政局", "重庆市财政局", "government_organ", "department"),
    ("重庆市教育委员会", "重庆市教委", "government_organ", "department"),
    ("重庆市应急管理局", "重庆市应急局", "government_organ", "department"),
    ("重庆市卫生健康委员会", "重庆市卫生健康委", "government_organ", "department"),
)

# (suffix, kind) of the bureaus a city or county may have; 2-3 are drawn per division.
CITY_BUREAUS: tuple[tuple[str, str], ...] = (
    ("教育局", "government_organ"),
    ("财政局", "government_organ"),
    ("应急管理局", "government_organ"),
    ("卫生健康委员会", "government_organ"),
    ("自然资源和规划局", "government_organ"),
)
COUNTY_BUREAUS: tuple[tuple[str, str], ...] = (
    ("教育局", "government_organ"),
    ("财政局", "government_organ"),
    ("卫生健康局", "government_organ"),
    ("应急管理局", "government_organ"),
    ("自然资源局", "government_organ"),
    ("交通运输局", "government_organ"),
    ("民政局", "government_organ"),
    ("水利局", "government_organ"),
    ("疾病预防控制中心", "public_institution"),
)

# Headcount ranges (low, high inclusive) per rank, by (government level, role).
_PROVINCE_DEPARTMENT = {
    "bureau_chief": (1, 1),
    "bureau_deputy": (3, 5),
    "division_chief": (8, 16),
    "division_deputy": (8, 16),
    "staff": (30, 90),
}
_CITY_BUREAU = {
    "division_chief": (1, 1),
    "division_deputy": (3, 4),
    "staff": (15, 45),
}
_COUNTY_BUREAU = {
    "section_chief": (1, 1),
    "section_deputy": (2, 4),
    "staff": (8, 30),
}
STAFFING: dict[tuple[str, str], dict[str, tuple[int, int]]] = {
    ("province", "government"): {
        "provincial_chief": (1, 1),
        "provincial_deputy": (6, 8),
        "bureau_chief": (2, 4),
        "bureau_deputy": (4, 8),
        "division_chief": (10, 20),
        "staff": (40, 80),
    },
    ("province", "department"): _PROVINCE_DEPARTMENT,
    ("province", "offices_admin"): _PROVINCE_DEPARTMENT,
    ("province", "party"): _PROVINCE_DEPARTMENT,
    ("province", "institution"): {"division_chief": (3, 6), "staff": (40, 120)},
    ("city", "government"): {
        "bureau_chief": (1, 1),
        "bureau_deputy": (4, 7),
        "division_chief": (6, 12),
        "division_deputy": (6, 12),
        "staff": (30, 60),
    },
    ("city", "offices_admin"): _CITY_BUREAU,
    ("city", "bureau"): _CITY_BUREAU,
    ("county", "government"): {
        "division_chief": (1, 1),
        "division_deputy": (4, 7),
        "section_chief": (6, 12),
        "section_deputy": (4, 8),
        "staff": (20, 40),
    },
    ("county", "offices_admin"): _COUNTY_BUREAU,
    ("county", "bureau"): _COUNTY_BUREAU,
}
