"""Pages of the parcels app: parcels, title cases, the conflict register and the campaign."""
