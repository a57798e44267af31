"""``/api/hashtags``: trending hashtags."""

from __future__ import annotations

from fastapi import APIRouter

from examples.fastapi_app import schemas
from examples.fastapi_app.dependencies import Feed
from examples.fastapi_app.errors import INVALID, responses
from examples.fastapi_app.pagination import Limit

__all__ = ["router"]

router = APIRouter(prefix="/api/hashtags", tags=["hashtags"])


@router.get(
    "/trending",
    response_model=list[schemas.TrendingHashtag],
    responses=responses({422: INVALID}),
)
def trending(feed: Feed, limit: Limit = 10) -> list[schemas.TrendingHashtag]:
    """Return the hashtags used by the most posts in the last 24 hours, most used first."""
    return [schemas.TrendingHashtag.of(row) for row in feed.hashtags.trending(limit=limit)]
