"""Monthly personal-account contributions (个人账户划入): the employee's share plus
the part the employer credits, at most once per person per month."""

import datetime
import logging

from django.db import IntegrityError, transaction

from accounts.models import InsuranceType, InsuredPerson, PersonStatus
from core import clock
from core.audit import audit_record
from wallet.actions import Action
from wallet.models import AccountKind, Contribution, ContributionRate, MovementKind
from wallet.services.ledger import lock_accounts, person_account, post_pair, system_account_id

log = logging.getLogger(__name__)


def rate_for(*, region_id: int, month: datetime.date) -> ContributionRate | None:
    """The contribution rate in force for a region in a month: the region's own
    latest row valid then, else the national default's."""
    return ContributionRate.in_force(region_id=region_id, valid_from__lte=month)


def contribution_post(
    *,
    person: InsuredPerson,
    month: datetime.date,
    acting_user=None,
    posted_at: datetime.datetime | None = None,
) -> Contribution | None:
    """Credit one month's contribution to an active employee's personal account.
    Idempotent: a month already posted returns the existing contribution (the
    unique constraint settles races). Residents and inactive persons get none.
    `posted_at`: when it was credited, for a month back-filled as it happened
    (the demo's year); by default now."""
    posted_at = posted_at or clock.now()
    month = month.replace(day=1)
    existing = Contribution.objects.filter(person=person, month=month).first()
    if existing is not None:
        return existing
    if person.insurance_type != InsuranceType.EMPLOYEE or person.status != PersonStatus.ACTIVE:
        return None
    rate = rate_for(region_id=person.region_id, month=month)
    if rate is None or rate.total <= 0:
        return None
    account = person_account(person=person, kind=AccountKind.PERSONAL)
    source = system_account_id(kind=AccountKind.CONTRIBUTIONS)
    try:
        with transaction.atomic():
            contribution = Contribution.objects.create(
                person=person,
                month=month,
                employee_amount=rate.employee_share,
                employer_amount=rate.employer_credit,
                posted_by=acting_user if acting_user and acting_user.is_authenticated else None,
                posted_at=posted_at,
            )
            lock_accounts([account.pk, source])
            post_pair(
                kind=MovementKind.CONTRIBUTION,
                out_of=source,
                into=account.pk,
                amount=contribution.total,
                ref=f"contribution:{contribution.pk}",
                at=posted_at,
            )
            audit_record(
                actor=acting_user,
                action=Action.CONTRIBUTION_POST,
                person=person,
                target=contribution,
                details={"month": f"{month:%Y-%m}", "amount": str(contribution.total)},
            )
    except IntegrityError:
        return Contribution.objects.get(person=person, month=month)
    return contribution


def contributions_post_month(
    *, month: datetime.date, acting_user=None, chunk: int = 500, progress=None
) -> int:
    """Post `month`'s contribution for every active employee who has none yet;
    returns how many were posted. Safe to run any number of times; each person is
    one short transaction, so a job killed half way just resumes. `progress()`
    is called after each chunk (a background job's sign of life)."""
    month = month.replace(day=1)
    posted = 0
    last_id = 0
    while True:
        batch = list(
            InsuredPerson.objects.filter(
                pk__gt=last_id,
                insurance_type=InsuranceType.EMPLOYEE,
                status=PersonStatus.ACTIVE,
            )
            .exclude(contributions__month=month)
            .order_by("pk")[:chunk]
        )
        if not batch:
            break
        for person in batch:
            # The batch has no contribution for the month yet (a concurrent run
            # may still win a row: contribution_post then returns that one).
            if contribution_post(person=person, month=month, acting_user=acting_user):
                posted += 1
        last_id = batch[-1].pk
        if progress is not None:
            progress()
    log.info("contributions for %s: %d posted", f"{month:%Y-%m}", posted)
    return posted


def this_month() -> datetime.date:
    return clock.localdate().replace(day=1)
