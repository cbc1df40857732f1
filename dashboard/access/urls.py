"""Login, logout and the display-token pages (``access-*`` names are staff-only in the policy)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from dashboard.access import views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("access/display/", views.display, name="display-link"),
    path("access/display/exchange", views.display_exchange, name="display-exchange"),
    path("access/tokens/", views.tokens, name="access-tokens"),
    path("access/tokens/<int:pk>/revoke", views.revoke, name="access-token-revoke"),
]
