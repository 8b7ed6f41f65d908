from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from django.contrib import admin

        from portal import signals  # noqa: F401 - connects the receivers
        from portal.forms import AdminLoginForm

        admin.site.site_header = _("Family Medical Insurance Portal — administration")
        admin.site.site_title = _("Family Medical Insurance Portal")
        admin.site.index_title = _("Administration")
        admin.site.login_form = AdminLoginForm
