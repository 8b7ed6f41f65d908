"""Reads for claims (RULES.md F, C, T). Views and other apps read through these."""

from claims.selectors.bills import (
    bill_for_user,
    bill_recompute,
    bill_refunds,
    bills_for_user,
    bills_settled_count,
    bills_totals,
    family_cards,
    family_cards_read,
)
from claims.selectors.directory import directory_lookup, directory_years
from claims.selectors.estimate import (
    Scenario,
    commercial_estimate,
    directory_items,
    directory_search,
    estimate,
)
from claims.selectors.facilities import facility_search, region_near
from claims.selectors.reimbursement import (
    claim_document_for_user,
    claim_for_user,
    claims_for_user,
)
from claims.selectors.summary import (
    YearSummary,
    annual_summary,
    family_summary,
    major_illness_deduction,
    who_may_claim,
)

__all__ = [
    "Scenario",
    "YearSummary",
    "annual_summary",
    "bill_for_user",
    "claim_document_for_user",
    "claim_for_user",
    "claims_for_user",
    "bill_recompute",
    "bill_refunds",
    "bills_for_user",
    "bills_settled_count",
    "bills_totals",
    "commercial_estimate",
    "directory_items",
    "directory_lookup",
    "directory_years",
    "directory_search",
    "estimate",
    "facility_search",
    "family_cards",
    "family_cards_read",
    "family_summary",
    "major_illness_deduction",
    "region_near",
    "who_may_claim",
]
