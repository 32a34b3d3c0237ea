"""``manage.py verify_audit``: check every audit event's integrity tag and link, oldest first."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.audits.models import AuditEvent
from portal.audits.services import command_channel, verify_chain


class Command(BaseCommand):
    help = (
        "Verify the integrity chain of the security audit. Exits with an error naming the first "
        "event that was changed, or that follows an event removed outside a purge. The check is "
        "itself audited, with the operating-system user who ran the command."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify_chain(via=command_channel())
        if broken is not None:
            raise CommandError(
                f"audit chain broken at event {broken.pk} ({broken}): it, or the event before "
                "it, was changed or removed outside the portal"
            )
        self.stdout.write(f"{AuditEvent.objects.count()} audit events, chain intact")
