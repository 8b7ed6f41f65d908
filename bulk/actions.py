"""What the audit trail records of bulk proxy activation (W2). Registered with
core.actions, which core.audit checks every row against."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.actions import register


@register
class Action(models.TextChoices):
    BULK_UPLOAD = "wallet.bulk_upload", _("bulk activation file uploaded")
    BULK_CHECKED = "wallet.bulk_checked", _("bulk activation file checked")
    BULK_REJECTED = "wallet.bulk_rejected", _("bulk activation file refused")
    BULK_CONFIRM = "wallet.bulk_confirm", _("bulk activation confirmed")
    BULK_CANCEL = "wallet.bulk_cancel", _("bulk activation cancelled")
    BULK_RESUME = "wallet.bulk_resume", _("bulk activation resumed")
    BULK_START = "wallet.bulk_start", _("bulk activation started")
    BULK_DONE = "wallet.bulk_done", _("bulk activation done")
