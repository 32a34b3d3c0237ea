"""What the demo assets, supplies and vehicles look like: names, values, mixes and plates."""

from dataclasses import dataclass


@dataclass(frozen=True)
class AssetKind:
    """One kind of asset: its class, share of all assets, names and value range."""

    category: str
    weight: float
    names: tuple[str, ...]
    specs: tuple[str, ...]
    unit_of_measure: str
    value_yuan: tuple[float, float]
    life_years: int  # 0: not depreciated (books, relics, exhibits)
    quantity: tuple[int, int] = (1, 1)


ASSET_KINDS: tuple[AssetKind, ...] = (
    AssetKind(
        "2010100",
        0.27,
        ("台式计算机", "便携式计算机", "服务器", "一体机"),
        ("联想 启天M437", "华为 擎云W515", "清华同方 超越E500", "联想 昭阳K4e", "浪潮 NF5270M6"),
        "台",
        (3_500, 60_000),
        6,
    ),
    AssetKind(
        "2010600",
        0.08,
        ("激光打印机", "扫描仪", "多功能一体机"),
        ("奔图 P3301DN", "得力 M2500", "联想 LJ2605D", "汉王 HW-9000"),
        "台",
        (1_200, 9_000),
        6,
    ),
    AssetKind(
        "2010200",
        0.03,
        ("交换机", "路由器", "防火墙"),
        ("华为 S5735", "新华三 S5130", "锐捷 RG-EG3000"),
        "台",
        (2_000, 80_000),
        6,
    ),
    AssetKind(
        "2020000",
        0.08,
        ("复印机", "投影仪", "碎纸机", "速印机"),
        ("理光 IM 2702", "京瓷 2020", "爱普生 CB-X50", "科密 C-838"),
        "台",
        (800, 40_000),
        6,
    ),
    AssetKind(
        "2060000",
        0.08,
        ("空调机", "电冰箱", "不间断电源"),
        ("格力 KFR-35GW", "美的 KFR-72LW", "海尔 BCD-216", "山特 C3KS"),
        "台",
        (1_500, 25_000),
        8,
    ),
    AssetKind(
        "2080000",
        0.03,
        ("电话机", "对讲机", "视频会议终端"),
        ("华为 TE30", "摩托罗拉 XiR C1200", "步步高 HCD007"),
        "台",
        (150, 30_000),
        5,
    ),
    AssetKind(
        "2090000",
        0.03,
        ("液晶电视", "摄像机", "LED显示屏"),
        ("海信 65E3F", "索尼 FDR-AX700", "洲明 P2.5"),
        "台",
        (2_000, 120_000),
        5,
    ),
    AssetKind(
        "2030000", 0.003, ("公务用车",), ("比亚迪 秦PLUS", "红旗 H5"), "辆", (90_000, 260_000), 8
    ),
    AssetKind(
        "2050000",
        0.01,
        ("柴油发电机组", "电梯"),
        ("康明斯 100kW", "日立 MCA"),
        "台",
        (30_000, 450_000),
        10,
    ),
    AssetKind(
        "3220000",
        0.01,
        ("消防器材柜", "安检门"),
        ("标准型", "金属探测型"),
        "套",
        (2_000, 60_000),
        8,
    ),
    AssetKind(
        "3200000", 0.004, ("自动体外除颤器",), ("迈瑞 BeneHeart C1",), "台", (15_000, 30_000), 6
    ),
    AssetKind(
        "6010000",
        0.30,
        ("办公桌", "办公椅", "文件柜", "会议桌", "沙发", "书柜"),
        ("钢制", "实木", "板式", "钢木"),
        "张",
        (300, 12_000),
        15,
        (1, 12),
    ),
    AssetKind(
        "5010000",
        0.02,
        ("图书",),
        ("政策法规类", "社科类", "工具书"),
        "册",
        (20, 200),
        0,
        (20, 400),
    ),
    AssetKind("5020000", 0.005, ("档案密集架",), ("手摇式", "电动式"), "组", (8_000, 60_000), 15),
    AssetKind(
        "4020000",
        0.003,
        ("书画作品", "陈列工艺品"),
        ("蜀绣", "书法", "国画"),
        "件",
        (500, 80_000),
        0,
    ),
    AssetKind("6020000", 0.004, ("制服", "被装"), ("冬装", "夏装"), "套", (300, 1_500), 3, (5, 60)),
)

# (status, share): DOMAIN §1's transfer pool is idle + over_standard + low_efficiency + repairable.
ASSET_STATUSES: tuple[tuple[str, float], ...] = (
    ("in_use", 0.78),
    ("idle", 0.08),
    ("over_standard", 0.02),
    ("low_efficiency", 0.03),
    ("repairable", 0.03),
    ("in_warehouse", 0.02),
    ("reserved", 0.01),
    ("transferred", 0.01),
    ("disposed", 0.02),
)


@dataclass(frozen=True)
class SupplyKind:
    """One kind of emergency supply held in stock."""

    category: str
    name: str
    unit_of_measure: str
    quantity: tuple[int, int]
    shelf_life_days: int  # 0: does not expire


SUPPLY_KINDS: tuple[SupplyKind, ...] = (
    SupplyKind("1010101", "12 m² 救灾单帐篷", "顶", (50, 800), 0),
    SupplyKind("1010102", "棉帐篷", "顶", (20, 300), 0),
    SupplyKind("1010200", "折叠床", "张", (100, 1_500), 0),
    SupplyKind("1020100", "棉被", "床", (200, 3_000), 3_650),
    SupplyKind("1020200", "棉大衣", "件", (100, 2_000), 3_650),
    SupplyKind("1020300", "毛毯", "床", (200, 2_000), 3_650),
    SupplyKind("1030100", "瓶装饮用水 550 ml", "箱", (100, 2_000), 540),
    SupplyKind("1030200", "方便食品", "箱", (100, 1_500), 365),
    SupplyKind("1040100", "含氯消毒片", "瓶", (50, 600), 730),
    SupplyKind("1040200", "医用外科口罩", "盒", (200, 5_000), 1_095),
    SupplyKind("2010100", "一次性防护服", "套", (100, 2_000), 1_095),
    SupplyKind("2010200", "救生衣", "件", (50, 800), 0),
    SupplyKind("2020100", "冲锋舟", "艘", (1, 10), 0),
    SupplyKind("2020200", "雷达生命探测仪", "台", (1, 4), 0),
    SupplyKind("2030100", "30 kW 柴油发电机组", "台", (2, 20), 0),
    SupplyKind("2030200", "移动照明灯塔", "台", (2, 15), 0),
    SupplyKind("2040100", "北斗卫星电话", "部", (2, 30), 0),
    SupplyKind("3010100", "编织袋（沙袋）", "条", (5_000, 100_000), 0),
    SupplyKind("3010200", "土工布", "平方米", (1_000, 30_000), 0),
    SupplyKind("3010300", "钢丝网兜", "个", (200, 5_000), 0),
    SupplyKind("3020100", "排涝水泵", "台", (2, 40), 0),
    SupplyKind("3020200", "油锯", "台", (2, 30), 0),
)

# (vehicle type, share, seat choices, share that is new-energy).
VEHICLE_TYPES: tuple[tuple[str, float, tuple[int, ...], float], ...] = (
    ("sedan", 0.40, (5,), 0.55),
    ("suv", 0.20, (5, 7), 0.35),
    ("mpv", 0.15, (7,), 0.30),
    ("minibus", 0.10, (11, 14, 17, 19), 0.10),
    ("bus", 0.03, (33, 45, 49), 0.40),
    ("pickup", 0.07, (5,), 0.05),
    ("special", 0.05, (2, 5, 9), 0.10),
)
VEHICLE_STATUSES: tuple[tuple[str, float], ...] = (
    ("available", 0.60),
    ("in_use", 0.25),
    ("maintenance", 0.10),
    ("retired", 0.05),
)

# Sichuan plate letters by prefecture-level city (川A 成都 ... 川Z 眉山).
SICHUAN_PLATE_LETTERS: dict[str, str] = {
    "510100": "A",
    "510700": "B",
    "510300": "C",
    "510400": "D",
    "510500": "E",
    "510600": "F",
    "510800": "H",
    "510900": "J",
    "511000": "K",
    "511100": "L",
    "512000": "M",
    "511500": "Q",
    "511300": "R",
    "511700": "S",
    "511800": "T",
    "513200": "U",
    "513300": "V",
    "513400": "W",
    "511600": "X",
    "511900": "Y",
    "511400": "Z",
}
# Chongqing: 渝C 永川, 渝F 万州, 渝G 涪陵, 渝H 黔江; the main city and other districts 渝A/渝B/渝D.
CHONGQING_PLATE_LETTERS: dict[str, str] = {
    "500118": "C",
    "500101": "F",
    "500102": "G",
    "500114": "H",
}
CHONGQING_DEFAULT_LETTERS = ("A", "B", "D")
# Plate serial characters: digits and capitals without I and O.
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

# Street names for synthetic addresses.
ROADS = (
    "人民路",
    "政府街",
    "府前路",
    "建设路",
    "解放路",
    "中山路",
    "文化路",
    "滨江路",
    "新华路",
    "和平路",
    "迎宾大道",
    "行政中心路",
)

# Why an officer offers an asset, as written on its demo listing (data, in the officers' language).
LISTING_EXPLANATIONS: dict[str, str] = {
    "idle": "机构调整后闲置，功能完好，可调剂使用。",
    "over_standard": "超出配置标准，按规定调剂至其他单位。",
    "low_efficiency": "使用率低，可与其他单位共享或调剂。",
    "repairable": "经简单维修可继续使用。",
}
