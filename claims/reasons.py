"""Numbered, translatable reasons of the claims rules (RULES.md C, F, T) in the
one registry (core.reasons): every refused or reduced bill line or bill (the
code is stored on the bill, the sentence translated on display) and every
refusal of a chronic-disease application or decision (C5-1x).
"""

from django.utils.translation import gettext_lazy as _

from core.reasons import register

# C1 directory
register("C1-01", _("Out of the directory (self-pay, 自费): not eligible."))
register("C1-02", _("Not in the directory version in force on the date of care: self-pay."))
register("C1-03", _("Class B: the patient first pays the region's class-B share."))
# C2 eligible amount
register("C2-01", _("Unit price above the directory price limit: the part above is self-pay."))
# C3 fund payment
register("C3-01", _("Deductible applied before the fund pays."))
register("C3-02", _("Annual cap reached: the fund pays no more this year for this care type."))
register("C3-03", _("No regional policy for this year, insurance type, care type and tier."))
register("C3-04", _("The policy pays nothing for this care at this facility tier (rate zero)."))
# C5 chronic and special diseases
register("C5-01", _("Recognised chronic/special disease: settled at the chronic outpatient rate."))
register("C5-02", _("No valid chronic/special disease recognition: general outpatient rate."))
register(
    "C5-03",
    _(
        "Cross-province chronic care needs a non-local registration and a facility "
        "flagged for chronic-disease settlement: general outpatient rate."
    ),
)
register(
    "C5-04",
    _(
        "This disease is not on the national list for cross-province chronic-disease "
        "settlement in the year of care: general outpatient rate."
    ),
)
# F1 facilities
register(
    "F1-01", _("This facility is not in outpatient pooling: general outpatient not reimbursed.")
)
# F2 designated outpatient facility
register(
    "F2-01",
    _(
        "Not the patient's designated outpatient facility: general outpatient costs "
        "are not reimbursed."
    ),
)
# F4 non-local care
register("F4-01", _("Non-local care with a long-term registration: home rates."))
register(
    "F4-02", _("Non-local care, temporary registration (referral or emergency): rate lowered.")
)
register("F4-03", _("Non-local care, other temporary registration: rate lowered."))
register(
    "F4-04", _("Non-local care without a registration: treated as other temporary, rate lowered.")
)

# C5 applications and decisions (refusals, not settlement reductions)
register(
    "C5-10",
    _("Recognition is applied for at home: choose a hospital in the patient's insured province."),
    field="hospital",
)
register("C5-11", _("Recognition is applied for at a hospital."), field="hospital")
register("C5-12", _("This disease is already recognised and still valid."), field="disease")
register(
    "C5-13", _("An application for this disease is already waiting for review."), field="disease"
)
register("C5-14", _("This application has already been decided."))
register("C5-15", _("Say why the application is refused."))

# M out-of-pocket claims
register(
    "M1-01",
    _("Add at least one invoice and the list of expenses."),
    field="invoices",
)
register("M1-02", _("The last day of care cannot be before the first."), field="care_until")
register("M1-03", _("The dates of care cannot be in the future."), field="care_from")
register("M2-01", _("This claim is not at a step where this can be done."))
register("M2-02", _("Say why the claim is refused, in a sentence the family understands."))
register("M3-01", _("Enter the lines of the list of expenses before approving."))
register(
    "M4-01",
    _(
        "Claimed out of pocket without a non-local registration: the other-temporary "
        "rate less a further reduction."
    ),
)
register("M5-01", _("Give the reference of the bank payment."))
register("M5-02", _("This payment reference is already used by another claim."))
# R refunds and reversals
register("R3-01", _("Bill %(reference)s is not settled: only a settled bill can be refunded."))
register(
    "R3-02",
    _("A refund must be more than zero and at most what is left of the bill (%(left)s)."),
)
register(
    "R3-03",
    _("Line %(position)s: no such line, or more than its quantity left to refund."),
)
register("R3-04", _("Give either an amount to refund or the lines and quantities, not both."))
register(
    "R4-01",
    _("Refund reference %(reference)s is already used for a different refund."),
)
register("R4-02", _("A refund reference has at most %(n)s characters."))
