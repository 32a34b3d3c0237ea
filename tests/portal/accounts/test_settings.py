"""The Accounts section of portal/settings.py: defaults per mode, and values that stop the start."""

from tests.portal.accounts.helpers import settings_under

NAMES = (
    "TIANFU_OTP_REQUIRED_ROLES",
    "TIANFU_PASSWORD_MAX_AGE_DAYS",
    "TIANFU_PASSWORD_HISTORY",
    "AXES_FAILURE_LIMIT",
    "AXES_LOCKOUT_PARAMETERS",
    "TIANFU_LOGIN_LOCKOUT_MINUTES",
)
PRODUCTION = {
    "TIANFU_MODE": "production",
    "TIANFU_SECRET_KEY": "a-long-enough-secret-for-this-settings-test-only-0123456789",
    "TIANFU_ALLOWED_HOSTS": "atlas.example.gov.cn",
    "DATABASE_URL": "postgresql://tianfu@127.0.0.1:5432/tianfu",
}
OIDC = {
    "TIANFU_OIDC_ISSUER": "https://id.example.gov.cn",
    "TIANFU_OIDC_CLIENT_ID": "tianfu-atlas",
    "TIANFU_OIDC_CLIENT_SECRET": "secret",
    "TIANFU_OIDC_AUTHORIZATION_ENDPOINT": "https://id.example.gov.cn/authorize",
    "TIANFU_OIDC_TOKEN_ENDPOINT": "https://id.example.gov.cn/token",
    "TIANFU_OIDC_JWKS_ENDPOINT": "https://id.example.gov.cn/jwks",
}


def test_production_requires_a_second_factor_of_the_administrators():
    values = settings_under(NAMES, **PRODUCTION)
    assert values["TIANFU_OTP_REQUIRED_ROLES"] == [
        "system_admin",
        "security_admin",
        "audit_admin",
        "province_admin",
    ]
    assert values["TIANFU_PASSWORD_MAX_AGE_DAYS"] == 90
    assert values["TIANFU_PASSWORD_HISTORY"] == 5
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
    assert values["TIANFU_LOGIN_LOCKOUT_MINUTES"] == 30


def test_demo_and_test_modes_force_nothing_by_default():
    demo = settings_under(NAMES, TIANFU_MODE="demo")
    assert demo["TIANFU_OTP_REQUIRED_ROLES"] == []
    assert demo["TIANFU_PASSWORD_MAX_AGE_DAYS"] == 0
    test = settings_under(NAMES)
    assert test["TIANFU_OTP_REQUIRED_ROLES"] == []
    assert test["TIANFU_PASSWORD_MAX_AGE_DAYS"] == 90


def test_the_environment_sets_the_limits():
    values = settings_under(
        NAMES,
        TIANFU_LOGIN_FAILURE_LIMIT="3",
        TIANFU_OTP_REQUIRED_ROLES="security_admin, audit_admin",
    )
    assert values["AXES_FAILURE_LIMIT"] == 3
    assert values["TIANFU_OTP_REQUIRED_ROLES"] == ["security_admin", "audit_admin"]
    refused = settings_under(NAMES, TIANFU_LOGIN_LOCKOUT_MINUTES="0")
    assert "TIANFU_LOGIN_LOCKOUT_MINUTES=0 must be at least 1" in refused


def test_single_sign_on_is_all_or_nothing():
    names = ("OIDC_RP_CLIENT_ID", "OIDC_OP_JWKS_ENDPOINT", "TIANFU_OIDC_USERNAME_CLAIM")
    configured = settings_under(names, **OIDC)
    assert configured == {
        "OIDC_RP_CLIENT_ID": "tianfu-atlas",
        "OIDC_OP_JWKS_ENDPOINT": "https://id.example.gov.cn/jwks",
        "TIANFU_OIDC_USERNAME_CLAIM": "preferred_username",
    }
    half = settings_under(names, TIANFU_OIDC_ISSUER=OIDC["TIANFU_OIDC_ISSUER"])
    assert "single sign-on is half configured: set TIANFU_OIDC_CLIENT_ID" in half
