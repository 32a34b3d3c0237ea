"""``{% load exchange %}``: whether to offer imports to a user (the site navigation)."""

from typing import Any

from django import template

from portal.exchange import access

register = template.Library()


@register.filter
def may_import(user: Any) -> bool:
    return access.may_import(user)
