"""core.reasons: one registry, one code format, a sentence for families and a
label with the rule id for administrators."""

import pytest
from django import forms
from django.utils import translation

from core import reasons
from core.reasons import CODE, Refusal, admin_messages, attach


class AnyParams(dict):
    def __missing__(self, key):
        return 1


def test_every_reason_has_one_code_format_and_a_translated_sentence():
    assert len(reasons.REGISTRY) > 80  # people, money, claims, bulk activation
    for code, reason in reasons.REGISTRY.items():
        assert CODE.match(code), code
        with translation.override("en"):
            english = str(reason.sentence % AnyParams())
        with translation.override("zh-hans"):
            chinese = str(reason.sentence % AnyParams())
        assert english != chinese, f"{code} is not translated"
        # Families read sentences; the rule id is for administrators.
        assert not english.startswith(reason.rule), code
        assert not chinese.startswith(reason.rule), code


def test_a_code_is_registered_once_and_in_the_one_format():
    with pytest.raises(ValueError, match="twice"):
        reasons.register("W6-01", "again")
    for bad in ("W6.1", "B01", "W6-1", "w6-01"):
        with pytest.raises(ValueError, match="rule id"):
            reasons.register(bad, "x")


def test_refusal_carries_code_field_and_sentence():
    with translation.override("en"):
        refusal = Refusal("W6-01", min="¥1.00")
        assert (refusal.code, refusal.field, refusal.reason.rule) == ("W6-01", "amount", "W6")
        assert str(refusal) == "The smallest transfer is ¥1.00."
        assert admin_messages(refusal) == ["W6-01: The smallest transfer is ¥1.00."]
        assert reasons.admin_label("C1-01").startswith("C1-01: Out of the directory")


def test_attach_puts_the_sentence_next_to_its_field_or_above_the_form():
    class Form(forms.Form):
        amount = forms.CharField(required=False)

    with translation.override("en"):
        form = Form({})
        form.is_valid()
        attach(form, Refusal("W6-01", min="¥1.00"))
        attach(form, Refusal("W6-03", count=3))
        assert form.errors["amount"] == ["The smallest transfer is ¥1.00."]
        assert form.non_field_errors()[0].startswith("At most 3 transfers a day")
