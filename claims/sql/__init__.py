"""The claims app's hand-written SQL (core/sql.py says how and when): the
settlement's load and store (settlement.py), this year at a glance and the
recognitions in force on the family page (family.py)."""

from claims.models import Bill, BillLine, ChronicRecognition, PersonYearTotals

# Tables that grow with the region's population (core.sql's scan check).
GROWING = (Bill, BillLine, PersonYearTotals, ChronicRecognition)
