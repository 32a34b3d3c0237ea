"""The assets app's pages, one module per part: the ledger, the warehouse, transfers and
approvals, disposal, office space, needs. Each module ends with its ``urlpatterns``, which
``portal.assets.urls`` joins."""
