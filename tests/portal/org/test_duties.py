"""Separation of duties (MLPS level 3): the system, security and audit administrators each do
their job without being superusers, and none can do another's.

The security administrator alone grants accounts a unit, a role and a clearance, never Django's
superuser flag, groups or permissions; the system administrator keeps the reference data; the
audit administrator reads and changes nothing, on any channel.
"""

from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from portal.buildings.models import Building
from portal.core.choices import Confidentiality
from portal.org.choices import Role
from portal.org.models import AdminDivision, User
from tests.factories import PASSWORD, BuildingFactory, UnitFactory, UserFactory, division

pytestmark = pytest.mark.django_db

OTHER_ROLES = [role for role in Role if role != Role.SECURITY_ADMIN]


@pytest.fixture
def unit():
    return UnitFactory(division_code="510104", name="锦江区机关事务服务中心")


@pytest.fixture
def staff(unit):
    """One account of each role, in the same unit."""
    return {role: UserFactory(role=role, unit=unit, username=f"as-{role}") for role in Role}


@pytest.fixture
def viewer(unit):
    return UserFactory(role=Role.VIEWER, unit=unit, username="plain-viewer")


def account_form(user, **changes):
    """The POST of the admin's change form for ``user``, as the security administrator sees it."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "unit": user.unit_id,
        "role": user.role,
        "clearance": user.clearance,
        "is_active": "on",
        "is_staff": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def change_account(client, user, **changes):
    return client.post(
        reverse("admin:org_user_change", args=[user.pk]), account_form(user, **changes)
    )


# -- the security administrator ------------------------------------------------------------------


def test_security_admin_grants_a_role_and_clearance(client, staff, viewer):
    security = staff[Role.SECURITY_ADMIN]
    assert not security.is_superuser
    client.force_login(security)
    response = change_account(client, viewer, role=Role.UNIT_OFFICER, clearance="secret")
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert (viewer.role, viewer.clearance) == (Role.UNIT_OFFICER, Confidentiality.SECRET)


def test_security_admin_opens_an_account_in_a_unit_with_a_role(client, staff, unit):
    client.force_login(staff[Role.SECURITY_ADMIN])
    response = client.post(
        reverse("admin:org_user_add"),
        {
            "username": "new-officer",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "unit": unit.pk,
            "role": Role.UNIT_OFFICER,
            "clearance": Confidentiality.INTERNAL,
            "is_superuser": "on",  # not on the form: ignored
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="new-officer")
    assert (created.unit, created.role, created.is_superuser) == (unit, Role.UNIT_OFFICER, False)


def test_the_grant_form_has_no_superuser_groups_or_permissions(client, staff, viewer):
    client.force_login(staff[Role.SECURITY_ADMIN])
    for url in (
        reverse("admin:org_user_change", args=[viewer.pk]),
        reverse("admin:org_user_add"),
    ):
        fields = client.get(url).context["adminform"].form.fields
        assert {"is_superuser", "groups", "user_permissions"}.isdisjoint(fields)


def test_only_a_superuser_sees_djangos_own_permission_fields(client, unit, viewer):
    client.force_login(User.objects.create_superuser("root", password=PASSWORD, unit=unit))
    fields = client.get(reverse("admin:org_user_change", args=[viewer.pk])).context["adminform"]
    assert {"is_superuser", "groups", "user_permissions", "role"} <= set(fields.form.fields)


def test_a_crafted_post_grants_no_superuser_group_or_permission(client, staff, viewer):
    group = Group.objects.create(name="everything")
    group.permissions.set(Permission.objects.all())
    client.force_login(staff[Role.SECURITY_ADMIN])
    crafted = {
        "is_superuser": "on",
        "groups": [group.pk],
        "user_permissions": list(Permission.objects.values_list("pk", flat=True)[:5]),
    }
    response = change_account(client, viewer, **crafted)
    assert response.status_code == 302
    viewer.refresh_from_db()
    assert not viewer.is_superuser
    assert not viewer.groups.exists()
    assert not viewer.user_permissions.exists()


def test_security_admin_cannot_change_its_own_account(client, staff):
    security = staff[Role.SECURITY_ADMIN]
    client.force_login(security)
    response = change_account(client, security, role=Role.PROVINCE_ADMIN, clearance="top_secret")
    assert response.status_code == 403
    security.refresh_from_db()
    assert (security.role, security.clearance) == (Role.SECURITY_ADMIN, Confidentiality.INTERNAL)


def test_security_admin_cannot_take_over_a_superuser(client, staff, unit):
    root = User.objects.create_superuser("root", password=PASSWORD, unit=unit)
    client.force_login(staff[Role.SECURITY_ADMIN])
    assert change_account(client, root, is_active=None).status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[root.pk])
    reset = client.post(password_url, {"password1": "Taken-Over-2026!", "password2": "x"})
    assert reset.status_code == 403
    root.refresh_from_db()
    assert root.is_active
    assert root.check_password(PASSWORD)


def test_security_admin_issues_no_token_for_a_superuser(client, staff, unit, viewer):
    root = User.objects.create_superuser("root", password=PASSWORD, unit=unit)
    client.force_login(staff[Role.SECURITY_ADMIN])
    refused = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": root.pk})
    assert refused.status_code == 200, "the form refuses the choice"
    assert not Token.objects.filter(user=root).exists()
    issued = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": viewer.pk})
    assert issued.status_code == 302
    assert Token.objects.filter(user=viewer).exists()


def test_security_admin_changes_no_registry_or_reference_data(client, staff, unit):
    building = BuildingFactory(managing_unit=unit)
    client.force_login(staff[Role.SECURITY_ADMIN])
    assert client.get(reverse("admin:buildings_building_changelist")).status_code == 403
    refused = client.post(reverse("admin:buildings_building_change", args=[building.pk]), {})
    assert refused.status_code == 403
    area = division("510104")
    assert client.post(division_url(area), division_form(area, name="改名")).status_code == 403
    api = client.patch(
        f"/api/buildings/{building.pk}/",
        {"properties": {"name": "改名"}},
        content_type="application/json",
    )
    assert api.status_code in (403, 404)
    assert Building.objects.get(pk=building.pk).name == building.name
    assert AdminDivision.objects.get(pk=area.pk).name == "锦江区"


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_nobody_else_changes_a_role_or_clearance(client, staff, viewer, role):
    client.force_login(staff[role])
    response = change_account(client, viewer, role=Role.PROVINCE_ADMIN, clearance="top_secret")
    assert response.status_code == 403
    viewer.refresh_from_db()
    assert (viewer.role, viewer.clearance) == (Role.VIEWER, Confidentiality.INTERNAL)


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_nobody_else_opens_an_account(client, staff, unit, role):
    client.force_login(staff[role])
    response = client.post(
        reverse("admin:org_user_add"),
        {"username": "sneaky", "password1": PASSWORD, "password2": PASSWORD, "unit": unit.pk},
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="sneaky").exists()


# -- the system administrator --------------------------------------------------------------------


def division_url(area):
    return reverse("admin:org_admindivision_change", args=[area.pk])


def division_form(area, **changes):
    data = {
        "code": area.code,
        "name": area.name,
        "name_pinyin": area.name_pinyin,
        "pinyin_initials": area.pinyin_initials,
        "level": area.level,
        "parent": area.parent_id or "",
        "geom": area.geom.ewkt,
        "valid_from": "",
        "valid_to": "",
    }
    return {**data, **changes}


def test_system_admin_keeps_the_reference_data(client, staff):
    system = staff[Role.SYSTEM_ADMIN]
    assert not system.is_superuser
    area = division("510104")
    client.force_login(system)
    response = client.post(division_url(area), division_form(area, name_pinyin="Jinjiang Qu"))
    assert response.status_code == 302
    area.refresh_from_db()
    assert area.name_pinyin == "Jinjiang Qu"


def test_system_admin_changes_no_account_and_no_registry_record(client, staff, viewer, unit):
    building = BuildingFactory(managing_unit=unit)
    client.force_login(staff[Role.SYSTEM_ADMIN])
    assert client.get(reverse("admin:org_user_changelist")).status_code == 403
    assert change_account(client, viewer, role=Role.PROVINCE_ADMIN).status_code == 403
    refused = client.post(reverse("admin:buildings_building_change", args=[building.pk]), {})
    assert refused.status_code == 403
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER


# -- the audit administrator ---------------------------------------------------------------------


def test_audit_admin_reads_accounts_but_changes_none(client, staff, viewer):
    client.force_login(staff[Role.AUDIT_ADMIN])
    assert client.get(reverse("admin:org_user_changelist")).status_code == 200
    page = client.get(reverse("admin:org_user_change", args=[viewer.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert change_account(client, viewer, role=Role.PROVINCE_ADMIN).status_code == 403
    delete = client.post(reverse("admin:org_user_delete", args=[viewer.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert client.get(reverse("admin:authtoken_tokenproxy_add")).status_code == 403
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER


def test_audit_admin_changes_nothing_in_the_admin(client, staff, unit):
    building = BuildingFactory(managing_unit=unit)
    area = division("510104")
    client.force_login(staff[Role.AUDIT_ADMIN])
    change = client.post(reverse("admin:buildings_building_change", args=[building.pk]), {})
    assert change.status_code == 403
    add = client.post(reverse("admin:buildings_building_add"), {})
    assert add.status_code == 403
    assert client.post(division_url(area), division_form(area, name="改名")).status_code == 403
    assert Building.objects.get(pk=building.pk).name == building.name
    assert AdminDivision.objects.get(pk=area.pk).name == "锦江区"


def test_audit_admin_writes_nothing_through_the_api(client, staff, unit):
    building = BuildingFactory(managing_unit=unit)
    client.force_login(staff[Role.AUDIT_ADMIN])
    url = f"/api/buildings/{building.pk}/"
    assert client.get(url).status_code == 200, "the audit administrator reads the registry"
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [104.08, 30.63]},
        "properties": {"name": "新楼", "managing_unit": unit.credit_code, "division": "510104"},
    }
    json = "application/json"
    assert client.post("/api/buildings/", feature, content_type=json).status_code == 403
    patch = client.patch(url, {"properties": {"name": "改名"}}, content_type=json)
    assert patch.status_code == 403
    assert client.delete(url).status_code == 403
    assert list(Building.objects.values_list("name", flat=True)) == [building.name]


PAGE_WRITES = [
    "depots:coverage_list",
    "depots:scenario_list",
    "depots:incident_create",
    "assets:need_new",
    "exchange:import_new",
]


@pytest.mark.parametrize("name", PAGE_WRITES)
def test_audit_admin_starts_nothing_from_the_pages(client, staff, name):
    client.force_login(staff[Role.AUDIT_ADMIN])
    assert client.post(reverse(name), {}).status_code == 403


# -- bootstrap: three accounts, no superuser ---------------------------------------------------


def create_admins(*args):
    out = StringIO()
    call_command("create_admin_accounts", *args, stdout=out)
    return out.getvalue()


def test_create_admin_accounts_makes_one_account_per_duty(unit):
    printed = create_admins("--unit", str(unit.pk))
    accounts = {user.username: user for user in User.objects.all()}
    expected = {
        "sysadmin": Role.SYSTEM_ADMIN,
        "secadmin": Role.SECURITY_ADMIN,
        "auditadmin": Role.AUDIT_ADMIN,
    }
    assert {name: user.role for name, user in accounts.items()} == expected
    for name, user in accounts.items():
        line = next(line for line in printed.splitlines() if line.split()[:1] == [name])
        password = line.split()[-1]
        assert user.check_password(password), "the printed one-time password signs in"
        assert (user.unit, user.is_staff, user.is_superuser) == (unit, True, False)
        assert user.must_change_password
    passwords = [line.split()[-1] for line in printed.splitlines()[1:]]
    assert len(set(passwords)) == 3


@pytest.mark.parametrize("key", ["name", "credit_code"])
def test_create_admin_accounts_takes_usernames_and_a_unit_by_name_or_code(unit, key):
    names = ("--security-admin", "anquan", "--audit-admin", "shenji")
    create_admins("--unit", getattr(unit, key), *names)
    assert set(User.objects.values_list("unit", flat=True)) == {unit.pk}
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "sysadmin": Role.SYSTEM_ADMIN,
        "anquan": Role.SECURITY_ADMIN,
        "shenji": Role.AUDIT_ADMIN,
    }


def test_create_admin_accounts_creates_nothing_when_a_name_is_taken(unit):
    UserFactory(username="secadmin", unit=unit, role=Role.VIEWER)
    with pytest.raises(CommandError, match="secadmin"):
        create_admins("--unit", str(unit.pk))
    assert list(User.objects.values_list("username", flat=True)) == ["secadmin"]


@pytest.mark.parametrize("value", ["999999", "没有这个单位"])
def test_create_admin_accounts_needs_a_known_unit(unit, value):
    with pytest.raises(CommandError, match="no unit"):
        create_admins("--unit", value)
    assert not User.objects.exists()


def test_a_created_administrator_signs_in_once_then_must_change_the_password(client, unit):
    printed = create_admins("--unit", str(unit.pk))
    password = {line.split()[0]: line.split()[-1] for line in printed.splitlines()[1:]}
    signed_in = client.post(
        reverse("login"), {"username": "secadmin", "password": password["secadmin"]}
    )
    assert signed_in.status_code == 302
    page = client.get(reverse("admin:org_user_changelist"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("accounts:password_change"))


# -- the administrators' own accounts and tokens (review findings) ---------------------------------

ADMIN_DUTIES = [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN]


@pytest.mark.parametrize("role", [*ADMIN_DUTIES, Role.PROVINCE_ADMIN])
def test_no_token_for_an_administrator_or_a_second_factor_role(client, settings, staff, role):
    settings.TIANFU_OTP_REQUIRED_ROLES = [Role.PROVINCE_ADMIN]
    target = staff[role] if role != Role.SECURITY_ADMIN else UserFactory(role=role)
    client.force_login(staff[Role.SECURITY_ADMIN])
    add = reverse("admin:authtoken_tokenproxy_add")
    refused = client.post(add, {"user": target.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert "a token would bypass both" in refused.content.decode()
    assert not Token.objects.filter(user=target).exists()


def test_an_issued_key_is_never_shown_or_logged_again(client, staff, viewer):
    client.force_login(staff[Role.SECURITY_ADMIN])
    issued = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": viewer.pk})
    key = Token.objects.get(user=viewer).key
    shown = client.get(issued["Location"]).content.decode()
    assert shown.count(key) == 1, "only the one-time message carries it"
    pages = [
        reverse("admin:authtoken_tokenproxy_changelist"),
        reverse("admin:authtoken_tokenproxy_change", args=[viewer.pk]),
        reverse("admin:authtoken_tokenproxy_delete", args=[viewer.pk]),
        reverse("admin:index"),
    ]
    for url in pages:
        assert key not in client.get(url).content.decode(), url
    client.post(reverse("admin:authtoken_tokenproxy_delete", args=[viewer.pk]), {"post": "yes"})
    assert not Token.objects.filter(user=viewer).exists()
    entries = LogEntry.objects.all()
    assert entries.count() == 2
    assert all(key not in f"{e.object_id} {e.object_repr} {e.change_message}" for e in entries)
    assert key not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN])
def test_security_admin_cannot_take_over_another_administrator(client, staff, role):
    target = staff[role]
    client.force_login(staff[Role.SECURITY_ADMIN])
    password_url = reverse("admin:auth_user_password_change", args=[target.pk])
    new = "Another-Passw0rd-42!"
    taken = client.post(password_url, {"password1": new, "password2": new})
    assert taken.status_code == 403
    renamed = change_account(client, target, username="mine", is_active=None)
    assert renamed.status_code == 403
    deleted = client.post(reverse("admin:org_user_delete", args=[target.pk]), {"post": "yes"})
    assert deleted.status_code == 403
    target.refresh_from_db()
    assert (target.username, target.is_active) == (f"as-{role}", True)
    assert target.check_password(PASSWORD)


def test_the_admin_opens_no_account_with_an_administrator_duty(client, staff, unit):
    client.force_login(staff[Role.SECURITY_ADMIN])
    form = client.get(reverse("admin:org_user_add")).content.decode()
    assert all(f'value="{duty}"' not in form for duty in ADMIN_DUTIES)
    assert 'value="viewer"' in form
    data = {
        "username": "second-security",
        "usable_password": "true",
        "password1": "Fresh-Passw0rd-2024!",
        "password2": "Fresh-Passw0rd-2024!",
        "unit": unit.pk,
        "role": Role.SECURITY_ADMIN,
        "clearance": "secret",
    }
    refused = client.post(reverse("admin:org_user_add"), data)
    assert refused.status_code == 200
    assert not User.objects.filter(username="second-security").exists()
    promoted = change_account(client, staff[Role.VIEWER], role=Role.SECURITY_ADMIN)
    assert promoted.status_code == 200
    assert User.objects.get(pk=staff[Role.VIEWER].pk).role == Role.VIEWER


def test_the_admin_resets_no_administrators_second_factor(client, staff):
    audit = staff[Role.AUDIT_ADMIN]
    device = TOTPDevice.objects.create(user=audit, name="app", confirmed=True)
    client.force_login(staff[Role.SECURITY_ADMIN])
    data = {"action": "reset_second_factor", "_selected_action": [device.pk]}
    client.post(reverse("admin:otp_totp_totpdevice_changelist"), data)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_reset_admin_account_prints_a_one_time_password_and_clears_the_rest(client, staff):
    audit = staff[Role.AUDIT_ADMIN]
    TOTPDevice.objects.create(user=audit, name="app", confirmed=True)
    AccessAttempt.objects.create(
        username=audit.username,
        ip_address="10.0.0.9",
        failures_since_start=9,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/",
        user_agent="",
    )
    out = StringIO()
    call_command("reset_admin_account", audit.username, stdout=out)
    password = out.getvalue().splitlines()[0].split("\t")[-1]
    audit.refresh_from_db()
    assert audit.check_password(password)
    assert audit.must_change_password
    assert not TOTPDevice.objects.filter(user=audit).exists()
    assert not AccessAttempt.objects.filter(username=audit.username).exists()
    with pytest.raises(CommandError, match="no administrator duty"):
        call_command("reset_admin_account", staff[Role.VIEWER].username, stdout=StringIO())
