"""Read one collection with pyogrio's GDAL and print what it read as JSON (tests/clients).

Run as its own process (``python -m tests.clients.pyogrio_client``): GDAL holds the GIL
while it waits for an HTTP answer, so called inside the test process it would wait forever
for the live server, whose threads answer in that same interpreter.

Arguments: the dataset name (``OAPIF:…``), the layer, ``--crs`` (a CRS URI, the driver's
``CRS`` open option) and ``--headers`` (a file of HTTP headers, the token's line). Prints
``{"epsg": …, "features": {fid: [[x, y], …]}}``, with ``null`` for a feature without
geometry; a GDAL error goes to stderr with exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys

import pyogrio
import shapely
from pyogrio.errors import DataSourceError


def read(dataset: str, layer: str, crs: str | None) -> dict[str, object]:
    options = {"CRS": crs} if crs else {}
    frame = pyogrio.read_dataframe(dataset, layer=layer, fid_as_index=True, **options)
    features = {
        str(fid): None if geometry is None else shapely.get_coordinates(geometry).tolist()
        for fid, geometry in frame.geometry.items()
    }
    return {"epsg": frame.crs.to_epsg() if frame.crs else None, "features": features}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("layer")
    parser.add_argument("--crs")
    parser.add_argument("--headers")
    args = parser.parse_args(argv)
    if args.headers:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_HEADER_FILE": args.headers})
    try:
        print(json.dumps(read(args.dataset, args.layer, args.crs)))
    except DataSourceError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_HEADER_FILE": None})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
