"""Forms of the depots pages, one module per capability; the rules are the services'."""
