#!/usr/bin/env python
"""No source file over 500 lines: a longer module is split into a package.

Checks the apps, scripts and benchmarks (.py and templates), not migrations,
tests or data. `make lint` runs it, and tests/test_shape.py runs the same check
inside the suite. Exits non-zero naming each file over the limit."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 500
FOLDERS = (
    "accounts",
    "wallet",
    "claims",
    "bulk",
    "core",
    "portal",
    "scripts",
    "bench",
    "templates",
)
SUFFIXES = {".py", ".html"}


def too_long(root: Path = ROOT) -> list[tuple[str, int]]:
    found = []
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in SUFFIXES or "migrations" in path.parts:
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > LIMIT:
                found.append((path.relative_to(root).as_posix(), lines))
    return found


def main() -> int:
    found = too_long()
    for name, lines in found:
        print(f"{name}: {lines} lines (the limit is {LIMIT}: split it into a package)")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
