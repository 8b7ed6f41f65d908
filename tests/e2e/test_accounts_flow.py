"""The people flow in a real browser (A1–A3, F2, F3): sign up claiming a record, add a
parent (code read from the SMS outbox), add a child (document approved by an
administrator in the admin, in a second browser), choose a designated facility,
file a non-local registration."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import (
    AccountsPolicy,
    DependentBinding,
    DesignatedFacilityChoice,
    NonLocalRegistration,
    OutboundMessage,
    Province,
    Region,
)
from accounts.regions import seed_regions
from tests.factories import FacilityFactory, InsuredPersonFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def records(db):
    # Transactional tests start from an empty database: seed what a fresh install has.
    seed_regions(Province, Region)
    AccountsPolicy.current()
    chongqing = Region.objects.get(code="500100")
    chengdu = Region.objects.get(code="510100")
    FacilityFactory(region=chongqing, name="大坪社区卫生服务中心", tier=1)
    FacilityFactory(region=chongqing, name="渝中区人民医院", tier=2)
    today = timezone.localdate()
    return {
        "me": InsuredPersonFactory(name="张伟", region=chongqing, born=datetime.date(1984, 3, 12)),
        "father": InsuredPersonFactory(
            name="张建国", region=chengdu, born=datetime.date(1956, 8, 20),
            insurance_type="resident",
        ),
        "daughter": InsuredPersonFactory(
            name="张小雨", region=chongqing, born=datetime.date(today.year - 8, 1, 1), sex="F",
            insurance_type="resident", phone="",
        ),
    }  # fmt: skip


def add_relative(page: Page, person, relation: str, document=None) -> None:
    form = page.locator("#add-dependent")
    form.get_by_label("身份证号").fill(person.national_id)
    form.get_by_label("姓名").fill(person.name)
    form.get_by_label("对方是我的").select_option(relation)
    if document is not None:
        form.get_by_label("出生医学证明或户口簿页面").set_input_files(document)
    form.get_by_role("button", name="添加亲属").click()


@pytest.mark.django_db(transaction=True)
def test_family_flow(live_server, page: Page, browser: Browser, records, tmp_path):
    me, father, daughter = records["me"], records["father"], records["daughter"]
    get_user_model().objects.create_superuser("boss", "boss@example.invalid", "Boss-2026-pw")

    # Sign up, claiming the seeded record by ID number + name (A1).
    page.goto(f"{live_server.url}/signup/")
    page.get_by_label("姓名").fill("张伟")
    page.get_by_label("身份证号").fill(me.national_id)
    page.get_by_role("button", name="继续").click()
    text = OutboundMessage.objects.filter(person=me, purpose="signup_code").get()
    page.get_by_label("短信验证码").fill(re.search(r"\b(\d{6})\b", text.body)[1])
    page.get_by_label("用户名").fill("zhangwei")
    page.locator("#id_password1").fill("Family-2026-pw")
    page.get_by_label("密码确认").fill("Family-2026-pw")
    page.get_by_role("button", name="创建账号").click()
    expect(page.get_by_role("heading", name="欢迎，张伟")).to_be_visible()
    expect(page.locator(f"#person-{me.pk}")).to_contain_text(me.masked_id)
    expect(page.locator(f"#qr-{me.pk} svg")).to_be_visible()
    old_qr = page.locator(f"#qr-{me.pk} svg").inner_html()
    page.locator(f"#qr-{me.pk}").get_by_role("button", name="刷新医保码").click()
    expect(page.locator(f"#qr-{me.pk}")).to_contain_text("已更新")
    assert page.locator(f"#qr-{me.pk} svg").inner_html() != old_qr

    # Add the father on the family tab: a code goes to the outbox; entering it
    # confirms (A3).
    page.goto(f"{live_server.url}/family/")
    add_relative(page, father, "parent")
    pending = page.locator(".pending-item", has_text="张建国")
    expect(pending).to_be_visible()
    binding = DependentBinding.objects.get(person=father)
    code = re.search(r"\b(\d{6})\b", OutboundMessage.objects.get(person=father).body)[1]
    pending.get_by_label("亲属短信中的验证码").fill(code)
    pending.get_by_role("button", name="确认").click()
    expect(page.locator(f"#member-{father.pk}")).to_contain_text("成都市")
    binding.refresh_from_db()
    assert binding.status == "active"

    # Add the daughter with her birth certificate: waits for an administrator.
    birth = tmp_path / "birth.pdf"
    birth.write_bytes(b"%PDF-1.4 birth certificate")
    add_relative(page, daughter, "child", document=str(birth))
    expect(page.locator(".pending-item", has_text="张小雨")).to_contain_text("管理员正在审核材料")

    # The administrator approves in the admin, in a second browser.
    admin_context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    admin = admin_context.new_page()
    admin.goto(f"{live_server.url}/admin/accounts/pendingchildbinding/")
    admin.locator("#id_username").fill("boss")
    admin.locator("#id_password").fill("Boss-2026-pw")
    admin.locator("input[type=submit]").click()
    expect(admin.locator("#result_list")).to_contain_text("张小雨")
    admin.locator("input[name=_selected_action]").first.check()
    admin.locator("select[name=action]").select_option("approve_bindings")
    admin.locator("button[name=index]").click()
    expect(admin.get_by_text("批准这些绑定？").first).to_be_visible()
    admin.get_by_role("button", name="是，批准").or_(
        admin.locator("input[value='是，批准']")
    ).click()
    expect(admin.locator(".messagelist")).to_contain_text("1")
    admin_context.close()

    page.reload()
    card = page.locator(f"#member-{daughter.pk}")
    expect(card).to_contain_text("张小雨")

    # Choose her designated outpatient facility, in place (F2).
    card.get_by_role("link", name="选择定点机构").click()
    card.get_by_label(re.compile("大坪社区卫生服务中心")).check()
    card.get_by_role("button", name="选择该机构").click()
    facility = page.locator(f"#facility-{daughter.pk}")
    expect(facility.get_by_role("link", name="变更定点机构")).to_be_visible()
    expect(facility).to_contain_text("大坪社区卫生服务中心")
    assert DesignatedFacilityChoice.objects.get(person=daughter).facility.name.startswith("大坪")

    # File a long-term registration for the father in Chongqing, signing the
    # commitment letter (F3).
    page.locator(f"#member-{father.pk}").get_by_role("link", name="办理备案").click()
    page.get_by_label("就医地").select_option(label="重庆市")
    page.get_by_label("类型").select_option("long_term_resident")
    expect(page.locator("#commitment-text")).to_contain_text("张建国")
    page.get_by_label("我已阅读并同意以上承诺书").check()
    page.get_by_label("签名（输入姓名）").fill("张伟")
    page.get_by_role("button", name="提交备案").click()
    expect(page.get_by_role("heading", name="异地就医备案", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("变更前有效")
    registration = NonLocalRegistration.objects.get(person=father)
    assert registration.commitment_signed_name == "张伟" and registration.end_date is None
    page.goto(f"{live_server.url}/family/")
    expect(page.locator(f"#member-{father.pk}")).to_contain_text("重庆市")
