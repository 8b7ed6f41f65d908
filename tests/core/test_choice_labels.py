"""core.fields.ChoiceLabels: get_FOO_display() reads a label table made once per
field and language, and answers what Django's own would, in either language."""

from django.utils import translation

from accounts.models import DependentBinding, InsuredPerson


def test_labels_follow_the_language_and_unknown_values_show_as_stored():
    binding = DependentBinding(status=DependentBinding.Status.PENDING_CODE, relation="parent")
    person = InsuredPerson(insurance_type="employee", status="active")
    with translation.override("en"):
        assert binding.get_status_display() == "waiting for the relative's code"
        assert binding.get_relation_display() == "parent"
        english = person.get_insurance_type_display()
    with translation.override("zh-hans"):
        chinese = binding.get_status_display()
        assert chinese != "waiting for the relative's code"
        assert chinese == str(DependentBinding.Status.PENDING_CODE.label)
        assert person.get_insurance_type_display() != english
    binding.status = "no-such-status"
    assert binding.get_status_display() == "no-such-status"
    binding.status = None
    assert binding.get_status_display() is None
