"""AccountService: registration, login, passwords, deactivation and deletion."""

from __future__ import annotations

from collections.abc import Callable

import argon2
import attrs
import pytest

from socialfeed import (
    AuthenticationError,
    ConflictError,
    ManualClock,
    NotFoundError,
    PasswordHasher,
    Settings,
    SocialFeed,
    SocialFeedError,
    User,
    ValidationError,
)
from socialfeed.events import (
    PasswordChanged,
    UserDeactivated,
    UserDeleted,
    UserLoggedIn,
    UserRegistered,
)
from socialfeed.ids import UserId
from socialfeed.storage import Storage
from socialfeed.storage.base import NewUser
from tests.conftest import HASHER
from tests.support import PASSWORD, EventRecorder, unchanged


def fullwidth(text: str) -> str:
    """Return ``text`` in full-width forms, which NFKC turns back into ASCII."""
    return "".join(chr(ord(char) + 0xFEE0) for char in text)


def register_alice(feed: SocialFeed) -> User:
    """Register the account most tests log in with."""
    return feed.accounts.register("Alice", "alice@example.com", PASSWORD)


def stored_hash(feed: SocialFeed, user_id: UserId) -> str | None:
    """Return the password hash the storage holds for a user."""
    with feed.storage.transaction(write=False) as uow:
        credentials = uow.users.credentials(user_id)
    assert credentials is not None
    return credentials.password_hash


def set_stored_hash(feed: SocialFeed, user_id: UserId, password_hash: str) -> None:
    """Overwrite a user's stored hash, as a damaged or migrated database would."""
    with feed.storage.transaction() as uow:
        uow.users.set_password_hash(user_id, password_hash)


def facade(
    storage: Storage,
    clock: ManualClock,
    *,
    settings: Settings | None = None,
    hasher: PasswordHasher = HASHER,
) -> tuple[SocialFeed, EventRecorder]:
    """Build a second facade on the test's storage, with a recorder of its events."""
    other = SocialFeed(
        storage,
        settings=settings or Settings(raise_receiver_errors=True),
        clock=clock,
        password_hasher=hasher,
    )
    recorder = EventRecorder(other)
    recorder.connect()
    return other, recorder


# -- register and create_profile -----------------------------------------------


def test_register_creates_an_account(feed: SocialFeed, events: EventRecorder) -> None:
    """register stores the user with a trimmed email and an argon2id hash, and announces it."""
    user = feed.accounts.register(
        "Alice", "  Alice@Example.COM ", PASSWORD, full_name="  Alice Liddell "
    )

    assert (user.username, user.email, user.full_name) == (
        "Alice",
        "Alice@Example.COM",
        "Alice Liddell",
    )
    assert user.is_active
    assert (user.post_count, user.follower_count, user.following_count) == (0, 0, 0)
    assert feed.users.get(user.id) == user
    password_hash = stored_hash(feed, user.id)
    assert password_hash is not None
    assert password_hash.startswith("$argon2id$")
    assert HASHER.verify(password_hash, PASSWORD)
    event = events.only(UserRegistered)
    assert (event.user_id, event.username, event.has_password) == (user.id, "Alice", True)
    assert event.occurred_at == user.created_at


def test_create_profile_has_no_email_and_no_password(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """create_profile makes a user without email or password, who cannot log in."""
    bob = feed.accounts.create_profile("bob", full_name="Bob")
    carol = feed.accounts.create_profile("carol")

    assert (bob.username, bob.email, bob.full_name) == ("bob", None, "Bob")
    assert feed.users.get(carol.id).email is None
    assert stored_hash(feed, bob.id) is None
    assert [(e.user_id, e.has_password) for e in events.of_type(UserRegistered)] == [
        (bob.id, False),
        (carol.id, False),
    ]
    with pytest.raises(AuthenticationError):
        feed.accounts.login("bob", "")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("a", "a"),
        ("a" * 30, "a" * 30),
        ("first.last", "first.last"),
        ("under_score_9", "under_score_9"),
        ("Zoë", "Zoë"),
        ("日本語", "日本語"),
        (fullwidth("alice"), "alice"),
        ("ﬁsh", "fish"),
    ],
)
def test_register_accepts_valid_usernames_in_nfkc_form(
    feed: SocialFeed, given: str, stored: str
) -> None:
    """A username of 1-30 letters, digits, '.' or '_' is accepted and stored after NFKC."""
    user = feed.accounts.register(given, "someone@example.com", PASSWORD)

    assert user.username == stored
    assert feed.users.get_by_username(stored).id == user.id


@pytest.mark.parametrize(
    "username",
    [
        "",
        "a" * 31,
        "ﬃ" * 11,
        "has space",
        " alice",
        "dash-name",
        "at@sign",
        "emoji😀",
        "semi;",
        "\u200b",
    ],
)
def test_register_refuses_invalid_usernames(
    feed: SocialFeed, events: EventRecorder, username: str
) -> None:
    """A username breaking the rules raises ValidationError on 'username' and changes nothing."""
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.accounts.register(username, "someone@example.com", PASSWORD)

    assert info.value.field == "username"


def test_create_profile_refuses_invalid_usernames(feed: SocialFeed, events: EventRecorder) -> None:
    """create_profile applies the same username rules as register."""
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.accounts.create_profile("no spaces allowed")

    assert info.value.field == "username"


@pytest.mark.parametrize(
    "username", ["alice", "ALICE", "Alice", fullwidth("alice"), fullwidth("ALICE")]
)
def test_register_refuses_a_username_taken_case_insensitively(
    feed: SocialFeed, events: EventRecorder, username: str
) -> None:
    """A username equal to a taken one after NFKC and case folding raises ConflictError."""
    register_alice(feed)

    with unchanged(feed, events), pytest.raises(ConflictError) as info:
        feed.accounts.register(username, "other@example.com", PASSWORD)

    assert info.value.field == "username"


def test_create_profile_refuses_a_taken_username(feed: SocialFeed, events: EventRecorder) -> None:
    """create_profile refuses a username that differs from a taken one only in case."""
    register_alice(feed)

    with unchanged(feed, events), pytest.raises(ConflictError) as info:
        feed.accounts.create_profile("aLiCe")

    assert info.value.field == "username"


@pytest.mark.parametrize(
    "email",
    [
        "",
        "plainaddress",
        "@example.com",
        "alice@",
        "alice@example",
        "alice@@example.com",
        "alice smith@example.com",
        "alice@exa mple.com",
        "alice@-example.com",
        "alice@example..com",
        "alice@example.com.",
        '"alice"@example.com',
        "a" * 65 + "@example.com",
        "alice@" + "a" * 64 + ".com",
        "nul\x00char@example.com",
        "alice@" + ("a" * 62 + ".") * 4 + "com",
    ],
)
def test_register_refuses_invalid_emails(
    feed: SocialFeed, events: EventRecorder, email: str
) -> None:
    """An address that cannot be delivered raises ValidationError on 'email' and changes nothing."""
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.accounts.register("alice", email, PASSWORD)

    assert info.value.field == "email"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("alice@example.com", "alice@example.com"),
        ("first.last+tag@mail.example.co.uk", "first.last+tag@mail.example.co.uk"),
        ("  Alice@Example.com\n", "Alice@Example.com"),
        (fullwidth("alice@example.com"), "alice@example.com"),
    ],
)
def test_register_accepts_valid_emails(feed: SocialFeed, given: str, stored: str) -> None:
    """A valid address is stored trimmed and in NFKC form."""
    user = feed.accounts.register("alice", given, PASSWORD)

    assert feed.users.get(user.id).email == stored


@pytest.mark.parametrize(
    "email",
    [
        "alice@example.com",
        "ALICE@EXAMPLE.COM",
        "Alice@example.com",
        fullwidth("alice@example.com"),
    ],
)
def test_register_refuses_an_email_taken_case_insensitively(
    feed: SocialFeed, events: EventRecorder, email: str
) -> None:
    """An email equal to a registered one after NFKC and case folding raises ConflictError."""
    register_alice(feed)

    with unchanged(feed, events), pytest.raises(ConflictError) as info:
        feed.accounts.register("bob", email, PASSWORD)

    assert info.value.field == "email"


def test_register_reports_a_taken_email_before_a_taken_username(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """When both username and email are taken, the ConflictError names 'email'."""
    register_alice(feed)

    with unchanged(feed, events), pytest.raises(ConflictError) as info:
        feed.accounts.register("ALICE", "Alice@Example.com", PASSWORD)

    assert info.value.field == "email"


@pytest.mark.parametrize(("username", "email", "field"), [
    ("bob", "ALICE@example.com", "email"),
    ("ALICE", "bob@example.com", "username"),
])  # fmt: skip
def test_storage_refuses_duplicates_that_slip_past_the_service_check(
    feed: SocialFeed, events: EventRecorder, username: str, email: str, field: str
) -> None:
    """The storage turns a duplicate key (a lost race) into ConflictError naming the field."""
    alice = register_alice(feed)
    duplicate = NewUser(
        username=username,
        username_key=username.casefold(),
        email=email,
        email_key=email.casefold(),
        password_hash=None,
        full_name=None,
        created_at=alice.created_at,
    )

    with (
        unchanged(feed, events),
        pytest.raises(ConflictError) as info,
        feed.storage.transaction() as uow,
    ):
        uow.users.add(duplicate)

    assert info.value.field == field


def test_password_length_defaults_to_8_to_128(feed: SocialFeed) -> None:
    """By default passwords of 8 and 128 characters are accepted."""
    short = feed.accounts.register("short", "short@example.com", "8 chars!")
    long = feed.accounts.register("long", "long@example.com", "p" * 128)

    assert feed.accounts.login("short", "8 chars!").user_id == short.id
    assert feed.accounts.login("long", "p" * 128).user_id == long.id


@pytest.mark.parametrize("password", ["", "7 chars", "p" * 129, "p" * 10_000])
def test_register_refuses_passwords_of_bad_length(
    feed: SocialFeed, events: EventRecorder, password: str
) -> None:
    """A password under 8 or over 128 characters raises ValidationError on 'password'."""
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.accounts.register("alice", "alice@example.com", password)

    assert info.value.field == "password"


def test_password_min_length_follows_settings(storage: Storage, clock: ManualClock) -> None:
    """Settings(password_min_length=12) refuses 11 characters and accepts 12."""
    strict, recorder = facade(
        storage, clock, settings=Settings(password_min_length=12, raise_receiver_errors=True)
    )

    with unchanged(strict, recorder), pytest.raises(ValidationError) as info:
        strict.accounts.register("alice", "alice@example.com", "x" * 11)
    user = strict.accounts.register("alice", "alice@example.com", "x" * 12)

    assert info.value.field == "password"
    assert strict.accounts.login("alice", "x" * 12).user_id == user.id
    assert recorder.of_type(UserRegistered)[0].user_id == user.id


@pytest.mark.parametrize("full_name", ["x" * 101, "nul\x00char"])
def test_register_refuses_a_bad_full_name(
    feed: SocialFeed, events: EventRecorder, full_name: str
) -> None:
    """A full name over 100 characters or with a NUL raises ValidationError on 'full_name'."""
    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.accounts.register("alice", "alice@example.com", PASSWORD, full_name=full_name)

    assert info.value.field == "full_name"


# -- login ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "login",
    [
        "Alice",
        "alice",
        "ALICE",
        "  alice  ",
        fullwidth("alice"),
        fullwidth("ALICE"),
        "alice@example.com",
        "ALICE@Example.COM",
        fullwidth("alice@example.com"),
    ],
)
def test_login_by_username_or_email(feed: SocialFeed, events: EventRecorder, login: str) -> None:
    """Login accepts the username or the email, case-insensitively and after NFKC."""
    alice = register_alice(feed)
    events.clear()

    session = feed.accounts.login(login, PASSWORD)

    assert session.user_id == alice.id
    assert feed.accounts.authenticate(session.token) == alice.id
    event = events.only(UserLoggedIn)
    assert event.user_id == alice.id
    assert session.expires_at == event.occurred_at + Settings().session_lifetime


def _wrong_password(feed: SocialFeed, alice: User) -> tuple[str, str]:
    return "alice", "wrong password"


def _unknown_account(feed: SocialFeed, alice: User) -> tuple[str, str]:
    return "nobody", PASSWORD


def _unknown_email(feed: SocialFeed, alice: User) -> tuple[str, str]:
    return "nobody@example.com", PASSWORD


def _deactivated(feed: SocialFeed, alice: User) -> tuple[str, str]:
    feed.accounts.deactivate(alice.id)
    return "alice", PASSWORD


def _corrupt_hash(feed: SocialFeed, alice: User) -> tuple[str, str]:
    set_stored_hash(feed, alice.id, "$argon2id$v=19$m=19456,t=2,p=1$garbage")
    return "alice", PASSWORD


def _not_a_hash(feed: SocialFeed, alice: User) -> tuple[str, str]:
    set_stored_hash(feed, alice.id, "not a hash at all")
    return "alice", PASSWORD


def _profile_without_password(feed: SocialFeed, alice: User) -> tuple[str, str]:
    feed.accounts.create_profile("bob")
    return "bob", ""


def _password_in_other_case(feed: SocialFeed, alice: User) -> tuple[str, str]:
    return "alice", PASSWORD.upper()


def _nul_in_login(feed: SocialFeed, alice: User) -> tuple[str, str]:
    return "ali\x00ce", PASSWORD


def _password_too_long(feed: SocialFeed, alice: User) -> tuple[str, str]:
    return "alice", PASSWORD + "x" * 200


@pytest.mark.parametrize(
    "prepare",
    [
        _wrong_password,
        _unknown_account,
        _unknown_email,
        _deactivated,
        _corrupt_hash,
        _not_a_hash,
        _profile_without_password,
        _password_in_other_case,
        _password_too_long,
        _nul_in_login,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_failed_logins_all_raise_the_same_error(
    feed: SocialFeed,
    events: EventRecorder,
    prepare: Callable[[SocialFeed, User], tuple[str, str]],
) -> None:
    """Every failed login raises AuthenticationError with one message and changes nothing."""
    alice = register_alice(feed)
    with pytest.raises(AuthenticationError) as reference:
        feed.accounts.login("nobody", PASSWORD)
    login, password = prepare(feed, alice)

    with unchanged(feed, events), pytest.raises(AuthenticationError) as info:
        feed.accounts.login(login, password)

    assert str(info.value) == info.value.message == reference.value.message


def test_failed_logins_do_the_same_hashing_work(
    feed: SocialFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unknown, wrong-password and deactivated logins each verify one hash of the same cost."""
    alice = register_alice(feed)
    feed.accounts.register("bob", "bob@example.com", PASSWORD)
    feed.accounts.deactivate(alice.id)
    verified: list[str] = []
    verify = argon2.PasswordHasher.verify

    def spy(self: argon2.PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        text = hash.decode() if isinstance(hash, bytes) else hash
        verified.append(text.split("$")[3])  # the parameters, such as "m=19456,t=2,p=1"
        return verify(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", spy)
    for login, password in [("nobody", PASSWORD), ("bob", "wrong password"), ("alice", PASSWORD)]:
        with pytest.raises(AuthenticationError):
            feed.accounts.login(login, password)

    assert len(verified) == 3
    assert len(set(verified)) == 1


def test_login_rehashes_when_the_hasher_parameters_changed(
    feed: SocialFeed, storage: Storage, clock: ManualClock
) -> None:
    """Logging in through a hasher with other parameters rehashes the password with them."""
    alice = register_alice(feed)
    old_hash = stored_hash(feed, alice.id)
    stronger = PasswordHasher(time_cost=3, memory_cost=19 * 1024, parallelism=1)
    upgraded, recorder = facade(storage, clock, hasher=stronger)

    session = upgraded.accounts.login("alice", PASSWORD)

    new_hash = stored_hash(feed, alice.id)
    assert new_hash is not None
    assert new_hash != old_hash
    assert "t=3" in new_hash
    assert stronger.verify(new_hash, PASSWORD)
    assert not stronger.needs_rehash(new_hash)
    assert recorder.only(UserLoggedIn).user_id == alice.id == session.user_id
    assert feed.accounts.login("alice", PASSWORD).user_id == alice.id


def test_login_keeps_a_hash_made_with_current_parameters(feed: SocialFeed) -> None:
    """A hash already made with the hasher's parameters is not rewritten on login."""
    alice = register_alice(feed)
    before = stored_hash(feed, alice.id)

    feed.accounts.login("alice", PASSWORD)

    assert stored_hash(feed, alice.id) == before


def test_passwords_are_not_truncated_trimmed_folded_or_normalised(feed: SocialFeed) -> None:
    """Only the exact password logs in: no truncation, trimming, case folding or NFKC."""
    long_password = "Ab-" + "x" * 125
    feed.accounts.register("long", "long@example.com", long_password)
    feed.accounts.register("liga", "liga@example.com", "Secret-ﬁsh")

    for login, password in [
        ("long", long_password[:-1]),
        ("long", long_password[:72]),
        ("long", long_password.lower()),
        ("liga", "Secret-fish"),
        ("liga", "secret-ﬁsh"),
        ("liga", " Secret-ﬁsh"),
        ("liga", "Secret-ﬁsh "),
    ]:
        with pytest.raises(AuthenticationError):
            feed.accounts.login(login, password)

    assert feed.accounts.login("long", long_password).user_id
    assert feed.accounts.login("liga", "Secret-ﬁsh").user_id


# -- change_password --------------------------------------------------------------


def test_change_password(feed: SocialFeed, events: EventRecorder) -> None:
    """change_password swaps the password, keeps existing sessions and announces it."""
    alice = register_alice(feed)
    session = feed.accounts.login("alice", PASSWORD)
    events.clear()

    feed.accounts.change_password(alice.id, PASSWORD, "a brand new secret")

    with pytest.raises(AuthenticationError):
        feed.accounts.login("alice", PASSWORD)
    assert feed.accounts.login("alice", "a brand new secret").user_id == alice.id
    assert feed.accounts.authenticate(session.token) == alice.id
    changed = events.of_type(PasswordChanged)
    assert [e.user_id for e in changed] == [alice.id]
    assert events.events[0] == changed[0]


@pytest.mark.parametrize("old_password", ["wrong password", PASSWORD.upper(), "", "x" * 500])
def test_change_password_needs_the_old_password(
    feed: SocialFeed, events: EventRecorder, old_password: str
) -> None:
    """A wrong old password raises AuthenticationError and leaves the password as it was."""
    alice = register_alice(feed)

    with unchanged(feed, events), pytest.raises(AuthenticationError):
        feed.accounts.change_password(alice.id, old_password, "a brand new secret")

    assert feed.accounts.login("alice", PASSWORD).user_id == alice.id


@pytest.mark.parametrize("new_password", ["short", "p" * 129])
def test_change_password_validates_the_new_password(
    feed: SocialFeed, events: EventRecorder, new_password: str
) -> None:
    """A new password of bad length raises ValidationError on 'new_password', changing nothing."""
    alice = register_alice(feed)

    with unchanged(feed, events), pytest.raises(ValidationError) as info:
        feed.accounts.change_password(alice.id, PASSWORD, new_password)

    assert info.value.field == "new_password"


def test_change_password_of_a_profile_without_password(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """A user created without a password cannot set one through change_password."""
    bob = feed.accounts.create_profile("bob")

    with unchanged(feed, events), pytest.raises(AuthenticationError):
        feed.accounts.change_password(bob.id, "", "a brand new secret")


def test_change_password_of_an_unknown_user(feed: SocialFeed, events: EventRecorder) -> None:
    """change_password for an id that does not exist raises NotFoundError."""
    with unchanged(feed, events), pytest.raises(NotFoundError) as info:
        feed.accounts.change_password(UserId(999), PASSWORD, "a brand new secret")

    assert info.value.entity == "user"


# -- deactivate -------------------------------------------------------------------


def test_deactivate(feed: SocialFeed, events: EventRecorder) -> None:
    """A deactivated user is inactive, cannot log in and loses every session; it is announced."""
    alice = register_alice(feed)
    tokens = [feed.accounts.login("alice", PASSWORD).token for _ in range(2)]
    events.clear()

    feed.accounts.deactivate(alice.id)

    assert not feed.users.get(alice.id).is_active
    for token in tokens:
        with pytest.raises(AuthenticationError):
            feed.accounts.authenticate(token)
    with pytest.raises(AuthenticationError):
        feed.accounts.login("alice", PASSWORD)
    assert events.only(UserDeactivated).user_id == alice.id


def test_deactivate_twice_sends_one_signal(feed: SocialFeed, events: EventRecorder) -> None:
    """Deactivating an inactive user changes nothing and sends no second signal."""
    alice = register_alice(feed)
    feed.accounts.deactivate(alice.id)

    with unchanged(feed, events):
        feed.accounts.deactivate(alice.id)

    assert len(events.of_type(UserDeactivated)) == 1
    assert not feed.users.get(alice.id).is_active


def test_deactivate_an_unknown_user(feed: SocialFeed, events: EventRecorder) -> None:
    """Deactivating an id that does not exist raises NotFoundError."""
    with unchanged(feed, events), pytest.raises(NotFoundError):
        feed.accounts.deactivate(UserId(999))


# -- delete -----------------------------------------------------------------------


def test_delete_removes_the_user_and_fixes_every_counter(
    feed: SocialFeed, events: EventRecorder
) -> None:
    """Deleting a user removes their posts, likes, comments, follows and sessions; counters fit."""
    alice = register_alice(feed)
    bob = feed.accounts.create_profile("bob")
    carol = feed.accounts.create_profile("carol")
    bobs_post = feed.posts.create(bob.id, content="bob's")
    alices_post = feed.posts.create(alice.id, content="alice's")
    feed.likes.like(alice.id, bobs_post.id)
    feed.likes.like(carol.id, bobs_post.id)
    feed.comments.add(alice.id, bobs_post.id, "first")
    feed.comments.add(alice.id, bobs_post.id, "second")
    carols_comment = feed.comments.add(carol.id, bobs_post.id, "third")
    feed.likes.like(bob.id, alices_post.id)
    feed.comments.add(bob.id, alices_post.id, "on alice's post")
    feed.follows.follow(alice.id, bob.id)
    feed.follows.follow(bob.id, alice.id)
    feed.follows.follow(carol.id, alice.id)
    feed.follows.follow(carol.id, bob.id)
    token = feed.accounts.login("alice", PASSWORD).token
    events.clear()

    feed.accounts.delete(alice.id)

    with pytest.raises(NotFoundError):
        feed.users.get(alice.id)
    with pytest.raises(NotFoundError):
        feed.users.get_by_username("alice")
    with pytest.raises(NotFoundError):
        feed.posts.get(alices_post.id)
    with pytest.raises(AuthenticationError):
        feed.accounts.authenticate(token)
    post = feed.posts.get(bobs_post.id)
    assert (post.like_count, post.comment_count) == (1, 1)
    assert feed.comments.for_post(bobs_post.id).items == (carols_comment,)
    bob_now, carol_now = feed.users.get(bob.id), feed.users.get(carol.id)
    assert (bob_now.post_count, bob_now.follower_count, bob_now.following_count) == (1, 1, 0)
    assert (carol_now.follower_count, carol_now.following_count) == (0, 1)
    assert feed.users.followers(bob.id).items == (carol_now,)
    assert feed.users.following(bob.id).items == ()
    assert [item.post.id for item in feed.feed.home(bob.id).items] == [bobs_post.id]
    event = events.only(UserDeleted)
    assert (event.user_id, event.username) == (alice.id, "Alice")


def test_delete_frees_the_username_and_email(feed: SocialFeed) -> None:
    """After a delete, the username and email can be registered again."""
    alice = register_alice(feed)
    feed.accounts.delete(alice.id)

    again = feed.accounts.register("alice", "ALICE@example.com", PASSWORD)

    assert feed.users.get_by_username("alice") == again
    assert feed.accounts.login("alice@example.com", PASSWORD).user_id == again.id


def test_ids_of_deleted_users_are_not_reused(feed: SocialFeed) -> None:
    """A user created after a delete never gets the deleted user's id."""
    feed.accounts.create_profile("first")
    deleted = feed.accounts.create_profile("second")
    feed.accounts.delete(deleted.id)

    newcomer = feed.accounts.create_profile("third")

    assert newcomer.id > deleted.id


def test_delete_an_unknown_user(feed: SocialFeed, events: EventRecorder) -> None:
    """Deleting an id that does not exist raises NotFoundError."""
    with unchanged(feed, events), pytest.raises(NotFoundError):
        feed.accounts.delete(UserId(999))


# -- secrecy of password hashes ----------------------------------------------------


def test_password_hashes_never_leak(feed: SocialFeed, events: EventRecorder) -> None:
    """No password hash appears in a User's repr, an event's repr or an error message."""
    assert not any("password" in f.name for f in attrs.fields(User))
    alice = register_alice(feed)
    feed.accounts.login("alice", PASSWORD)
    first_hash = stored_hash(feed, alice.id)
    feed.accounts.change_password(alice.id, PASSWORD, "a brand new secret")
    second_hash = stored_hash(feed, alice.id)
    errors: list[SocialFeedError] = []
    actions: list[Callable[[], object]] = [
        lambda: feed.accounts.login("alice", PASSWORD),
        lambda: feed.accounts.change_password(alice.id, PASSWORD, "another secret"),
        lambda: feed.accounts.register("alice", "alice@example.com", PASSWORD),
        lambda: feed.accounts.register("ALICE", "new@example.com", PASSWORD),
        lambda: feed.accounts.register("bob", "bob@example.com", "short"),
    ]
    for action in actions:
        with pytest.raises(SocialFeedError) as info:
            action()
        errors.append(info.value)

    shown = [repr(alice), repr(feed.users.get(alice.id)), *map(repr, events.events)]
    shown += [str(error) for error in errors] + [repr(error) for error in errors]
    for secret in (first_hash, second_hash, PASSWORD, "a brand new secret"):
        assert secret is not None
        assert not any(secret in text for text in shown), secret
