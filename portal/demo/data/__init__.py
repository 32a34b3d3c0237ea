"""Reference tables and name lists the demo loader reads; edit them here, not in the generators."""
