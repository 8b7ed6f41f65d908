"""The code keeps its shape by machine: no source file over 500 lines
(scripts/file_lengths.py, also run by `make lint`) and no function over mccabe
complexity 10 (ruff's C901 in pyproject.toml, with no exceptions)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from file_lengths import LIMIT, too_long  # noqa: E402 - after the path is set


def test_no_source_file_is_over_the_limit():
    assert LIMIT == 500
    assert too_long() == []


def test_the_limit_is_found(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "long.py").write_text("x = 1\n" * 501, encoding="utf-8")
    (tmp_path / "core" / "short.py").write_text("x = 1\n" * 500, encoding="utf-8")
    assert too_long(tmp_path) == [("core/long.py", 501)]


def test_no_function_is_over_complexity_10():
    ruff = Path(sys.executable).parent / "ruff"
    result = subprocess.run(
        [str(ruff), "check", "--select", "C901", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "max-complexity = 10" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
