from django.urls import path

from portal.exchange import views

app_name = "exchange"

urlpatterns = [
    path("imports/", views.ImportListView.as_view(), name="import_list"),
    path("imports/new/", views.ImportCreateView.as_view(), name="import_new"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/status.json", views.ImportStatusView.as_view(), name="import_status"),
    path("imports/<int:pk>/report.xlsx", views.ImportReportView.as_view(), name="import_report"),
    path("imports/<int:pk>/confirm/", views.ImportConfirmView.as_view(), name="import_confirm"),
    path(
        "imports/template/<slug:entity>.xlsx",
        views.ImportTemplateView.as_view(),
        name="import_template",
    ),
    path("exports/<slug:entity>/", views.ExportView.as_view(), name="export"),
]
