"""The default policy rows (RULES.md defaults), for a database that lost its
seeded rows (a flushed test database) or a fresh demo. Migration 0002 seeds the
same values."""

import datetime
from decimal import Decimal

from wallet.models import ContributionRate, PremiumRate, WalletPolicy

DEFAULT_CONTRIBUTION = (datetime.date(2020, 1, 1), Decimal("120.00"), Decimal("30.00"))
DEFAULT_PREMIUMS = {2024: Decimal("380.00"), 2025: Decimal("400.00"), 2026: Decimal("400.00")}


def ensure_defaults() -> None:
    WalletPolicy.current()
    valid_from, share, credit = DEFAULT_CONTRIBUTION
    ContributionRate.objects.get_or_create(
        region=None,
        valid_from=valid_from,
        defaults={"employee_share": share, "employer_credit": credit},
    )
    for year, amount in DEFAULT_PREMIUMS.items():
        PremiumRate.objects.get_or_create(region=None, year=year, defaults={"amount": amount})
