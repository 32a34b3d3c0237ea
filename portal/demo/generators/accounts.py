"""One demo account per role. The password is public: these accounts exist only in demo mode."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from portal.org.choices import Role
from portal.org.models import Unit

# Listed in README.md and printed by ``manage.py load_demo``.
PASSWORD = "Tianfu-Demo-2026!"
PROVINCE_OFFICES = "四川省机关事务管理局"
CHONGQING_OFFICES = "重庆市机关事务管理局"


@dataclass(frozen=True)
class AccountSpec:
    username: str
    role: str
    clearance: str
    unit: str  # a unit name, or "offices:<division>" / "bureau:<division>"


ACCOUNTS = (
    AccountSpec("province-admin", Role.PROVINCE_ADMIN, "secret", PROVINCE_OFFICES),
    AccountSpec("chengdu-admin", Role.DIVISION_ADMIN, "internal", "offices:510100"),
    AccountSpec("county-admin", Role.DIVISION_ADMIN, "internal", "offices:510107"),
    AccountSpec("unit-officer", Role.UNIT_OFFICER, "internal", "bureau:510107"),
    AccountSpec("viewer", Role.VIEWER, "public", "四川省财政厅"),
    AccountSpec("auditor", Role.AUDITOR, "internal", "四川省审计厅"),
    AccountSpec("system-admin", Role.SYSTEM_ADMIN, "internal", "四川省大数据中心"),
    AccountSpec("security-admin", Role.SECURITY_ADMIN, "internal", PROVINCE_OFFICES),
    AccountSpec("audit-admin", Role.AUDIT_ADMIN, "internal", PROVINCE_OFFICES),
    # The official-vehicle pools' managers (portal.demo.generators.pools): a provincial
    # administrator manages both pools, Chongqing's co-manages the cross-border one.
    AccountSpec("pool-manager", Role.PROVINCE_ADMIN, "internal", PROVINCE_OFFICES),
    AccountSpec("chongqing-admin", Role.DIVISION_ADMIN, "internal", CHONGQING_OFFICES),
)


@dataclass(frozen=True)
class DemoAccount:
    """A row of the accounts table the command prints."""

    username: str
    password: str
    role: str
    unit: str
    created: bool


def resolve_unit(spec: str) -> Unit:
    """The synthetic unit an account belongs to; the provincial offices administration if absent."""
    units = Unit.objects.filter(synthetic=True)
    kind, _colon, division = spec.partition(":")
    if kind == "offices":
        offices = units.filter(offices_administration=True, division__code=division)
        found = offices.order_by("name").first()
    elif kind == "bureau":
        candidates = units.filter(division__code=division, offices_administration=False)
        found = candidates.exclude(name__endswith="人民政府").order_by("name").first()
    else:
        found = units.filter(name=spec).first()
    return found or units.get(name=PROVINCE_OFFICES)


def ensure_accounts() -> list[DemoAccount]:
    """Create the missing demo accounts; existing ones keep their passwords and settings.

    The new accounts share one hash of the public password: hashing is slow by design (about
    0.8 s each), and a salt per account protects nothing when the password is published.
    """
    user_model = get_user_model()
    hashed = None
    rows = []
    for spec in ACCOUNTS:
        user = user_model.objects.filter(username=spec.username).select_related("unit").first()
        created = user is None
        if user is None:
            user = user_model(
                username=spec.username,
                role=spec.role,
                clearance=spec.clearance,
                unit=resolve_unit(spec.unit),
                is_staff=True,
                is_superuser=False,
            )
            hashed = hashed or make_password(PASSWORD)
            user.password = hashed
            # The published password stays valid: no forced change at the first sign-in.
            user.password_changed_at = timezone.now()
            user.must_change_password = False
            user.save()
        unit = user.unit.name if user.unit else ""
        role = Role(user.role).label if user.role in Role.values else user.role
        rows.append(DemoAccount(user.username, PASSWORD, str(role), unit, created))
    return rows
