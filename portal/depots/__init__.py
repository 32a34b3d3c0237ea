"""Emergency supply depots and public asset warehouses, and the stock they hold."""
