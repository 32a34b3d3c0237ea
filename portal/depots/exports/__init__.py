"""Exports of coverage analyses and siting scenarios (XLSX, GeoPackage, folium HTML)."""
