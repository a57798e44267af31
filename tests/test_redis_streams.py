"""The outbox on Redis Streams: publisher and consumer against a real Redis server."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from typing import Any, Protocol

import pytest
import redis

from socialfeed import BrokerError, ManualClock, NotificationHandler, SocialFeed
from socialfeed.outbox.relay import Relay
from socialfeed.outbox.worker import Worker
from socialfeed.redis import RedisStreamConsumer, RedisStreamPublisher
from socialfeed.storage import Storage
from socialfeed.storage.base import OutboxMessage
from tests.conftest import HASHER, REDIS_URL
from tests.test_outbox import outbox_feed

# A port nothing listens on: every command fails to connect.
CLOSED = "redis://127.0.0.1:1/0"


def messages(count: int, first: int = 1) -> list[OutboxMessage]:
    return [OutboxMessage(n, f'{{"n": {n}}}') for n in range(first, first + count)]


class MakeConsumer(Protocol):
    def __call__(
        self,
        client: redis.Redis,
        prefix: str,
        group: str = "g",
        name: str = "c1",
        claim_idle: float = 60,
        forget_idle: float | None = 600,
    ) -> RedisStreamConsumer: ...


@pytest.fixture
def consumer(redis_prefix: str) -> Iterator[MakeConsumer]:
    """Makes consumers of the test's stream, and closes them before its keys are deleted.

    Closing frees their names and stops the threads that renew them.
    """
    made: list[RedisStreamConsumer] = []

    def make(
        client: redis.Redis,
        prefix: str,
        group: str = "g",
        name: str = "c1",
        claim_idle: float = 60,
        forget_idle: float | None = 600,
    ) -> RedisStreamConsumer:
        made.append(
            RedisStreamConsumer(
                client,
                group,
                stream=f"{prefix}s",
                consumer=name,
                claim_idle=claim_idle,
                forget_idle=forget_idle,
            )
        )
        return made[-1]

    yield make
    for each in made:
        each.close()


def entries(client: redis.Redis, stream: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
    """Every entry of a stream, oldest first."""
    found: Any = client.xrange(stream)
    return list(found)


def test_published_messages_arrive_in_order_with_their_sequence(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    """A batch is appended in order, each entry carrying its outbox id and wire data."""
    RedisStreamPublisher(redis_client, f"{redis_prefix}s").publish(messages(3))

    assert [(f[b"seq"], f[b"data"]) for _, f in entries(redis_client, f"{redis_prefix}s")] == [
        (b"1", b'{"n": 1}'),
        (b"2", b'{"n": 2}'),
        (b"3", b'{"n": 3}'),
    ]


def test_a_new_group_reads_from_the_start_and_each_group_gets_everything(
    redis_client: redis.Redis, redis_prefix: str, consumer: MakeConsumer
) -> None:
    """Groups made after publishing still get every message, and do not share them."""
    RedisStreamPublisher(redis_client, f"{redis_prefix}s").publish(messages(2))
    first, second = (
        consumer(redis_client, redis_prefix, "a"),
        consumer(redis_client, redis_prefix, "b"),
    )

    for group in (first, second):
        received = group.receive(10, 0.1)
        assert [m.data for m in received] == ['{"n": 1}', '{"n": 2}']
        assert all(m.deliveries == 1 for m in received)
        group.acknowledge(received)
        assert group.receive(10, 0.01) == []


def test_unacknowledged_messages_of_a_dead_consumer_are_claimed(
    redis_client: redis.Redis, redis_prefix: str, consumer: MakeConsumer
) -> None:
    """What one consumer took and never acknowledged goes to another after ``claim_idle``."""
    RedisStreamPublisher(redis_client, f"{redis_prefix}s").publish(messages(2))
    dead = consumer(redis_client, redis_prefix, name="dead")
    assert len(dead.receive(10, 0.1)) == 2  # then it dies without acknowledging
    survivor = consumer(redis_client, redis_prefix, name="alive", claim_idle=0)

    claimed = survivor.receive(10, 0.1)

    assert [m.data for m in claimed] == ['{"n": 1}', '{"n": 2}']
    assert [m.deliveries for m in claimed] == [2, 2]
    survivor.acknowledge(claimed)
    assert redis_client.xpending(f"{redis_prefix}s", "g")["pending"] == 0


def test_a_restarted_consumer_first_gets_what_it_never_acknowledged(
    redis_client: redis.Redis, redis_prefix: str, consumer: MakeConsumer
) -> None:
    """A consumer started again under its name reads its unacknowledged messages at once."""
    RedisStreamPublisher(redis_client, f"{redis_prefix}s").publish(messages(2))
    first_run = consumer(redis_client, redis_prefix)
    assert len(first_run.receive(10, 0.1)) == 2
    first_run.close()  # it stops without acknowledging them, and frees its name

    again = consumer(redis_client, redis_prefix).receive(10, 0.1)

    assert [(m.data, m.deliveries) for m in again] == [('{"n": 1}', 2), ('{"n": 2}', 2)]


def test_a_second_live_consumer_under_a_name_waits_and_takes_over_once_it_is_freed(
    redis_client: redis.Redis,
    redis_prefix: str,
    consumer: MakeConsumer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """While one consumer holds a name, another under it reads nothing; once freed, it reads."""
    publisher = RedisStreamPublisher(redis_client, f"{redis_prefix}s")
    publisher.publish(messages(2))
    holder = consumer(redis_client, redis_prefix, name="w")
    assert len(holder.receive(1, 0.1)) == 1  # holds the first message
    second = consumer(redis_client, redis_prefix, name="w")

    with caplog.at_level(logging.WARNING, "socialfeed.worker"):
        assert second.receive(10, 0.01) == []
    assert "held by another process" in caplog.text
    # Neither the held message nor the unread one was handed to the second process.
    assert redis_client.xpending(f"{redis_prefix}s", "g")["pending"] == 1
    holder.close()

    taken = second.receive(10, 0.1)
    assert [(m.data, m.deliveries) for m in taken] == [('{"n": 1}', 2)]


def test_a_consumer_forgets_consumers_that_hold_nothing_and_were_idle_long(
    redis_client: redis.Redis, redis_prefix: str, consumer: MakeConsumer
) -> None:
    """Taking its name, a consumer deletes the idle consumers of its group that hold nothing."""
    RedisStreamPublisher(redis_client, f"{redis_prefix}s").publish(messages(2))
    gone = consumer(redis_client, redis_prefix, name="gone")
    gone.acknowledge(gone.receive(1, 0.1))
    holding = consumer(redis_client, redis_prefix, name="holding")
    assert len(holding.receive(1, 0.1)) == 1  # never acknowledged: it keeps its consumer
    time.sleep(0.05)  # both idle for longer than the bound below

    consumer(redis_client, redis_prefix, name="new", forget_idle=0.02).receive(10, 0.01)

    listed = redis_client.xinfo_consumers(f"{redis_prefix}s", "g")
    assert sorted(c["name"].decode() for c in listed) == ["holding", "new"]


def test_a_consumer_keeps_consumers_idle_for_less_than_the_bound(
    redis_client: redis.Redis, redis_prefix: str, consumer: MakeConsumer
) -> None:
    """A consumer that holds nothing but was active within ``forget_idle`` stays in the group."""
    RedisStreamPublisher(redis_client, f"{redis_prefix}s").publish(messages(1))
    recent = consumer(redis_client, redis_prefix, name="recent")
    recent.acknowledge(recent.receive(1, 0.1))

    consumer(redis_client, redis_prefix, name="new", forget_idle=600).receive(10, 0.01)

    listed = redis_client.xinfo_consumers(f"{redis_prefix}s", "g")
    assert sorted(c["name"].decode() for c in listed) == ["new", "recent"]


def test_the_default_consumer_name_is_the_hosts_and_stays_the_same() -> None:
    """Without a name, a consumer is named after the host, the same in every process there."""
    client = redis.Redis.from_url(CLOSED)

    names = {RedisStreamConsumer(client, "g").consumer for _ in range(2)}

    assert names == {socket.gethostname()}


def test_a_client_that_decodes_responses_works_the_same(
    redis_prefix: str, consumer: MakeConsumer
) -> None:
    """A client built with ``decode_responses=True`` publishes, reads and claims the same way."""
    assert REDIS_URL is not None
    with redis.Redis.from_url(REDIS_URL, decode_responses=True) as client:
        RedisStreamPublisher(client, f"{redis_prefix}s").publish(messages(2))
        assert len(consumer(client, redis_prefix, name="dead").receive(10, 0.1)) == 2
        claimed = consumer(client, redis_prefix, name="alive", claim_idle=0).receive(10, 0.1)

    assert [(m.data, m.deliveries) for m in claimed] == [('{"n": 1}', 2), ('{"n": 2}', 2)]


def test_an_entry_trimmed_while_pending_is_acknowledged_not_handed_out(
    redis_client: redis.Redis, redis_prefix: str, consumer: MakeConsumer
) -> None:
    """A pending message the stream no longer holds is dropped from the group, not returned."""
    RedisStreamPublisher(redis_client, f"{redis_prefix}s").publish(messages(2))
    first_run = consumer(redis_client, redis_prefix)
    [first, second] = first_run.receive(10, 0.1)
    first_run.close()
    redis_client.xdel(f"{redis_prefix}s", first.message_id)

    again = consumer(redis_client, redis_prefix).receive(10, 0.1)

    assert [m.message_id for m in again] == [second.message_id]
    assert redis_client.xpending(f"{redis_prefix}s", "g")["pending"] == 1


def test_a_timeout_under_a_millisecond_does_not_block(
    redis_client: redis.Redis, redis_prefix: str, consumer: MakeConsumer
) -> None:
    """Reading an empty stream with a tiny timeout returns at once instead of blocking for ever."""
    assert consumer(redis_client, redis_prefix).receive(10, 0.0001) == []


def test_a_dead_letter_keeps_the_message_and_the_reason(
    redis_client: redis.Redis, redis_prefix: str, consumer: MakeConsumer
) -> None:
    """Dead-lettering copies data and reason to the dead stream and acknowledges the original."""
    RedisStreamPublisher(redis_client, f"{redis_prefix}s").publish(messages(1))
    group = consumer(redis_client, redis_prefix)
    [message] = group.receive(10, 0.1)

    group.dead_letter(message, "receiver exploded")

    [(_, fields)] = entries(redis_client, f"{redis_prefix}s:dead")
    assert fields[b"data"] == b'{"n": 1}'
    assert fields[b"reason"] == b"receiver exploded"
    assert fields[b"message_id"] == message.message_id.encode()
    assert redis_client.xpending(f"{redis_prefix}s", "g")["pending"] == 0


def test_a_vanished_stream_is_made_again(
    redis_client: redis.Redis, redis_prefix: str, consumer: MakeConsumer
) -> None:
    """After the stream and its group are lost (a Redis restart without data), reading goes on."""
    publisher = RedisStreamPublisher(redis_client, f"{redis_prefix}s")
    group = consumer(redis_client, redis_prefix)
    assert group.receive(10, 0.01) == []
    redis_client.delete(f"{redis_prefix}s")

    assert group.receive(10, 0.01) == []  # NOGROUP: the group is made again
    publisher.publish(messages(1, first=7))
    assert [m.data for m in group.receive(10, 0.1)] == ['{"n": 7}']


def test_an_unreachable_redis_is_a_broker_error(redis_prefix: str, consumer: MakeConsumer) -> None:
    """Publishing, reading and acknowledging without a server raise BrokerError, not redis' own."""
    client = redis.Redis.from_url(CLOSED, socket_connect_timeout=1)
    group = consumer(client, redis_prefix)

    with pytest.raises(BrokerError):
        RedisStreamPublisher(client, f"{redis_prefix}s").publish(messages(1))
    with pytest.raises(BrokerError):
        group.receive(1, 0.01)


def test_relay_and_worker_turn_actions_into_notifications_through_redis(
    storage: Storage,
    clock: ManualClock,
    redis_client: redis.Redis,
    redis_prefix: str,
    consumer: MakeConsumer,
) -> None:
    """Events committed with the outbox on reach a worker's notification handler via Redis."""
    app = outbox_feed(storage, clock)
    alice = app.accounts.create_profile("alice")
    bob = app.accounts.create_profile("bob")
    post = app.posts.create(alice.id, content="hi")
    app.likes.like(bob.id, post.id)
    app.comments.add(bob.id, post.id, "nice")
    app.follows.follow(bob.id, alice.id)
    worker_feed = SocialFeed(storage, clock=clock, password_hasher=HASHER)
    NotificationHandler().connect(worker_feed)
    stream = f"{redis_prefix}s"

    assert Relay(storage, RedisStreamPublisher(redis_client, stream)).relay_once() == 6
    worker = Worker(worker_feed, consumer(redis_client, redis_prefix, "notifications"))
    assert worker.work_once(0.1) == 6

    kinds = sorted(n.kind for n in app.notifications.list(alice.id).items)
    assert kinds == ["comment", "follow", "like"]
    assert app.outbox.status().unpublished == 0
    assert redis_client.xpending(stream, "notifications")["pending"] == 0
