"""Where a login is logged in: one row per session, so the person can see and end
their other sessions and an administrator can end anyone's (ASVS V7)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginSession(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="login_sessions",
        verbose_name=_("portal user"),
    )
    session_key = models.CharField(_("session"), max_length=40, unique=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("logged in"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last active"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen", "-pk"]
        verbose_name = _("login session")
        verbose_name_plural = _("login sessions")

    def __str__(self) -> str:
        return f"{self.user} {self.started_at:%Y-%m-%d %H:%M}"
