"""The proof of insurance (参保凭证): a PDF for one person with their insurance
facts (A1) and a QR code of a signed, expiring link to a public page that says
whether the proof is valid, showing only masked facts.

The link carries no secret and no ID number: it is the person's id and the day
the proof was issued, signed with the site's SECRET_KEY (Django's signing, with
its own salt). A changed link fails the signature; an old one fails its age
(PROOF_VALID_DAYS, 90 by default) and then shows no facts at all; a person no
longer insured makes it "not valid" whatever the link says. The token is kept
out of every log line (core.logs.redact, the gunicorn access log).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from accounts.models import InsuredPerson
from core import clock
from core.pdf import cjk_font, one_line_size

SALT = "accounts.proof"


def valid_days() -> int:
    return settings.PROOF_VALID_DAYS


def proof_token(*, person: InsuredPerson, issued: datetime.date) -> str:
    return signing.dumps({"p": person.pk, "d": issued.isoformat()}, salt=SALT)


@dataclass
class Verdict:
    """What the public page says about a proof link."""

    state: str  # "valid", "not_insured", "expired", "changed"
    person: InsuredPerson | None = None
    issued: datetime.date | None = None

    @property
    def valid(self) -> bool:
        return self.state == "valid"

    @property
    def valid_until(self) -> datetime.date | None:
        return self.issued + datetime.timedelta(days=valid_days()) if self.issued else None


def proof_check(token: str) -> Verdict:
    """Read a proof link: changed, expired, the person no longer insured, or valid.

    An expired link names nobody: a link found in a drawer, a photo or a log
    months later says only that it has expired (and since when), not whose it
    was or their status today. Its age is counted from the day of issue on the
    portal's calendar (core.clock), the day printed on the proof."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return Verdict("changed")
    verdict = _verdict("valid", data)
    if verdict.state == "changed":
        return verdict
    if clock.localdate() > verdict.valid_until:
        return Verdict("expired", issued=verdict.issued)
    if verdict.person is None:
        return Verdict("changed")
    if not verdict.person.is_active:
        return Verdict("not_insured", verdict.person, verdict.issued)
    return verdict


def _verdict(state: str, data) -> Verdict:
    try:
        person_id = int(data["p"])
        issued = datetime.date.fromisoformat(data["d"])
    except (KeyError, TypeError, ValueError):
        return Verdict("changed")
    person = InsuredPerson.objects.select_related("region__province").filter(pk=person_id).first()
    return Verdict(state, person, issued)


def masked_name(name: str) -> str:
    """张** : the family name only, as public pages show names."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _font() -> str:
    return cjk_font()


# The page's width between its margins (A4, 25 mm each side).
TEXT_WIDTH = A4[0] - 50 * mm


def _link(url: str) -> Paragraph:
    """The verify link on one line, small enough to fit: a link broken over two
    lines is not one a person can type or a phone can read."""
    size = one_line_size(url, font="Helvetica", width=TEXT_WIDTH, largest=9)
    style = ParagraphStyle("link", fontName="Helvetica", fontSize=size, leading=size * 1.3)
    return Paragraph(escape(url), style)


def _para(value, style) -> Paragraph:
    # Paragraph reads markup: names are escaped so they print as typed.
    return Paragraph(escape(str(value)), style)


def proof_facts(person: InsuredPerson, issued: datetime.date) -> list[tuple[str, str]]:
    return [
        (_("Name"), person.name),
        (_("ID number"), person.masked_id),
        (_("Insured region"), str(person.region)),
        (_("Insurance"), person.get_insurance_type_display()),
        (_("Status"), person.get_status_display()),
        (_("Issued on"), issued.isoformat()),
    ]


def proof_pdf(*, person: InsuredPerson, verify_url: str, issued: datetime.date) -> bytes:
    """The proof as a one-page A4 PDF with the verification QR code."""
    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=28, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=18)
    small = ParagraphStyle("small", fontName=font, fontSize=9, leading=13)
    facts = Table(
        [[_para(label, body), _para(value, body)] for label, value in proof_facts(person, issued)],
        colWidths=[45 * mm, 110 * mm],
    )
    facts.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]))
    qr = QrCodeWidget(verify_url)
    left, bottom, right, top = qr.getBounds()
    size = 45 * mm
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.add(qr)
    until = issued + datetime.timedelta(days=valid_days())
    story = [
        _para(_("Proof of basic medical insurance"), title),
        Spacer(1, 8 * mm),
        facts,
        Spacer(1, 8 * mm),
        drawing,
        Spacer(1, 3 * mm),
        _para(
            _(
                "Scan the code to check this proof online until %(until)s: the page says "
                "whether it is valid and shows the facts above, masked."
            )
            % {"until": until.isoformat()},
            small,
        ),
        _link(verify_url),
        Spacer(1, 4 * mm),
        _para(
            _("Printed %(when)s (China Standard Time).")
            % {"when": clock.localtime().strftime("%Y-%m-%d %H:%M")},
            small,
        ),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title=f"{_('Proof of basic medical insurance')} {person.name}",
    ).build(story)
    return buffer.getvalue()
