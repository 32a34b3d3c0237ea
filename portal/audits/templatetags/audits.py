"""``{% load audits %}``: whether to offer the security audit to a user (the site navigation)."""

from typing import Any

from django import template

from portal.audits.services import may_read_audit

register = template.Library()


@register.filter(name="may_read_audit")
def may_read_audit_filter(user: Any) -> bool:
    return may_read_audit(user)
