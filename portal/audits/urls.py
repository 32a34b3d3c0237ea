from django.urls import path

from portal.audits import views

app_name = "audits"

urlpatterns = [
    path("", views.EventListView.as_view(), name="event_list"),
    path("export.csv", views.EventExportView.as_view(), {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.EventExportView.as_view(), {"fmt": "xlsx"}, name="export_xlsx"),
    path("purge/", views.PurgeView.as_view(), name="purge"),
]
