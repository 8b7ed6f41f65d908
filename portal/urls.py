from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as django_auth_views
from django.urls import include, path

from accounts import views as accounts_views
from portal import auth_views, passkey_views, signup_views, views
from portal.media import media_for_staff

handler500 = "portal.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Pages without a <link rel="icon"> (the admin) make browsers ask for this.
    path("favicon.ico", views.favicon, name="favicon"),
    path("signup/", signup_views.signup, name="signup"),
    path("signup/code/", signup_views.signup_code, name="signup_code"),
    path("signup/code/again/", signup_views.signup_resend, name="signup_resend"),
    path("password/forgot/", signup_views.password_forgot, name="password_forgot"),
    path("password/forgot/code/", signup_views.password_forgot_code, name="password_forgot_code"),
    path(
        "password/forgot/code/again/",
        signup_views.password_forgot_resend,
        name="password_forgot_resend",
    ),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("login/second-factor/", auth_views.second_factor, name="two_factor"),
    path("login/recovery-codes/", auth_views.recovery_codes, name="recovery_codes"),
    # core.logs.TOKEN_PATHS keeps the token out of the logs.
    path("staff-enrol/<str:token>/", auth_views.staff_enrol, name="staff_enrol"),
    path("session/kept-form/", auth_views.kept_form, name="kept_form"),
    path("sessions/", auth_views.login_sessions, name="login_sessions"),
    # A family login's passkeys (A10) and the login step that asks for one.
    path("login/passkey/", passkey_views.passkey_login, name="passkey_login"),
    path(
        "login/passkey/options/", passkey_views.passkey_login_options, name="passkey_login_options"
    ),
    path("passkeys/", passkey_views.passkey_list, name="passkeys"),
    path("passkeys/options/", passkey_views.passkey_add_options, name="passkey_add_options"),
    path("passkeys/add/", passkey_views.passkey_add, name="passkey_add"),
    path("passkeys/<int:passkey_id>/remove/", passkey_views.passkey_remove, name="passkey_remove"),
    path("me/", views.me, name="me"),
    path("me/elder-mode/", views.elder_mode_set, name="elder_mode"),
    path("messages/", views.inbox, name="inbox"),
    path("messages/<int:message_id>/", views.inbox_open, name="inbox_open"),
    path("messages/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/change/done/",
        django_auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("family/", views.family, name="family"),
    path("verify/<str:token>/", accounts_views.proof_verify, name="proof_verify"),
    path("family/", include("accounts.urls")),
    path("wallet/", include("wallet.urls")),
    path("claims/", include("claims.urls")),
    # Django's language switch, which also keeps the choice with the login.
    path("i18n/setlang/", views.language_set, name="set_language"),
    path("admin/", admin.site.urls),
]

# Uploaded documents: staff only, whatever DEBUG says (portal/media.py).
urlpatterns.append(
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media_for_staff, name="media")
)
