#!/usr/bin/env python
"""A git merge driver for the translation catalogue: the union of both sides.

Two branches that each add strings both change ``django.po``; a line-based merge
then conflicts on every neighbouring entry. This driver keeps every entry of
either side and drops obsolete ones. A translation changed on one side only
(the ancestor still has the old one on the other) is taken from that side;
where both changed it differently, ours wins. Run ``make messages`` after the merge to re-sync the
catalogue with the source. Enabled per clone with

    git config merge.pounion.driver "python3 scripts/po_merge.py %O %A %B"

(``.gitattributes`` names the driver for ``*.po``; without the config git merges
line by line as before.)
"""

import sys

import polib


def _key(entry: polib.POEntry) -> tuple:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def _text(entry) -> tuple:
    return (entry.msgstr, tuple(sorted(entry.msgstr_plural.items())))


def _only_theirs_changed(old, mine, theirs) -> bool:
    """Their side retranslated an entry ours left as the ancestor had it."""
    return old is not None and _text(mine) == _text(old) and _text(theirs) != _text(old)


def main(base: str, ours: str, theirs: str) -> int:
    ancestor = {_key(e): e for e in polib.pofile(base) if not e.obsolete}
    mine = polib.pofile(ours)
    other = polib.pofile(theirs)
    index = {_key(e): e for e in mine if not e.obsolete}
    for entry in [e for e in mine if e.obsolete]:
        mine.remove(entry)
    for entry in other:
        if entry.obsolete:
            continue
        existing = index.get(_key(entry))
        if existing is None:
            mine.append(entry)
            index[_key(entry)] = entry
        elif (not existing.translated() and entry.translated()) or _only_theirs_changed(
            ancestor.get(_key(entry)), existing, entry
        ):
            existing.msgstr = entry.msgstr
            existing.msgstr_plural = entry.msgstr_plural
            existing.flags = [f for f in existing.flags if f != "fuzzy"]
    mine.save(ours)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
