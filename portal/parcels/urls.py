from django.urls import path

from portal.parcels.views import campaign, cases, findings, parcel

app_name = "parcels"

urlpatterns = [
    path("parcels/<int:pk>/", parcel.ParcelDetailView.as_view(), name="parcel_detail"),
    # -- title cases --
    path("titles/cases/", cases.CaseListView.as_view(), name="case_list"),
    path("titles/cases/bulk/", cases.CaseBulkView.as_view(), name="case_bulk"),
    path("titles/cases/<int:pk>/", cases.CaseDetailView.as_view(), name="case_detail"),
    path(
        "titles/documents/<int:pk>/",
        cases.DocumentDownloadView.as_view(),
        name="document_download",
    ),
    # -- conflict register --
    path("titles/conflicts/", findings.FindingListView.as_view(), name="finding_list"),
    path("titles/conflicts/<int:pk>/", findings.FindingDetailView.as_view(), name="finding_detail"),
    # -- campaign dashboard and reports --
    path("titles/", campaign.CampaignView.as_view(), name="campaign"),
    path("titles/report.xlsx", campaign.CampaignXlsxView.as_view(), name="campaign_xlsx"),
    path("titles/report.pdf", campaign.CampaignPdfView.as_view(), name="campaign_pdf"),
    path("titles/map.zip", campaign.CampaignMapView.as_view(), name="campaign_map"),
]
