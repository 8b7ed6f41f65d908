"""People pages: the family page (htmx, query count), adding relatives, codes,
facility choice, registrations, the QR code, and 404 for everybody else."""

import datetime
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    DependentBinding,
    DesignatedFacilityChoice,
    InsuredPerson,
    NonLocalRegistration,
    OutboundMessage,
)
from accounts.services import (
    dependent_confirm_code,
    dependent_request,
    facility_choose,
    registration_file,
)
from core.models import AuditEvent
from tests.accounts.conftest import document, last_code
from tests.factories import (
    FacilityFactory,
    InsuredPersonFactory,
    UserFactory,
    chengdu,
    chongqing,
    plain,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_sms_pacing")]
HX = {"HTTP_HX_REQUEST": "true"}


def bind(me, relative, relation="sibling") -> DependentBinding:
    binding = dependent_request(user=me.user, national_id=relative.national_id,
                                name=relative.name, relation=relation)  # fmt: skip
    dependent_confirm_code(user=me.user, binding=binding, code=last_code(relative))
    binding.refresh_from_db()
    return binding


def field_group(html: str, field: str) -> str:
    """The text of the form field group holding the input named `field`."""
    start = html.index(f'name="{field}"')
    group = html.rindex('<div class="field', 0, start)
    end = html.find('<div class="field', start)
    return unescape(html[group : end if end != -1 else start + 600])


# The family page -------------------------------------------------------------------


def test_family_page_shows_each_member_with_masked_id_and_qr(me_client, me, father):
    bind(me, father, "parent")
    html = me_client.get(reverse("home")).content.decode()
    assert f'id="person-{me.pk}"' in html and f'id="person-{father.pk}"' in html
    assert html.index(f'id="person-{me.pk}"') < html.index(f'id="person-{father.pk}"')
    for person in (me, father):
        assert person.masked_id in html
        assert person.national_id not in html  # A1: never the full ID on a page
    assert "Urban and rural resident basic medical insurance" in html
    # Place names follow the page's language (name_en in English).
    assert "Chengdu, Sichuan" in html
    assert html.count("<svg") >= 2 and f'id="qr-{father.pk}"' in html
    # What is arranged for each person, and unbinding (for the dependent only),
    # are on the family tab.
    family = me_client.get(reverse("family")).content.decode()
    assert f'id="facility-{father.pk}"' in family
    assert family.count("Remove from my family page") == 1


def test_family_page_queries_do_not_grow_with_dependents(me_client, me):
    """The same number of queries for 1 dependent as for 5, and few: each round
    trip shows in the page's time next to a page without data (bench/pages.py)."""

    def add_relative(i: int) -> None:
        relative = InsuredPersonFactory(name=f"亲属{i}", region=chongqing(),
                                        born=datetime.date(1950, 1, 1 + i))  # fmt: skip
        bind(me, relative, "parent" if i == 0 else "sibling")
        facility = FacilityFactory(region=chongqing())
        facility_choose(actor=me.user, person=relative, facility=facility)
        registration_file(actor=me.user, person=relative, destination=chengdu(), kind="referral",
                          start_date=timezone.localdate(), proof="none")  # fmt: skip

    def page_queries(expected_members: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = me_client.get(reverse("home"))
        assert len(response.context["members"]) == expected_members
        html = response.content.decode()
        assert html.count('class="card person-card"') == expected_members
        return len(queries)

    add_relative(0)
    with_one = page_queries(2)
    for i in range(1, 5):
        add_relative(i)
    with_five = page_queries(6)
    assert with_one == with_five
    # Session, user; the people with their facility choices, registrations and
    # every binding the page lists (one statement); money cards (one); this
    # year at a glance (one) and the recognitions (one); the header's unread
    # messages (one).
    assert with_five <= 7


def test_htmx_reload_returns_the_family_section_only(me_client, me):
    response = me_client.get(reverse("home"), **HX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="family"')
    assert "<html" not in html and f'id="person-{me.pk}"' in html


def test_login_without_record_sees_an_explanation(client):
    client.force_login(UserFactory(username="bare"))
    client.cookies["django_language"] = "en"
    html = client.get(reverse("home")).content.decode()
    assert "not linked to an insurance record" in html
    assert 'id="add-dependent"' not in html


# Adding a relative (A3) ------------------------------------------------------------------


def add_data(person, **overrides):
    return {"national_id": person.national_id, "name": person.name, "relation": "parent",
            **overrides}  # fmt: skip


def test_add_relative_in_place_with_htmx(me_client, me, father):
    response = me_client.post(reverse("accounts:dependent_add"), add_data(father), **HX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == '{"familyChanged": {}}'
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="add-dependent">')
    assert 'value="张建国"' not in html  # a fresh, empty form for the next one
    family = me_client.get(reverse("home"), **HX).content.decode()
    assert "If these details match a record, 张建国 gets a text" in family  # with the reload
    assert "Waiting for confirmation" in family and 'id="binding-' in family


def test_add_relative_without_javascript_redirects_home(me_client, me, father):
    response = me_client.post(reverse("accounts:dependent_add"), add_data(father))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert DependentBinding.objects.get(person=father).status == "pending_code"


def test_the_add_page_alone_posts_normally_so_the_confirmation_is_seen(me_client, me, father):
    """Swapped in place, the form would be emptied with no word of what happened
    (the confirmation rides on the family section, absent from this page)."""
    page = me_client.get(reverse("accounts:dependent_add")).content.decode()
    assert "hx-post" not in page.split('id="add-dependent"')[1]
    family = me_client.get(reverse("family")).content.decode()
    assert f'hx-post="{reverse("accounts:dependent_add")}"' in family
    response = me_client.post(reverse("accounts:dependent_add"), add_data(father), follow=True)
    assert "If these details match a record, 张建国 gets a text" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"national_id": "51010019560820203"}, "national_id", "18 characters; this one has 17"),
        ({"national_id": "510100195608202030"}, "national_id", "check digit is wrong"),
        ({"national_id": "510100195613202031"}, "national_id", "does not exist"),
        ({"relation": "other"}, "relation", "Only close relatives"),
        ({"relation": "child"}, "relation", "birth dates don't fit"),
    ],
)
def test_add_relative_errors_sit_next_to_the_field_and_keep_input(
    me_client, me, father, overrides, field, message
):
    data = add_data(father, **overrides)
    for extra in ({}, HX):
        html = me_client.post(reverse("accounts:dependent_add"), data, **extra).content.decode()
        assert message in field_group(html, field)
        assert f'value="{data["national_id"]}"' in html and f'value="{data["name"]}"' in html
        assert f'<option value="{data["relation"]}" selected>' in html
    assert not DependentBinding.objects.exists()


def test_add_a_sixth_relative_is_refused_with_a_message(me_client, me):
    for i in range(5):
        relative = InsuredPersonFactory(name=f"亲属{i}", region=chongqing(),
                                        born=datetime.date(1950, 1, 1 + i))  # fmt: skip
        dependent_request(user=me.user, national_id=relative.national_id, name=relative.name,
                          relation="parent" if i == 0 else "sibling")  # fmt: skip
    sixth = InsuredPersonFactory(name="亲属6", region=chongqing(), born=datetime.date(1951, 1, 1))
    html = me_client.post(
        reverse("accounts:dependent_add"), add_data(sixth, relation="sibling"), **HX
    ).content.decode()
    assert "at most 5 relatives" in unescape(html)
    assert 'value="亲属6"' in html


def test_add_child_with_document_waits_for_review(me_client, me, daughter):
    data = add_data(daughter, relation="child")
    html = me_client.post(reverse("accounts:dependent_add"), data, **HX).content.decode()
    assert "birth certificate or household register" in field_group(html, "document")
    response = me_client.post(
        reverse("accounts:dependent_add"), {**data, "document": document()}, **HX
    )
    assert response["HX-Trigger"] == '{"familyChanged": {}}'
    binding = DependentBinding.objects.get(person=daughter)
    assert binding.status == "pending_review" and binding.document
    family = me_client.get(reverse("home")).content.decode()
    assert "An administrator is checking the document." in family


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (("setup.exe", b"MZ\x90\x00 program", "application/x-dosexec"), "Upload a PDF, JPG"),
        (("birth.pdf", b"<html>not a pdf</html>", "application/pdf"), "Upload a PDF, JPG or PNG"),
        (("birth.pdf", b"%PDF-1.4" + b"0" * (1024 * 1024 + 1), "application/pdf"),
         "This file is 1.0 MB; the largest allowed is 1 MB."),
    ],
)  # fmt: skip
def test_child_document_of_a_wrong_type_or_too_large_is_refused_in_place(
    me_client, me, daughter, settings, upload, message
):
    settings.ACCOUNTS_DOCUMENT_MAX_MB = 1
    data = add_data(daughter, relation="child")
    for extra in ({}, HX):
        file = SimpleUploadedFile(*upload)
        html = me_client.post(reverse("accounts:dependent_add"), {**data, "document": file},
                              **extra).content.decode()  # fmt: skip
        assert message in field_group(html, "document")
        assert f'value="{daughter.name}"' in html  # the rest of the input is kept
    assert not DependentBinding.objects.exists()


def test_documents_are_stored_under_a_random_name(me_client, me, daughter):
    """People name the scan after the ID number: that name must not be kept (A1)."""
    named = SimpleUploadedFile(f"{daughter.national_id}.PDF", b"%PDF-1.4 birth", "application/pdf")
    data = add_data(daughter, relation="child", document=named)
    assert me_client.post(reverse("accounts:dependent_add"), data).status_code == 302
    stored = DependentBinding.objects.get(person=daughter).document.name
    assert daughter.national_id not in stored and stored.endswith(".pdf")


def test_proof_of_residence_of_a_wrong_type_is_refused_in_place(me_client, me):
    url = reverse("accounts:registration_new", args=[me.pk])
    text = SimpleUploadedFile("permit.txt", b"plain text")
    data = registration_data(proof="residence", proof_document=text)
    html = me_client.post(url, data).content.decode()
    assert "Upload a PDF, JPG or PNG" in field_group(html, "proof_document")
    assert not NonLocalRegistration.objects.exists()
    photo = SimpleUploadedFile("permit.jpeg", b"\xff\xd8\xff\xe0 photo", "image/jpeg")
    assert me_client.post(url, {**data, "proof_document": photo}).status_code == 302
    assert NonLocalRegistration.objects.get().proof_document.name.endswith(".jpg")


# Codes and consent ----------------------------------------------------------------------


def test_wrong_then_right_code_in_place(me_client, me, father):
    me_client.post(reverse("accounts:dependent_add"), add_data(father))
    binding = DependentBinding.objects.get(person=father)
    url = reverse("accounts:binding_code", args=[binding.pk])
    good = last_code(father)
    wrong = f"{(int(good) + 1) % 10**6:06d}"
    html = me_client.post(url, {"code": wrong}, **HX).content.decode()
    assert html.lstrip().startswith(f'<li class="pending-item" id="binding-{binding.pk}"')
    assert "That code is not right. 4 tries left." in field_group(html, "code")
    assert f'value="{wrong}"' in html
    response = me_client.post(url, {"code": good}, **HX)
    assert response["HX-Trigger"] == '{"familyChanged": {}}'
    binding.refresh_from_db()
    assert binding.status == "active"
    # Said in place: on the code page alone there is no family section to reload.
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="pending-item" id="binding-{binding.pk}"')
    assert "Confirmed." in html and "Back to my family" in html


def test_code_page_without_javascript(me_client, me, father):
    me_client.post(reverse("accounts:dependent_add"), add_data(father))
    binding = DependentBinding.objects.get(person=father)
    url = reverse("accounts:binding_code", args=[binding.pk])
    assert "Confirm a relative" in me_client.get(url).content.decode()
    html = me_client.post(url, {"code": "12"}).content.decode()
    assert "Enter the 6-digit code" in field_group(html, "code")
    response = me_client.post(url, {"code": last_code(father)})
    assert response.status_code == 302


def test_resend_sends_a_new_code(me_client, me, father):
    me_client.post(reverse("accounts:dependent_add"), add_data(father))
    binding = DependentBinding.objects.get(person=father)
    html = me_client.post(
        reverse("accounts:binding_resend", args=[binding.pk]), **HX
    ).content.decode()
    assert "A new code was sent." in html
    assert OutboundMessage.objects.filter(person=father).count() == 2


def test_resend_after_the_request_stopped_waiting_explains_in_place(me_client, me, father):
    """Five wrong codes expire the request; "send a new code" on the stale page
    then says why, in place and without JavaScript (it used to answer 500)."""
    me_client.post(reverse("accounts:dependent_add"), add_data(father))
    binding = DependentBinding.objects.get(person=father)
    for _ in range(5):
        me_client.post(reverse("accounts:binding_code", args=[binding.pk]), {"code": "000000"})
    url = reverse("accounts:binding_resend", args=[binding.pk])
    for extra in ({}, HX):
        response = me_client.post(url, **extra)
        assert response.status_code == 200
        html = unescape(response.content.decode())
        assert "This request is no longer waiting for a code." in html
        assert "Add the relative again" in html
        assert ("<html" in html) == (extra == {})  # the full page without htmx
    assert OutboundMessage.objects.filter(person=father).count() == 1


def test_relative_confirms_from_their_own_family_page(me, father):
    father.user = UserFactory(username="zhangjianguo")
    father.save(update_fields=["user"])
    binding = dependent_request(user=me.user, national_id=father.national_id,
                                name=father.name, relation="parent")  # fmt: skip
    relative = Client()
    relative.force_login(father.user)
    relative.cookies["django_language"] = "en"
    html = relative.get(reverse("home")).content.decode()
    assert "张伟 wants to add you to their family page as their parent" in html
    assert "zhangwei" not in html  # named by name, never by login
    url = reverse("accounts:binding_respond", args=[binding.pk])
    # First step: who asks and what they will see and do; nothing changes yet.
    for first in (relative.get(url), relative.post(url, {"answer": "accept"})):
        page = first.content.decode()
        assert "<strong>张伟</strong> asks to add you to their family page as their parent" in page
        assert "act for you: open your medical insurance wallet" in page
        assert "Yes, let 张伟 look after my insurance" in page and "zhangwei" not in page
    binding.refresh_from_db()
    assert binding.status == "pending_code"
    # Second step: the confirmation sent from that page.
    response = relative.post(url, {"answer": "accept", "step": "confirm"}, **HX)
    assert response["HX-Trigger"] == '{"familyChanged": {}}'
    binding.refresh_from_db()
    assert binding.status == "active"
    assert AuditEvent.objects.filter(
        action="dependent.activate", actor=father.user, details__how="relative_login"
    ).exists()
    html = relative.get(reverse("home")).content.decode()
    assert "Who looks after your insurance" in html and "张伟 (you are their parent)" in html
    relative.post(reverse("accounts:binding_leave", args=[binding.pk]))
    binding.refresh_from_db()
    assert binding.status == "ended"


def test_unbind_from_the_family_page(me_client, me, father):
    binding = bind(me, father, "parent")
    response = me_client.post(reverse("accounts:binding_end", args=[binding.pk]), **HX)
    assert response["HX-Trigger"] == '{"familyChanged": {}}'
    html = me_client.get(reverse("home")).content.decode()
    assert f'id="person-{father.pk}"' not in html
    assert me_client.get(reverse("accounts:person_detail", args=[father.pk])).status_code == 404


# QR code ------------------------------------------------------------------------------


def test_qr_refresh_rotates_the_token_in_place(me_client, me):
    old = me.qr_token
    response = me_client.post(reverse("accounts:person_qr_refresh", args=[me.pk]), **HX)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<figure class="qr" id="qr-{me.pk}"') and "<svg" in html
    me.refresh_from_db()
    assert me.qr_token != old
    assert "previous code no longer works" in html


def test_qr_image_is_a_real_svg_qr_code(me_client, me):
    response = me_client.get(reverse("accounts:person_qr_svg", args=[me.pk]))
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert body.startswith("<svg") and "path" in body and me.qr_token not in body


# Facility (F2) ------------------------------------------------------------------------


def test_choose_a_facility_in_place(me_client, me):
    mine = FacilityFactory(region=chongqing(), name="大坪社区卫生服务中心")
    elsewhere = FacilityFactory(region=chengdu(), name="玉林社区卫生服务中心")
    url = reverse("accounts:facility_choose", args=[me.pk])
    html = me_client.get(url, **HX).content.decode()
    assert html.lstrip().startswith(f'<div class="facility" id="facility-{me.pk}"')
    assert "大坪社区卫生服务中心" in html and "玉林" not in html  # only the region's own
    # A facility from another region (a tampered form) gets F2's message.
    html = me_client.post(url, {"facility": elsewhere.pk}, **HX).content.decode()
    assert "outside 张伟's insured region (Chongqing)" in field_group(html, "facility")
    response = me_client.post(url, {"facility": mine.pk}, **HX)
    html = response.content.decode()
    assert "大坪社区卫生服务中心" in html and "Change facility" in html
    assert DesignatedFacilityChoice.objects.get(person=me).facility == mine


def test_cancel_in_the_facility_form_puts_the_card_back_on_any_page(me_client, me):
    """The form swapped into a card offers "Cancel": it restores that card's facility
    part in place, also on a person's page, which has no family section to reload."""
    FacilityFactory(region=chongqing(), name="大坪社区卫生服务中心")
    url = reverse("accounts:facility_choose", args=[me.pk])
    form = me_client.get(url, **HX).content.decode()
    cancel = f'hx-get="{url}?cancel=1" hx-target="#facility-{me.pk}"'
    assert cancel in form and 'hx-target="#family"' not in form
    assert (
        f'id="facility-{me.pk}"'
        in me_client.get(reverse("accounts:person_detail", args=[me.pk])).content.decode()
    )
    html = me_client.get(url, {"cancel": "1"}, **HX).content.decode()
    assert html.startswith(f'<div class="facility" id="facility-{me.pk}">')
    assert "Choose a facility" in html and "<form" not in html
    assert not DesignatedFacilityChoice.objects.exists()
    # Without JavaScript, "Cancel" is a plain link to the family tab.
    assert (
        f'<a class="button secondary" href="{reverse("family")}" >'
        in me_client.get(url).content.decode()
    )


def test_facility_page_without_javascript(me_client, me):
    mine = FacilityFactory(region=chongqing(), name="大坪社区卫生服务中心")
    url = reverse("accounts:facility_choose", args=[me.pk])
    assert "Designated outpatient facility of 张伟" in me_client.get(url).content.decode()
    assert me_client.post(url, {"facility": mine.pk}).status_code == 302
    other = FacilityFactory(region=chongqing(), name="观音桥社区卫生服务中心")
    me_client.post(url, {"facility": other.pk})
    html = plain(me_client.get(reverse("family")).content.decode())
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert f"From {tomorrow}: 观音桥社区卫生服务中心" in html


# Registrations (F3) -------------------------------------------------------------------


def registration_data(**overrides):
    return {
        "destination": chengdu().pk,
        "kind": "long_term_resident",
        "start_date": timezone.localdate().isoformat(),
        "proof": "commitment",
        "commitment_accepted": "on",
        "commitment_name": "张伟",
        **overrides,
    }


def test_commitment_text_follows_the_chosen_destination(me_client, me):
    url = reverse("accounts:registration_new", args=[me.pk])
    html = me_client.get(url, {"destination": chengdu().pk}, **HX).content.decode()
    assert "registration in Chengdu, Sichuan." in html
    assert 'hx-get="' + url + '"' in html


def test_file_view_and_cancel_a_registration(me_client, me):
    url = reverse("accounts:registration_new", args=[me.pk])
    html = me_client.get(url).content.decode()
    assert "I, 张伟, apply for non-local medical treatment registration" in html
    assert f'type="date" name="start_date" value="{timezone.localdate().isoformat()}"' in html
    response = me_client.post(url, registration_data())
    registration = NonLocalRegistration.objects.get(person=me)
    assert response["Location"] == reverse("accounts:registration_detail", args=[registration.pk])
    html = me_client.get(response["Location"]).content.decode()
    assert "long-term resident elsewhere" in html and "until changed" in html
    assert "张伟" in html and "Chengdu" in html
    me_client.post(reverse("accounts:registration_cancel", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.status == "cancelled"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"commitment_accepted": ""}, "commitment_accepted", "Tick the box"),
        ({"commitment_name": "李四"}, "commitment_name", "Type the name exactly"),
        ({"proof": "residence"}, "proof_document", "Upload the proof of residence"),
        ({"destination": None}, "destination", "outside the insured region"),
        ({"start_date": "2000-01-01"}, "start_date", "cannot be in the past"),
    ],
)
def test_registration_errors_sit_next_to_the_field_and_keep_input(
    me_client, me, overrides, field, message
):
    if "destination" in overrides:
        overrides["destination"] = me.region.pk
    data = registration_data(**overrides)
    html = me_client.post(reverse("accounts:registration_new", args=[me.pk]), data).content
    html = html.decode()
    assert message in field_group(html, field)
    assert f'value="{data["start_date"]}"' in html
    assert 'value="long_term_resident" selected' in html
    assert not NonLocalRegistration.objects.exists()


def test_file_for_a_dependent_and_overlap_is_refused(me_client, me, father):
    bind(me, father, "parent")
    url = reverse("accounts:registration_new", args=[father.pk])
    data = registration_data(destination=me.region.pk)
    assert me_client.post(url, data).status_code == 302
    html = me_client.post(url, data).content.decode()
    assert "overlaps an active registration" in field_group(html, "start_date")
    family = me_client.get(reverse("family")).content.decode()
    assert "long-term resident elsewhere → Chongqing" in family


# Nobody else's objects (A3: 404, whatever URL is typed) ----------------------------------


@pytest.fixture
def other_family(db):
    """Another user's family: their own record, an active dependent, a pending
    request, a registration and a facility choice."""
    user = UserFactory(username="lisi")
    own = InsuredPersonFactory(name="李四", region=chongqing(), born=datetime.date(1980, 1, 1),
                               user=user)  # fmt: skip
    parent = InsuredPersonFactory(name="李父", region=chengdu(), born=datetime.date(1950, 1, 1))
    other = type("Family", (), {})()
    other.own, other.parent = own, parent
    other.binding = bind(own, parent, "parent")
    pending_relative = InsuredPersonFactory(name="李兄", region=chongqing(),
                                            born=datetime.date(1978, 1, 1))  # fmt: skip
    other.pending = dependent_request(user=user, national_id=pending_relative.national_id,
                                      name="李兄", relation="sibling")  # fmt: skip
    other.registration = registration_file(
        actor=user, person=parent, destination=chongqing(), kind="referral",
        start_date=timezone.localdate(), proof="none",
    )  # fmt: skip
    return other


def object_urls(other):
    own, parent = other.own.pk, other.parent.pk
    reg, binding, pending = other.registration.pk, other.binding.pk, other.pending.pk
    return [
        ("get", reverse("accounts:person_detail", args=[own])),
        ("get", reverse("accounts:person_detail", args=[parent])),
        ("post", reverse("accounts:person_qr_refresh", args=[parent])),
        ("get", reverse("accounts:person_qr_svg", args=[parent])),
        ("get", reverse("accounts:facility_choose", args=[parent])),
        ("post", reverse("accounts:facility_choose", args=[parent])),
        ("get", reverse("accounts:registration_new", args=[parent])),
        ("post", reverse("accounts:registration_new", args=[own])),
        ("get", reverse("accounts:registration_detail", args=[reg])),
        ("post", reverse("accounts:registration_cancel", args=[reg])),
        ("get", reverse("accounts:binding_code", args=[pending])),
        ("post", reverse("accounts:binding_code", args=[pending])),
        ("post", reverse("accounts:binding_resend", args=[pending])),
        ("post", reverse("accounts:binding_end", args=[binding])),
        ("post", reverse("accounts:binding_respond", args=[pending])),
        ("post", reverse("accounts:binding_leave", args=[binding])),
    ]


def test_every_object_url_answers_404_to_another_family(me_client, me, other_family):
    for method, url in object_urls(other_family):
        response = getattr(me_client, method)(url)
        assert response.status_code == 404, (method, url)
        response = getattr(me_client, method)(url, **HX)
        assert response.status_code == 404, (method, url)
    # Nothing changed on their side.
    other_family.registration.refresh_from_db()
    other_family.binding.refresh_from_db()
    assert other_family.registration.status == "active"
    assert other_family.binding.status == "active"
    assert not DesignatedFacilityChoice.objects.exists()


def test_the_same_urls_work_for_the_owner(other_family):
    client = Client()
    client.force_login(other_family.own.user)
    parent = other_family.parent.pk
    for url in (
        reverse("accounts:person_detail", args=[parent]),
        reverse("accounts:person_qr_svg", args=[parent]),
        reverse("accounts:facility_choose", args=[parent]),
        reverse("accounts:registration_new", args=[parent]),
        reverse("accounts:registration_detail", args=[other_family.registration.pk]),
        reverse("accounts:binding_code", args=[other_family.pending.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_a_former_dependent_is_out_of_reach(me_client, me, father):
    binding = bind(me, father, "parent")
    registration = registration_file(actor=me.user, person=father, destination=chongqing(),
                                     kind="referral", start_date=timezone.localdate(),
                                     proof="none")  # fmt: skip
    me_client.post(reverse("accounts:binding_end", args=[binding.pk]))
    for url in (
        reverse("accounts:person_detail", args=[father.pk]),
        reverse("accounts:registration_detail", args=[registration.pk]),
        reverse("accounts:facility_choose", args=[father.pk]),
    ):
        assert me_client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, me):
    for url in (
        reverse("accounts:dependent_add"),
        reverse("accounts:person_detail", args=[me.pk]),
        reverse("accounts:registration_new", args=[me.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_full_id_never_in_urls_or_pages(me_client, me, father):
    binding = bind(me, father, "parent")
    registration = registration_file(actor=me.user, person=father, destination=chongqing(),
                                     kind="referral", start_date=timezone.localdate(),
                                     proof="none")  # fmt: skip
    pages = [
        reverse("home"),
        reverse("accounts:person_detail", args=[father.pk]),
        reverse("accounts:registration_detail", args=[registration.pk]),
        reverse("accounts:facility_choose", args=[father.pk]),
        reverse("accounts:binding_code", args=[binding.pk]),
    ]
    for url in pages:
        html = me_client.get(url).content.decode()
        for person in InsuredPerson.objects.all():
            assert person.national_id not in html and person.national_id not in url


def test_other_pages_run_a_small_fixed_number_of_queries(
    me_client, me, father, django_assert_max_num_queries
):
    binding = bind(me, father, "parent")
    for _ in range(3):
        facility_choose(actor=me.user, person=father,
                        facility=FacilityFactory(region=father.region))  # fmt: skip
    registration = registration_file(actor=me.user, person=father, destination=chongqing(),
                                     kind="referral", start_date=timezone.localdate(),
                                     proof="none")  # fmt: skip
    pages = [
        reverse("accounts:person_detail", args=[father.pk]),
        reverse("accounts:facility_choose", args=[father.pk]),
        reverse("accounts:registration_new", args=[father.pk]),
        reverse("accounts:registration_detail", args=[registration.pk]),
        reverse("accounts:binding_code", args=[binding.pk]),
        reverse("accounts:dependent_add"),
    ]
    for url in pages:
        with django_assert_max_num_queries(10):
            assert me_client.get(url).status_code == 200


def test_the_family_page_reads_its_people_in_one_round_trip(me_client, me, father):
    """The page's people (persons, facilities, registrations, every binding
    shown) are read in one statement: everyone shown, in a handful of queries."""
    sister = InsuredPersonFactory(name="张丽", region=chongqing(), born=datetime.date(1988, 1, 2))
    bind(me, father, "parent")
    bind(me, sister, "sibling")
    clinic = FacilityFactory(region=chengdu(), name="成都社区医院")
    later = FacilityFactory(region=chengdu(), name="成都第二社区医院")
    today = timezone.localdate()
    DesignatedFacilityChoice.objects.create(
        person=father, facility=clinic, effective_from=today - datetime.timedelta(days=30)
    )
    DesignatedFacilityChoice.objects.create(
        person=father, facility=later, effective_from=today + datetime.timedelta(days=1)
    )
    NonLocalRegistration.objects.create(
        person=father,
        destination=chongqing(),
        kind="referral",
        start_date=today,
        end_date=today + datetime.timedelta(days=180),
        proof="none",
    )
    # Waiting for a code; asking for the user's own record; looking after it.
    other = UserFactory(username="lisi")
    InsuredPersonFactory(name="李四", region=chongqing(), user=other)
    cousin = InsuredPersonFactory(name="张远", region=chongqing(), born=datetime.date(1990, 5, 5))
    DependentBinding.objects.create(user=me.user, person=cousin, typed_name="张远",
                                    relation="sibling", status="pending_code")  # fmt: skip
    DependentBinding.objects.create(
        user=other, person=me, relation="sibling", status="pending_code"
    )
    DependentBinding.objects.create(user=UserFactory(username="wangwu"), person=me,
                                    relation="child", status="active")  # fmt: skip

    # Money and bills for the cards (wallet open with a usage location, personal
    # account, a transfer waiting, a settled bill, a chronic recognition).
    from claims.models import ChronicRecognition, Disease
    from tests.claims.factories import CHONGQING_RESIDENT, directory, policy, settle
    from tests.wallet.factories import fund
    from wallet.models import Wallet

    fund(me, "300.00")
    Wallet.objects.create(person=father, usage_region=chengdu())
    directory(today.year)
    policy(chengdu(), year=today.year, rules=CHONGQING_RESIDENT)
    settle(father, clinic, [("A100", 1, "80.00")], day=today)
    ChronicRecognition.objects.create(
        person=father,
        disease=Disease.objects.create(code="MT01", name="高血压", name_en="Hypertension"),
        hospital=clinic,
        diagnosis="x",
        status="approved",
        valid_from=today - datetime.timedelta(days=10),
        valid_until=today + datetime.timedelta(days=700),
    )

    def page():
        with CaptureQueriesContext(connection) as queries:
            html = me_client.get(reverse("home")).content.decode()
        # The family tab shows what the home page leaves to it (facilities, registrations).
        html += me_client.get(reverse("family")).content.decode()
        # Tokens differ between requests; nothing else may.
        return re.sub(r"[A-Za-z0-9]{64}", "", html), queries.captured_queries

    html, sql_queries = page()
    assert page()[0] == html  # read again: the same page
    for text in (
        "张建国",
        "张丽",
        "成都社区医院",
        "成都第二社区医院",
        "张远",
        "李四",
        "a portal user without an insurance record",  # wangwu looks after me
        "Hypertension",
        "80.00",
        "300.00",
    ):
        assert text in html, text
    # Session, user; the people, the money cards, the year at a glance, the
    # recognitions, the header's unread messages: one each.
    assert len(sql_queries) <= 7, "\n".join(str(q["sql"])[:150] for q in sql_queries)


def test_the_family_pages_add_form_is_drawn_once_per_language(me_client, me):
    """The empty add form is the same for everyone in a language, so the family
    page draws it once per process and language — in the visitor's language."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from accounts.forms import DependentAddForm

    for language, label in (("en", "They are my"), ("zh-hans", "对方是我的")):
        me_client.cookies["django_language"] = language
        html = me_client.get(reverse("family")).content.decode()
        with translation.override(language):
            drawn = render_to_string("portal/_form.html", {"form": DependentAddForm()})
        assert drawn in html and label in html
