"""A small demo world, so that a fresh server has something to show.

Both examples seed it with ``--demo`` (``python -m examples.fastapi_app --demo``
or ``python -m examples.flask_app --demo``). Every account logs in with the
password ``demo-password``; the one to start with is ``demo@example.com``,
whose feed has text posts and an image post.
"""

from __future__ import annotations

from socialfeed import HashtagHandler, NotFoundError, NotificationHandler, SocialFeed

__all__ = ["DEMO_EMAIL", "DEMO_PASSWORD", "DEMO_USERNAME", "seed"]

DEMO_USERNAME = "demo"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"


def seed(feed: SocialFeed) -> None:
    """Fill ``feed`` with a few users, posts, likes, comments, stories and messages.

    It does nothing when the user ``demo`` already exists, so it is safe to
    run on every start. The notification and hashtag handlers are connected
    first (once per facade), so the demo world has notifications and a
    hashtag index.
    """
    try:
        feed.users.get_by_username(DEMO_USERNAME)
    except NotFoundError:
        pass
    else:
        return
    # Connecting again what an app connected already connects nothing more.
    NotificationHandler().connect(feed)
    HashtagHandler().connect(feed)

    demo = feed.accounts.register(DEMO_USERNAME, DEMO_EMAIL, DEMO_PASSWORD, full_name="Demo User")
    feed.users.update_profile(demo.id, {"bio": "Trying out socialfeed. Log in as me!"})
    ana = feed.accounts.register("ana", "ana@example.com", DEMO_PASSWORD, full_name="Ana Lima")
    ben = feed.accounts.register("ben", "ben@example.com", DEMO_PASSWORD, full_name="Ben Okafor")
    chloe = feed.accounts.register(
        "chloe", "chloe@example.com", DEMO_PASSWORD, full_name="Chloé Martin"
    )

    # The four follow each other, so the demo account's feed shows everyone's posts.
    users = [demo, ana, ben, chloe]
    for follower in users:
        for followee in users:
            if follower is not followee:
                feed.follows.follow(follower.id, followee.id)

    # Image posts from accounts the demo account follows, so its feed shows them.
    swim = feed.posts.create(
        ana.id,
        content="Sunrise swim at the harbour #sea #morning",
        image_url="https://example.com/images/harbour-swim.jpg",
    )
    bread = feed.posts.create(ben.id, content="Third try at sourdough, finally a crust #baking")
    fjord = feed.posts.create(
        chloe.id,
        content="A day on the fjord #travel #sea",
        image_url="https://example.com/images/fjord.jpg",
    )
    hello = feed.posts.create(
        demo.id, content="Hello from the socialfeed demo! Thanks for the tips @ana #hello"
    )

    for user, post in [(demo, swim), (ben, swim), (demo, fjord), (ana, hello), (chloe, hello)]:
        feed.likes.like(user.id, post.id)
    feed.comments.add(demo.id, swim.id, "Looks freezing! @ben are you in next time?")
    feed.comments.add(ben.id, swim.id, "Only if there is coffee after")
    feed.comments.add(ben.id, hello.id, "Welcome aboard!")
    feed.comments.add(ana.id, bread.id, "Save me a slice")

    feed.stories.create(
        ana.id, content="Harbour at 6am", image_url="https://example.com/images/harbour.jpg"
    )
    feed.stories.create(ben.id, content="Oven's on")

    feed.messages.send(ana.id, demo.id, "Coffee later?")
    feed.messages.send(demo.id, ana.id, "Sure, 4pm at the harbour?")
    feed.messages.send(ana.id, demo.id, "Perfect, see you there")
    feed.messages.send(ben.id, demo.id, "Did you see my bread?")
