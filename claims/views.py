"""Claims pages: bills, estimate, annual summary (+ CSV/PDF), facility search and
chronic-disease applications. Thin: forms in, selectors/services out. Every
object URL answers 404 for anybody outside the user's family (A3)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import selectors as accounts_selectors
from claims import exports, selectors
from claims.forms import (
    ChronicApplyForm,
    DirectorySearchForm,
    EstimateForm,
    EstimateLineFormSet,
    FacilitySearchForm,
    ReimbursementForm,
    YearForm,
)
from claims.models import ChronicRecognition, ClaimsSettings, ReimbursementClaim
from claims.services.chronic import recognition_apply
from claims.services.reimbursement import claim_submit
from core import clock
from core.reasons import attach
from core.replicas import replica_reads


def _year(request: HttpRequest) -> int:
    form = YearForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["year"]
    return clock.localdate().year


@replica_reads
@login_required
@require_GET
def bill_list(request: HttpRequest) -> HttpResponse:
    members = accounts_selectors.family_members(user=request.user)
    person = None
    if request.GET.get("person"):
        person = accounts_selectors.person_for_user(
            user=request.user, person_id=request.GET["person"]
        )
    year = _year(request)
    found = selectors.bills_for_user(
        user=request.user, person_id=person.pk if person else None, year=year
    )
    bills = found[:200]
    template = "claims/bills.html#bill-list" if request.htmx else "claims/bills.html"
    return render(
        request,
        template,
        {
            "members": members,
            "person": person,
            "year": year,
            "year_form": YearForm(initial={"year": year}),
            "bills": bills,
            "totals": selectors.bills_totals(found),
        },
    )


@login_required
@require_GET
def bill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bill = selectors.bill_for_user(user=request.user, bill_id=pk)
    commercial = []
    if bill.is_settled:
        commercial = selectors.commercial_estimate(
            total=bill.total, personal_total=bill.personal_total
        )
    return render(
        request,
        "claims/bill_detail.html",
        {
            "bill": bill,
            "lines": list(bill.lines.all()),
            "commercial": commercial,
            "payment": bill.payment,
            "refunds": selectors.bill_refunds(bill),
        },
    )


@login_required
@require_GET
def bill_by_reference(request: HttpRequest, reference: str) -> HttpResponse:
    """A bill named by its reference (how payments and messages know it)."""
    found = selectors.bills_for_user(user=request.user).filter(reference=reference).first()
    if found is None:
        raise Http404
    return redirect("claims:bill_detail", pk=found.pk)


@login_required
@require_GET
def estimate(request: HttpRequest) -> HttpResponse:
    """Cost estimate before a visit (reads only; reuses the settlement)."""
    bound = "person" in request.GET
    form = EstimateForm(
        request.GET if bound else None,
        user=request.user,
        initial={"person": request.GET.get("for")},  # "estimate for 张建国" from a card
    )
    lines_formset = EstimateLineFormSet(request.GET if bound else None, prefix="line")
    scenarios, commercial, error = [], [], ""
    if bound and form.is_valid() and lines_formset.is_valid():
        data = form.cleaned_data
        codes = [f.cleaned_data.get("code") for f in lines_formset if f.cleaned_data.get("code")]
        # The items in force on the day, read once: for their typical prices
        # here and for the estimate's classes and limits (C1, C2).
        items = selectors.directory_items(day=data["day"], codes=codes)
        lines = []
        for line_form in lines_formset:
            code = line_form.cleaned_data.get("code")
            if not code:
                continue
            item = items.get(code)
            price = line_form.cleaned_data.get("unit_price")
            if price is None:
                price = (item.typical_price if item else None) or Decimal("0")
            quantity = line_form.cleaned_data.get("quantity") or Decimal("1")
            lines.append((code, quantity, price))
        if not lines:
            error = _("Add at least one directory item.")
        else:
            # The form's choices are the user's family only (A3).
            scenarios = selectors.estimate(
                person=data["person"],
                facility=data["facility"],
                day=data["day"],
                visit=data["visit"],
                lines=lines,
                disease=data["disease"],
                items=items,
            )
            actual = scenarios[0].result
            commercial = selectors.commercial_estimate(
                total=actual.total, personal_total=actual.personal_total
            )
    context = {
        "form": form,
        "lines_formset": lines_formset,
        "scenarios": scenarios,
        "commercial": commercial,
        "error": error,
    }
    # htmx swaps the form and the result together, so errors show next to fields.
    template = "claims/estimate.html#estimate-body" if request.htmx else "claims/estimate.html"
    return render(request, template, context)


@login_required
@require_GET
def directory_search(request: HttpRequest) -> HttpResponse:
    """The estimate's item picker: the directory items matching what was typed in
    a line's code field (htmx sends that field's value under its own name), as
    the options of the page's suggestion list. The page never carries the whole
    directory."""
    name = request.htmx.trigger_name if request.htmx and request.htmx.trigger_name else "q"
    items = selectors.directory_search(text=request.GET.get(name, "")[:60], day=clock.localdate())
    return render(request, "claims/_directory_options.html", {"items": items})


@replica_reads
@login_required
@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    """T1/T2: the family's year: costs, personal share, deduction, who claims it."""
    year = _year(request)
    members = accounts_selectors.family_members(user=request.user)
    viewer = accounts_selectors.own_person(user=request.user)
    summaries = selectors.family_summary(
        persons=members, year=year, viewer=viewer, user=request.user
    )
    for item in summaries:
        item.commercial = selectors.commercial_estimate(
            total=item.total, personal_total=item.personal_total
        )
    template = "claims/summary.html#summary-body" if request.htmx else "claims/summary.html"
    return render(
        request,
        template,
        {"year": year, "year_form": YearForm(initial={"year": year}), "summaries": summaries},
    )


# The first year a summary can cover: basic medical insurance for employees
# started in 1998 (State Council document 1998 No. 44). A bound for URLs, not a rule.
FIRST_SUMMARY_YEAR = 1998


def _summary_for(request: HttpRequest, person_id: int, year: int):
    if not FIRST_SUMMARY_YEAR <= year <= clock.localdate().year:
        # Year 0, year 99999 or a year to come: no such summary (not a 500).
        raise Http404
    person = accounts_selectors.person_for_user(user=request.user, person_id=person_id)
    viewer = accounts_selectors.own_person(user=request.user)
    summary = selectors.annual_summary(person=person, year=year, viewer=viewer, user=request.user)
    bills = (
        selectors.bills_for_user(user=request.user, person_id=person.pk)
        .filter(status="settled", settled_on__year=year)
        .order_by("settled_on", "pk")
    )
    return summary, bills


@replica_reads
@login_required
@require_GET
def summary_csv(request: HttpRequest, person_id: int, year: int) -> HttpResponse:
    summary, bills = _summary_for(request, person_id, year)
    response = HttpResponse(exports.summary_csv(summary, bills), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="summary-{year}-{person_id}.csv"'
    return response


@replica_reads
@login_required
@require_GET
def summary_pdf(request: HttpRequest, person_id: int, year: int) -> HttpResponse:
    summary, bills = _summary_for(request, person_id, year)
    response = HttpResponse(exports.summary_pdf(summary, bills), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="summary-{year}-{person_id}.pdf"'
    return response


@login_required
@require_GET
def facilities(request: HttpRequest) -> HttpResponse:
    """F1: which hospitals near my parent accept the wallet / chronic settlement?"""
    data = request.GET.copy()
    if not data:
        # A first visit starts where the user gets care (their own region).
        own = accounts_selectors.own_person(user=request.user)
        if own is not None:
            data["person"] = str(own.pk)
            data["region"] = str(selectors.region_near(person=own).pk)
    if data.get("person") and (data.get("fill") == "person" or "region" not in data):
        # Picking a family member fills in where they get care.
        person = accounts_selectors.person_for_user(user=request.user, person_id=data["person"])
        data["region"] = str(selectors.region_near(person=person).pk)
    form = FacilitySearchForm(data or None, user=request.user)
    results = []
    if form.is_bound and form.is_valid():
        c = form.cleaned_data
        results = selectors.facility_search(
            region=c["region"], kind=c["kind"], tier=c["tier"], flags=c["flags"], text=c["q"]
        )[:100]
    elif not form.is_bound:
        results = selectors.facility_search()[:100]
    template = "claims/facilities.html#results" if request.htmx else "claims/facilities.html"
    if request.htmx and request.GET.get("fill") == "person":
        template = "claims/facilities.html#search"
    return render(request, template, {"form": form, "results": results})


@login_required
@require_http_methods(["GET", "POST"])
def chronic(request: HttpRequest) -> HttpResponse:
    """C5: the family's recognitions, and applying for one."""
    form = ChronicApplyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            recognition_apply(
                person=form.cleaned_data["person"],
                disease=form.cleaned_data["disease"],
                hospital=form.cleaned_data["hospital"],
                diagnosis=form.cleaned_data["diagnosis"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            attach(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Application sent. An administrator will review it; you will get a "
                    "message with the answer."
                ),
            )
            return redirect("claims:chronic")
    persons = accounts_selectors.persons_for_user(user=request.user).values("pk")
    recognitions = ChronicRecognition.objects.filter(person__in=persons).select_related(
        "person", "disease", "hospital"
    )
    return render(
        request,
        "claims/chronic.html",
        {
            "form": form,
            "recognitions": recognitions,
            "today": clock.localdate(),
            # C5: the validity is a setting (2 years by default), never a literal.
            "validity_years": ClaimsSettings.current().chronic_validity_years,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reimbursement_new(request: HttpRequest) -> HttpResponse:
    """M1: file an out-of-pocket claim with its invoices and list of expenses."""
    form = ReimbursementForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim = claim_submit(
                person=data["person"],
                facility=data["facility"],
                visit=data["visit"],
                why=data["why"],
                care_from=data["care_from"],
                care_until=data["care_until"],
                amount_paid=data["amount_paid"],
                bank_name=data["bank_name"],
                bank_account=data["bank_account"],
                account_holder=data["account_holder"],
                invoices=data["invoices"],
                expense_lists=data["expense_lists"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            attach(form, exc)
        else:
            messages.success(
                request,
                _("Claim sent. You will get a message at each step; this page shows where it is."),
            )
            return redirect(claim)
    return render(request, "claims/reimbursement_new.html", {"form": form})


@login_required
@require_GET
def reimbursement_list(request: HttpRequest) -> HttpResponse:
    """M2: the family's claims and where each stands."""
    claims = selectors.claims_for_user(user=request.user)[:200]
    return render(request, "claims/reimbursements.html", {"claims": claims})


@login_required
@require_GET
def reimbursement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_for_user(user=request.user, claim_id=pk)
    return render(
        request,
        "claims/reimbursement_detail.html",
        {
            "claim": claim,
            "documents": list(claim.documents.all()),
            "lines": list(claim.lines.all()),
            "steps": REIMBURSEMENT_STEPS,
        },
    )


@login_required
@require_GET
def reimbursement_document(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    """M1: a claim's document, to the family that filed it (staff: the admin)."""
    document = selectors.claim_document_for_user(
        user=request.user, claim_id=pk, document_id=document_id
    )
    return FileResponse(document.file.open("rb"))


# M2: the steps a claim goes through, as the family's page shows them.
REIMBURSEMENT_STEPS = (
    ReimbursementClaim.Status.SUBMITTED,
    ReimbursementClaim.Status.UNDER_REVIEW,
    ReimbursementClaim.Status.APPROVED,
    ReimbursementClaim.Status.PAID,
)


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """D1: look up drugs and services, with what the family member's region pays."""
    years = selectors.directory_years()
    data = request.GET.copy()
    data.setdefault("year", str(years[0]))
    if "person" not in data:
        own = accounts_selectors.own_person(user=request.user)
        data["person"] = str(own.pk) if own is not None else ""
    form = DirectorySearchForm(data, user=request.user, years=years)
    rows, terms = [], None
    if form.is_valid():
        rows, terms = selectors.directory_lookup(
            text=form.cleaned_data["q"],
            year=form.cleaned_data["year"],
            person=form.cleaned_data["person"],
        )
    template = "claims/directory.html#results" if request.htmx else "claims/directory.html"
    return render(
        request,
        template,
        {"form": form, "rows": rows, "terms": terms, "searched": bool(data.get("q"))},
    )
