"""People admin (A1–A3, F1–F3): every model, search by masked ID suffix / name / phone,
filters, the child-binding approval queue, read-only outbox and audit log."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.models import (
    DependentBinding,
    OutboundMessage,
    Province,
    Relationship,
)
from accounts.services import dependent_request, relationship_create
from core.audit import audit_record
from core.models import AuditEvent
from tests.accounts.conftest import document
from tests.factories import FacilityFactory, InsuredPersonFactory, chengdu, chongqing, guangzhou

pytestmark = pytest.mark.django_db

MODELS = [
    "province",
    "region",
    "insuredperson",
    "relationship",
    "dependentbinding",
    "pendingchildbinding",
    "designatedfacilitychoice",
    "nonlocalregistration",
    "outboundmessage",
    "accountspolicy",
    "facility",
]


@pytest.fixture
def people(me, father, daughter):
    dependent_request(user=me.user, national_id=father.national_id, name=father.name,
                      relation="parent")  # fmt: skip
    child = dependent_request(user=me.user, national_id=daughter.national_id,
                              name=daughter.name, relation="child",
                              document=document())  # fmt: skip
    return {"me": me, "father": father, "daughter": daughter, "child_binding": child}


@pytest.mark.parametrize("model", MODELS)
def test_every_accounts_model_has_a_working_changelist(
    admin_client, people, model, django_assert_max_num_queries
):
    for i in range(5):  # more rows must not mean more queries
        InsuredPersonFactory(name=f"路人{i}", region=chengdu(), user=None)
    with django_assert_max_num_queries(14):
        response = admin_client.get(reverse(f"admin:accounts_{model}_changelist"))
    assert response.status_code == 200


def test_person_list_shows_masked_ids_and_the_change_page_the_full_one(admin_client, people):
    father = people["father"]
    html = admin_client.get(reverse("admin:accounts_insuredperson_changelist")).content.decode()
    assert father.masked_id in html and father.national_id not in html
    html = admin_client.get(
        reverse("admin:accounts_insuredperson_change", args=[father.pk])
    ).content.decode()
    assert f'value="{father.national_id}"' in html  # administrators opening the record


@pytest.mark.parametrize(
    "term",
    [
        lambda p: p.national_id[-4:],  # the masked ID suffix
        lambda p: p.masked_id,  # the masked form as pages show it
        lambda p: p.national_id[-4:].lower(),
        lambda p: "建国",
        lambda p: p.phone,
    ],
)
def test_person_search(admin_client, people, term):
    father = people["father"]
    response = admin_client.get(
        reverse("admin:accounts_insuredperson_changelist"), {"q": term(father)}
    )
    assert [p.pk for p in response.context["cl"].result_list] == [father.pk]


def test_a_full_id_is_not_a_search_term(admin_client, people):
    """A search is a GET: a full ID number would end up in URLs and logs (A1)."""
    response = admin_client.get(
        reverse("admin:accounts_insuredperson_changelist"), {"q": people["father"].national_id}
    )
    assert list(response.context["cl"].result_list) == []


def test_a_whole_name_is_found_by_its_index_and_answers_alone(admin_client, people):
    """Exact first: a whole name finds its person without the "contains" search
    (at a region's size a read of every person)."""
    father = people["father"]
    response = admin_client.get(
        reverse("admin:accounts_insuredperson_changelist"), {"q": father.name}
    )
    assert [p.pk for p in response.context["cl"].result_list] == [father.pk]


def test_a_long_list_is_counted_up_to_the_cap_not_to_the_end(admin_client, people, monkeypatch):
    from core.admin import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "CAP", 2)
    response = admin_client.get(reverse("admin:accounts_insuredperson_changelist"))
    assert response.context["cl"].result_count == 2
    assert len(response.context["cl"].result_list) >= 3  # the page itself is whole


def test_binding_and_outbox_search_by_id_suffix(admin_client, people):
    father = people["father"]
    for model in ("dependentbinding", "outboundmessage"):
        response = admin_client.get(
            reverse(f"admin:accounts_{model}_changelist"), {"q": father.national_id[-4:]}
        )
        assert [o.person_id for o in response.context["cl"].result_list] == [father.pk]


def test_person_filters(admin_client, people):
    url = reverse("admin:accounts_insuredperson_changelist")
    sichuan = Province.objects.get(code="51")
    cases = [
        ({"region__province__id__exact": sichuan.pk}, {people["father"].pk}),
        ({"insurance_type__exact": "employee"}, {people["me"].pk}),
        ({"status__exact": "active"}, {p.pk for p in people.values() if hasattr(p, "region")}),
    ]
    for params, expected in cases:
        result = admin_client.get(url, params).context["cl"].result_list
        assert {p.pk for p in result} == expected, params


def test_approval_queue_lists_only_children_waiting_for_review(admin_client, people, english):
    english(admin_client)
    response = admin_client.get(reverse("admin:accounts_pendingchildbinding_changelist"))
    assert [b.pk for b in response.context["cl"].result_list] == [people["child_binding"].pk]
    assert "view document" in response.content.decode()


def test_approve_asks_for_confirmation_then_activates(admin_client, people):
    binding = people["child_binding"]
    url = reverse("admin:accounts_pendingchildbinding_changelist")
    data = {"action": "approve_bindings", ACTION_CHECKBOX_NAME: [binding.pk]}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "admin/accounts/review_confirm.html" in [t.name for t in response.templates]
    binding.refresh_from_db()
    assert binding.status == "pending_review"  # nothing happens before confirming
    response = admin_client.post(url, {**data, "post": "yes", "note": "birth certificate ok"})
    assert response.status_code == 302
    binding.refresh_from_db()
    assert binding.status == "active" and binding.review_note == "birth certificate ok"
    assert binding.reviewed_by.username == "admin"
    assert Relationship.objects.filter(person_a=people["me"], person_b=people["daughter"]).exists()
    assert AuditEvent.objects.filter(action="dependent.activate", actor__username="admin").exists()
    queue = admin_client.get(url).context["cl"].result_list
    assert list(queue) == []


def test_approving_for_a_login_unlinked_meanwhile_is_refused_with_a_message(
    admin_client, english, people
):
    """The requester's login was unlinked from their record while the child waited:
    approving says why (it used to answer 500) and changes nothing."""
    english(admin_client)
    binding = people["child_binding"]
    people["me"].user = None
    people["me"].save(update_fields=["user"])
    url = reverse("admin:accounts_pendingchildbinding_changelist")
    data = {"action": "approve_bindings", ACTION_CHECKBOX_NAME: [binding.pk], "post": "yes"}
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "0 bindings approved." in html and "not linked to an insurance record" in html
    binding.refresh_from_db()
    assert binding.status == "pending_review"


def test_reject_from_the_bindings_list(admin_client, people):
    binding = people["child_binding"]
    url = reverse("admin:accounts_dependentbinding_changelist")
    admin_client.post(
        url,
        {"action": "reject_bindings", ACTION_CHECKBOX_NAME: [binding.pk], "post": "yes",
         "note": "blurred"},
    )  # fmt: skip
    binding.refresh_from_db()
    assert binding.status == "rejected" and binding.review_note == "blurred"


def test_a_blind_review_request_can_be_rejected_but_not_approved(
    admin_client, english, me, django_capture_on_commit_callbacks
):
    """Details that match no record wait for review like a child's (A6); staff
    read "no matching record" and may only reject (A3-12)."""
    from accounts import national_id

    today = datetime.date.today()  # noqa: DTZ011 - a calendar date for an age
    invented = national_id.make("500100", datetime.date(today.year - 8, 1, 1), 123, "F")
    blind = dependent_request(user=me.user, national_id=invented, name="张小花",
                              relation="child", document=document())  # fmt: skip
    assert blind.person is None and blind.status == "pending_review"
    english(admin_client)
    url = reverse("admin:accounts_pendingchildbinding_changelist")
    listed = admin_client.get(url)
    assert [b.pk for b in listed.context["cl"].result_list] == [blind.pk]
    assert "no matching record" in listed.content.decode()
    change = admin_client.get(reverse("admin:accounts_dependentbinding_change", args=[blind.pk]))
    assert change.status_code == 200 and "no matching record" in change.content.decode()
    approve = {"action": "approve_bindings", ACTION_CHECKBOX_NAME: [blind.pk]}
    confirm = admin_client.post(url, approve).content.decode()
    assert "张小花 (no matching record)" in confirm
    html = admin_client.post(url, {**approve, "post": "yes"}, follow=True).content.decode()
    assert "0 bindings approved." in html
    assert "A3-12: No insured person matches the details typed" in html
    blind.refresh_from_db()
    assert blind.status == "pending_review"
    reject = {"action": "reject_bindings", ACTION_CHECKBOX_NAME: [blind.pk], "post": "yes"}
    with django_capture_on_commit_callbacks(execute=True):
        html = admin_client.post(url, {**reject, "note": "no such child"}, follow=True)
    assert "1 binding rejected." in html.content.decode()
    blind.refresh_from_db()
    assert blind.status == "rejected" and blind.review_note == "no such child"
    assert AuditEvent.objects.filter(action="dependent.reject", person=None).count() == 1
    # The requester hears it under the name they typed, as for a real child.
    told = me.user.inbox.get(kind="child_refused")
    assert told.facts["person"] == "张小花" and told.person is None


def test_documents_are_for_staff_only(admin_client, client, people):
    url = reverse("admin:accounts_dependentbinding_document", args=[people["child_binding"].pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(url).status_code == 302  # to the admin login


def test_outbox_is_read_only_and_shows_the_code(admin_client, people):
    message = OutboundMessage.objects.get(person=people["father"])
    change = reverse("admin:accounts_outboundmessage_change", args=[message.pk])
    html = admin_client.get(change).content.decode()
    assert message.body[:20] in html and 'name="_save"' not in html
    assert admin_client.get(reverse("admin:accounts_outboundmessage_add")).status_code == 403
    admin_client.post(change, {"body": "forged"})
    message.refresh_from_db()
    assert "forged" not in message.body
    delete = reverse("admin:accounts_outboundmessage_delete", args=[message.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_audit_log_is_read_only(admin_client, people):
    event = audit_record(actor=None, action="person.qr_rotate")
    change = reverse("admin:core_auditevent_change", args=[event.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {"action": "forged"}).status_code == 403
    assert admin_client.get(reverse("admin:core_auditevent_add")).status_code == 403
    delete = reverse("admin:core_auditevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    html = admin_client.get(reverse("admin:core_auditevent_changelist")).content.decode()
    assert "dependent.request" in html
    assert people["father"].national_id not in html


def test_province_flags_are_editable_in_the_list_and_audited(admin_client):
    guangdong = guangzhou().province
    url = reverse("admin:accounts_province_changelist")
    rows = list(Province.objects.order_by("code"))
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows), "_save": "Save"}
    for i, province in enumerate(rows):
        data[f"form-{i}-id"] = province.pk
        for flag in ("wallet_live", "usage_location_change", "designated_facility_required"):
            live = getattr(province, flag) or (province == guangdong and flag == "wallet_live")
            if live:
                data[f"form-{i}-{flag}"] = "on"
        value = province.cross_province_pooling
        data[f"form-{i}-cross_province_pooling"] = "unknown" if value is None else str(value)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    guangdong.refresh_from_db()
    assert guangdong.wallet_live is True
    assert AuditEvent.objects.filter(
        action="admin.change", target=f"accounts.Province:{guangdong.pk}"
    ).exists()


def test_person_add_in_admin_normalises_the_id_and_is_audited(admin_client, english):
    english(admin_client)
    region = chongqing()
    from accounts import national_id

    nid = national_id.make("500100", datetime.date(1970, 1, 1), 7, "M")
    response = admin_client.post(
        reverse("admin:accounts_insuredperson_add"),
        {
            "name": "刘七",
            "national_id": " ".join(nid.lower()),
            "phone": "13900000000",
            "insurance_type": "employee",
            "region": region.pk,
            "status": "active",
        },
    )
    assert response.status_code == 302
    added = AuditEvent.objects.get(action="admin.add", target__startswith="accounts.InsuredPerson:")
    assert added.person.name == "刘七"  # the person's own admin: the row is about them
    bad = admin_client.post(
        reverse("admin:accounts_insuredperson_add"),
        {"name": "刘八", "national_id": nid[:-1] + ("0" if nid[-1] != "0" else "1"),
         "insurance_type": "employee", "region": region.pk, "status": "active"},
    )  # fmt: skip
    assert bad.status_code == 200 and "check digit" in bad.content.decode().replace("&#x27;", "'")


def test_relationship_admin_refuses_contradictions(admin_client, me, father):
    relationship_create(actor=None, person_a=father, person_b=me, kind="parent")
    response = admin_client.post(
        reverse("admin:accounts_relationship_add"),
        {"person_a": me.pk, "kind": "spouse", "person_b": father.pk},
    )
    assert response.status_code == 200
    assert Relationship.objects.count() == 1
    sister = InsuredPersonFactory(name="张丽", region=chengdu(), born=datetime.date(1987, 1, 1))
    response = admin_client.post(
        reverse("admin:accounts_relationship_add"),
        {"person_a": me.pk, "kind": "sibling", "person_b": sister.pk},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="relationship.create", actor__username="admin")


def test_facility_admin_is_registered_once(admin_client):
    facility = FacilityFactory(region=chongqing(), name="测试医院")
    response = admin_client.get(reverse("admin:accounts_facility_changelist"), {"q": "测试"})
    assert [f.pk for f in response.context["cl"].result_list] == [facility.pk]


def test_bindings_cannot_be_added_or_deleted_in_the_admin(admin_client, people):
    assert admin_client.get(reverse("admin:accounts_dependentbinding_add")).status_code == 403
    binding = DependentBinding.objects.first()
    delete = reverse("admin:accounts_dependentbinding_delete", args=[binding.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_regions_edited_inside_a_province_are_audited(admin_client):
    """The province page lists its regions inline: adding, renaming and deleting
    one there leaves an audit row each, like any other admin change."""
    sichuan = chengdu().province
    kept = sichuan.regions.get(code="510100")
    doomed = sichuan.regions.create(code="519999", name="测试市", name_en="Test")
    data = {
        "code": sichuan.code,
        "name": sichuan.name,
        "name_en": sichuan.name_en,
        "wallet_live": "on",
        "usage_location_change": "on",
        "cross_province_pooling": "unknown",
        "regions-TOTAL_FORMS": "3",
        "regions-INITIAL_FORMS": "2",
        "regions-0-id": kept.pk,
        "regions-0-province": sichuan.pk,
        "regions-0-code": kept.code,
        "regions-0-name": kept.name,
        "regions-0-name_en": "Chengdu City",
        "regions-1-id": doomed.pk,
        "regions-1-province": sichuan.pk,
        "regions-1-code": doomed.code,
        "regions-1-name": doomed.name,
        "regions-1-name_en": doomed.name_en,
        "regions-1-DELETE": "on",
        "regions-2-province": sichuan.pk,
        "regions-2-code": "519998",
        "regions-2-name": "新测试市",
        "regions-2-name_en": "New test",
        "_save": "Save",
    }
    url = reverse("admin:accounts_province_change", args=[sichuan.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    added = sichuan.regions.get(code="519998")
    rows = {e.action: e for e in AuditEvent.objects.filter(target__startswith="accounts.Region:")}
    assert set(rows) == {"admin.add", "admin.change", "admin.delete"}
    assert rows["admin.add"].target == f"accounts.Region:{added.pk}"
    assert rows["admin.change"].details == {"fields": ["name_en"]}
    assert rows["admin.delete"].target == f"accounts.Region:{doomed.pk}"
    assert rows["admin.delete"].actor_label == "admin"
    list_html = admin_client.get(reverse("admin:core_auditevent_changelist")).content.decode()
    assert f"accounts.Region:{doomed.pk}" in list_html
