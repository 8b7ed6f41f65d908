"""The floors and thin layers of pyproject.toml's import-linter contracts hold.

CI runs `lint-imports` after the suite; running it here too makes `make test`
and `make test-fast` say at once when a change (or a merge) breaks a contract,
e.g. a view reaching into the settlement instead of a selector."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
