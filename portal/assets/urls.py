from portal.assets.views import (
    disposal,
    ledger,
    needs,
    reports,
    space,
    transfer_batches,
    transfers,
    warehouse,
)

app_name = "assets"

urlpatterns = [
    *ledger.urlpatterns,
    *warehouse.urlpatterns,
    *transfers.urlpatterns,
    *transfer_batches.urlpatterns,
    *disposal.urlpatterns,
    *reports.urlpatterns,
    *space.urlpatterns,
    *needs.urlpatterns,
]
