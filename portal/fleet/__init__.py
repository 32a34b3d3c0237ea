"""Official vehicles and where they are based."""
