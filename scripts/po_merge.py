#!/usr/bin/env python
"""A git merge driver for the translation catalogue: the union of both sides.

Two branches that each add strings both change ``django.po``; a line-based merge
then conflicts on every neighbouring entry. This driver keeps every entry of
either side (ours wins where both translated the same msgid differently) and
drops obsolete ones. Run ``make messages`` after the merge to re-sync the
catalogue with the source. Enabled per clone with

    git config merge.pounion.driver "python3 scripts/po_merge.py %O %A %B"

(``.gitattributes`` names the driver for ``*.po``; without the config git merges
line by line as before.)
"""

import sys

import polib


def _key(entry: polib.POEntry) -> tuple:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def main(base: str, ours: str, theirs: str) -> int:
    del base  # a union needs no ancestor
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
        elif not existing.translated() and entry.translated():
            existing.msgstr = entry.msgstr
            existing.msgstr_plural = entry.msgstr_plural
            existing.flags = [f for f in existing.flags if f != "fuzzy"]
    mine.save(ours)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
