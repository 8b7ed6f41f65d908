"""Pinyin initials of Chinese text without a dictionary package (D1): GB2312's
first level of 3,755 common characters is sorted by pinyin, so a character's
initial is read from where its GB2312 code falls. Characters of the second
level (sorted by radical) that are common in drug and service names are
listed by hand; letters and digits stand for themselves; anything else is
left out. "阿莫西林胶囊 0.25g×24粒" -> "AMXLJN"."""

# The first GB2312 code of each initial in the first level (no I, U or V).
_STARTS = (
    (0xB0A1, "A"),
    (0xB0C5, "B"),
    (0xB2C1, "C"),
    (0xB4EE, "D"),
    (0xB6EA, "E"),
    (0xB7A2, "F"),
    (0xB8C1, "G"),
    (0xB9FE, "H"),
    (0xBBF7, "J"),
    (0xBFA6, "K"),
    (0xC0AC, "L"),
    (0xC2E8, "M"),
    (0xC4C3, "N"),
    (0xC5B6, "O"),
    (0xC5BE, "P"),
    (0xC6DA, "Q"),
    (0xC8BB, "R"),
    (0xC8F6, "S"),
    (0xCBFA, "T"),
    (0xCDDA, "W"),
    (0xCEF4, "X"),
    (0xD1B9, "Y"),
    (0xD4D1, "Z"),
)
_LAST = 0xD7F9
# Second-level characters frequent in drug and service names.
_EXTRA = {
    "唑": "Z",
    "嗪": "Q",
    "噻": "S",
    "吲": "Y",
    "哌": "P",
    "吡": "B",
    "呋": "F",
    "咪": "M",
    "啶": "D",
    "嘧": "M",
    "喹": "K",
    "胍": "G",
    "肽": "T",
    "酯": "Z",
    "酰": "X",
    "苷": "G",
    "芪": "Q",
    "芎": "X",
    "茚": "Y",
    "荨": "Q",
    "莪": "E",
    "萘": "N",
    "蒽": "E",
    "铂": "B",
    "钆": "G",
    "锝": "D",
    "髋": "K",
    "疝": "S",
    "痔": "Z",
    "瘘": "L",
    "癫": "D",
    "孢": "B",
    "肟": "W",
    "胱": "G",
    "烷": "W",
    "羧": "S",
    "巯": "Q",
    "嘌": "P",
    "苄": "B",
    "缬": "X",
    "脲": "N",
    "烯": "X",
    "糜": "M",
    "砜": "F",
    "膦": "L",
    "咔": "K",
    "哚": "D",
    "琥": "H",
    "珀": "P",
    "枸": "J",
    "橼": "Y",
    "呤": "L",
    "肼": "J",
    "揿": "Q",
    "氘": "D",
    "酞": "T",
    "噁": "E",
    "匹": "P",
    "祛": "Q",
    "溴": "X",
    "疱": "P",
    "羟": "Q",
    "泮": "P",
    "酊": "D",
    "藿": "H",
    "麝": "S",
    "铵": "A",
}


def _initial(char: str) -> str:
    if char.isascii():
        return char.upper() if char.isalnum() else ""
    if char in _EXTRA:
        return _EXTRA[char]
    try:
        code = int.from_bytes(char.encode("gb2312"), "big")
    except UnicodeEncodeError:
        return ""
    if not _STARTS[0][0] <= code <= _LAST:
        return ""
    found = ""
    for start, letter in _STARTS:
        if code < start:
            break
        found = letter
    return found


def initials(text: str) -> str:
    """The pinyin initials of `text`'s first word, upper case; Latin letters
    kept ("CT检查" -> "CTJC"), digits and the rest of a name (its strength and
    pack, "0.25g×24粒") left out."""
    words = text.split()
    first = words[0] if words else ""
    return "".join(_initial(char) for char in first if not char.isdigit())
