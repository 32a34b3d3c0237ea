from django.core.management.base import BaseCommand, CommandError

from portal.core.demo import ensure_demo_accounts
from portal.core.exceptions import PortalError


class Command(BaseCommand):
    help = "Load the demo data (demo mode only); running it again changes nothing."

    def handle(self, *args: object, **options: object) -> None:
        try:
            accounts = ensure_demo_accounts()
        except PortalError as exc:
            raise CommandError(exc.user_message) from None
        self.stdout.write("Demo accounts (user / password):")
        for account in accounts:
            self.stdout.write(f"  {account.username} / {account.password}  ({account.description})")
