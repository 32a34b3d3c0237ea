from django.urls import path

from portal.accounts import views

app_name = "accounts"

urlpatterns = [
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("otp/", views.SecondFactorView.as_view(), name="otp_verify"),
    path("otp/setup/", views.SecondFactorSetupView.as_view(), name="otp_setup"),
    path("otp/qr.svg", views.SecondFactorQRView.as_view(), name="otp_qr"),
]
