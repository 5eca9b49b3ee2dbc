"""A WeasyPrint URL fetcher that serves only the report's own template and asset files.

Answer text is escaped before it reaches the HTML, so it cannot add an <img> or a stylesheet;
this is the second wall: whatever URL reaches WeasyPrint, only a file inside a template folder
(after resolving symlinks and "..") is read, by the rule in assets.AssetFolders. Everything
else, file:// elsewhere, http(s), data:, is refused and recorded with its reason, and rendering
carries on without it. Imported only when a PDF is rendered (it needs WeasyPrint).
"""
from __future__ import annotations

from pathlib import Path

from weasyprint.urls import URLFetcher, URLFetcherResponse

from .assets import AssetFolders, media_type


class RefusedURL(ValueError):
    pass


class SafeFetcher(URLFetcher):
    def __init__(self, allowed_dirs: list[Path]):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=False)
        self.folders = AssetFolders(allowed_dirs)
        self.allowed = self.folders.folders
        self.calls: list[str] = []
        self.refused: list[str] = []
        self.reasons: dict[str, str] = {}          # refused URL -> why

    def fetch(self, url, headers=None):
        self.calls.append(url)
        path, reason = self.folders.locate(url)
        if path is None:
            self.refused.append(url)
            self.reasons.setdefault(url, reason)
            raise RefusedURL(f"not a report asset: {url[:200]}")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type(path)})
