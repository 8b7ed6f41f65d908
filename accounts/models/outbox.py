"""The SMS outbox: messages the portal would send (no real SMS is sent)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models.people import InsuredPerson


class OutboundMessage(models.Model):
    """The SMS outbox: messages the portal would send (no real SMS is sent)."""

    phone = models.CharField(_("phone"), max_length=20)
    person = models.ForeignKey(
        InsuredPerson, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"))
    purpose = models.CharField(_("purpose"), max_length=40)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("SMS outbox message")
        verbose_name_plural = _("SMS outbox")

    def __str__(self) -> str:
        return f"{self.phone}: {self.purpose}"
