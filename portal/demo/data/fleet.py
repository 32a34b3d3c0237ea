"""What the demo's pooled fleet is made of: ranges, drivers, pools, tariffs, trips.

Figures are plausible for official vehicles in Sichuan and Chongqing (2024–2026 price levels);
they are demonstration values, not a published tariff.
"""

# A new-energy vehicle's range on a full charge (km, low–high), by vehicle type.
NEV_RANGE_KM: dict[str, tuple[int, int]] = {
    "sedan": (400, 620),
    "suv": (420, 650),
    "mpv": (380, 560),
    "minibus": (240, 360),
    "bus": (250, 420),
    "pickup": (300, 420),
    "special": (200, 350),
}

# Drivers per vehicle of a unit (at least one driver per unit with vehicles).
DRIVERS_PER_VEHICLE = 0.85
# Share of drivers with a B1 licence besides those a unit's minibuses and buses need.
EXTRA_B1 = 0.15
INACTIVE_DRIVERS = 0.04
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发"
    "武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪"
    "心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启"
    "克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
)
PHONE_PREFIXES = ("133", "135", "136", "138", "139", "150", "151", "177", "180", "189", "199")

# Pools: the provincial pilot pools the provincial organs' and Chengdu's vehicles; the
# Sichuan–Chongqing pool the Chongqing side's and the bordering cities' (the members of the
# cooperation regions), run by the Chongqing offices administration.
PROVINCIAL_POOL = "四川省省级机关公务用车服务平台"
PROVINCIAL_MEMBERS = ("510000", "5101")
CROSS_POOL = "川渝公务用车协同服务平台"
CROSS_MEMBERS = ("50", "5105", "5109", "5110", "5116", "5117", "5120")
SICHUAN_OFFICES = "四川省机关事务管理局"
CHONGQING_OFFICES = "重庆市机关事务管理局"
# Managers of each pool, among the demo accounts.
POOL_MANAGERS: dict[str, tuple[str, ...]] = {
    PROVINCIAL_POOL: ("pool-manager",),
    CROSS_POOL: ("pool-manager", "chongqing-admin"),
}

# Yuan per km and per hour by vehicle type; the tariff before 2026 was 10 % lower.
RATES: dict[str, tuple[str, str]] = {
    "sedan": ("2.20", "30.00"),
    "suv": ("2.60", "35.00"),
    "mpv": ("3.00", "40.00"),
    "minibus": ("4.50", "60.00"),
    "bus": ("7.00", "90.00"),
    "pickup": ("2.40", "30.00"),
    "special": ("3.50", "50.00"),
}
OLD_RATE_FACTOR = "0.90"
# The Sichuan–Chongqing pool bills cross-border trips higher (tolls of the long haul are billed
# apart) and trips inside a cooperation region lower, as its agreement sets.
REGION_RATE_FACTORS: dict[str, str] = {"cross_province": "1.15", "cooperation": "0.90"}

# Approval rules besides the migration's default (any unit, any type: the unit's officer):
# emergency support goes straight to the pool manager, conferences also need the division.
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("emergency", ("pool",)),
    ("conference", ("unit", "division")),
)
# The Chongqing offices administration has every trip of its own signed by the division too.
UNIT_RULE_STEPS = ("unit", "division")

# Trip types and their weights; purposes per type.
TRIP_TYPES: tuple[tuple[str, float], ...] = (
    ("business", 0.45),
    ("inspection", 0.25),
    ("conference", 0.15),
    ("emergency", 0.05),
    ("other", 0.10),
)
PURPOSES: dict[str, tuple[str, ...]] = {
    "business": ("公文交换", "项目对接", "资金拨付核对", "政务服务联办", "合同签订"),
    "inspection": ("安全生产检查", "项目现场调研", "资产清查盘点", "办公用房核查", "乡村振兴调研"),
    "conference": ("参加工作会议", "接待考察团", "川渝合作联席会议", "培训班报到"),
    "emergency": ("防汛值守", "地质灾害巡查", "应急物资转运", "森林防火督导"),
    "other": ("机要文件送达", "离退休干部走访", "公务接送"),
}
# Places outside both provinces that trips sometimes go to (lon, lat).
OUTSIDE_PLACES: tuple[tuple[str, float, float], ...] = (
    ("贵州省贵阳市", 106.630, 26.647),
    ("云南省昆明市", 102.833, 24.880),
    ("陕西省西安市", 108.940, 34.341),
    ("湖北省武汉市", 114.305, 30.593),
)
# Days of history and of bookings ahead.
HISTORY_DAYS = 90
AHEAD_DAYS = 14
CANCEL_REASONS = ("会议延期", "行程取消", "改乘高铁", "与其他车辆拼车")
REJECT_COMMENTS = ("可乘公共交通", "同行人数不符", "请合并出行")
NO_VEHICLE = "时段内无可用车辆或驾驶员"
POSITION_SOURCE = "北斗车载终端"
