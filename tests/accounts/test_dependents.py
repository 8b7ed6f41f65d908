"""Dependent accounts (A3): requests, codes, reviews, limits, unbinding."""

import datetime
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from accounts.models import (
    AccountsPolicy,
    DependentBinding,
    OutboundMessage,
    Relationship,
)
from accounts.selectors import family_members, persons_for_user, relation_of
from accounts.services import (
    dependent_confirm_code,
    dependent_end,
    dependent_request,
    dependent_resend_code,
    dependent_respond,
    dependent_review,
    relationship_create,
)
from core.models import AuditEvent
from tests.accounts.conftest import document, error_codes, last_code
from tests.factories import InsuredPersonFactory, UserFactory, chongqing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_sms_pacing")]
Status = DependentBinding.Status


def request_parent(me, father, **kwargs):
    return dependent_request(
        user=me.user,
        national_id=father.national_id,
        name=father.name,
        relation=kwargs.pop("relation", "parent"),
        **kwargs,
    )


def refused(field=None, **kwargs):
    """Call dependent_request and return the refusal codes (on `field`)."""
    with pytest.raises(ValidationError) as exc:
        dependent_request(**kwargs)
    return error_codes(exc.value, field)


def test_adult_relative_gets_a_code_in_the_outbox_stored_hashed(me, father):
    binding = request_parent(me, father)
    assert binding.status == Status.PENDING_CODE
    message = OutboundMessage.objects.get(person=father)
    assert message.phone == father.phone and message.purpose == "dependent_code"
    code = last_code(father)
    assert code not in binding.code_hash and len(binding.code_hash) >= 40
    assert me.name in message.body  # the relative learns who asks
    assert father not in persons_for_user(user=me.user)  # not before the code


def test_code_entered_by_the_user_activates_and_records_the_relationship(me, father):
    binding = request_parent(me, father)
    dependent_confirm_code(user=me.user, binding=binding, code=last_code(father))
    binding.refresh_from_db()
    assert binding.status == Status.ACTIVE and binding.activated_at is not None
    assert relation_of(person=me, other=father) == "parent"
    assert relation_of(person=father, other=me) == "child"
    assert father in persons_for_user(user=me.user)
    assert AuditEvent.objects.filter(action="dependent.activate", person=father).exists()


def test_full_width_code_with_spaces_is_accepted(me, father):
    binding = request_parent(me, father)
    code = last_code(father)
    typed = " ".join(chr(ord(d) + 0xFEE0) for d in code)  # "１ ２ ３ …"
    dependent_confirm_code(user=me.user, binding=binding, code=typed)
    binding.refresh_from_db()
    assert binding.status == Status.ACTIVE


def test_wrong_codes_count_and_the_fifth_expires_the_request(me, father):
    binding = request_parent(me, father)
    good = last_code(father)
    wrong = f"{(int(good) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError) as exc:
            dependent_confirm_code(user=me.user, binding=binding, code=wrong)
        assert error_codes(exc.value, "code") == ["A3-04"]
        with translation.override("en"):
            expected = "1 try left." if left == 1 else f"{left} tries left."
            assert expected in exc.value.error_dict["code"][0].messages[0]
        with translation.override("zh-hans"):
            assert f"还可以再试 {left} 次" in exc.value.error_dict["code"][0].messages[0]
    with pytest.raises(ValidationError) as exc:
        dependent_confirm_code(user=me.user, binding=binding, code=wrong)
    # The day's guesses for this relative are used up (test_codes.py: re-adding waits).
    assert error_codes(exc.value, "code") == ["A3-11"]
    binding.refresh_from_db()
    assert binding.status == Status.EXPIRED and binding.code_attempts == 5
    # Even the right code is refused now.
    with pytest.raises(ValidationError) as exc:
        dependent_confirm_code(user=me.user, binding=binding, code=good)
    assert error_codes(exc.value, "code") == ["A3-08"]


def at(hour, minute):
    return time_machine.travel(
        datetime.datetime(2026, 3, 2, hour, minute, tzinfo=datetime.UTC), tick=False
    )


def test_code_expires_after_ten_minutes_and_a_new_one_works(me, father):
    with at(10, 0):
        binding = request_parent(me, father)
        old = last_code(father)
    with time_machine.travel(
        datetime.datetime(2026, 3, 2, 10, 10, tzinfo=datetime.UTC), tick=False
    ):
        with pytest.raises(ValidationError) as exc:
            dependent_confirm_code(user=me.user, binding=binding, code=old)
        assert error_codes(exc.value, "code") == ["A3-05"]
        binding.refresh_from_db()
        assert binding.status == Status.PENDING_CODE
        dependent_resend_code(user=me.user, binding=binding)
        new = last_code(father)
        assert OutboundMessage.objects.filter(person=father).count() == 2
    with time_machine.travel(
        datetime.datetime(2026, 3, 2, 10, 19, tzinfo=datetime.UTC), tick=False
    ):
        if new != old:
            with pytest.raises(ValidationError):
                dependent_confirm_code(user=me.user, binding=binding, code=old)
        dependent_confirm_code(user=me.user, binding=binding, code=new)
    binding.refresh_from_db()
    assert binding.status == Status.ACTIVE


def test_the_relative_confirms_from_their_own_login(me, father):
    father.user = UserFactory(username="zhangjianguo")
    father.save(update_fields=["user"])
    binding = request_parent(me, father)
    with pytest.raises(PermissionDenied):  # only the relative may answer
        dependent_respond(user=me.user, binding=binding, accept=True)
    dependent_respond(user=father.user, binding=binding, accept=True)
    binding.refresh_from_db()
    assert binding.status == Status.ACTIVE
    assert relation_of(person=me, other=father) == "parent"


def test_the_relative_may_decline(me, father):
    father.user = UserFactory(username="zhangjianguo")
    father.save(update_fields=["user"])
    binding = request_parent(me, father)
    dependent_respond(user=father.user, binding=binding, accept=False)
    binding.refresh_from_db()
    assert binding.status == Status.REJECTED
    assert not Relationship.objects.exists()


def blind_reason(binding) -> str:
    """The RECORD_REASONS code a blind request was made for (A6), as staff read it."""
    assert binding.person is None
    return AuditEvent.objects.get(action="dependent.request", target=target(binding)).details[
        "no_match"
    ]


def target(binding) -> str:
    return f"accounts.DependentBinding:{binding.pk}"


def test_relative_without_phone_or_login_cannot_be_asked(me, father):
    father.phone = ""
    father.save(update_fields=["phone"])
    binding = dependent_request(
        user=me.user, national_id=father.national_id, name="张建国", relation="parent"
    )
    # A6: a blind request waits as a real one would; nothing goes to anyone.
    assert blind_reason(binding) == "A3-07"
    assert binding.status == Status.PENDING_CODE and binding.code_expires_at
    assert not OutboundMessage.objects.exists()


def test_child_needs_a_document_and_waits_for_review(me, daughter):
    args = dict(user=me.user, national_id=daughter.national_id, name="张小雨", relation="child")
    assert refused("document", **args) == ["A3-03"]
    binding = dependent_request(**args, document=document())
    assert binding.status == Status.PENDING_REVIEW and binding.document
    assert not OutboundMessage.objects.exists()  # no code for a child
    admin = UserFactory(username="reviewer", is_staff=True)
    dependent_review(actor=admin, binding=binding, approve=True)
    binding.refresh_from_db()
    assert binding.status == Status.ACTIVE and binding.reviewed_by == admin
    assert relation_of(person=me, other=daughter) == "child"
    assert daughter in persons_for_user(user=me.user)


def test_review_age_limit_is_a_setting_and_sixteen_still_needs_review(me):
    today = datetime.date.today()  # noqa: DTZ011
    sixteen = InsuredPersonFactory(
        name="张十六", region=chongqing(), born=datetime.date(today.year - 16, 1, 1)
    )
    seventeen = InsuredPersonFactory(
        name="张十七", region=chongqing(), born=datetime.date(today.year - 17, 1, 1)
    )
    b16 = dependent_request(
        user=me.user, national_id=sixteen.national_id, name="张十六", relation="child",
        document=document(),
    )  # fmt: skip
    b17 = dependent_request(
        user=me.user, national_id=seventeen.national_id, name="张十七", relation="child"
    )
    assert (b16.status, b17.status) == (Status.PENDING_REVIEW, Status.PENDING_CODE)
    AccountsPolicy.objects.filter(pk=AccountsPolicy.current().pk).update(review_age_limit=18)
    dependent_end(actor=me.user, binding=b17)
    again = dependent_request(
        user=me.user, national_id=seventeen.national_id, name="张十七", relation="child",
        document=document(),
    )  # fmt: skip
    assert again.status == Status.PENDING_REVIEW


def test_rejected_child_binding_is_not_active(me, daughter):
    binding = dependent_request(
        user=me.user, national_id=daughter.national_id, name="张小雨", relation="child",
        document=document(),
    )  # fmt: skip
    dependent_review(actor=None, binding=binding, approve=False, note="unreadable scan")
    binding.refresh_from_db()
    assert binding.status == Status.REJECTED and binding.review_note == "unreadable scan"
    assert daughter not in persons_for_user(user=me.user)
    with pytest.raises(ValidationError) as exc:
        dependent_review(actor=None, binding=binding, approve=True)
    assert error_codes(exc.value) == ["A3-09"]


@pytest.mark.parametrize(
    ("national_id", "name", "code"),
    [
        ("51010019560820203", "张建国", "id_length"),
        ("510100195608202030", "张建国", "id_check_digit"),
        ("510100195602302030", "张建国", "id_birth_date"),
    ],
)
def test_malformed_ids_are_refused_next_to_the_field(me, father, national_id, name, code):
    codes = refused("national_id", user=me.user, national_id=national_id, name=name,
                    relation="parent")  # fmt: skip
    assert codes == [code]


def test_unknown_id_and_wrong_name_get_the_same_answer(me, father):
    from accounts import national_id

    unknown = national_id.make("510100", datetime.date(1956, 8, 20), 400, "M")
    args = dict(user=me.user, relation="parent")
    assert blind_reason(dependent_request(national_id=unknown, name="张建国", **args)) == "A1-01"
    wrong_name = dependent_request(national_id=father.national_id, name="张建", **args)
    assert blind_reason(wrong_name) == "A1-01" and wrong_name.typed_name == "张建"
    # The ID number is asked for already (the blind request is open): said from
    # the typed ID alone, as for a real request (A3-02).
    again = dict(national_id=father.national_id, name="张建国", **args)
    assert refused("national_id", **again) == ["A3-02"]
    dependent_end(actor=me.user, binding=wrong_name)
    # Spaces in the name and a lower-case, full-width, spaced ID are fine.
    spaced = " ".join(father.national_id.lower())
    assert dependent_request(national_id=spaced, name="张 建国", **args).person == father


def test_oneself_is_refused(me):
    codes = refused("national_id", user=me.user, national_id=me.national_id, name=me.name,
                    relation="sibling")  # fmt: skip
    assert codes == ["A2-04"]


def test_not_a_close_relation_is_refused(me, father):
    codes = refused("relation", user=me.user, national_id=father.national_id, name=father.name,
                    relation="cousin")  # fmt: skip
    assert codes == ["A2-01"]


def test_a_stranger_declared_with_impossible_ages_is_refused(me):
    young = InsuredPersonFactory(name="陈明", region=chongqing(), born=datetime.date(1990, 5, 5))
    args = dict(user=me.user, national_id=young.national_id, name="陈明")
    assert refused("relation", relation="parent", **args) == ["A2-03"]
    assert refused("relation", relation="grandparent_maternal", **args) == ["A2-03"]
    old = InsuredPersonFactory(name="老陈", region=chongqing(), born=datetime.date(1950, 5, 5))
    args = dict(user=me.user, national_id=old.national_id, name="老陈")
    assert refused("relation", relation="child", **args) == ["A2-03"]


def test_a_stranger_cannot_be_bound_without_their_code(me):
    stranger = InsuredPersonFactory(name="陈明", region=chongqing(), born=datetime.date(1950, 5, 5))
    binding = dependent_request(
        user=me.user, national_id=stranger.national_id, name="陈明", relation="parent"
    )
    assert binding.status == Status.PENDING_CODE
    assert stranger not in persons_for_user(user=me.user)
    assert not Relationship.objects.exists()


def test_relationship_contradicting_the_records_is_refused(me, father):
    relationship_create(actor=None, person_a=me, person_b=father, kind="sibling")
    binding = dependent_request(
        user=me.user, national_id=father.national_id, name=father.name, relation="parent"
    )
    assert blind_reason(binding) == "A2-02"
    assert not OutboundMessage.objects.exists()


def test_contradiction_recorded_meanwhile_refuses_activation(me, father):
    binding = request_parent(me, father)
    code = last_code(father)
    Relationship.objects.create(person_a=me, person_b=father, kind="sibling")
    with pytest.raises(ValidationError) as exc:
        dependent_confirm_code(user=me.user, binding=binding, code=code)
    assert error_codes(exc.value) == ["A2-02"]
    binding.refresh_from_db()
    assert binding.status == Status.PENDING_CODE


def test_grandparent_lines_are_stored_as_grandparent(me):
    grandma = InsuredPersonFactory(name="王奶奶", region=chongqing(),
                                   born=datetime.date(1935, 1, 1), sex="F")  # fmt: skip
    binding = dependent_request(user=me.user, national_id=grandma.national_id, name="王奶奶",
                                relation="grandparent_maternal")  # fmt: skip
    dependent_confirm_code(user=me.user, binding=binding, code=last_code(grandma))
    rel = Relationship.objects.get()
    assert (rel.person_a, rel.person_b, rel.kind) == (grandma, me, "grandparent")
    assert relation_of(person=me, other=grandma) == "grandparent"
    assert relation_of(person=grandma, other=me) == "grandchild"


def test_the_same_relative_twice_is_refused(me, father):
    request_parent(me, father)
    assert refused("national_id", user=me.user, national_id=father.national_id,
                   name=father.name, relation="parent") == ["A3-02"]  # fmt: skip


def test_a_sixth_open_binding_is_refused_and_pending_ones_count(me):
    relatives = [
        InsuredPersonFactory(
            name=f"亲属{i}", region=chongqing(), born=datetime.date(1950, 1, 1 + i)
        )
        for i in range(6)
    ]
    for relative in relatives[:5]:
        dependent_request(user=me.user, national_id=relative.national_id, name=relative.name,
                          relation="parent" if relative is relatives[0] else "sibling")  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        dependent_request(user=me.user, national_id=relatives[5].national_id,
                          name=relatives[5].name, relation="sibling")  # fmt: skip
    assert error_codes(exc.value) == ["A3-01"]
    with translation.override("en"):
        assert "at most 5 relatives" in exc.value.messages[0]
    # Ending one frees a place; the limit is a setting.
    dependent_end(actor=me.user, binding=DependentBinding.objects.filter(user=me.user).first())
    dependent_request(user=me.user, national_id=relatives[5].national_id,
                      name=relatives[5].name, relation="sibling")  # fmt: skip
    AccountsPolicy.objects.filter(pk=AccountsPolicy.current().pk).update(max_dependents=6)
    extra = InsuredPersonFactory(name="亲属7", region=chongqing(), born=datetime.date(1951, 1, 1))
    dependent_request(user=me.user, national_id=extra.national_id, name="亲属7", relation="sibling")


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_cannot_pass_the_limit_together(me):
    """Two requests at once for the 5th place: the row lock lets only one in."""
    AccountsPolicy.objects.update_or_create(pk=1, defaults={"max_dependents": 1})
    a = InsuredPersonFactory(name="甲", region=chongqing(), born=datetime.date(1950, 1, 1))
    b = InsuredPersonFactory(name="乙", region=chongqing(), born=datetime.date(1950, 1, 2))
    results = []
    barrier = threading.Barrier(2)

    def run(person):
        barrier.wait()
        try:
            dependent_request(user=me.user, national_id=person.national_id, name=person.name,
                              relation="sibling")  # fmt: skip
            results.append("ok")
        except ValidationError as exc:
            results.append(error_codes(exc)[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["A3-01", "ok"]
    assert DependentBinding.objects.filter(user=me.user).count() == 1


def test_unbinding_by_the_user_or_the_relative(me, father):
    binding = request_parent(me, father)
    dependent_confirm_code(user=me.user, binding=binding, code=last_code(father))
    dependent_end(actor=me.user, binding=binding)
    binding.refresh_from_db()
    assert binding.status == Status.ENDED and father not in persons_for_user(user=me.user)
    # Binding again later is allowed; the relative may then remove themselves.
    father.user = UserFactory(username="zhangjianguo")
    father.save(update_fields=["user"])
    again = request_parent(me, father)
    dependent_respond(user=father.user, binding=again, accept=True)
    dependent_end(actor=father.user, binding=again)
    again.refresh_from_db()
    assert again.status == Status.ENDED
    stranger = UserFactory(username="stranger")
    with pytest.raises(PermissionDenied):
        dependent_end(actor=stranger, binding=again)


def test_one_person_may_be_bound_by_several_relatives(me, father):
    brother_user = UserFactory(username="zhangqiang")
    InsuredPersonFactory(name="张强", region=chongqing(), born=datetime.date(1988, 1, 1),
                         user=brother_user)  # fmt: skip
    for user in (me.user, brother_user):
        binding = dependent_request(user=user, national_id=father.national_id,
                                    name=father.name, relation="parent")  # fmt: skip
        dependent_confirm_code(user=user, binding=binding, code=last_code(father))
    assert [m.pk for m in family_members(user=brother_user)][1:] == [father.pk]
    assert [m.pk for m in family_members(user=me.user)][1:] == [father.pk]


def test_login_without_own_record_cannot_add_relatives(father):
    user = UserFactory(username="nobody")
    codes = refused(user=user, national_id=father.national_id, name=father.name, relation="parent")
    assert codes == ["A1-03"]


def test_every_step_is_audited_without_full_ids(me, father):
    binding = request_parent(me, father)
    dependent_resend_code(user=me.user, binding=binding)
    with pytest.raises(ValidationError):
        dependent_confirm_code(user=me.user, binding=binding, code="000000" if last_code(father)
                               != "000000" else "000001")  # fmt: skip
    dependent_confirm_code(user=me.user, binding=binding, code=last_code(father))
    dependent_end(actor=me.user, binding=binding)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [
        "sms.send",  # the code's text, audited without the code
        "dependent.request",
        "sms.send",
        "dependent.code_resend",
        "dependent.code_wrong",
        "relationship.create",
        "dependent.activate",
        "dependent.end",
    ]
    for event in AuditEvent.objects.all():
        assert event.actor == me.user and event.actor_label == "zhangwei"
        assert father.national_id not in str(event.details) + event.person_label
        assert me.national_id not in str(event.details) + event.person_label
