"""Office buildings, their floors and rooms, occupancy by units, and office-space standards."""
