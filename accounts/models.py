"""People: regions, insured persons, relationships, dependent accounts, facilities,
designated-facility choices, non-local registrations, the SMS outbox and the audit
trail. Rules: RULES.md sections A and F.

The facility model lives here, not in claims: the designated-facility choice (F2)
belongs to people, and apps depend one way (claims -> wallet -> accounts).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import national_id


class Province(models.Model):
    """A mainland province-level division, with the flags other rules read."""

    code = models.CharField(_("code"), max_length=2, unique=True)  # GB/T 2260, e.g. "44"
    name = models.CharField(_("name"), max_length=50)  # 广东省
    name_en = models.CharField(_("English name"), max_length=50)  # Guangdong
    wallet_live = models.BooleanField(
        _("wallet live"), default=True, help_text=_("W1: wallets may be opened here.")
    )
    usage_location_change = models.BooleanField(
        _("change of usage location supported"),
        default=False,
        help_text=_("W3: wallet holders may change their usage location here."),
    )
    cross_province_pooling = models.BooleanField(
        _("cross-province pooling override"),
        null=True,
        blank=True,
        help_text=_("P2: empty follows the national setting; yes/no overrides it here."),
    )
    designated_facility_required = models.BooleanField(
        _("designated outpatient facility required"),
        default=False,
        help_text=_("F2: residents must choose one facility for general outpatient care."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """A city / pooling area (统筹区) inside a province."""

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="regions", verbose_name=_("province")
    )
    code = models.CharField(_("code"), max_length=6, unique=True)  # GB/T 2260, e.g. "440100"
    name = models.CharField(_("name"), max_length=50)  # 广州市
    name_en = models.CharField(_("English name"), max_length=50)  # Guangzhou

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        if self.name == self.province.name:
            return self.name
        return f"{self.province.name} {self.name}"


class InsuranceType(models.TextChoices):
    EMPLOYEE = "employee", _("Employee basic medical insurance")
    RESIDENT = "resident", _("Urban and rural resident basic medical insurance")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


def new_qr_token() -> str:
    return secrets.token_urlsafe(24)


class InsuredPerson(models.Model):
    """An insured person (A1). The national ID is shown masked everywhere except to
    administrators opening the record; pages and URLs use the primary key."""

    name = models.CharField(_("name"), max_length=50)
    national_id = models.CharField(
        _("national ID number"), max_length=18, unique=True, validators=[national_id.validate]
    )
    birth_date = models.DateField(_("birth date"), editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    insurance_type = models.CharField(
        _("insurance type"), max_length=10, choices=InsuranceType.choices
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="insured", verbose_name=_("insured region")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="insured_person",
        verbose_name=_("portal user"),
    )
    qr_token = models.CharField(_("QR token"), max_length=40, unique=True, default=new_qr_token)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("insured person")
        verbose_name_plural = _("insured persons")
        indexes = [models.Index(fields=["name"]), models.Index(fields=["phone"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_id})"

    def save(self, *args, **kwargs) -> None:
        # Birth date and sex always follow the ID number (GB 11643).
        self.national_id, self.birth_date, self.sex = national_id.parse(self.national_id)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "national_id" in update_fields:
            kwargs["update_fields"] = {*update_fields, "birth_date", "sex"}
        super().save(*args, **kwargs)

    @property
    def masked_id(self) -> str:
        return national_id.mask(self.national_id)

    @property
    def is_active(self) -> bool:
        return self.status == PersonStatus.ACTIVE

    def age_on(self, day) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class RelationshipKind(models.TextChoices):
    """How person_a relates to person_b, stored once (A2)."""

    SPOUSE = "spouse", _("spouse")
    PARENT = "parent", _("parent")  # a is b's parent; read back: b is a's child
    GRANDPARENT = "grandparent", _("grandparent")  # a is b's grandparent
    SIBLING = "sibling", _("sibling")


class Relationship(models.Model):
    """A close-relative relationship (A2) between two insured persons, stored once
    and read both ways (see selectors.relation_of)."""

    person_a = models.ForeignKey(
        InsuredPerson, on_delete=models.CASCADE, related_name="relationships_as_a"
    )
    person_b = models.ForeignKey(
        InsuredPerson, on_delete=models.CASCADE, related_name="relationships_as_b"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=RelationshipKind.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        constraints = [
            models.CheckConstraint(
                condition=~Q(person_a=F("person_b")), name="relationship_not_self"
            ),
            # One relationship per pair, whichever way round it was entered.
            models.UniqueConstraint(
                Least("person_a", "person_b"),
                Greatest("person_a", "person_b"),
                name="relationship_once_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_a.name} → {self.person_b.name}: {self.get_kind_display()}"


class Facility(models.Model):
    """A designated hospital or pharmacy (F1), with the flags other rules read."""

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("hospital")
        PHARMACY = "pharmacy", _("pharmacy")

    class Tier(models.IntegerChoices):
        TIER_1 = 1, _("tier 1 (community / township)")
        TIER_2 = 2, _("tier 2")
        TIER_3 = 3, _("tier 3 (tertiary)")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("region")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    outpatient_pooling = models.BooleanField(_("outpatient pooling"), default=True)
    designated_outpatient = models.BooleanField(
        _("designated outpatient facility (F2)"), default=False
    )
    cross_province_direct = models.BooleanField(
        _("cross-province direct settlement"), default=False
    )
    chronic_settlement = models.BooleanField(_("chronic-disease settlement"), default=False)
    wallet_payment = models.BooleanField(_("accepts wallet payment"), default=False)

    class Meta:
        ordering = ["region", "kind", "tier", "name"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="pharmacy", tier__isnull=True)
                | Q(kind="hospital", tier__isnull=False),
                name="facility_hospitals_have_a_tier",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AuditEvent(models.Model):
    """Append-only audit trail: who did what, for whom, when (Zulip-style actions)."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for whom"),
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target = models.CharField(_("object"), max_length=100, blank=True)  # "wallet.Transfer:42"
    details = models.JSONField(_("details"), default=dict, blank=True)
    # Snapshots taken when the row is written, so the trail still says who and for
    # whom after a user or person is deleted (the foreign keys then become NULL).
    actor_label = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    person_label = models.CharField(_("for whom (as recorded)"), max_length=80, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")


class AccountsPolicy(models.Model):
    """Editable numbers for the people rules (one row; seeded from RULES.md)."""

    max_dependents = models.PositiveSmallIntegerField(
        _("dependents per user at most (A3)"), default=5
    )
    review_age_limit = models.PositiveSmallIntegerField(
        _("relatives this age or younger need a reviewed document (A3)"), default=16
    )
    code_ttl_minutes = models.PositiveSmallIntegerField(
        _("one-time code valid for (minutes)"), default=10
    )
    code_max_attempts = models.PositiveSmallIntegerField(
        _("wrong code attempts allowed"), default=5
    )
    facility_change_delay_days = models.PositiveSmallIntegerField(
        _("designated facility change takes effect after (days) (F2)"), default=1
    )
    temporary_registration_months = models.PositiveSmallIntegerField(
        _("temporary non-local registration valid for (months) (F3)"), default=6
    )

    class Meta:
        verbose_name = _("people rules")
        verbose_name_plural = _("people rules")

    def __str__(self) -> str:
        return str(_("people rules"))

    @classmethod
    def current(cls) -> "AccountsPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class DependentBinding(models.Model):
    """A dependent account (亲情账户, A3): a portal user looks after a relative."""

    class Status(models.TextChoices):
        PENDING_CODE = "pending_code", _("waiting for the relative's code")
        PENDING_REVIEW = "pending_review", _("waiting for document review")
        ACTIVE = "active", _("active")
        REJECTED = "rejected", _("rejected")
        EXPIRED = "expired", _("expired")
        ENDED = "ended", _("ended")

    OPEN_STATUSES = (Status.PENDING_CODE, Status.PENDING_REVIEW, Status.ACTIVE)

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
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.CASCADE,
        related_name="bindings",
        verbose_name=_("relative"),
    )
    relation = models.CharField(_("relationship"), max_length=24, choices=Relation.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    document = models.FileField(_("document"), upload_to="dependents/%Y/%m/", blank=True)
    code_hash = models.CharField(max_length=128, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    code_sent_at = models.DateTimeField(_("code sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
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
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.person}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

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


class DesignatedFacilityChoice(models.Model):
    """A person's designated outpatient facility (F2). Every choice is kept; the one
    in force on a day is the latest whose effective_from is on or before it."""

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.CASCADE, related_name="facility_choices"
    )
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+")
    effective_from = models.DateField(_("effective from"))
    chosen_at = models.DateTimeField(_("chosen"), auto_now_add=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["person", "-effective_from", "-pk"]
        verbose_name = _("designated facility choice")
        verbose_name_plural = _("designated facility choices")

    def __str__(self) -> str:
        return f"{self.person.name}: {self.facility} ({self.effective_from})"


class NonLocalRegistration(models.Model):
    """A non-local treatment registration (异地就医备案, F3)."""

    class Kind(models.TextChoices):
        RETIRED_RESETTLED = "retired_resettled", _("retired and resettled elsewhere")
        LONG_TERM_RESIDENT = "long_term_resident", _("long-term resident elsewhere")
        POSTED_WORKER = "posted_worker", _("posted to work elsewhere")
        REFERRAL = "referral", _("referral")
        EMERGENCY = "emergency", _("emergency")
        OTHER_TEMPORARY = "other_temporary", _("other temporary treatment")

    LONG_TERM_KINDS = (Kind.RETIRED_RESETTLED, Kind.LONG_TERM_RESIDENT, Kind.POSTED_WORKER)

    class Proof(models.TextChoices):
        RESIDENCE = "residence", _("proof of residence (residence permit)")
        COMMITMENT = "commitment", _("personal commitment letter (承诺书)")
        NONE = "none", _("none needed")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        CANCELLED = "cancelled", _("cancelled")

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.CASCADE, related_name="registrations"
    )
    destination = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("destination")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: until changed.")
    )
    proof = models.CharField(_("proof"), max_length=12, choices=Proof.choices)
    proof_document = models.FileField(
        _("proof document"), upload_to="registrations/%Y/%m/", blank=True
    )
    commitment_signed_name = models.CharField(_("commitment signed by"), max_length=50, blank=True)
    commitment_signed_at = models.DateTimeField(_("commitment signed"), null=True, blank=True)
    commitment_text = models.TextField(_("commitment text signed"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("filed"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["person", "-start_date"]
        verbose_name = _("non-local registration")
        verbose_name_plural = _("non-local registrations")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="registration_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person.name}: {self.get_kind_display()} → {self.destination}"

    @property
    def is_long_term(self) -> bool:
        return self.kind in self.LONG_TERM_KINDS


CODE_MASK = "••••••"


class OutboundMessage(models.Model):
    """The SMS outbox: messages the portal would send (no real SMS is sent).

    A message carrying a one-time code keeps the code readable only while it
    waits to be sent and is still valid: once sent, used, replaced or expired,
    the code is blanked out of the text (``redact``), and pages that show the
    outbox mask it already when it has expired (``readable_body``)."""

    phone = models.CharField(_("phone"), max_length=20)
    person = models.ForeignKey(
        InsuredPerson, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"))
    purpose = models.CharField(_("purpose"), max_length=40)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    code = models.CharField(_("code (until sent or expired)"), max_length=12, blank=True)
    code_expires_at = models.DateTimeField(_("code valid until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("SMS outbox message")
        verbose_name_plural = _("SMS outbox")

    def __str__(self) -> str:
        return f"{self.phone}: {self.purpose}"

    @property
    def code_readable(self) -> bool:
        return bool(
            self.code
            and self.sent_at is None
            and (self.code_expires_at is None or timezone.now() < self.code_expires_at)
        )

    @property
    def readable_body(self) -> str:
        if self.code and not self.code_readable:
            return self.body.replace(self.code, CODE_MASK)
        return self.body

    def redact(self) -> None:
        """Blank the code out of the stored text (sent, used, replaced or expired)."""
        if self.code:
            self.body = self.body.replace(self.code, CODE_MASK)
            self.code = ""
            self.save(update_fields=["body", "code"])


class CodeChallenge(models.Model):
    """A one-time code sent to prove a phone (A1): to sign up (the phone on the
    insurance record, or one an administrator checked in person) or to set a
    new password. Only a keyed hash of the code is stored; the attempt counts
    and the owner's daily limit are checked by accounts.services.codes."""

    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("sign-up")
        RESET = "reset", _("password reset")

    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("insured person"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("portal user"),
    )
    phone = models.CharField(_("sent to"), max_length=20, blank=True)
    code_hash = models.CharField(max_length=128, blank=True)
    expires_at = models.DateTimeField(_("valid until"))
    attempts = models.PositiveSmallIntegerField(_("wrong codes"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("phone checked in person by"),
    )
    message = models.ForeignKey(
        OutboundMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"
