"""People pages (RULES.md A, F): small views over accounts.services and selectors.

Every object URL goes through a selector that answers 404 for anyone who is not
the user or one of their active dependents. htmx requests get the partial they
swap in place; the same URLs work as plain pages without JavaScript.
"""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts import authorization, proof, selectors, services
from accounts.forms import (
    NOT_CLOSE,
    CodeForm,
    DependentAddForm,
    FacilityChoiceForm,
    RegistrationForm,
)
from accounts.models import AccountsPolicy, NonLocalRegistration
from accounts.templatetags.accounts_qr import counter_payload, counter_seconds, qr_payload
from core import clock
from core.floors import no_sooner_than
from core.reasons import Refusal, attach

FAMILY_CHANGED = "familyChanged"  # the family section reloads itself on this event


def _changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, FAMILY_CHANGED)


# Dependents (A3) ------------------------------------------------------------


def _asked(request: HttpRequest, data: dict) -> HttpResponse:
    """The one answer to a relative asked for, whatever the record held (A6):
    a stranger's details and a real relative's read the same."""
    if services.dependent_needs_review(national_id=data["national_id"]):
        note = _(
            "If these details match a record, an administrator will check the document "
            "for %(name)s."
        )
    else:
        note = _(
            "If these details match a record, %(name)s gets a text with a code (or finds "
            "the request in their own login): ask them for it and enter it below."
        )
    messages.success(request, note % {"name": data["name"]})
    if request.htmx:
        response = render(
            request, "accounts/dependent_add.html#add-form", {"form": DependentAddForm()}
        )
        return _changed(response)
    return redirect("home")


@sensitive_post_parameters("national_id")
@login_required
@require_http_methods(["GET", "POST"])
def dependent_add(request: HttpRequest) -> HttpResponse:
    """Add a relative by ID number + name + relationship (A3)."""
    form = DependentAddForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["relation"] == NOT_CLOSE:
                raise Refusal("A2-01", field="relation")
            # A6: a request that texts a real relative and a blind one that texts
            # nobody take the same time.
            with no_sooner_than(settings.DEPENDENT_ANSWER_MS):
                services.dependent_request(
                    user=request.user,
                    national_id=data["national_id"],
                    name=data["name"],
                    relation=data["relation"],
                    document=data["document"],
                )
        except ValidationError as exc:  # a Refusal from the typed details alone (A6)
            attach(form, exc)
        else:
            return _asked(request, data)
    if request.htmx:
        return render(request, "accounts/dependent_add.html#add-form", {"form": form})
    return render(request, "accounts/dependent_add.html", {"form": form})


@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def binding_code(request: HttpRequest, binding_id: int) -> HttpResponse:
    """Enter the code the relative received (A3)."""
    binding = selectors.binding_for_user(user=request.user, binding_id=binding_id)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            binding = services.dependent_confirm_code(
                user=request.user, binding=binding, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            attach(form, exc)
            binding.refresh_from_db()
        else:
            messages.success(
                request, _("%(name)s is now on your family page.") % {"name": binding.shown_name}
            )
            if request.htmx:
                # "Confirmed" in place (on the code page alone nothing else would
                # say so); the family page reloads its section on the event.
                context = {"binding": binding, "form": None}
                return _changed(render(request, "accounts/binding_code.html#pending-item", context))
            return redirect("home")
    context = {"binding": binding, "form": form}
    if request.htmx:
        return render(request, "accounts/binding_code.html#pending-item", context)
    return render(request, "accounts/binding_code.html", context)


@login_required
@require_POST
def binding_resend(request: HttpRequest, binding_id: int) -> HttpResponse:
    """Send a new code. A request that stopped waiting meanwhile (confirmed from
    the relative's login, expired after wrong codes, withdrawn) gets the reason
    in place, on the code page without JavaScript."""
    binding = selectors.binding_for_user(user=request.user, binding_id=binding_id)
    try:
        binding = services.dependent_resend_code(user=request.user, binding=binding)
    except ValidationError as exc:
        binding.refresh_from_db()
        context = {"binding": binding, "form": CodeForm(), "refused": " ".join(exc.messages)}
        if request.htmx:
            return render(request, "accounts/binding_code.html#pending-item", context)
        return render(request, "accounts/binding_code.html", context)
    if request.htmx:
        return render(
            request,
            "accounts/binding_code.html#pending-item",
            {"binding": binding, "form": CodeForm(), "resent": True},
        )
    messages.success(request, _("A new code was sent to %(name)s.") % {"name": binding.shown_name})
    return redirect("accounts:binding_code", binding_id=binding.pk)


@login_required
@require_POST
def binding_end(request: HttpRequest, binding_id: int) -> HttpResponse:
    """Unbind a dependent or withdraw a request, at any time (A3)."""
    binding = selectors.binding_for_user(user=request.user, binding_id=binding_id)
    services.dependent_end(actor=request.user, binding=binding)
    messages.success(
        request, _("%(name)s was removed from your family page.") % {"name": binding.shown_name}
    )
    if request.htmx:
        return _changed(HttpResponse(""))
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def binding_respond(request: HttpRequest, binding_id: int) -> HttpResponse:
    """The relative decides on a request to add them (A3 consent), in two steps:
    this page names the person who asked and says what they will be able to see
    and do; only the confirmation sent from it lets them in."""
    binding = selectors.binding_for_relative(user=request.user, binding_id=binding_id)
    answer = request.POST.get("answer")
    if request.method == "GET" or (answer == "accept" and request.POST.get("step") != "confirm"):
        return render(
            request,
            "accounts/binding_respond.html",
            {"binding": binding, "scope": authorization.delegate_scope()},
        )
    accept = answer == "accept"
    try:
        services.dependent_respond(user=request.user, binding=binding, accept=accept)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if accept:
            note = _("%(who)s can now look after your insurance.")
        else:
            note = _("You declined %(who)s's request.")
        messages.success(request, note % {"who": binding.requester_name})
    if request.htmx:
        return _changed(HttpResponse(""))
    return redirect("home")


@login_required
@require_POST
def binding_leave(request: HttpRequest, binding_id: int) -> HttpResponse:
    """The relative removes themselves from someone's family page (A3)."""
    binding = selectors.binding_for_relative(user=request.user, binding_id=binding_id)
    services.dependent_end(actor=request.user, binding=binding)
    messages.success(
        request,
        _("%(who)s no longer looks after your insurance.") % {"who": binding.requester_name},
    )
    if request.htmx:
        return _changed(HttpResponse(""))
    return redirect("home")


# A person's page, QR code (A1) ---------------------------------------------------


@login_required
@require_GET
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """One person: their card, facility history and every registration."""
    member = selectors.family_member(user=request.user, person_id=person_id)
    return render(
        request,
        "accounts/person_detail.html",
        {
            "member": member,
            "history": member.facility_history,
            "registrations": selectors.registrations_of(person=member),
        },
    )


@login_required
@require_POST
def person_qr_refresh(request: HttpRequest, person_id: int) -> HttpResponse:
    """A new opaque token: the old QR code stops working."""
    person = selectors.person_for_user(user=request.user, person_id=person_id)
    person = services.person_qr_rotate(actor=request.user, person=person)
    if request.htmx:
        return render(request, "accounts/_qr.html", {"member": person, "refreshed": True})
    messages.success(request, _("The insurance QR code was renewed."))
    return redirect("home")


@never_cache
@login_required
@require_GET
def person_qr_svg(request: HttpRequest, person_id: int) -> HttpResponse:
    """The QR code as a standalone SVG image (to save or print)."""
    person = selectors.person_for_user(user=request.user, person_id=person_id)
    svg = segno.make(qr_payload(person.qr_token), error="m").svg_inline(scale=8, border=2)
    svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return HttpResponse(svg, content_type="image/svg+xml")


@never_cache
@login_required
@require_GET
def person_qr_counter(request: HttpRequest, person_id: int) -> HttpResponse:
    """The QR code to show at the counter, full screen: a code signed with the
    time, renewed by the page every few seconds (a photo of it soon stops
    working). htmx asks for the code alone when the countdown ends."""
    person = selectors.person_for_user(user=request.user, person_id=person_id)
    context = {
        "member": person,
        "payload": counter_payload(person.qr_token),
        "seconds": counter_seconds(),
    }
    if request.htmx:
        return render(request, "accounts/qr_counter.html#code", context)
    return render(request, "accounts/qr_counter.html", context)


# Proof of insurance (参保凭证) ----------------------------------------------------


@login_required
@require_GET
def person_proof_pdf(request: HttpRequest, person_id: int) -> HttpResponse:
    """The proof of insurance of someone the user looks after, as a PDF whose QR
    code links to the public verification page."""
    person = selectors.person_for_user(user=request.user, person_id=person_id)
    issued = clock.localdate()
    token = proof.proof_token(person=person, issued=issued)
    verify_url = request.build_absolute_uri(reverse("proof_verify", args=[token]))
    pdf = proof.proof_pdf(person=person, verify_url=verify_url, issued=issued)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="proof-{person.pk}-{issued}.pdf"'
    return response


@never_cache
@require_GET
def proof_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: is this proof of insurance valid? Masked facts only."""
    verdict = proof.proof_check(token)
    return render(
        request,
        "accounts/proof_verify.html",
        {
            "verdict": verdict,
            "masked_name": proof.masked_name(verdict.person.name) if verdict.person else "",
        },
    )


# Designated outpatient facility (F2) ---------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def facility_choose(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_for_user(user=request.user, person_id=person_id)
    if request.htmx and request.method == "GET" and "cancel" in request.GET:
        # "Cancel" in the form swapped into a card: the card's facility part again,
        # on the family page and on a person's page alike.
        member = selectors.family_member(user=request.user, person_id=person.pk)
        return render(request, "accounts/_facility.html", {"member": member})
    choices = list(selectors.designated_facilities(person=person).select_related("region"))
    form = FacilityChoiceForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            choice = services.facility_choose(
                actor=request.user, person=person, facility=form.cleaned_data["facility"]
            )
        except ValidationError as exc:
            attach(form, exc)
        else:
            if choice.effective_from > clock.localdate():
                note = _("%(facility)s becomes %(name)s's designated facility on %(day)s.")
            else:
                note = _("%(facility)s is now %(name)s's designated facility.")
            messages.success(
                request,
                note
                % {
                    "facility": choice.facility.name,
                    "name": person.name,
                    "day": choice.effective_from.isoformat(),
                },
            )
            if request.htmx:
                member = selectors.family_member(user=request.user, person_id=person.pk)
                return _changed(render(request, "accounts/_facility.html", {"member": member}))
            return redirect("family")
    context = {
        "person": person,
        "form": form,
        "choices": choices,
        "history": selectors.facility_history(person=person),
        "policy": AccountsPolicy.current(),
    }
    if request.htmx:
        return render(request, "accounts/facility.html#facility-form", context)
    return render(request, "accounts/facility.html", context)


# Non-local registration (F3) ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def registration_new(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_for_user(user=request.user, person_id=person_id)
    form = RegistrationForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "start_date": clock.localdate(),
            "proof": NonLocalRegistration.Proof.COMMITMENT,
        },
    )
    # The commitment letter names the destination: it follows the select (htmx).
    form.fields["destination"].widget.attrs.update(
        {
            "hx-get": request.path,
            "hx-trigger": "change",
            "hx-target": "#commitment-text",
            "hx-select": "#commitment-text",
            "hx-swap": "outerHTML",
        }
    )
    destination = None
    picked = request.GET.get("destination", "")
    if picked.isdigit():
        destination = selectors.regions_for_choice().filter(pk=picked).first()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        destination = data["destination"]
        try:
            registration = services.registration_file(actor=request.user, person=person, **data)
        except ValidationError as exc:
            attach(form, exc)
        else:
            messages.success(
                request,
                _("Registration filed for %(name)s: %(kind)s in %(destination)s.")
                % {
                    "name": person.name,
                    "kind": registration.get_kind_display(),
                    "destination": registration.destination,
                },
            )
            return redirect("accounts:registration_detail", registration_id=registration.pk)
    elif request.method == "POST":
        destination = form.cleaned_data.get("destination")
    return render(
        request,
        "accounts/registration_new.html",
        {
            "person": person,
            "form": form,
            "commitment": services.commitment_text(person=person, destination=destination),
            "policy": AccountsPolicy.current(),
        },
    )


@login_required
@require_GET
def registration_detail(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = selectors.registration_for_user(
        user=request.user, registration_id=registration_id
    )
    return render(request, "accounts/registration_detail.html", {"registration": registration})


@login_required
@require_POST
def registration_cancel(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = selectors.registration_for_user(
        user=request.user, registration_id=registration_id
    )
    try:
        services.registration_cancel(actor=request.user, registration=registration)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The registration was cancelled."))
    if request.htmx:
        return _changed(HttpResponse(""))
    return redirect("accounts:registration_detail", registration_id=registration.pk)
