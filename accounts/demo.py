"""Demo data for people: the demo family, a few more persons, facilities in the
demo regions. `load()` is safe to run any number of times; `demo_family()` gives
the other apps the three persons they build on.

The family: the `demo` login is 张伟 (employee, Chongqing). His father 张建国
(resident, Sichuan / Chengdu, lives with him in Chongqing under a long-term
non-local registration signed with a commitment letter) and his daughter 张小雨
(8, resident, Chongqing) are active dependents; his son 张小宝 (3) waits for
staff to review the birth certificate. His mother 李秀英 (login
`demo-mother`) has a request waiting for her confirmation; his wife 王芳
(Guangzhou) is not bound yet; 陈明 is a stranger; 赵丽's record is unclaimed,
to try the sign-up.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction

from accounts import national_id
from accounts.actions import Action
from accounts.models import (
    AccountsPolicy,
    DependentBinding,
    DesignatedFacilityChoice,
    Facility,
    InsuranceType,
    InsuredPerson,
    NonLocalRegistration,
    Province,
    Region,
)
from accounts.regions import seed_regions
from accounts.services import (
    commitment_text,
    dependent_request,
    relationship_create,
)
from accounts.services.dependent_checks import binding_subject
from core import clock
from core.audit import audit_record

CHONGQING, CHENGDU, GUANGZHOU = "500100", "510100", "440100"

# (region, code, name, kind, tier, address, designated outpatient, cross-province
#  direct settlement, chronic-disease settlement, wallet payment)
FACILITIES = [
    (CHONGQING, "H500100001", "重庆市渝中区大坪街道社区卫生服务中心", "hospital", 1,
     "渝中区大坪正街 88 号", True, False, True, True),
    (CHONGQING, "H500100002", "重庆市江北区观音桥街道社区卫生服务中心", "hospital", 1,
     "江北区建新北路 16 号", True, False, False, True),
    (CHONGQING, "H500100003", "重庆市渝中区人民医院", "hospital", 2,
     "渝中区解放西路 2 号", True, True, True, True),
    (CHONGQING, "H500100004", "重庆医科大学附属第一医院", "hospital", 3,
     "渝中区友谊路 1 号", False, True, True, True),
    (CHONGQING, "P500100001", "重庆桐君阁大药房（解放碑店）", "pharmacy", None,
     "渝中区民族路 168 号", False, True, False, True),
    (CHENGDU, "H510100001", "成都市武侯区玉林社区卫生服务中心", "hospital", 1,
     "武侯区玉林北路 21 号", True, False, True, True),
    (CHENGDU, "H510100002", "成都市锦江区人民医院", "hospital", 2,
     "锦江区东大街 72 号", True, True, True, True),
    (CHENGDU, "H510100003", "四川大学华西医院", "hospital", 3,
     "武侯区国学巷 37 号", False, True, True, True),
    (CHENGDU, "P510100001", "成都老百姓大药房（春熙路店）", "pharmacy", None,
     "锦江区春熙路 9 号", False, True, False, True),
    (GUANGZHOU, "H440100001", "广州市越秀区北京街社区卫生服务中心", "hospital", 1,
     "越秀区北京路 258 号", True, False, True, False),
    (GUANGZHOU, "H440100002", "广州市天河区人民医院", "hospital", 2,
     "天河区中山大道西 151 号", True, True, True, False),
    (GUANGZHOU, "H440100003", "中山大学附属第一医院", "hospital", 3,
     "越秀区中山二路 58 号", False, True, True, False),
    (GUANGZHOU, "P440100001", "广州海王星辰大药房（天河店）", "pharmacy", None,
     "天河区天河路 208 号", False, False, False, False),
]  # fmt: skip


def _child_birth_date(age: int = 8) -> datetime.date:
    # That old on every day of the year the demo is first loaded.
    return datetime.date(clock.localdate().year - age, 1, 1)


# (key, name, region, insurance type, birth date, sex, sequence, phone)
PERSONS = [
    ("employee", "张伟", CHONGQING, InsuranceType.EMPLOYEE, datetime.date(1984, 3, 12), "M", 101,
     "13800138001"),
    ("parent", "张建国", CHENGDU, InsuranceType.RESIDENT, datetime.date(1956, 8, 20), "M", 102,
     "13800138002"),
    ("child", "张小雨", CHONGQING, InsuranceType.RESIDENT, None, "F", 103, ""),
    ("mother", "李秀英", CHENGDU, InsuranceType.RESIDENT, datetime.date(1958, 2, 11), "F", 104,
     "13800138003"),
    ("spouse", "王芳", GUANGZHOU, InsuranceType.EMPLOYEE, datetime.date(1986, 7, 9), "F", 105,
     "13800138004"),
    ("stranger", "陈明", CHENGDU, InsuranceType.EMPLOYEE, datetime.date(1990, 5, 5), "M", 106,
     "13800138005"),
    ("unclaimed", "赵丽", CHONGQING, InsuranceType.EMPLOYEE, datetime.date(1992, 11, 23), "F", 107,
     "13800138006"),
    ("son", "张小宝", CHONGQING, InsuranceType.RESIDENT, "young", "M", 108, ""),
]  # fmt: skip

# A one-page PDF standing in for the son's birth certificate (A3: a child is
# bound once staff have seen such a document).
BIRTH_CERTIFICATE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 60>>stream\nBT /F1 14 Tf 20 70 Td (Demo birth certificate) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# The unclaimed record, to try the sign-up (ID number shown in the README/run output).
UNCLAIMED_ID = national_id.make(CHONGQING, datetime.date(1992, 11, 23), 107, "F")


def _person(name: str, region_code: str, kind, born, sex, sequence, phone) -> InsuredPerson:
    person = InsuredPerson.objects.filter(name=name).order_by("pk").first()
    if person is not None:
        return person
    region = Region.objects.get(code=region_code)
    if born is None:
        born = _child_birth_date()
    elif born == "young":
        born = _child_birth_date(age=3)
    return InsuredPerson.objects.create(
        name=name,
        national_id=national_id.make(region_code, born, sequence, sex),
        phone=phone,
        insurance_type=kind,
        region=region,
    )


def _active_binding(*, user, person: InsuredPerson, relation: str, reviewer=None) -> None:
    if DependentBinding.objects.filter(user=user, person=person).exists():
        return
    binding = DependentBinding.objects.create(
        user=user,
        person=person,
        typed_name=person.name,
        subject=binding_subject(user=user, normalized=person.national_id),
        relation=relation,
        status=DependentBinding.Status.ACTIVE,
        activated_at=clock.now(),
        reviewed_by=reviewer,
    )
    audit_record(
        actor=reviewer,
        action=Action.DEPENDENT_ACTIVATE,
        person=person,
        target=binding,
        details={"relation": relation, "how": "demo"},
    )


@transaction.atomic
def load() -> None:
    seed_regions(Province, Region)
    AccountsPolicy.current()
    regions = {r.code: r for r in Region.objects.filter(code__in=[CHONGQING, CHENGDU, GUANGZHOU])}
    for row in FACILITIES:
        region, code, name, kind, tier, address, designated, cross, chronic, wallet = row
        Facility.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "region": regions[region],
                "kind": kind,
                "tier": tier,
                "address": address,
                "designated_outpatient": designated,
                "cross_province_direct": cross,
                "chronic_settlement": chronic,
                "wallet_payment": wallet,
            },
        )

    persons = {row[0]: _person(*row[1:]) for row in PERSONS}
    User = get_user_model()
    demo = User.objects.filter(username="demo").first()
    admin = User.objects.filter(username="admin").first()
    mother_login = User.objects.filter(username="demo-mother").first()
    employee, parent, child = persons["employee"], persons["parent"], persons["child"]
    mother = persons["mother"]
    for person, user in ((employee, demo), (mother, mother_login)):
        if user is not None and person.user_id is None and not hasattr(user, "insured_person"):
            person.user = user
            person.save(update_fields=["user", "updated_at"])

    # Relationships (A2), stored once each; recording them again is a no-op.
    relationship_create(actor=None, person_a=parent, person_b=employee, kind="parent")
    relationship_create(actor=None, person_a=employee, person_b=child, kind="parent")
    relationship_create(actor=None, person_a=parent, person_b=mother, kind="spouse")
    relationship_create(actor=None, person_a=mother, person_b=employee, kind="parent")
    relationship_create(actor=None, person_a=parent, person_b=child, kind="grandparent")
    son = persons["son"]
    relationship_create(actor=None, person_a=employee, person_b=son, kind="parent")

    if demo is not None:
        _active_binding(user=demo, person=parent, relation=DependentBinding.Relation.PARENT)
        _active_binding(
            user=demo, person=child, relation=DependentBinding.Relation.CHILD, reviewer=admin
        )
        if not DependentBinding.objects.filter(user=demo, person=mother).exists():
            # A request waiting for consent: a code in the SMS outbox, and a
            # confirm button for the demo-mother login.
            dependent_request(
                user=demo,
                national_id=mother.national_id,
                name=mother.name,
                relation=DependentBinding.Relation.PARENT,
            )

        if not DependentBinding.objects.filter(user=demo, person=son).exists():
            # A3: a child's binding waits for staff to review the document.
            dependent_request(
                user=demo,
                national_id=son.national_id,
                name=son.name,
                relation=DependentBinding.Relation.CHILD,
                document=ContentFile(BIRTH_CERTIFICATE, name="birth-certificate.pdf"),
            )

    # F2: the daughter's designated community health centre.
    if not DesignatedFacilityChoice.objects.filter(person=child).exists():
        DesignatedFacilityChoice.objects.create(
            person=child,
            facility=Facility.objects.get(code="H500100001"),
            effective_from=clock.localdate(),
            chosen_by=demo,
        )
    # F3: the father lives with his son in Chongqing, without a residence permit
    # there, so the registration is backed by a commitment letter (seed 000).
    if not NonLocalRegistration.objects.filter(person=parent).exists():
        NonLocalRegistration.objects.create(
            person=parent,
            destination=regions[CHONGQING],
            kind=NonLocalRegistration.Kind.LONG_TERM_RESIDENT,
            start_date=clock.localdate(),
            proof=NonLocalRegistration.Proof.COMMITMENT,
            commitment_signed_name=employee.name,
            commitment_signed_at=clock.now(),
            commitment_text=commitment_text(person=parent, destination=regions[CHONGQING]),
            created_by=demo,
        )


def demo_family() -> dict[str, InsuredPerson]:
    """{"employee": 张伟, "parent": 张建国, "child": 张小雨} (after load())."""
    names = {"employee": "张伟", "parent": "张建国", "child": "张小雨"}
    found: dict[str, InsuredPerson] = {}
    persons = InsuredPerson.objects.filter(name__in=names.values()).select_related(
        "region__province"
    )
    for person in persons.order_by("pk"):
        found.setdefault(person.name, person)  # the first one, as load() created it
    return {key: found[name] for key, name in names.items()}
