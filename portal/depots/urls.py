from portal.depots.views import coverage, depots, incidents, scenarios, stock

app_name = "depots"

urlpatterns = (
    depots.urlpatterns
    + stock.urlpatterns
    + coverage.urlpatterns
    + scenarios.urlpatterns
    + incidents.urlpatterns
)
