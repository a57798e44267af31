"""The documentation's code type-checks under ``mypy --strict``, as a reader's would."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_docs import PAGES, ROOT, python_blocks

# One mypy run over every page: a few seconds warm, longer from a cold cache.
pytestmark = pytest.mark.slow

README = ROOT / "README.md"
_README_FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _page_program(page: Path) -> str | None:
    """Return a page's Python blocks as one program, each block on its page lines."""
    lines = [""] * page.read_text(encoding="utf-8").count("\n")
    blocks = [block for block in python_blocks(page) if not block.is_included]
    if not blocks:
        return None
    for block in blocks:
        for offset, line in enumerate(block.source.splitlines()):
            lines[block.line - 1 + offset] = line
    return "\n".join(lines) + "\n"


def _readme_programs() -> list[tuple[str, str]]:
    """Return each README block as its own program (each runs alone), on its README lines."""
    text = README.read_text(encoding="utf-8")
    programs = []
    for index, match in enumerate(_README_FENCE.finditer(text)):
        padding = "\n" * text.count("\n", 0, match.start(1))
        programs.append((f"README.md block {index}", padding + match.group(1)))
    return programs


def test_docs_code_type_checks(tmp_path: Path) -> None:
    """Every Python block of the README and docs/ passes ``mypy --strict``."""
    programs = [
        (str(page.relative_to(ROOT)), program)
        for page in PAGES
        if (program := _page_program(page)) is not None
    ]
    programs += _readme_programs()
    names: dict[str, str] = {}
    for index, (name, program) in enumerate(programs):
        path = tmp_path / f"docs_program_{index}.py"
        path.write_text(program, encoding="utf-8")
        names[path.name] = name
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", *sorted(names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    report = re.sub(
        r"docs_program_\d+\.py", lambda match: names[match.group(0)], result.stdout + result.stderr
    )
    assert result.returncode == 0, report
