"""Memory repositories for users, sessions and follows."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any, cast

import attrs

from socialfeed.errors import ConflictError
from socialfeed.ids import UserId
from socialfeed.models import User
from socialfeed.pagination import PageRequest
from socialfeed.storage.base import Credentials, FollowEntry, NewUser
from socialfeed.storage.memory._tables import Repository
from socialfeed.validation import identity_key


class Users(Repository):
    def add(self, new: NewUser) -> User:
        if new.email_key is not None and new.email_key in self._t.email_keys:
            raise ConflictError("Email already registered", field="email")
        if new.username_key in self._t.username_keys:
            raise ConflictError("Username already taken", field="username")
        user = User(
            id=UserId(self._next_id("users")),
            username=new.username,
            email=new.email,
            full_name=new.full_name,
            bio=None,
            profile_image_url=None,
            is_active=True,
            created_at=new.created_at,
            post_count=0,
            follower_count=0,
            following_count=0,
        )
        self._j.set(self._t.users, user.id, user)
        self._j.set(self._t.password_hashes, user.id, new.password_hash)
        self._j.set(self._t.username_keys, new.username_key, user.id)
        if new.email_key is not None:
            self._j.set(self._t.email_keys, new.email_key, user.id)
        return user

    def get(self, user_id: int) -> User | None:
        return self._t.users.get(user_id)

    def lock(
        self, user_ids: Collection[int], *, deleting: bool = False, exclusive: bool = False
    ) -> dict[int, User]:
        # Transactions run one at a time here: nothing to lock.
        return {user_id: self._t.users[user_id] for user_id in user_ids if user_id in self._t.users}

    def hold(self, user_id: int) -> User | None:
        return self._t.users.get(user_id)

    def get_by_username(self, username_key: str) -> User | None:
        user_id = self._t.username_keys.get(username_key)
        return None if user_id is None else self._t.users[user_id]

    def email_taken(self, email_key: str) -> bool:
        return email_key in self._t.email_keys

    def username_taken(self, username_key: str) -> bool:
        return username_key in self._t.username_keys

    def ids_by_username(self, username_keys: Collection[str]) -> dict[str, int]:
        found = {key: self._t.username_keys.get(key) for key in username_keys}
        return {key: user_id for key, user_id in found.items() if user_id is not None}

    def search(self, query_key: str, limit: int, offset: int, viewer_id: int | None) -> list[User]:
        ranked = []
        for key, user_id in self._t.username_keys.items():
            if viewer_id is not None and self._blocked_between(viewer_id, user_id):
                continue
            user = self._t.users[user_id]
            name_key = identity_key(user.full_name or "")
            if query_key in key or query_key in name_key:
                prefix = key.startswith(query_key) or name_key.startswith(query_key)
                ranked.append((not prefix, key, user))
        ranked.sort(key=lambda entry: entry[:2])
        return [user for _, _, user in ranked[offset : offset + limit]]

    def can_see(self, viewer_id: int, owner_id: int) -> bool:
        return self._visible_author(viewer_id, owner_id)

    def credentials(self, user_id: int) -> Credentials | None:
        user = self._t.users.get(user_id)
        if user is None:
            return None
        return Credentials(user_id, self._t.password_hashes[user_id], user.is_active)

    def credentials_for_login(self, login_key: str) -> Credentials | None:
        user_id = self._t.email_keys.get(login_key, self._t.username_keys.get(login_key))
        return None if user_id is None else self.credentials(user_id)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._j.set(self._t.password_hashes, user_id, password_hash)

    def update_profile(self, user_id: int, changes: Mapping[str, str | None]) -> User:
        user = attrs.evolve(self._t.users[user_id], **cast(dict[str, Any], changes))
        self._j.set(self._t.users, user_id, user)
        return user

    def deactivate(self, user_id: int) -> None:
        self._j.set(self._t.users, user_id, attrs.evolve(self._t.users[user_id], is_active=False))

    def set_private(self, user_id: int, is_private: bool) -> None:
        user = attrs.evolve(self._t.users[user_id], is_private=is_private)
        self._j.set(self._t.users, user_id, user)

    def delete(self, user_id: int) -> None:
        t = self._t
        for post_id in [p.id for p in t.posts.values() if p.author_id == user_id]:
            self._delete_post(post_id)
        for comment_id in [c.id for c in t.comments.values() if c.author_id == user_id]:
            self._delete_comment(comment_id)
        for liker, liked_id in [key for key in t.likes if key[0] == user_id]:
            self._remove_like(liker, liked_id)
        for follower, followee in [key for key in t.follows if user_id in key]:
            self._remove_follow(follower, followee)
        self._delete_notifications(lambda n: user_id in (n.recipient_id, n.actor_id))
        their_stories = {s.id for s in t.stories.values() if s.author_id == user_id}
        self._delete_where(
            t.story_views, lambda key, _: key[0] in their_stories or key[1] == user_id
        )
        self._delete_where(t.stories, lambda story_id, _: story_id in their_stories)
        self._delete_where(t.messages, lambda _, m: user_id in (m.sender_id, m.receiver_id))
        self._delete_where(t.blocks, lambda key, _: user_id in key)
        self._delete_where(t.mutes, lambda key, _: user_id in key)
        self._delete_where(t.follow_requests, lambda key, _: user_id in key)
        self._delete_where(t.timeline_entries, lambda key, _: key[0] == user_id)
        self._delete_where(t.sessions, lambda _, session: session[0] == user_id)
        self._delete_where(t.username_keys, lambda _, owner: owner == user_id)
        self._delete_where(t.email_keys, lambda _, owner: owner == user_id)
        self._j.delete(t.password_hashes, user_id)
        self._j.delete(t.users, user_id)


class Sessions(Repository):
    def add(
        self, user_id: int, token_hash: str, created_at: datetime, expires_at: datetime
    ) -> None:
        self._j.set(self._t.sessions, token_hash, (user_id, expires_at))

    def user_id_for(self, token_hash: str, now: datetime) -> int | None:
        session = self._t.sessions.get(token_hash)
        if session is None:
            return None
        user_id, expires_at = session
        return user_id if expires_at > now and self._t.users[user_id].is_active else None

    def delete(self, token_hash: str) -> int | None:
        session = self._t.sessions.get(token_hash)
        if session is None:
            return None
        self._j.delete(self._t.sessions, token_hash)
        return session[0]

    def delete_for_user(self, user_id: int) -> int:
        return self._delete_sessions(lambda owner, _: owner == user_id)

    def delete_expired(self, now: datetime) -> int:
        return self._delete_sessions(lambda _, expires_at: expires_at <= now)

    def _delete_sessions(self, condition: Callable[[int, datetime], bool]) -> int:
        return self._delete_where(self._t.sessions, lambda _, session: condition(*session))


class Follows(Repository):
    def add(self, follower_id: int, followee_id: int, created_at: datetime) -> bool:
        if (follower_id, followee_id) in self._t.follows:
            return False
        self._j.set(self._t.follows, (follower_id, followee_id), created_at)
        self._bump_user(follower_id, following_count=1)
        self._bump_user(followee_id, follower_count=1)
        return True

    def remove(self, follower_id: int, followee_id: int) -> bool:
        return self._remove_follow(follower_id, followee_id)

    def exists(self, follower_id: int, followee_id: int) -> bool:
        return (follower_id, followee_id) in self._t.follows

    def followers(
        self, user_id: int, page: PageRequest, viewer_id: int | None
    ) -> list[FollowEntry]:
        pairs = ((a, at) for (a, b), at in self._t.follows.items() if b == user_id)
        return self._entries(pairs, page, viewer_id)

    def following(
        self, user_id: int, page: PageRequest, viewer_id: int | None
    ) -> list[FollowEntry]:
        pairs = ((b, at) for (a, b), at in self._t.follows.items() if a == user_id)
        return self._entries(pairs, page, viewer_id)
