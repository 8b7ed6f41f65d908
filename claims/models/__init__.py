from claims.models.bills import Bill, BillLine, PersonYearTotals, Visit
from claims.models.chronic import ChronicRecognition, Disease
from claims.models.directory import DirectoryItem, DirectoryVersion, ItemClass, ItemKind
from claims.models.policy import CareType, PolicyRule, RegionalPolicy
from claims.models.refunds import Refund
from claims.models.reimbursement import (
    ReimbursementClaim,
    ReimbursementDocument,
    ReimbursementLine,
)
from claims.models.settings import ClaimsSettings, CommercialPlan

__all__ = [
    "Bill",
    "BillLine",
    "CareType",
    "ChronicRecognition",
    "ClaimsSettings",
    "CommercialPlan",
    "DirectoryItem",
    "DirectoryVersion",
    "Disease",
    "ItemClass",
    "ItemKind",
    "PersonYearTotals",
    "PolicyRule",
    "Refund",
    "RegionalPolicy",
    "ReimbursementClaim",
    "ReimbursementDocument",
    "ReimbursementLine",
    "Visit",
]
