"""The public surface: what is exported, and that every public name is documented."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import socialfeed

MODULES = [
    importlib.import_module(info.name)
    for info in pkgutil.walk_packages(socialfeed.__path__, "socialfeed.")
    if not any(part.startswith("_") for part in info.name.split("."))
]


def _public_names(module: ModuleType) -> list[str]:
    return list(getattr(module, "__all__", []))


@pytest.mark.parametrize("module", [socialfeed, *MODULES], ids=lambda m: m.__name__)
def test_module_documents_its_purpose(module: ModuleType) -> None:
    """Every public module has a docstring and an explicit ``__all__``."""
    assert (module.__doc__ or "").strip(), f"{module.__name__} has no docstring"
    assert hasattr(module, "__all__"), f"{module.__name__} has no __all__"


@pytest.mark.parametrize("module", [socialfeed, *MODULES], ids=lambda m: m.__name__)
def test_every_public_name_has_a_docstring(module: ModuleType) -> None:
    """Every name in ``__all__`` has a one-line summary, and so do its methods and properties."""
    for name in _public_names(module):
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        assert (inspect.getdoc(obj) or "").strip(), f"{module.__name__}.{name} has no docstring"
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                # The reference lists these too; without a summary they would be blank there.
                if isinstance(member, classmethod | staticmethod):
                    member = member.__func__
                if attr.startswith("_") or not (
                    inspect.isfunction(member) or isinstance(member, property)
                ):
                    continue
                assert (member.__doc__ or "").strip(), f"{name}.{attr} has no docstring"


def test_top_level_exports_the_essentials() -> None:
    """``import socialfeed`` gives the facade, the settings, the models and every error."""
    from socialfeed import errors

    for name in ("SocialFeed", "Settings", "Page", "Post", "User", *errors.__all__):
        assert name in socialfeed.__all__, name
