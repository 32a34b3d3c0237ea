"""The client's address, believing ``X-Forwarded-For`` only from trusted proxies.

Anyone can send the header, so it is read only when the connection comes from a proxy listed
in ``TIANFU_TRUSTED_PROXIES``. The header is then walked from the right (the hop nearest to us)
past further trusted proxies; the first address that is not one is the client.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_ip(request: Any) -> str | None:
    """The client's address as PostgreSQL's ``inet`` prints it, or None if there is none."""
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    if remote is None or not _trusted(remote):
        return _text(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        address = _parse(hop)
        if address is None:
            break  # a forged or broken entry: stop at the last address we can vouch for
        remote = address
        if not _trusted(address):
            break
    return _text(remote)


def normalised(value: str | None) -> str | None:
    """One spelling of an address, whoever wrote it (``::FFFF:a.b.c.d``, ``0:0::1``)."""
    return _text(_parse(value or ""))


def _parse(value: str) -> IPAddress | None:
    try:
        # PostgreSQL's inet has no IPv6 zone ("fe80::1%eth0"): the interface is dropped.
        return ipaddress.ip_address(value.strip().partition("%")[0])
    except ValueError:
        return None


def _text(address: IPAddress | None) -> str | None:
    return None if address is None else str(address)


def _trusted(address: IPAddress) -> bool:
    return any(
        address in ipaddress.ip_network(proxy, strict=False)
        for proxy in settings.TIANFU_TRUSTED_PROXIES
    )
