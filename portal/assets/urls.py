from portal.assets.views import ledger

app_name = "assets"

urlpatterns = [*ledger.urlpatterns]
