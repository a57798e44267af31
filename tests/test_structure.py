"""The package's shape: short modules, and no module that imports another in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import socialfeed

PACKAGE = Path(socialfeed.__file__).parent
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def runtime_imports(name: str) -> set[str]:
    """The socialfeed modules ``name`` imports when it is loaded.

    Imports inside functions and under ``if TYPE_CHECKING:`` do not run at
    load time, so they are left out; ``from package import module`` counts
    as an import of the module alone (a parent package is loaded first
    whatever imports its modules, so that edge would make every module look
    circular).
    """
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{node.module}" if node.module else parent
            submodules = {f"{base}.{alias.name}" for alias in node.names} & MODULES.keys()
            found.update(submodules)
            if len(submodules) < len(node.names):  # names defined in ``base`` itself
                found.add(base)
    return {module for module in found if module in MODULES and module != name}


def test_no_module_is_longer_than_the_limit() -> None:
    """Every module under src/socialfeed has at most 500 lines."""
    lengths = {name: len(path.read_text().splitlines()) for name, path in MODULES.items()}

    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}


def test_no_module_imports_another_in_a_circle() -> None:
    """Following the imports that run at load time never leads back to where it started."""
    graph = {name: runtime_imports(name) for name in MODULES}
    cycles: list[list[str]] = []

    def visit(name: str, path: list[str], done: set[str]) -> None:
        for imported in sorted(graph[name]):
            if imported in path:
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in done:
                visit(imported, [*path, imported], done)
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name], done)

    assert cycles == []


def test_the_import_graph_sees_imports() -> None:
    """The cycle check reads real imports: the facade is seen importing the services."""
    assert "socialfeed.services" in runtime_imports("socialfeed.facade")
    assert "socialfeed.outbox.wire" in runtime_imports("socialfeed.outbox.delivery")
