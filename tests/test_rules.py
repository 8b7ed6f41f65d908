"""Every rule of docs/RULES.md is traceable: its id appears in the source
(the code that enforces it cites it) and in a test (one that checks it), or it
is in NOT_ENFORCED below, the one list of rules deliberately left out, each with
its reason."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "docs" / "RULES.md"
SOURCE = ("accounts", "wallet", "claims", "bulk", "core", "portal", "templates")

# Rules the portal deliberately does not enforce, with the reason (empty today:
# P5 used to be only "P1–P5" in a docstring; it is enforced and tested now).
NOT_ENFORCED: dict[str, str] = {}

RULE_ID = re.compile(r"^- \*\*(?P<id>[A-Z]\d{1,2})\b", re.MULTILINE)


def rule_ids() -> list[str]:
    if not RULES.exists():
        pytest.fail(f"RULES.md not found at {RULES}")
    return RULE_ID.findall(RULES.read_text(encoding="utf-8"))


def texts(paths) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in paths)


RANGE = re.compile(r"[A-Z]\d{1,2}[–-][A-Z]\d{1,2}")


def mentions(text: str, rule: str) -> bool:
    """W1 is cited as "W1", "W1:", "W1-02" or "(W1, W2)"; never inside W10 or
    W11, and a range ("P1–P5") cites none of its rules: it says where they are
    not enforced one by one."""
    text = RANGE.sub("", text)
    return re.search(rf"(?<![A-Za-z0-9]){rule}(?![0-9])", text) is not None


def test_the_rules_are_read():
    ids = rule_ids()
    assert {"A1", "W6", "P5", "F3", "C6", "T3"} <= set(ids)
    assert len(ids) == len(set(ids)), "a rule id twice in RULES.md"


def test_every_rule_is_enforced_and_tested_or_listed_with_its_reason():
    source = texts(
        path
        for folder in SOURCE
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".html"} and "/migrations/" not in path.as_posix()
    )
    tests = texts(path for path in (ROOT / "tests").rglob("*.py") if path.name != "test_rules.py")
    problems = []
    for rule in rule_ids():
        if rule in NOT_ENFORCED:
            assert NOT_ENFORCED[rule].strip(), f"{rule} is listed without a reason"
            continue
        if not mentions(source, rule):
            problems.append(f"{rule}: no code cites it")
        if not mentions(tests, rule):
            problems.append(f"{rule}: no test cites it")
    assert problems == [], "\n".join(problems)
    assert set(NOT_ENFORCED) <= set(rule_ids()), "NOT_ENFORCED names a rule RULES.md lacks"
