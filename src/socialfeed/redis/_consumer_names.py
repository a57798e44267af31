"""A stream consumer's name: held by one live process at a time, and forgotten once unused.

A worker keeps its consumer name across restarts, so that a restarted
worker takes back at once what it held when it died. Two live processes
under one name would both read that name's pending messages, each handling
the other's. A `NameLease` prevents that: a Redis key holding a token of the
process that reads under the name, which a thread renews while the process
lives. A second process with the name waits until the key is released (the
first stopped) or expires (it died).

`forget_idle_consumers` removes from a group the consumers that hold nothing
and were idle for long, so that the names of workers that are gone do not
pile up in the group.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

import redis

__all__ = ["NameLease", "forget_idle_consumers"]

logger = logging.getLogger("socialfeed.worker")

# KEYS[1]: the lease. ARGV[1]: the holder's token. ARGV[2]: its lifetime in ms.
# Take the name if it is free or already ours, and start its lifetime again.
_TAKE = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

# KEYS[1]: the lease. ARGV[1]: the holder's token. Free the name, if still ours.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS[1]: the stream. ARGV[1]: the group. ARGV[2]: the idle time in ms beyond
# which a consumer holding nothing is deleted. ARGV[3]: a name to keep.
# One script, so that no message is read by a consumer between the check that
# it holds nothing and its deletion: messages a deleted consumer held could
# never be claimed again.
_FORGET = """
local forgotten = {}
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info['pending'] == 0 and info['idle'] > tonumber(ARGV[2]) and info['name'] ~= ARGV[3] then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    table.insert(forgotten, info['name'])
  end
end
return forgotten
"""


class NameLease:
    """The right to read under one consumer name, for one process at a time.

    `take` takes the name (or confirms it is still this process's); once
    taken, a daemon thread renews it every fifth of ``lifetime``. `release`
    stops the thread and frees the name; a process that dies leaves it to
    expire ``lifetime`` seconds later. Losing the name (a Redis outage longer
    than ``lifetime``, and another process took it meanwhile) turns `held`
    false, which the consumer checks before reading.
    """

    def __init__(self, client: redis.Redis, key: str, lifetime: float) -> None:
        if lifetime <= 0:
            raise ValueError("the name lease's lifetime must be positive")
        self.key = key
        self.lifetime = lifetime
        self.held = False
        self._token = uuid.uuid4().hex
        self._take = client.register_script(_TAKE)
        self._release = client.register_script(_RELEASE)
        self._released = threading.Event()
        self._renewer: threading.Thread | None = None

    def take(self) -> bool:
        """Take or renew the name; tell whether this process holds it. Raises `redis.RedisError`."""
        taken: Any = self._take(keys=[self.key], args=[self._token, int(self.lifetime * 1000)])
        self.held = bool(taken)
        if self.held and self._renewer is None and not self._released.is_set():
            self._renewer = threading.Thread(
                target=self._renew, name=f"renew {self.key}", daemon=True
            )
            self._renewer.start()
        return self.held

    def release(self) -> None:
        """Stop renewing and free the name, so that a successor need not wait for it to expire."""
        self._released.set()
        if self._renewer is not None:
            self._renewer.join()
        if not self.held:
            return
        self.held = False
        try:
            self._release(keys=[self.key], args=[self._token])
        except redis.RedisError as error:  # it expires on its own
            logger.warning("could not free %s: %s", self.key, type(error).__name__)

    def _renew(self) -> None:
        while not self._released.wait(self.lifetime / 5):
            if not self.held:
                continue  # lost: the consumer takes it again, or waits, before reading
            try:
                if not self.take():
                    logger.warning("%s was taken by another process", self.key)
            except redis.RedisError as error:
                # Redis is away: nobody else can take the name meanwhile, unless
                # the outage outlasts the lifetime; the next renewal will tell.
                logger.debug("could not renew %s: %s", self.key, type(error).__name__)


def forget_idle_consumers(
    client: redis.Redis, stream: str, group: str, idle: float, keep: str
) -> list[str]:
    """Delete the group's consumers that hold nothing and were idle over ``idle`` seconds.

    Returns their names. ``keep`` (the caller's own name) is never deleted.
    A live consumer deleted so is harmless: it held nothing, and Redis makes
    it again at its next read (Redis before 7.2 counts a consumer idle from
    its last read that returned messages, not from its last attempt).
    """
    forget = client.register_script(_FORGET)
    names: Any = forget(keys=[stream], args=[group, int(idle * 1000), keep])
    return [name.decode() if isinstance(name, bytes) else name for name in names]
