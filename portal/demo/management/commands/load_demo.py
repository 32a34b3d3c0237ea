from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from portal.core.exceptions import PortalError
from portal.demo.scales import DEFAULT_SEED, PUBLIC_SCALES
from portal.demo.services import LoadReport, StageResult, load_demo
from portal.parcels.choices import ConflictKind


class Command(BaseCommand):
    help = _(
        "Load the seeded demo data (TIANFU_MODE=demo only). A second run changes nothing; "
        "--reset deletes the synthetic rows and loads them again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=PUBLIC_SCALES,
            default="small",
            help=_("small: ~20,000 assets; full: 1,000,000 assets"),
        )
        parser.add_argument(
            "--reset", action="store_true", help=_("delete every synthetic row first")
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=_("random seed"))

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(_("Loading the %(scale)s demo data…") % {"scale": options["scale"]})
        try:
            report = load_demo(
                scale=options["scale"],
                reset=options["reset"],
                seed=options["seed"],
                on_stage=self._stage,
                on_rows=self._rows,
            )
        except PortalError as exc:
            raise CommandError(exc.user_message) from None
        self._summary(report)
        self._accounts(report)

    def _stage(self, result: StageResult) -> None:
        self.stdout.write(
            _("  %(stage)-10s %(rows)10s rows in %(seconds)6.1f s (%(rate)s rows/s)")
            % {
                "stage": result.name,
                "rows": f"{result.rows:,}",
                "seconds": result.seconds,
                "rate": f"{result.rows_per_second:,.0f}",
            }
        )

    def _rows(self, stage: str, done: int, total: int) -> None:
        if total >= 100_000:
            self.stdout.write(
                _("  %(stage)s: %(done)s / %(total)s")
                % {"stage": stage, "done": f"{done:,}", "total": f"{total:,}"}
            )

    def _summary(self, report: LoadReport) -> None:
        for label, count in report.deleted.items():
            self.stdout.write(
                _("Deleted %(count)s synthetic %(model)s rows.")
                % {"count": f"{count:,}", "model": label}
            )
        if report.partial:
            self.stdout.write(
                self.style.WARNING(
                    _("A previous load stopped part-way: run load_demo --reset to load it again.")
                )
            )
        elif not report.loaded:
            self.stdout.write(_("Demo data is already loaded; nothing to do (--reset reloads it)."))
        for kind, registry_nos in report.conflicts.items():
            self.stdout.write(
                _("Deliberate conflicts, %(kind)s: %(count)d (%(examples)s …)")
                % {
                    "kind": kind,
                    "count": len(registry_nos),
                    "examples": ", ".join(registry_nos[:3]),
                }
            )
        for kind, counts in report.findings.items():
            self.stdout.write(
                _("Conflict register, %(kind)s: %(found)d found, %(new)d new")
                % {
                    "kind": ConflictKind(kind).label,
                    "found": counts["found"],
                    "new": counts["new"],
                }
            )
        for label, count in report.counts.items():
            self.stdout.write(f"  {label:<28} {count:>10,}")
        self.stdout.write(
            _("Done in %(seconds).1f s, peak memory %(memory).0f MB.")
            % {"seconds": report.seconds, "memory": report.peak_memory_mb}
        )

    def _accounts(self, report: LoadReport) -> None:
        self.stdout.write("")
        self.stdout.write(_("Demo accounts (staff, not superusers; the password is public):"))
        headers = (_("user"), _("password"), _("role"), _("unit"))
        self.stdout.write("| " + " | ".join(headers) + " |")
        self.stdout.write("|---|---|---|---|")
        for account in report.accounts:
            self.stdout.write(
                f"| `{account.username}` | `{account.password}` | {account.role} | {account.unit} |"
            )
