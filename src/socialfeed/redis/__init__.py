"""Redis for socialfeed: the outbox's stream publisher and consumer, and a timeline store.

Needs the ``redis`` extra (``pip install "socialfeed[redis]"``); nothing else
in socialfeed imports redis-py.
"""

from socialfeed.redis.streams import DEFAULT_STREAM, RedisStreamConsumer, RedisStreamPublisher
from socialfeed.redis.timelines import RedisTimelines

__all__ = ["DEFAULT_STREAM", "RedisStreamConsumer", "RedisStreamPublisher", "RedisTimelines"]
