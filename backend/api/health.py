"""`GET /api/health`: database and Redis status for load balancers and operators."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from redis import Redis

from backend.db import get_engine
from backend.health import database_health, redis_health
from backend.redis_connection import connect
from backend.settings import get_settings

router = APIRouter()


def _redis_client() -> Redis | None:
    url = get_settings().redis_url
    return connect(url) if url else None


@router.get("/api/health")
def health() -> JSONResponse:
    """200 when the database and Redis answer, 503 (same body shape) when either does not."""
    database = database_health(get_engine())
    redis = redis_health(_redis_client())
    ok = database.ok and redis.ok
    body = {
        "status": "ok" if ok else "degraded",
        "database": {"ok": database.ok, "detail": database.detail},
        "redis": {"ok": redis.ok, "detail": redis.detail},
    }
    return JSONResponse(body, status_code=200 if ok else 503)
