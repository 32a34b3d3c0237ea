"""State assets held by units, classified by GB/T 14885, and their status."""
