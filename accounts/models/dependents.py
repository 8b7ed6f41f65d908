"""Dependent accounts (亲情账户, A3) and the approval queue of child bindings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models.people import InsuredPerson
from core.fields import ChoiceLabels, ClockDateTimeField, user_field
from core.flow import Flow


class DependentBinding(ChoiceLabels, models.Model):
    """A dependent account (亲情账户, A3): a portal user looks after a relative."""

    class Status(models.TextChoices):
        PENDING_CODE = "pending_code", _("waiting for the relative's code")
        PENDING_REVIEW = "pending_review", _("waiting for document review")
        ACTIVE = "active", _("active")
        REJECTED = "rejected", _("rejected")
        EXPIRED = "expired", _("expired")
        ENDED = "ended", _("ended")

    OPEN_STATUSES = (Status.PENDING_CODE, Status.PENDING_REVIEW, Status.ACTIVE)
    # A3: a request is confirmed (code, the relative's login, a review), refused
    # or given up; an open binding is ended by either side.
    flow = Flow(
        {
            Status.PENDING_CODE: (Status.ACTIVE, Status.REJECTED, Status.EXPIRED, Status.ENDED),
            Status.PENDING_REVIEW: (Status.ACTIVE, Status.REJECTED, Status.ENDED),
            Status.ACTIVE: (Status.ENDED,),
        }
    )

    class Relation(models.TextChoices):
        """What the relative is to the user (declared when adding)."""

        SPOUSE = "spouse", _("spouse")
        PARENT = "parent", _("parent")
        CHILD = "child", _("child")
        SIBLING = "sibling", _("brother or sister")
        GRANDPARENT_PATERNAL = "grandparent_paternal", _("paternal grandparent")
        GRANDPARENT_MATERNAL = "grandparent_maternal", _("maternal grandparent")
        GRANDCHILD = "grandchild", _("grandchild")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="dependent_bindings",
        verbose_name=_("portal user"),
    )
    # None for a blind request: details that matched no record (or a refusal
    # that depends on the record) wait and expire like a real request, so the
    # family page tells nobody who is on record (A6). A blind request never
    # becomes active.
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="bindings",
        verbose_name=_("relative"),
    )
    # The name as the requester typed it: what the family page shows until the
    # binding is active (the record's own name could differ and confirm it, A6).
    typed_name = models.CharField(_("name as typed"), max_length=50, blank=True)
    # A keyed hash of the user and the typed ID number, on real and blind
    # requests alike: "already asked" and today's wrong codes are counted per
    # typed ID number, record or not (A6), and the ID number is not kept in clear.
    subject = models.CharField(max_length=64, blank=True, editable=False)
    relation = models.CharField(_("relationship"), max_length=24, choices=Relation.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    document = models.FileField(_("document"), upload_to="dependents/%Y/%m/", blank=True)
    code_hash = models.CharField(_("code (hashed)"), max_length=128, blank=True)
    code_expires_at = models.DateTimeField(_("code valid until"), null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(_("wrong code attempts"), default=0)
    code_sent_at = models.DateTimeField(_("code sent"), null=True, blank=True)
    created_at = ClockDateTimeField(_("requested"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    reviewed_by = user_field(_("reviewed by"))
    review_note = models.CharField(_("review note"), max_length=200, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("dependent account")
        verbose_name_plural = _("dependent accounts")
        constraints = [
            # One open binding (pending or active) per user and relative.
            models.UniqueConstraint(
                fields=["user", "person"],
                condition=Q(status__in=["pending_code", "pending_review", "active"]),
                name="dependent_binding_one_open_per_pair",
            ),
            # The same for what was typed: one open request per typed ID number,
            # blind requests included.
            models.UniqueConstraint(
                fields=["user", "subject"],
                condition=Q(status__in=["pending_code", "pending_review", "active"])
                & ~Q(subject=""),
                name="dependent_binding_one_open_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.person if self.person_id else self.typed_name}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_blind(self) -> bool:
        """Details that matched no record (A6): waits like a request, never opens."""
        return self.person_id is None

    @property
    def shown_name(self) -> str:
        """The relative's name as the requester may read it: what they typed
        until the binding is active, the record's own name after (A6)."""
        if self.activated_at is not None and self.person_id is not None:
            return self.person.name
        return self.typed_name

    @property
    def requester_name(self) -> str:
        """The name of the person who asked (their record's name), never a
        login name: relatives decide whom they let in by who it is (A3)."""
        try:
            return self.user.insured_person.name
        except models.ObjectDoesNotExist:
            return str(_("a portal user without an insurance record"))


class PendingChildBindingManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(status=DependentBinding.Status.PENDING_REVIEW)


class PendingChildBinding(DependentBinding):
    """The admin's approval queue (A3): bindings of relatives aged 16 or under
    waiting for an administrator to review the uploaded document."""

    objects = PendingChildBindingManager()

    class Meta:
        proxy = True
        verbose_name = _("child binding to review")
        verbose_name_plural = _("child bindings to review")
