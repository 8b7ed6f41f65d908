from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as accounts_views
from portal import views
from portal.media import media_for_staff

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("signup/", views.signup, name="signup"),
    path("me/", views.me, name="me"),
    path("me/elder-mode/", views.elder_mode_set, name="elder_mode"),
    path("messages/", views.inbox, name="inbox"),
    path("messages/<int:message_id>/", views.inbox_open, name="inbox_open"),
    path("messages/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("family/", views.family, name="family"),
    path("verify/<str:token>/", accounts_views.proof_verify, name="proof_verify"),
    path("family/", include("accounts.urls")),
    path("wallet/", include("wallet.urls")),
    path("claims/", include("claims.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Uploaded documents: staff only, whatever DEBUG says (portal/media.py).
urlpatterns.append(
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media_for_staff, name="media")
)
