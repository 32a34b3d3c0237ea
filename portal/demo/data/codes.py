"""Code tables seeded into the registry: real reference data, not synthetic.

Every row is marked ``needs_check``: the classes and limits come from secondary sources and must be
checked against the official texts before the registry relies on them (see DOMAIN.md §4).
"""

ASSET_EDITION = "GB/T 14885-2010"

# (code, name, parent code) of GB/T 14885-2010 (7 digits): the six top classes and the second- and
# third-level classes the demo assets use.
ASSET_CATEGORIES: tuple[tuple[str, str, str | None], ...] = (
    ("1000000", "土地、房屋及构筑物", None),
    ("1010000", "土地", "1000000"),
    ("1020000", "房屋", "1000000"),
    ("1030000", "构筑物", "1000000"),
    ("2000000", "通用设备", None),
    ("2010000", "计算机设备及软件", "2000000"),
    ("2010100", "计算机设备", "2010000"),
    ("2010200", "计算机网络设备", "2010000"),
    ("2010600", "输入输出设备", "2010000"),
    ("2020000", "办公设备", "2000000"),
    ("2030000", "车辆", "2000000"),
    ("2040000", "图书档案设备", "2000000"),
    ("2050000", "机械设备", "2000000"),
    ("2060000", "电气设备", "2000000"),
    ("2070000", "雷达、无线电和卫星导航设备", "2000000"),
    ("2080000", "通信设备", "2000000"),
    ("2090000", "广播、电视、电影设备", "2000000"),
    ("2100000", "仪器仪表", "2000000"),
    ("3000000", "专用设备", None),
    ("3200000", "医疗设备", "3000000"),
    ("3220000", "安全生产设备", "3000000"),
    ("3250000", "公安专用设备", "3000000"),
    ("3290000", "体育设备", "3000000"),
    ("4000000", "文物和陈列品", None),
    ("4010000", "文物", "4000000"),
    ("4020000", "陈列品", "4000000"),
    ("5000000", "图书、档案", None),
    ("5010000", "图书", "5000000"),
    ("5020000", "档案", "5000000"),
    ("6000000", "家具、用具、装具及动植物", None),
    ("6010000", "家具用具", "6000000"),
    ("6020000", "被服装具", "6000000"),
    ("6030000", "特种用途动物", "6000000"),
    ("6040000", "特种用途植物", "6000000"),
)

SPACE_STANDARD_EDITION = "2014"
SPACE_STANDARD_SOURCE = (
    "《党政机关办公用房建设标准》（2014）办公室使用面积上限，据二手资料整理，待核对官方文本"
)

# (government level, rank, post as named in the standard, m² of usable office area per person).
SPACE_STANDARDS: tuple[tuple[str, str, str, int], ...] = (
    ("province", "provincial_chief", "正职", 54),
    ("province", "provincial_deputy", "副职", 42),
    ("province", "bureau_chief", "正厅（局）级", 30),
    ("province", "bureau_deputy", "副厅（局）级", 24),
    ("province", "division_chief", "正处级", 18),
    ("province", "division_deputy", "副处级", 12),
    ("province", "staff", "处级以下", 9),
    ("city", "bureau_chief", "正职", 42),
    ("city", "bureau_deputy", "副职", 30),
    ("city", "division_chief", "正局（处）级", 24),
    ("city", "division_deputy", "副局（处）级", 18),
    ("city", "staff", "局（处）级以下", 9),
    ("county", "division_chief", "正职", 30),
    ("county", "division_deputy", "副职", 24),
    ("county", "section_chief", "正科级", 18),
    ("county", "section_deputy", "副科级", 12),
    ("county", "staff", "科级以下", 9),
)

_PARTIAL = "（示意：真实范围只覆盖成员区县的一部分，此处取成员行政区的并集）"

# (name, kind, member division codes, description).
COOPERATION_REGIONS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (
        "高竹新区",
        "new_area",
        ("511623", "500112"),
        "川渝高竹新区，跨广安市邻水县与重庆市渝北区的部分乡镇。" + _PARTIAL,
    ),
    (
        "遂潼一体化发展先行区",
        "cooperation_zone",
        ("510900", "500152"),
        "遂宁市与重庆市潼南区一体化发展先行区。" + _PARTIAL,
    ),
    (
        "川渝毗邻地区",
        "border_cities",
        ("511700", "511600", "512000", "511000", "510500"),
        "与重庆接壤的达州、广安、资阳、内江、泸州五市，川渝公务出行一体化首批范围。",
    ),
)
