"""Files written for one response (an export, a report, a template) and served as attachments.

Each is written into a private temporary directory that is removed as soon as the response holds
the open file: on POSIX the data stays readable through the handle, so nothing is left on disk
however the download ends, and two downloads never share a path.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.http import FileResponse, QueryDict

from portal.exchange.entities import Entity
from portal.exchange.export import export_queryset

# The export's own parameters; everything else in the query is the record type's filter.
EXPORT_PARAMETERS = ("format", "crs", "encoding")


@contextmanager
def scratch(kind: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"tianfu-{kind}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def attachment(path: Path, filename: str, content_type: str) -> FileResponse:
    handle = path.open("rb")
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


def export_download(entity: Entity, user: Any, query: QueryDict) -> FileResponse:
    """The export asked for by a page's or the API's query; raises the export's PortalError."""
    filters = query.copy()
    choice = {name: str(filters.pop(name, [""])[-1]) for name in EXPORT_PARAMETERS}
    with scratch("export") as directory:
        result = export_queryset(
            entity,
            user,
            filters,
            choice["format"] or "gpkg",
            crs=choice["crs"] or "EPSG:4490",
            encoding=choice["encoding"] or "utf-8",
            out=directory,
        )
        return attachment(result.path, result.filename, result.content_type)
