"""Spatial core of Tianfu Atlas, independent of Django.

Submodules, imported explicitly by callers so that ``import gis`` stays cheap:

* :mod:`gis.errors` – the exception hierarchy (:class:`gis.errors.GisError` and subclasses);
* :mod:`gis.crs` – storage SRID, Gauss-Krüger zones, transformers, detection of swapped or
  zone-prefixed coordinates, refusal of legacy datums and unsafe CRS text;
* :mod:`gis.geodesy` – areas and lengths on the CGCS2000 ellipsoid (re-exported by
  :mod:`gis.crs`);
* :mod:`gis.china` – WGS84/CGCS2000 ↔ GCJ-02 ↔ BD-09 conversions with exact inverses;
* :mod:`gis.codes` – GB/T 2260 division codes, GB 32100 unified social credit codes and
  GB/T 37346 real-estate unit codes.

Nothing here may import Django or the portal: the library must stay usable from scripts and
tests without settings.
"""
