from portal.costs.views import campaigns, dashboard, records

app_name = "costs"

urlpatterns = [
    *dashboard.urlpatterns,
    *campaigns.urlpatterns,
    *records.urlpatterns,
]
