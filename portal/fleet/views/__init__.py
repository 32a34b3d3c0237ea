"""Pages of the fleet app, one module per part: vehicles, bookings, dispatch, trips and
statements, the fleet map and utilisation."""
