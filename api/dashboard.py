"""The dashboard: one HTML page at `/` and its assets at `/static/...`, all served from this package
so the page works offline (no CDN). The page holds no data; every number it shows comes from the
JSON API, called from the browser with the X-API-Key the user types in, so these routes need no key."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Explicit types: ES modules must come as JavaScript whatever the host's mimetypes database says.
MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",  # the message catalogue
}
# Only our own origin: a page that tried to load a CDN asset would fail loudly in development.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

router = APIRouter(tags=["dashboard"], include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    return _file(STATIC_DIR / "index.html")


@router.get("/static/{path:path}")
def asset(path: str) -> FileResponse:
    target = (STATIC_DIR / path).resolve()
    # Resolved first so `..` and symlinks cannot step outside the static folder.
    if not target.is_relative_to(STATIC_DIR) or not target.is_file() or target.suffix not in MEDIA_TYPES:
        raise LookupError(f"static file {path!r} not found")
    return _file(target)


def _file(path: Path) -> FileResponse:
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=HEADERS)
