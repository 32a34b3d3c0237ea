"""What the pages of a background run (:class:`~portal.depots.models.analysis.AnalysisRun`: a
coverage analysis, a siting scenario) share: the status JSON their progress bar polls
(``core/js/progress.js``), finding a run the user may see, and the downloads of a finished run.

A run's views mix :class:`VisibleRunMixin` with the run type's ``visible_runs()``; every read
starts from the model's ``visible_to(user)``, so a run of a unit the user may not see is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Final

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.views import View

from portal.depots.choices import RunStatus
from portal.depots.models.analysis import AnalysisRun
from portal.exchange.downloads import attachment, scratch

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GPKG: Final = "application/geopackage+sqlite3"
RUNNING: Final = (RunStatus.QUEUED, RunStatus.RUNNING)


def status_payload(run: AnalysisRun) -> dict[str, Any]:
    """What the page polls: enough to move the bar and to know when to reload."""
    return {
        "id": run.pk,
        "status": run.status,
        "label": str(run.get_status_display()),  # type: ignore[attr-defined]
        "progress": run.progress,
        "message": run.progress_message,
        "running": run.status in RUNNING,
        "error": run.error,
    }


class VisibleRunMixin(LoginRequiredMixin):
    """A run the user may see; another unit's is a 404. ``kind`` starts its files' names."""

    raise_exception = True  # JSON and downloads are fetched, not navigated to
    kind: ClassVar[str]
    run_model: ClassVar[type[AnalysisRun]]

    def visible_runs(self) -> QuerySet[Any]:
        visible = self.run_model.objects.visible_to(self.request.user)  # type: ignore[attr-defined]
        return visible.select_related("region", "unit", "created_by")  # type: ignore[no-any-return]

    def run(self) -> Any:
        return get_object_or_404(self.visible_runs(), pk=self.kwargs["pk"])  # type: ignore[attr-defined]

    def done(self) -> Any:
        """The run, if it has results; downloads of an unfinished one are a 404."""
        run = self.run()
        if run.status != RunStatus.DONE:
            raise Http404
        return run

    def filename(self, run: Any, suffix: str) -> str:
        return f"{self.kind}-{run.pk}-{slugify(run.region.code)}.{suffix}"


class RunStatusView(VisibleRunMixin, View):
    """``…/<pk>/status.json``: what the progress bar polls."""

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        return JsonResponse(status_payload(self.run()))


class RunFileView(VisibleRunMixin, View):
    """A file of a finished run, which ``writer(run, path, reader)`` writes in a scratch folder
    with what the reader may see of it."""

    writer: ClassVar[Callable[[Any, Path, Any], Any]]
    suffix: ClassVar[str]
    content_type: ClassVar[str]

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        run = self.done()
        with scratch(self.kind) as directory:
            written = self.writer(run, directory / f"{self.kind}.{self.suffix}", request.user)
            return attachment(written, self.filename(run, self.suffix), self.content_type)


class RunMapZipView(VisibleRunMixin, View):
    """``…/<pk>/map.zip``: the folium map of a finished run with its Leaflet files."""

    map_zip: ClassVar[Callable[[Any, Any], bytes]]  # (run, reader)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = self.done()
        response = HttpResponse(self.map_zip(run, request.user), content_type="application/zip")
        name = self.filename(run, "zip").replace(f"{self.kind}-", f"{self.kind}-map-", 1)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
