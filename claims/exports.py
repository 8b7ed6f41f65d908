"""The annual summary as CSV and PDF (T1). The PDF embeds a CJK font with every
character it prints (core.pdf)."""

from __future__ import annotations

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from claims.selectors.summary import YearSummary
from core import clock
from core.export import UTF8_BOM, SafeWriter
from core.money import yuan
from core.pdf import cjk_font


def _figures(summary: YearSummary) -> list[tuple[str, object]]:
    return [
        (_("Bills settled"), summary.bills),
        (_("Total medical costs"), summary.total),
        (_("Paid by the fund"), summary.fund_paid),
        (_("Personal share within the directory (自付)"), summary.personal_in_directory),
        (_("Self-pay outside the directory (自费)"), summary.self_pay),
        (_("Paid personally in all"), summary.personal_total),
        (_("Major-illness tax deduction"), summary.deduction),
    ]


def summary_csv(summary: YearSummary, bills) -> bytes:
    """The summary figures, then one row per settled bill. UTF-8 with BOM so
    Excel in China opens it correctly."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow([_("Annual medical cost summary"), summary.person.name, summary.year])
    writer.writerow([_("ID number"), summary.person.masked_id])
    for label, value in _figures(summary):
        writer.writerow([str(label), value])
    writer.writerow([_("Who may claim the deduction"), str(summary.claimant.text)])
    writer.writerow([])
    writer.writerow(
        [
            _("Reference"),
            _("Date of care"),
            _("Settled on"),
            _("Facility"),
            _("Total"),
            _("Fund payment"),
            _("Personal share within the directory (自付)"),
            _("Self-pay (自费)"),
        ]
    )
    for bill in bills:
        writer.writerow(
            [
                bill.reference,
                bill.service_date.isoformat(),
                bill.settled_on.isoformat(),
                bill.facility.name,
                bill.total,
                bill.fund_paid,
                bill.personal_in_directory,
                bill.self_pay,
            ]
        )
    return (UTF8_BOM + out.getvalue()).encode("utf-8")


def _printed(value) -> str:
    """A figure as the PDF prints it: money as core.money.yuan, counts as they are."""
    return yuan(value) if isinstance(value, Decimal) else str(value)


def _font() -> str:
    return cjk_font()


def _text(value) -> str:
    """Plain text for a reportlab Paragraph, which reads its text as markup: names,
    facility names and labels are escaped so that `<`, `>` and `&` print as
    themselves instead of breaking the PDF or injecting tags (fonts, images)."""
    return escape(str(value))


def _para(value, style) -> Paragraph:
    """A paragraph of plain text (see _text)."""
    return Paragraph(_text(value), style)


def summary_story(summary: YearSummary, bills) -> list:
    """The PDF's flowables (separate from the document so tests can read them)."""
    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=11)
    story = [
        _para(f"{_('Annual medical cost summary')} · {summary.year}", title),
        _para(f"{summary.person.name} · {summary.person.masked_id}", body),
        _para(f"{summary.person.get_insurance_type_display()} · {summary.person.region}", body),
        Spacer(1, 6 * mm),
    ]
    figures = Table(
        [[_para(label, body), _para(_printed(value), body)] for label, value in _figures(summary)],
        colWidths=[110 * mm, 50 * mm],
    )
    figures.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#e6f4ea")),
            ]
        )
    )
    story += [
        figures,
        Spacer(1, 4 * mm),
        _para(
            _(
                "The major-illness tax deduction is the personal share within the "
                "directory above %(threshold)s, at most %(cap)s a year."
            )
            % {"threshold": yuan(summary.threshold), "cap": yuan(summary.cap)},
            small,
        ),
        _para(f"{_('Who may claim the deduction')}: {summary.claimant.text}", body),
        Spacer(1, 6 * mm),
    ]
    header = [
        _("Date of care"),
        _("Facility"),
        _("Total"),
        _("Fund payment"),
        _("Personal share (自付)"),
        _("Self-pay (自费)"),
    ]
    rows = [[_para(str(cell), small) for cell in header]]
    for bill in bills:
        rows.append(
            [
                _para(bill.service_date.isoformat(), small),
                _para(bill.facility.name, small),
                _para(yuan(bill.total), small),
                _para(yuan(bill.fund_paid), small),
                _para(yuan(bill.personal_in_directory), small),
                _para(yuan(bill.self_pay), small),
            ]
        )
    table = Table(rows, colWidths=[24 * mm, 60 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey)]))
    story += [
        table,
        Spacer(1, 6 * mm),
        _para(
            _("Printed %(when)s (China Standard Time). Amounts in yuan (CNY).")
            % {"when": clock.localtime().strftime("%Y-%m-%d %H:%M")},
            small,
        ),
    ]
    return story


def summary_pdf(summary: YearSummary, bills) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        # Document metadata is not markup: reportlab escapes it itself.
        title=f"{_('Annual medical cost summary')} {summary.year} {summary.person.name}",
    )
    doc.build(summary_story(summary, bills))
    return buffer.getvalue()
