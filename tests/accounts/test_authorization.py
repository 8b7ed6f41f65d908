"""The authorization matrix (accounts/authorization.py, docs/AUTHORIZATION.md):
the document is the table, the consent page lists the delegate column (A7), and
one parametrised test drives every family view that names a person with every
role, family and staff, against the table: a delegate decides on no transfer
and spends none of the relative's money (A8); staff reach no family page (A9)."""

import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts import authorization as authz
from accounts.models import DependentBinding, InsuranceType
from tests.factories import InsuredPersonFactory, UserFactory, chongqing
from tests.wallet.factories import fund, relate
from wallet.models import PoolingBinding
from wallet.selectors import pending_for_user
from wallet.services import transfer_create
from wallet.services.wallets import wallet_open

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
STRANGER = "stranger"
ROLES = (*authz.FAMILY_ROLES, STRANGER, *authz.STAFF_ROLES)

# Every family view that names a person (or a transfer or a pooling of theirs):
# (url name, method, the action of the matrix it performs).
VIEWS = [
    ("accounts:person_detail", "get", authz.VIEW_CARD),
    ("accounts:person_qr_svg", "get", authz.VIEW_CARD),
    ("accounts:person_qr_counter", "get", authz.VIEW_CARD),
    ("accounts:person_qr_refresh", "post", authz.VIEW_CARD),
    ("accounts:person_proof", "get", authz.PRINT_PROOF),
    ("accounts:facility_choose", "get", authz.CHOOSE_FACILITY),
    ("accounts:registration_new", "get", authz.REGISTRATIONS),
    ("wallet:open", "post", authz.OPEN_WALLET),
    ("wallet:usage", "get", authz.CHANGE_USAGE),
    ("wallet:statement", "get", authz.VIEW_RECORDS),
    ("wallet:statement_csv", "get", authz.VIEW_RECORDS),
    ("claims:summary_csv", "get", authz.VIEW_RECORDS),
    ("claims:summary_pdf", "get", authz.VIEW_RECORDS),
    ("wallet:premium", "post", authz.PAY_PREMIUM),
    ("wallet:accept", "post", authz.DECIDE_TRANSFER),
    ("wallet:decline", "post", authz.DECIDE_TRANSFER),
    ("wallet:pooling_end", "post", authz.POOLING_END),
    # Forms that name the person in a choice field: offered, or not.
    ("claims:chronic", "choice", authz.APPLY_CHRONIC),
    ("claims:estimate", "choice", authz.VIEW_RECORDS),
    ("claims:reimbursement_new", "choice", authz.FILE_CLAIM),
]


def url_for(name: str, family: dict) -> str:
    person = family["person"].pk
    if name in ("claims:chronic", "claims:estimate", "claims:reimbursement_new"):
        return reverse(name)
    args = {
        "wallet:accept": [family["transfer"]],
        "wallet:decline": [family["transfer"]],
        "wallet:pooling_end": [family["pooling"]],
        "wallet:statement_csv": [person, 2026],
        "claims:summary_csv": [person, 2026],
        "claims:summary_pdf": [person, 2026],
    }.get(name, [person])
    return reverse(name, args=args)


def staff_user(role: str):
    if role == authz.ADMINISTRATOR:
        return UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory(is_staff=True)
    # S1: staff hold their permissions through their role's group.
    user.groups.add(Group.objects.get(name=authz.STAFF_GROUP[role]))
    return user


@pytest.fixture
def family(db, time_machine, settings):
    """The person acted for (with a login, a wallet, a transfer waiting for them)
    and one login per role around them."""
    settings.STAFF_2FA = False  # the staff roles' second step is tested elsewhere
    time_machine.move_to(NOW, tick=False)
    region = chongqing()
    person = InsuredPersonFactory(region=region, user=UserFactory(), born=datetime.date(1958, 3, 1))
    payer = InsuredPersonFactory(region=region, user=UserFactory())
    relative = InsuredPersonFactory(region=region, user=UserFactory())
    delegate = InsuredPersonFactory(region=region, user=UserFactory())
    relate(person, payer, "parent")
    relate(person, relative, "sibling")
    relate(person, delegate, "parent")
    DependentBinding.objects.create(
        user=delegate.user, person=person, relation="parent", status="active"
    )
    pooling = PoolingBinding.objects.create(employee=payer, relative=person)
    for who in (person, payer):
        wallet_open(person=who, usage_region=region, acting_user=who.user)
    fund(payer, "1000.00")
    transfer = transfer_create(
        sender=payer, recipient=person, amount="100.00", idempotency_key="k", acting_user=None
    )
    users = {
        authz.OWNER: person.user,
        authz.DELEGATE: delegate.user,
        authz.POOLING_PAYER: payer.user,
        authz.RELATIVE: relative.user,
        STRANGER: InsuredPersonFactory(region=region, user=UserFactory()).user,
    }
    users.update({role: staff_user(role) for role in authz.STAFF_ROLES})
    return {"person": person, "transfer": transfer.pk, "pooling": pooling.pk, "users": users}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "action"), VIEWS, ids=[v[0] for v in VIEWS])
def test_every_family_view_follows_the_matrix(family, role, name, method, action):
    client = Client()
    client.force_login(family["users"][role])
    may = role in authz.FAMILY_ROLES and authz.allowed(action, [role])
    if method == "choice":
        html = client.get(url_for(name, family)).content.decode()
        select = html.split('name="person"', 1)[1].split("</select>", 1)[0]
        offered = f'value="{family["person"].pk}"' in select
        assert offered is may, (role, name)
        return
    response = getattr(client, method)(url_for(name, family))
    if may:
        assert response.status_code in (200, 302), (role, name, response.status_code)
        assert response.status_code != 302 or "/login/" not in response["Location"]
    else:
        assert response.status_code == 404, (role, name, response.status_code)


def test_a_delegate_cannot_accept_or_decline_for_the_relative(family):
    """The reproduction: a delegate's accept left the transfer waiting (A8)."""
    from wallet.models import Transfer

    client = Client()
    client.force_login(family["users"][authz.DELEGATE])
    for name in ("wallet:accept", "wallet:decline"):
        assert client.post(url_for(name, family)).status_code == 404
    assert Transfer.objects.get(pk=family["transfer"]).state == "pending"
    waiting = pending_for_user(user=family["users"][authz.DELEGATE])
    assert family["transfer"] not in {t.pk for t in waiting}
    # The relative's card says it waits for their own login, with no button.
    client.cookies["django_language"] = "en"
    home = client.get(reverse("home")).content.decode()
    assert "1 transfer to accept with their own login" in home
    wallet = client.get(reverse("wallet:index")).content.decode()
    assert f'id="transfer-{family["transfer"]}"' not in wallet


def test_the_document_is_the_table():
    written = (ROOT / "docs" / "AUTHORIZATION.md").read_text(encoding="utf-8")
    assert written == authz.markdown(), "run: python manage.py authorization_doc"


def test_the_consent_page_lists_the_delegate_column(family):
    """A7: the relative reads exactly what the matrix lets a delegate do."""
    from accounts.services import dependent_request

    me = InsuredPersonFactory(region=chongqing(), user=UserFactory(username="asker"))
    target = InsuredPersonFactory(
        region=chongqing(),
        user=UserFactory(),
        insurance_type=InsuranceType.RESIDENT,
        born=datetime.date(1958, 3, 1),
    )
    relate(target, me, "parent")
    binding = dependent_request(
        user=me.user, national_id=target.national_id, name=target.name, relation="parent"
    )
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(target.user)
    page = client.get(reverse("accounts:binding_respond", args=[binding.pk])).content.decode()
    scope = page.split('id="delegation-scope">')[1].split("</ul>")[0]
    items = [item.split("</li>")[0] for item in scope.split("<li>")[1:]]
    delegate_actions = [a for k, a in authz.ACTIONS.items() if authz.delegate_may(k)]
    assert len(items) == len(delegate_actions)
    with translation.override("en"):
        for action in delegate_actions:
            assert str(action.sentence) in scope
    for key, action in authz.ACTIONS.items():
        if not authz.delegate_may(key):
            assert not action.sentence  # nothing a delegate may not do is promised


def test_a_delegate_is_offered_no_premium_button_for_the_relative(family):
    """A8 on the page: the wallet page offers "Pay the premium" only where the
    matrix allows it (the person themself, their pooling payer)."""
    from accounts.models import InsuranceType

    person = family["person"]
    person.insurance_type = InsuranceType.RESIDENT
    person.save(update_fields=["insurance_type"])
    premium_url = reverse("wallet:premium", args=[person.pk])
    for role, offered in ((authz.DELEGATE, False), (authz.OWNER, True)):
        client = Client()
        client.cookies["django_language"] = "en"
        client.force_login(family["users"][role])
        html = client.get(reverse("wallet:index")).content.decode()
        if "Resident premium" not in html:
            pytest.skip("no premium rate seeded for the region this year")
        assert (premium_url in html) is offered, role
        if not offered:
            assert "pays it with their own login" in html
