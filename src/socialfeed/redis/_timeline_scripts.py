"""The Lua scripts of the Redis timeline store, and the commands that call them.

The scripts are package data (the ``lua/`` folder beside this module); each
store registers them with its client, which gives each its digest.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Literal, get_args

import redis
from attrs import frozen
from redis.commands.core import Script

__all__ = [
    "SCRIPT_NAMES",
    "Command",
    "RedisCommand",
    "ScriptCall",
    "ScriptName",
    "register_scripts",
    "script_source",
]

ScriptName = Literal["write", "purge", "mark", "forget"]
"""A script, named after its file in ``lua/`` (what each does is told at its top)."""
SCRIPT_NAMES: tuple[ScriptName, ...] = get_args(ScriptName)

RedisCommand = tuple[str | int, ...]
"""A Redis command and its arguments, as sent in a pipeline."""


@frozen
class ScriptCall:
    """A run of one of the store's scripts, with its keys and arguments."""

    script: ScriptName
    keys: tuple[str, ...]
    args: tuple[str | int, ...]


Command = RedisCommand | ScriptCall
"""One step of a timeline update: a plain Redis command or a script's run."""


@functools.cache
def script_source(name: ScriptName) -> str:
    """The Lua source of a script, read once per process."""
    lua = resources.files("socialfeed.redis").joinpath("lua")
    return lua.joinpath(f"{name}.lua").read_text(encoding="utf-8")


def register_scripts(client: redis.Redis) -> dict[ScriptName, Script]:
    """Register every script with ``client``, by name; nothing is sent to Redis yet."""
    return {name: client.register_script(script_source(name)) for name in SCRIPT_NAMES}
