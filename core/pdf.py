"""Fonts for the PDFs the portal prints (the annual summary, the proof of
insurance): one CJK font that has every character they use, "·" included.

reportlab's built-in CID font STSong-Light is not embedded and lacks some
punctuation (a viewer drew "·" as a missing-glyph box), so the PDFs embed
WenQuanYi Micro Hei (Debian's fonts-wqy-microhei, installed by
scripts/services.sh) when it is there, and fall back to STSong-Light where it
is not (a bare machine still prints, with the old boxes)."""

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

EMBEDDED = "WenQuanYiMicroHei"
FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
)
FALLBACK = "STSong-Light"


def cjk_font() -> str:
    """The registered name of the font the PDFs write with."""
    registered = pdfmetrics.getRegisteredFontNames()
    for name in (EMBEDDED, FALLBACK):
        if name in registered:
            return name
    found = next((path for path in FONT_FILES if path.exists()), None)
    if found is not None:
        pdfmetrics.registerFont(TTFont(EMBEDDED, str(found), subfontIndex=0))
        return EMBEDDED
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return FALLBACK


def one_line_size(text: str, *, font: str, width: float, largest: float, smallest: float = 5):
    """The largest font size up to `largest` at which `text` fits `width` points
    on one line (a link that must not break), never under `smallest`."""
    at_one = pdfmetrics.stringWidth(text, font, 1) or 1
    return max(smallest, min(largest, width / at_one))
