#!/usr/bin/env python
"""Fill Chinese translations into the catalogue from a JSON file of {msgid: msgstr}.

Usage: make messages; then  .venv/bin/python scripts/po_fill.py translations.json
Prints the msgids still untranslated, so nothing user-facing ships in English only.
Plural entries take a list of forms (Chinese has one).
"""

import json
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale/zh_Hans/LC_MESSAGES/django.po"


def main() -> int:
    po = polib.pofile(str(PO))
    mapping: dict = {}
    for name in sys.argv[1:]:
        mapping.update(json.loads(Path(name).read_text(encoding="utf-8")))
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid in mapping:
            value = mapping[entry.msgid]
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value]
                entry.msgstr_plural = dict(enumerate(forms))
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        # makemessages' "#| previous msgid" notes only matter while fuzzy.
        if not entry.fuzzy:
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    po.metadata_is_fuzzy = False
    po.header = "Simplified Chinese translation of the family medical-insurance portal."
    po.metadata["Project-Id-Version"] = "family-insurance-portal"
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
