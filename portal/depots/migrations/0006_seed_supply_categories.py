"""Seed the emergency supply classes of GB/T 38565-2020 (7 digits in 4 levels: 1 + 2 + 2 + 2).

Depots, stock and incident needs all name a class, so a fresh installation needs the table
before anyone records stock. The rows are the classes the project has taken from secondary
sources; each is marked ``needs_check`` until an officer compares it with the official text,
and officers may add or rename classes as data. Reversing removes only rows nothing refers to.
"""

from django.db import migrations
from django.db.models import ProtectedError

CLASSES = (
    ("1000000", "基本生活保障物资", None),
    ("1010000", "住宿类", "1000000"),
    ("1010100", "帐篷", "1010000"),
    ("1010101", "单帐篷", "1010100"),
    ("1010102", "棉帐篷", "1010100"),
    ("1010200", "折叠床", "1010000"),
    ("1020000", "衣被类", "1000000"),
    ("1020100", "棉被", "1020000"),
    ("1020200", "棉大衣", "1020000"),
    ("1020300", "毛毯", "1020000"),
    ("1030000", "食品饮用水类", "1000000"),
    ("1030100", "饮用水", "1030000"),
    ("1030200", "方便食品", "1030000"),
    ("1040000", "卫生防疫类", "1000000"),
    ("1040100", "消毒用品", "1040000"),
    ("1040200", "医用口罩", "1040000"),
    ("2000000", "应急装备", None),
    ("2010000", "个体防护装备", "2000000"),
    ("2010100", "防护服", "2010000"),
    ("2010200", "救生衣", "2010000"),
    ("2020000", "生命搜救装备", "2000000"),
    ("2020100", "冲锋舟", "2020000"),
    ("2020200", "生命探测仪", "2020000"),
    ("2030000", "应急动力与照明装备", "2000000"),
    ("2030100", "发电机组", "2030000"),
    ("2030200", "移动照明灯塔", "2030000"),
    ("2040000", "应急通信装备", "2000000"),
    ("2040100", "卫星电话", "2040000"),
    ("3000000", "工程材料与机械加工设备", None),
    ("3010000", "抢险工程材料", "3000000"),
    ("3010100", "编织袋（沙袋）", "3010000"),
    ("3010200", "土工布", "3010000"),
    ("3010300", "钢丝网兜", "3010000"),
    ("3020000", "抢险工程机械", "3000000"),
    ("3020100", "排涝水泵", "3020000"),
    ("3020200", "油锯", "3020000"),
)


def seed(apps, schema_editor):
    SupplyCategory = apps.get_model("depots", "SupplyCategory")
    known = {c.code: c for c in SupplyCategory.objects.all()}
    for code, name, parent in CLASSES:
        if code not in known:
            known[code] = SupplyCategory.objects.create(
                code=code, name=name, parent=known.get(parent or ""), needs_check=True
            )


def unseed(apps, schema_editor):
    SupplyCategory = apps.get_model("depots", "SupplyCategory")
    for code, _name, _parent in reversed(CLASSES):
        try:
            SupplyCategory.objects.filter(code=code).delete()
        except ProtectedError:
            continue


class Migration(migrations.Migration):
    dependencies = [("depots", "0005_stock_movements_analyses_incidents")]

    operations = [migrations.RunPython(seed, unseed)]
