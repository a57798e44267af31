"""The documentation runs as written, and its navigation lists every page."""

from __future__ import annotations

import os
import re
import sys
import textwrap
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from blinker import NamedSignal

from socialfeed import events, signals

# Every page's code, run as a reader would: whole programs, not units.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
MKDOCS_YML = ROOT / "mkdocs.yml"
PAGES = sorted(DOCS.rglob("*.md"))

# A fenced ```python block, possibly indented (inside an admonition or a list item).
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.DOTALL | re.MULTILINE,
)
_PRINTS = re.compile(r'# prints? "(.*?)"')
# A pymdownx.snippets include; the included file is tested where it lives.
_SNIPPET = re.compile(r"\s*--8<--")


@attrs.frozen
class Block:
    """One ```python block of a page, and the line of the page it starts on."""

    source: str
    line: int

    @property
    def is_included(self) -> bool:
        """Whether the block only includes tested files, with no code of its own."""
        lines = [line for line in self.source.splitlines() if line.strip()]
        return bool(lines) and all(_SNIPPET.match(line) for line in lines)

    def compile(self, page: Path) -> Any:
        """Compile the block so that tracebacks name the page and its line numbers."""
        padded = "\n" * (self.line - 1) + self.source
        return compile(padded, str(page.relative_to(ROOT)), "exec")


def python_blocks(page: Path) -> list[Block]:
    """Return the ```python blocks of a page, in order."""
    text = page.read_text(encoding="utf-8")
    return [
        Block(
            source=textwrap.dedent(match.group("body")),
            line=text.count("\n", 0, match.start("body")) + 1,
        )
        for match in _FENCE.finditer(text)
    ]


def nav_pages() -> list[str]:
    """Return the page paths named by the ``nav`` of mkdocs.yml, relative to docs/."""
    text = MKDOCS_YML.read_text(encoding="utf-8")
    nav = re.search(r"^nav:\n(.*?)(?=^\S|\Z)", text, flags=re.DOTALL | re.MULTILINE)
    assert nav is not None, "mkdocs.yml has no nav"
    return re.findall(r"^\s*-\s+(?:[^\n]*:\s+)?(\S+\.md)\s*$", nav.group(1), flags=re.MULTILINE)


@pytest.fixture
def isolated_signals() -> Iterator[None]:
    """Disconnect, after the test, every receiver the test connected to socialfeed's signals."""
    before = {signal: set(signal.receivers) for signal in signals.ALL_SIGNALS}
    yield
    for signal, known in before.items():
        _disconnect_new(signal, known)


def _disconnect_new(signal: NamedSignal, known: set[Any]) -> None:
    for receiver_id, reference in list(signal.receivers.items()):
        if receiver_id in known:
            continue
        receiver: Callable[..., Any] | None = (
            reference() if isinstance(reference, weakref.ref) else reference
        )
        if receiver is not None:
            signal.disconnect(receiver)


def test_docs_have_pages() -> None:
    """The docs folder has pages, so the tests below have something to check."""
    assert DOCS / "index.md" in PAGES


@pytest.mark.usefixtures("isolated_signals")
@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(DOCS)) for page in PAGES])
def test_page_code_runs(
    page: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A page's Python blocks run in order, in one namespace and a scratch directory, as shown."""
    monkeypatch.chdir(tmp_path)
    # A reader's shell has none of the variables the examples read; neither does the test.
    for name in [name for name in os.environ if name.startswith("SOCIALFEED_")]:
        monkeypatch.delenv(name)
    module_name = "docs_" + re.sub(r"\W", "_", str(page.relative_to(DOCS).with_suffix("")))
    module = ModuleType(module_name)
    monkeypatch.setitem(sys.modules, module_name, module)
    for block in python_blocks(page):
        if block.is_included:
            continue
        exec(block.compile(page), module.__dict__)
        printed = capsys.readouterr().out
        for expected in _PRINTS.findall(block.source):
            assert expected in printed, f"line {block.line}: {expected!r} not in {printed!r}"


def test_every_page_is_in_the_nav() -> None:
    """Every page in docs/ is listed in the nav of mkdocs.yml, and every nav entry exists."""
    listed = nav_pages()
    on_disk = [str(page.relative_to(DOCS)) for page in PAGES]
    assert sorted(set(on_disk) - set(listed)) == [], "pages missing from the nav"
    assert sorted(set(listed) - set(on_disk)) == [], "nav entries without a page"
    assert len(listed) == len(set(listed)), "a page is listed twice"


def test_signals_catalog_lists_every_signal() -> None:
    """The signals catalog has a row for every signal in ALL_SIGNALS, naming its event class."""
    catalog = (DOCS / "reference" / "signals.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip(): line for line in catalog.splitlines() if line.startswith("|")
    }
    attribute_names = {id(getattr(signals, name)): name for name in signals.__all__}
    event_names = {
        id(signals.signal_for(getattr(events, name))): name
        for name in events.__all__
        if name != "Event"
    }
    for signal in signals.ALL_SIGNALS:
        name = attribute_names[id(signal)]
        row = [line for first_cell, line in rows.items() if f"`{name}`" in first_cell]
        assert row, f"{name} has no row in the signals catalog"
        assert event_names[id(signal)] in row[0], f"the row of {name} does not name its event"
