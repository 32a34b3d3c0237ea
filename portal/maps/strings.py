"""Interface strings of the map's JavaScript, translated on the server and handed over with
``json_script``: one catalogue, no inline script and no extra request."""

from django.utils.translation import gettext_lazy as _

JS_STRINGS = {
    "details": _("Details"),
    "zoom_in": _("Zoom in"),
    "cell_count": _("{count} records in this area"),
    "cell_hint": _("Zoom in to see single records."),
    "divisions": _("Divisions"),
    "searching": _("Searching…"),
    "no_results": _("Nothing found."),
    "search_failed": _("Search failed: {error}"),
    "querying": _("Querying…"),
    "query_failed": _("Query failed: {error}"),
    "draw_first": _("Draw a polygon, rectangle or circle on the map first."),
    "query_count": _("{count} records"),
    "query_truncated": _("The first {shown} of {count} records are listed; export for all."),
    "export_xlsx": _("Export XLSX"),
    "export_csv": _("Export CSV"),
    "distance": _("Distance"),
    "area": _("Area"),
    "measure_hint": _("Click to add points; click the last point again to finish."),
    "locating": _("Locating…"),
    "located": _("Your position (accurate to about {metres} m)"),
    "locate_denied": _("Location is not available: permission denied."),
    "locate_failed": _("Location is not available."),
    "approval_no": _("Approval number"),
    "offline_attribution": _("Boundaries: administrative divisions register; relief: DEM"),
    "gcj02_shift": _("Layers shifted to GCJ-02 for display on this basemap"),
    "close": _("Close"),
    "metres": _("m"),
    "kilometres": _("km"),
    "square_metres": _("m²"),
    "square_kilometres": _("km²"),
}
