"""The audit's settings fail loudly, in one line, when they are missing or unsafe."""

import pytest

from tests.portal.core.test_startup_errors import assert_one_line, manage

PRODUCTION = {
    "TIANFU_MODE": "production",
    "TIANFU_SECRET_KEY": "x" * 50,
    "TIANFU_ALLOWED_HOSTS": "atlas.gov.cn",
    "DATABASE_URL": "postgresql://u:p@127.0.0.1:5432/unused",
}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TIANFU_AUDIT_RETENTION_DAYS": "90"}, "TIANFU_AUDIT_RETENTION_DAYS=90 must be at least"),
        ({"TIANFU_AUDIT_KEY": "short"}, "TIANFU_AUDIT_KEY must be at least 32 characters"),
        ({"TIANFU_CRYPTO_SUITE": "sm9"}, "TIANFU_CRYPTO_SUITE='sm9' must be one of"),
        ({"TIANFU_TRUSTED_PROXIES": "10.0.0.1,proxy.local"}, "'proxy.local' is not an IP"),
        (
            {"TIANFU_CRYPTO_SUITE": "national"},
            "TIANFU_AUDIT_KEY is required when TIANFU_MODE=production and TIANFU_CRYPTO_SUITE",
        ),
    ],
)
def test_unsafe_audit_settings_stop_the_start(env, message):
    assert_one_line(manage("check", **PRODUCTION, **env), message)
