from portal.ledgers.views import reports

app_name = "ledgers"

urlpatterns = [*reports.urlpatterns]
