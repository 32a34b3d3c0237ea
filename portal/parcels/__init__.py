"""Land and ownership parcels (宗地), their rights, certificates and title status."""
