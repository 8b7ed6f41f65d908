"""The PDFs' font has every character they print ("·" included) and is
embedded; the proof's verify link is printed on one line."""

import pytest
from reportlab.pdfbase import pdfmetrics

from accounts.proof import TEXT_WIDTH, _link
from core.pdf import EMBEDDED, FONT_FILES, cjk_font, one_line_size


@pytest.mark.skipif(
    not any(path.exists() for path in FONT_FILES),
    reason="fonts-wqy-microhei is not installed (scripts/services.sh installs it)",
)
def test_the_embedded_font_has_the_middle_dot_and_chinese():
    assert cjk_font() == EMBEDDED
    glyphs = pdfmetrics.getFont(EMBEDDED).face.charToGlyph
    for character in "·¥医保费用汇总":
        assert ord(character) in glyphs, character


def test_a_long_verify_link_fits_one_line():
    url = "https://portal.example.cn/verify/" + "eyJwIjoxNDQxLCJkIjoiMjAyNi0xMi0wNyJ9" * 3 + "/"
    paragraph = _link(url)
    _width, height = paragraph.wrap(TEXT_WIDTH, 1000)
    assert len(paragraph.blPara.lines) == 1
    assert height <= paragraph.style.leading + 0.01
    assert one_line_size("x", font="Helvetica", width=TEXT_WIDTH, largest=9) == 9
