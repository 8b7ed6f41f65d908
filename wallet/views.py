"""Money pages (htmx): balances, wallets, transfers, history, pooling, premiums.

Every object is looked up through a selector that answers 404 for anything outside
the user's own record and their active dependents. Views stay thin: read a form,
call one service, show its Refusal next to the field it names."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError, close_old_connections
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts import selectors as people
from accounts.authorization import POOLING_END
from accounts.models import InsuranceType, PersonStatus
from core import clock
from core.money import yuan
from core.reasons import Refusal, attach
from core.replicas import replica_reads
from wallet import selectors, statements
from wallet.forms import (
    HistoryFilterForm,
    PoolingBindForm,
    PremiumForm,
    TransferForm,
    WalletOpenForm,
)
from wallet.models import PoolingBinding, Transfer, WalletPolicy
from wallet.services import (
    pooling_bind,
    pooling_check,
    pooling_end,
    premium_pay,
    transfer_accept,
    transfer_create,
    transfer_decline,
    wallet_change_usage,
    wallet_open,
)

log = logging.getLogger(__name__)


def _index_context(request: HttpRequest) -> dict:
    members = people.family_members(user=request.user)
    cards = selectors.family_cards(persons=members)
    year = clock.localdate().year
    premiums = selectors.premiums_due(persons=members, year=year)
    for member in members:
        member.money = cards[member.pk]
        member.premium = premiums.get(member.pk)
    due = [m for m in members if m.premium and not m.premium.paid and m.premium.amount]
    payable = selectors.premium_payable_ids(user=request.user, persons=due) if due else set()
    for member in members:
        member.premium_payable = member.pk in payable
    return {
        "members": members,
        "pending": list(selectors.pending_for_user(user=request.user)),
        "year": year,
        "premium_form": PremiumForm(),
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Balances of the user and their dependents, wallets, transfers to accept.
    The balance cards alone when they reload themselves (htmx, balancesChanged)."""
    if request.htmx and request.htmx.target == "balances":
        return render(request, "wallet/index.html#balances", _index_context(request))
    return render(request, "wallet/index.html", _index_context(request))


@login_required
@require_http_methods(["GET", "POST"])
def open_wallet(request: HttpRequest, person_id: int) -> HttpResponse:
    """W1: open one's own wallet; W2: open a dependent's by proxy."""
    person = people.person_for_user(user=request.user, person_id=person_id)
    form = WalletOpenForm(request.POST or None, initial={"usage_region": person.region_id})
    if request.method == "POST" and form.is_valid():
        try:
            wallet_open(
                person=person,
                usage_region=form.cleaned_data["usage_region"],
                acting_user=request.user,
                by_proxy=person.user_id != request.user.pk,
            )
        except Refusal as refusal:
            attach(form, refusal)
        else:
            messages.success(request, _("%(name)s's wallet is open.") % {"name": person.name})
            return redirect("wallet:index")
    return render(request, "wallet/open.html", {"person": person, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def change_usage(request: HttpRequest, person_id: int) -> HttpResponse:
    """W3: change a wallet's usage location where the province allows it."""
    person = people.person_for_user(user=request.user, person_id=person_id)
    wallet = getattr(person, "wallet", None)
    if wallet is None:
        raise Http404
    form = WalletOpenForm(request.POST or None, initial={"usage_region": wallet.usage_region_id})
    if request.method == "POST" and form.is_valid():
        try:
            wallet_change_usage(
                person=person,
                usage_region=form.cleaned_data["usage_region"],
                acting_user=request.user,
            )
        except Refusal as refusal:
            attach(form, refusal)
        else:
            messages.success(request, _("The usage location is changed."))
            return redirect("wallet:index")
    return render(request, "wallet/usage.html", {"person": person, "wallet": wallet, "form": form})


def _transfer_context(request: HttpRequest, form=None) -> dict:
    sender = people.own_person(user=request.user)
    context = {"sender": sender, "form": None, "allowance": None}
    if sender is None or sender.insurance_type != InsuranceType.EMPLOYEE:
        return context
    relatives = selectors.close_relatives(person=sender)
    if form is None:
        form = TransferForm(
            relatives=relatives,
            allow_wallet_source=WalletPolicy.current().received_money_sendable,
        )
    context["form"] = form
    context["allowance"] = selectors.transfer_allowance(sender=sender)
    return context


def _sent_message(made: Transfer) -> str:
    """What became of the transfer: a form posted again with the same key gets
    back the transfer it made earlier, which may be decided by now."""
    names = {"amount": yuan(made.amount), "name": made.recipient.name}
    if made.state == Transfer.State.ACCEPTED:
        return _("This transfer was already made: %(name)s accepted %(amount)s.") % names
    if made.state == Transfer.State.DECLINED:
        return (
            _("This transfer was already made: %(name)s declined it and %(amount)s went back.")
            % names
        )
    if made.state == Transfer.State.RETURNED:
        return (
            _(
                "This transfer was already made: %(name)s did not accept it in time and "
                "%(amount)s went back."
            )
            % names
        )
    return _("%(amount)s is on its way to %(name)s; it waits for them to accept.") % names


@login_required
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest) -> HttpResponse:
    """W4–W8: send money from one's personal account to a close relative's wallet."""
    if request.method == "GET":
        return render(request, "wallet/transfer.html", _transfer_context(request))
    sender = people.own_person(user=request.user)
    if sender is None:
        raise Http404
    relatives = {p.pk: p for p in selectors.close_relatives(person=sender)}
    form = TransferForm(
        request.POST,
        relatives=relatives.values(),
        allow_wallet_source=WalletPolicy.current().received_money_sendable,
    )
    if form.is_valid():
        try:
            made = transfer_create(
                sender=sender,
                recipient=relatives[form.cleaned_data["recipient"]],
                amount=form.cleaned_data["amount"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                acting_user=request.user,
                source=form.cleaned_data.get("source") or "personal",
            )
        except Refusal as refusal:
            attach(form, refusal)
        except (OperationalError, InterfaceError):
            # The database connection dropped mid-request: the transfer may or may
            # not have been committed. The form keeps its idempotency key, so
            # sending it again makes the transfer at most once.
            log.warning("transfer interrupted by the database connection", exc_info=True)
            close_old_connections()  # a dead connection is dropped; the page reconnects
            form.add_error(
                None,
                _(
                    "The connection was interrupted before we could confirm this transfer. "
                    "Send the form again: the same transfer is never made twice."
                ),
            )
        else:
            messages.success(request, _sent_message(made))
            if request.htmx:
                # A fresh form (and key) for the next transfer, with the message.
                return render(request, "wallet/transfer.html#section", _transfer_context(request))
            return redirect("wallet:index")
    context = _transfer_context(request, form=form)
    template = "wallet/transfer.html#section" if request.htmx else "wallet/transfer.html"
    return render(request, template, context)


@login_required
@require_GET
def allowance(request: HttpRequest) -> HttpResponse:
    """The transfer form's live check (htmx): what is still allowed today."""
    sender = people.own_person(user=request.user)
    if sender is None or sender.insurance_type != InsuranceType.EMPLOYEE:
        raise Http404
    return render(
        request,
        "wallet/transfer.html#allowance",
        {"allowance": selectors.transfer_allowance(sender=sender)},
    )


BALANCES_CHANGED = "balancesChanged"  # every card showing a balance reloads on it


def _decided(request: HttpRequest) -> HttpResponse:
    """After an accept or a decline: the pending list in place, and an event
    on which every card showing a balance on the page reloads itself."""
    if request.htmx:
        response = render(request, "wallet/index.html#pending", _index_context(request))
        return trigger_client_event(response, BALANCES_CHANGED)
    return redirect("wallet:index")


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    """W8: the recipient (or whoever holds them as a dependent) accepts."""
    found = selectors.transfer_for_recipient(user=request.user, transfer_id=pk)
    try:
        done = transfer_accept(transfer_id=found.pk, acting_user=request.user)
    except Refusal as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("%(amount)s from %(sender)s is now in %(name)s's wallet.")
            % {
                "amount": yuan(done.amount),
                "sender": found.sender.name,
                "name": found.recipient.name,
            },
        )
    return _decided(request)


@login_required
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    """W8: declining sends the money straight back to the sender."""
    found = selectors.transfer_for_recipient(user=request.user, transfer_id=pk)
    try:
        transfer_decline(transfer_id=found.pk, acting_user=request.user)
    except Refusal as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("Declined: %(amount)s went back to %(sender)s.")
            % {"amount": yuan(found.amount), "sender": found.sender.name},
        )
    return _decided(request)


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    """Transfers sent and received by the user and their dependents, filtered."""
    persons = people.family_members(user=request.user)
    form = HistoryFilterForm(request.GET or None, persons=persons)
    filters = form.cleaned_data if form.is_valid() else {}
    transfers = selectors.transfers_history(
        user=request.user,
        person_id=filters.get("person"),
        direction=filters.get("direction") or "",
        state=filters.get("state") or "",
        day_from=filters.get("day_from"),
        day_to=filters.get("day_to"),
    )
    page = Paginator(transfers, 50).get_page(request.GET.get("page"))
    mine = {p.pk for p in persons}
    template = "wallet/history.html#results" if request.htmx else "wallet/history.html"
    return render(request, template, {"form": form, "page": page, "mine": mine})


def _can_bind(own) -> bool:
    """Only an active employee gets the binding form (P1)."""
    return (
        own is not None
        and own.insurance_type == InsuranceType.EMPLOYEE
        and own.status == PersonStatus.ACTIVE
    )


def _bindable(own) -> tuple[list, list[tuple]]:
    """The close relatives a binding would succeed for now (P1, P2), and the
    others with the sentence that says why not: the form offers only the first,
    the page names the others beside it."""
    policy = WalletPolicy.current()
    offered, not_offered = [], []
    for relative in selectors.close_relatives(person=own):
        try:
            pooling_check(employee=own, relative=relative, policy=policy)
        except Refusal as refusal:
            not_offered.append((relative, str(refusal)))
        else:
            offered.append(relative)
    return offered, not_offered


def _pooling_context(request: HttpRequest, form=None) -> dict:
    own = people.own_person(user=request.user)
    can_bind = _can_bind(own)
    not_offered = []
    if can_bind:
        offered, not_offered = _bindable(own)
        if form is None:
            form = PoolingBindForm(relatives=offered)
    return {
        "own": own,
        "form": form if can_bind else None,
        "not_offered": not_offered,
        "bindings": list(selectors.pooling_for_user(user=request.user)),
    }


@login_required
@require_http_methods(["GET", "POST"])
def pooling(request: HttpRequest) -> HttpResponse:
    """P1: bind close relatives to one's personal account; see and end bindings."""
    if request.method == "POST":
        own = people.own_person(user=request.user)
        if own is None:
            raise Http404
        if not _can_bind(own):
            # No form is shown to them, so say why nothing was bound (P1).
            messages.error(request, str(Refusal("P1-01", name=own.name)))
            return render(request, "wallet/pooling.html", _pooling_context(request))
        relatives = {p.pk: p for p in selectors.close_relatives(person=own)}
        form = PoolingBindForm(request.POST, relatives=relatives.values())
        if form.is_valid():
            try:
                pooling_bind(
                    employee=own,
                    relative=relatives[form.cleaned_data["relative"]],
                    acting_user=request.user,
                )
            except Refusal as refusal:
                attach(form, refusal)
            else:
                messages.success(request, _("Family pooling is on."))
                return redirect("wallet:pooling")
        return render(request, "wallet/pooling.html", _pooling_context(request, form=form))
    return render(request, "wallet/pooling.html", _pooling_context(request))


@login_required
@require_POST
def pooling_stop(request: HttpRequest, pk: int) -> HttpResponse:
    """P1: either side may end a binding at any time."""
    binding = selectors.pooling_binding_for_user(user=request.user, binding_id=pk)
    mine = set(
        people.persons_for_user(user=request.user, action=POOLING_END).values_list("pk", flat=True)
    )
    reason = (
        PoolingBinding.EndReason.EMPLOYEE
        if binding.employee_id in mine
        else PoolingBinding.EndReason.RELATIVE
    )
    pooling_end(binding=binding, acting_user=request.user, reason=reason)
    messages.success(
        request, _("Family pooling with %(name)s has ended.") % {"name": binding.relative.name}
    )
    return redirect("wallet:pooling")


@login_required
@require_POST
def pay_premium(request: HttpRequest, person_id: int) -> HttpResponse:
    """P3/W11: pay a resident's premium for this year from wallet or pooling."""
    person = selectors.premium_person_for_user(user=request.user, person_id=person_id)
    form = PremiumForm(request.POST)
    form.is_valid()
    year = clock.localdate().year
    try:
        payment = premium_pay(
            person=person,
            year=year,
            acting_user=request.user,
            allow_cash=form.cleaned_data.get("allow_cash", False),
        )
    except Refusal as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _(
                "%(name)s's %(year)s premium of %(amount)s is paid: wallet %(wallet)s, "
                "family pooling %(pooling)s, cash %(cash)s."
            )
            % {
                "name": person.name,
                "year": year,
                "amount": yuan(payment.amount),
                "wallet": yuan(payment.wallet_amount),
                "pooling": yuan(payment.pooling_amount),
                "cash": yuan(payment.cash_amount),
            },
        )
    return redirect("wallet:index")


# The first year a statement can cover (employee insurance began in 1998); a
# bound for URLs, not a rule.
FIRST_YEAR = 1998


def _statement_year(request: HttpRequest) -> int:
    this_year = clock.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        return this_year
    return year if FIRST_YEAR <= year <= this_year else this_year


@replica_reads
@login_required
@require_GET
def statement(request: HttpRequest, person_id: int) -> HttpResponse:
    """个人账户明细: one person's personal account and wallet, month by month."""
    person = people.person_for_user(user=request.user, person_id=person_id)
    year = _statement_year(request)
    this_year = clock.localdate().year
    context = {
        "person": person,
        "year": year,
        "years": range(this_year, max(FIRST_YEAR, this_year - 5) - 1, -1),
        "accounts": statements.statement(person=person, year=year),
    }
    template = "wallet/statement.html#statement-body" if request.htmx else "wallet/statement.html"
    return render(request, template, context)


@replica_reads
@login_required
@require_GET
def statement_csv(request: HttpRequest, person_id: int, year: int) -> HttpResponse:
    person = people.person_for_user(user=request.user, person_id=person_id)
    if not FIRST_YEAR <= year <= clock.localdate().year:
        raise Http404
    response = HttpResponse(
        statements.statement_csv(person=person, year=year), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="statement-{year}-{person.pk}.csv"'
    return response
