"""Every family page on a phone (390 × 844), as the demo user, in Chinese and in
English, and again in elder mode: nothing wider than the screen, and axe-core
finds no critical or serious accessibility problem, and no amount, date or ID
number spans two lines.

axe-core is the npm package pinned in package.json, installed into node_modules/
by scripts/services.sh (`npm ci`) before the suite runs; nothing is downloaded
here. The figures this test measures are printed (run with -s to see them)."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page

from accounts.models import DependentBinding, NonLocalRegistration
from accounts.proof import proof_token
from accounts.selectors import family_members
from claims.models import Bill, Disease

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "demo-2026"


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            f"{AXE} is missing: run `npm ci` in the project folder (scripts/services.sh, "
            "called by `make test`, does it)."
        )
    return AXE.read_text(encoding="utf-8")


def family_pages() -> list[str]:
    """The pages a family uses, with the demo family's own ids."""
    from django.contrib.auth import get_user_model

    demo = get_user_model().objects.get(username="demo")
    members = family_members(user=demo)
    me, *relatives = members
    bill = Bill.objects.filter(person__in=members, status="settled").order_by("pk").first()
    binding = DependentBinding.objects.filter(user=demo, status="pending_code").first()
    registration = NonLocalRegistration.objects.filter(person__in=members).first()
    without_wallet = next(m for m in members if not hasattr(m, "wallet"))
    # W3: the wallet's usage location can change in this person's province.
    movable = next(
        m for m in members if hasattr(m, "wallet") and m.region.province.usage_location_change
    )
    disease = Disease.objects.order_by("pk").first()
    pages = [
        reverse("home"),
        reverse("me"),
        reverse("inbox"),
        reverse("family"),
        reverse("accounts:dependent_add"),
        reverse("accounts:person_detail", args=[relatives[0].pk]),
        reverse("accounts:person_qr_counter", args=[me.pk]),
        reverse("accounts:facility_choose", args=[relatives[-1].pk]),
        reverse("accounts:registration_new", args=[relatives[0].pk]),
        reverse("accounts:registration_detail", args=[registration.pk]),
        reverse("accounts:binding_code", args=[binding.pk]),
        reverse("wallet:index"),
        reverse("wallet:transfer"),
        reverse("wallet:history"),
        reverse("wallet:pooling"),
        reverse("wallet:open", args=[without_wallet.pk]),
        reverse("wallet:usage", args=[movable.pk]),
        reverse("wallet:statement", args=[me.pk]),
        reverse("proof_verify", args=[proof_token(person=me, issued=timezone.localdate())]),
        reverse("claims:bills"),
        reverse("claims:bill_detail", args=[bill.pk]),
        reverse("claims:estimate"),
        # The estimate with its results (the widest table there is).
        reverse("claims:estimate")
        + f"?person={me.pk}&facility={bill.facility_id}&visit=outpatient&disease=&day="
        + "&line-TOTAL_FORMS=1&line-INITIAL_FORMS=0&line-0-code=D0002&line-0-quantity=2"
        + "&line-0-unit_price=",
        # ...and with a disease: the "with a chronic recognition" row too.
        reverse("claims:estimate")
        + f"?person={me.pk}&facility={bill.facility_id}&visit=outpatient&disease={disease.pk}"
        + "&day=&line-TOTAL_FORMS=1&line-INITIAL_FORMS=0&line-0-code=D0002&line-0-quantity=2"
        + "&line-0-unit_price=",
        reverse("claims:summary"),
        reverse("claims:facilities"),
        reverse("claims:chronic"),
        reverse("claims:reimbursements"),
        reverse("claims:reimbursement_new"),
        reverse("claims:directory") + "?q=D000",
        reverse("password_change"),
        reverse("login_sessions"),
        reverse("passkeys"),
        reverse("logout"),
    ]
    return pages


# Tap targets of at least 44 × 44 px: every link, button, field and summary a
# finger can reach, a check box or radio button by the label around it. A link
# inside a sentence is exempt, as WCAG 2.5.5 has it.
SMALL_TARGETS = """() => {
  const targets = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  const inSentence = e => getComputedStyle(e).display === 'inline'
    && e.parentElement.textContent.replace(e.textContent, '').trim() !== '';
  return [...document.querySelectorAll(targets)]
    .filter(e => !e.closest('.skip-link, .visually-hidden'))
    .map(e => ['checkbox', 'radio'].includes(e.type) ? (e.closest('label') || e) : e)
    .filter(e => e.getClientRects().length && !inSentence(e))
    .filter(e => { const r = e.getBoundingClientRect(); return r.width < 44 || r.height < 44; })
    .map(e => { const r = e.getBoundingClientRect();
                return `${Math.round(r.width)}x${Math.round(r.height)} ${e.tagName.toLowerCase()} `
                       + (e.textContent || e.name || '').trim().slice(0, 30); });
}"""


# An amount, a date or an ID number whose text spans two lines: every such
# figure in the page's text (found by its shape, whatever the markup) and
# every element the templates keep on one line (.nowrap), measured by the
# boxes the browser drew for its text: a second box below the first is a
# second line, and so is text taller than one and a half lines.
BROKEN_FIGURES = r"""() => {
  const shape = new RegExp([
    '[+\\-]?¥-?[\\d,]+(?:\\.\\d+)?',
    '\\d{4}-\\d{2}-\\d{2}(?: \\d{2}:\\d{2})?',
    '\\d{4}[\\d*]{10,}[\\dXx]',
  ].join('|'), 'g');
  const lines = rects => {
    const drawn = [...rects].filter(r => r.width > 0 && r.height > 0);
    return drawn.filter(r => r.top >= drawn[0].bottom - 2).length + (drawn.length ? 1 : 0);
  };
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('svg, script, style, .visually-hidden, option')) continue;
    for (const match of node.textContent.matchAll(shape)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      if (lines(range.getClientRects()) > 1) broken.push(match[0]);
    }
  }
  for (const element of document.querySelectorAll('.nowrap')) {
    // The text's own boxes, not the element's: a cell may stretch it taller.
    const range = document.createRange();
    range.selectNodeContents(element);
    const lineHeight = parseFloat(getComputedStyle(element).lineHeight) || 0;
    const height = range.getBoundingClientRect().height;
    if (lines(range.getClientRects()) > 1 || (lineHeight && height > lineHeight * 1.5))
      broken.push(element.textContent.trim());
  }
  return [...new Set(broken)];
}"""


# What sticks out past the screen's right edge (the deepest elements only), to
# say where a page is too wide.
STICKING_OUT = """() => [...document.querySelectorAll('main *, header *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.visually-hidden'))
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1))
  .slice(0, 5)
  .map(e => `${e.tagName.toLowerCase()}.${e.className} `
            + (e.textContent || '').trim().slice(0, 30))"""


def check(page: Page, url: str, axe: str) -> dict:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    width = page.evaluate("document.documentElement.scrollWidth")
    height = page.evaluate("document.documentElement.scrollHeight")
    # Where the page's first amount is drawn (px from the top; -1: none), to
    # say whether a figure shows on the first screen.
    first_amount = page.evaluate(
        """() => { const a = [...document.querySelectorAll('main .nowrap')]
                     .find(e => e.textContent.includes('¥'));
                   return a ? Math.round(a.getBoundingClientRect().top) : -1; }"""
    )
    h1 = page.locator("h1").count()
    text_px = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)")
    small = page.evaluate(SMALL_TARGETS)
    broken = page.evaluate(BROKEN_FIGURES)
    sticking_out = page.evaluate(STICKING_OUT) if width > PHONE["width"] else []
    # Selects prompt ("Choose a relative"), never Django's bare "---------".
    dashes = page.locator("option", has_text="---------").count()
    # The page's Content-Security-Policy allows scripts from its own origin
    # only: axe is served from a same-origin address the browser answers itself.
    page.add_script_tag(url=axe)
    found = page.evaluate(
        """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
             .filter(v => v.impact === 'critical' || v.impact === 'serious')
             .map(v => ({id: v.id, impact: v.impact,
                         nodes: v.nodes.map(n => n.target.join(' '))})))"""
    )
    return {
        "url": url,
        "width": width,
        "height": height,
        "first_amount": first_amount,
        "h1": h1,
        "text_px": text_px,
        "dashes": dashes,
        "small": small,
        "broken": broken,
        "sticking_out": sticking_out,
        "violations": found,
    }


def log_in(page: Page, base: str, language: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page.goto(f"{base}{reverse('login')}")
    page.locator("#id_username").fill("demo")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_family_page_fits_a_phone_and_passes_axe(live_server, browser):
    axe = axe_source()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    pages = family_pages()
    base = live_server.url
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    source = axe
    axe = f"{base}/__axe-core.js"
    context.route(
        axe, lambda route: route.fulfill(body=source, content_type="application/javascript")
    )
    page = context.new_page()
    # This walk has a context of its own, so the suite's console check
    # (tests/e2e/conftest.py) does not see it: collect the errors here. A
    # Content-Security-Policy violation is logged as one.
    console: list[str] = []
    page.on(
        "console",
        lambda m: m.type == "error" and console.append(f"{page.url}: {m.text}"),
    )
    page.on("pageerror", lambda error: console.append(f"{page.url}: {error}"))
    results = []
    try:
        for language in ("zh-hans", "en"):
            # Signed out first: the pages a family meets before logging in.
            page.context.clear_cookies()
            page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
            for url in (
                reverse("home"),
                reverse("login"),
                reverse("signup"),
                reverse("password_forgot"),
            ):
                results.append(
                    {"language": language, "elder": False, **check(page, base + url, axe)}
                )
            log_in(page, base, language)
            for elder in (False, True):
                page.goto(base + reverse("me"))
                switch = page.locator("#elder-toggle form")
                is_on = switch.locator("input[name=on]").get_attribute("value") == "0"
                if is_on != elder:
                    switch.locator("button").click()
                    page.wait_for_load_state()
                for url in pages:
                    results.append(
                        {"language": language, "elder": elder, **check(page, base + url, axe)}
                    )
    finally:
        context.close()
    report(results, base)
    assert not console, "the browser reported errors:\n" + "\n".join(console)
    too_wide = [
        (r["url"], r["language"], r["elder"], r["width"], r["sticking_out"])
        for r in results
        if r["width"] > 390
    ]
    assert not too_wide, f"wider than the phone: {too_wide}"
    # Elder mode: body text at least 18 px (the national age-friendly guidance).
    small = [(r["url"], r["language"]) for r in results if r["elder"] and r["text_px"] < 18]
    assert not small, f"elder mode text under 18 px: {small}"
    broken = [(r["url"], r["language"], r["elder"], r["broken"]) for r in results if r["broken"]]
    assert not broken, "amounts, dates or ID numbers over two lines:\n" + "\n".join(
        map(str, broken)
    )
    small = [(r["url"], r["language"], r["elder"], r["small"]) for r in results if r["small"]]
    assert not small, "tap targets under 44 × 44 px:\n" + "\n".join(map(str, small))
    dashes = [(r["url"], r["language"]) for r in results if r["dashes"]]
    assert not dashes, f"selects without a prompt: {dashes}"
    no_h1 = [(r["url"], r["language"]) for r in results if r["h1"] != 1]
    assert not no_h1, f"pages without exactly one h1: {no_h1}"
    bad = [r for r in results if r["violations"]]
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)


def report(results: list[dict], base: str) -> None:
    print(
        "\nat 390 px: language, elder mode, scrollWidth, scrollHeight, first amount's top, "
        "h1s, text px, critical+serious, "
        "figures over two lines, page"
    )
    for r in results:
        mode = "elder" if r["elder"] else "     "
        figures = (
            f"{r['width']:4} {r['height']:5} {r['first_amount']:5} {r['h1']} "
            f"{r['text_px']:4.1f} {len(r['violations'])} {len(r['broken'])}"
        )
        print(f"  {r['language']:7} {mode} {figures} {r['url'].removeprefix(base)}")
        for problem in r["broken"] + r["sticking_out"]:
            print(f"      {problem}")
