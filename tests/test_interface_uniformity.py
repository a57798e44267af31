"""Every backend implements every storage protocol, and the contract's package exports it all."""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import Any, get_type_hints

from socialfeed.storage import Storage, UnitOfWork
from socialfeed.storage import base as contract
from socialfeed.storage.base import (
    content,
    outbox,
    people,
    receipts,
    relations,
    social,
    timelines,
)

AREAS: list[ModuleType] = [people, content, social, relations, timelines, outbox, receipts]


def repository_protocols() -> dict[str, type[Any]]:
    """Map each attribute of a unit of work to the protocol its repository implements."""
    return {
        name: get_type_hints(member.fget)["return"]
        for name, member in vars(UnitOfWork).items()
        if isinstance(member, property) and member.fget is not None
    }


def public_methods(protocol: type[Any]) -> dict[str, inspect.Signature]:
    """Return the methods a protocol declares, with their signatures."""
    return {
        name: inspect.signature(member)
        for name, member in vars(protocol).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def parameters(signature: inspect.Signature) -> list[tuple[str, Any, Any]]:
    """The parameters a caller sees (``self`` left out): name, kind and default."""
    return [
        (parameter.name, parameter.kind, parameter.default)
        for parameter in signature.parameters.values()
        if parameter.name != "self"
    ]


def test_the_package_exports_every_area() -> None:
    """Every name of an area module is importable from ``socialfeed.storage.base`` itself."""
    for area in AREAS:
        for name in area.__all__:
            assert name in contract.__all__, f"{area.__name__}.{name}"
            assert getattr(contract, name) is getattr(area, name), name


def test_the_unit_of_work_holds_every_repository() -> None:
    """Each repository protocol of the contract is the type of one unit-of-work attribute."""
    declared = {
        getattr(area, name)
        for area in AREAS
        for name in area.__all__
        if name.endswith("Repository")
    }
    held = list(repository_protocols().values())
    assert len(held) == len(set(held))
    assert set(held) == declared


def test_every_backend_implements_every_method(storage: Storage) -> None:
    """Each repository of a backend has every method of its protocol, with the same parameters."""
    missing = []
    with storage.transaction(write=False) as uow:
        for attribute, protocol in repository_protocols().items():
            repository = getattr(uow, attribute)
            for name, expected in public_methods(protocol).items():
                method = getattr(repository, name, None)
                if not callable(method):
                    missing.append(f"uow.{attribute}.{name} is missing")
                elif parameters(inspect.signature(method)) != parameters(expected):
                    missing.append(f"uow.{attribute}.{name} takes other parameters")
    assert missing == []
