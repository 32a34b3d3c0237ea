from __future__ import annotations

import datetime as dt
from typing import Any, Self

from django.db import models

from portal.audits.addresses import normalised


class AuditEventQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """Reads of the audit trail: the filters of its pages and exports, and what a purge takes."""

    def between(self, start: dt.datetime | None, end: dt.datetime | None) -> Self:
        """Events at or after ``start`` and before ``end`` (either may be open)."""
        found = self
        if start is not None:
            found = found.filter(at__gte=start)
        if end is not None:
            found = found.filter(at__lt=end)
        return found

    def from_address(self, text: str) -> Self:
        """Events from one address, or from addresses starting with ``text`` ("10.1.")."""
        address = normalised(text)
        if address is not None:
            return self.filter(source_ip=address)
        return self.filter(source_ip__startswith=text)

    def matching(self, criteria: dict[str, Any]) -> Self:
        """The events a filter form's cleaned data selects (empty values select everything)."""
        found = self.between(criteria.get("start"), criteria.get("end"))
        if criteria.get("username"):
            found = found.filter(username=criteria["username"])
        if criteria.get("action"):
            found = found.filter(action=criteria["action"])
        if criteria.get("result"):
            found = found.filter(result=criteria["result"])
        if criteria.get("ip"):
            found = found.from_address(criteria["ip"])
        return found

    def purgeable(self, before: dt.datetime) -> Self:
        """The oldest events, up to the first one at or after ``before``.

        Only a prefix of the chain may go, so that what remains still links up; times grow with
        ids (they are read under the chain lock), so this is every event before ``before``.
        """
        first_kept = self.filter(at__gte=before).order_by("id").values_list("id", flat=True).first()
        return self.all() if first_kept is None else self.filter(id__lt=first_kept)
