"""What the audit trail records of claims (RULES.md C, T): bills, the directory,
chronic diseases. Registered with core.actions, which core.audit checks every
row against."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.actions import register


@register
class Action(models.TextChoices):
    BILL_CREATE = "claims.bill_create", _("bill entered")
    BILL_SETTLE = "claims.bill_settle", _("bill settled")
    BILL_REFUND = "claims.bill_refund", _("bill refunded and settled again")
    REFUND_ASK = "claims.refund_ask", _("refund asked for, awaiting a second approval")
    REFUND_APPROVE = "claims.refund_approve", _("refund approved by a second member of staff")
    DIRECTORY_IMPORT = "claims.directory_import", _("directory imported")
    CHRONIC_APPLY = "claims.chronic_apply", _("chronic disease recognition applied for")
    CHRONIC_APPROVE = "claims.chronic_approve", _("chronic disease recognition approved")
    CHRONIC_REFUSE = "claims.chronic_refuse", _("chronic disease recognition refused")
    CLAIM_SUBMIT = "claims.claim_submit", _("out-of-pocket claim submitted")
    CLAIM_REVIEW = "claims.claim_review", _("out-of-pocket claim taken for review")
    CLAIM_COMPUTE = "claims.claim_compute", _("out-of-pocket claim computed")
    CLAIM_PREPARE = "claims.claim_prepare", _("out-of-pocket claim approval prepared")
    CLAIM_APPROVE = "claims.claim_approve", _("out-of-pocket claim approved")
    CLAIM_REFUSE = "claims.claim_refuse", _("out-of-pocket claim refused")
    CLAIM_PAY = "claims.claim_pay", _("out-of-pocket claim paid")
