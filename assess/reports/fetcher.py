"""A URL fetcher that serves only the report's own template and asset files.

Answer text is escaped before it reaches the HTML, so it cannot add an <img> or a stylesheet;
this is the second wall: whatever URL reaches WeasyPrint, only a file inside an allowed folder
(after resolving symlinks and "..") is read. Everything else, file:// elsewhere, http(s),
data:, is refused and recorded, and rendering carries on without it.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse


class RefusedURL(ValueError):
    pass


class SafeFetcher(URLFetcher):
    def __init__(self, allowed_dirs: list[Path]):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=False)
        self.allowed = [Path(d).resolve() for d in allowed_dirs]
        self.calls: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        self.calls.append(url)
        path = self._local_path(url)
        if path is None:
            self.refused.append(url)
            raise RefusedURL(f"not a report asset: {url[:200]}")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    def _local_path(self, url: str):
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        try:
            path = Path(unquote(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        inside = any(path.is_relative_to(d) for d in self.allowed)
        return path if inside and path.is_file() else None
