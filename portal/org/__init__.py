"""Administrative divisions, cooperation regions, units (agencies), users and their roles."""
