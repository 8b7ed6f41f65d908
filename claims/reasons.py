"""Numbered, translatable reason codes for every refused or reduced bill line or
bill (openIMIS style). The code is stored; the sentence is translated on display.
The prefix names the rule in RULES.md."""

from django.utils.translation import gettext_lazy as _

REASONS = {
    # C1 directory
    "C1-01": _("Out of the directory (self-pay, 自费): not eligible."),
    "C1-02": _("Not in the directory version in force on the date of care: self-pay."),
    "C1-03": _("Class B: the patient first pays the region's class-B share."),
    # C2 eligible amount
    "C2-01": _("Unit price above the directory price limit: the part above is self-pay."),
    # C3 fund payment
    "C3-01": _("Deductible applied before the fund pays."),
    "C3-02": _("Annual cap reached: the fund pays no more this year for this care type."),
    "C3-03": _("No regional policy for this year, insurance type, care type and tier."),
    "C3-04": _("The policy pays nothing for this care at this facility tier (rate zero)."),
    # C5 chronic and special diseases
    "C5-01": _("Recognised chronic/special disease: settled at the chronic outpatient rate."),
    "C5-02": _("No valid chronic/special disease recognition: general outpatient rate."),
    "C5-03": _(
        "Cross-province chronic care needs a non-local registration and a facility "
        "flagged for chronic-disease settlement: general outpatient rate."
    ),
    "C5-04": _(
        "This disease is not on the national list for cross-province chronic-disease "
        "settlement in the year of care: general outpatient rate."
    ),
    # F1 facilities
    "F1-01": _("This facility is not in outpatient pooling: general outpatient not reimbursed."),
    # F2 designated outpatient facility
    "F2-01": _(
        "Not the patient's designated outpatient facility: general outpatient costs "
        "are not reimbursed."
    ),
    # F4 non-local care
    "F4-01": _("Non-local care with a long-term registration: home rates."),
    "F4-02": _("Non-local care, temporary registration (referral or emergency): rate lowered."),
    "F4-03": _("Non-local care, other temporary registration: rate lowered."),
    "F4-04": _("Non-local care without a registration: treated as other temporary, rate lowered."),
}


def describe(code: str) -> str:
    """The translated sentence for a reason code (the code itself if unknown)."""
    text = REASONS.get(code)
    return f"{code} {text}" if text is not None else code


def describe_all(codes) -> list[dict]:
    return [{"code": code, "text": REASONS.get(code, "")} for code in codes]
