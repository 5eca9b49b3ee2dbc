"""Where a report template's images, fonts and stylesheets may come from, and the one rule for it.

A template asset is a file inside one of the template folders (the built-in report_templates/,
a framework's own, the folders given with --template-dir). A relative URL in a template or a
stylesheet resolves against the folder that template came from; a file not found there is
looked for at the same place in the other folders, first match wins, as templates are. Nothing
else is ever read: no other file, no network, no data: URL. Answer text is escaped before it
reaches the HTML, so it can never ask for anything; whatever does ask and is refused is
reported with a reason, so a template author sees why a logo is missing.

The PDF reads assets through fetcher.SafeFetcher (a WeasyPrint URL fetcher built on this);
the HTML file inlines them as data: URIs so it stays self-contained.
"""
from __future__ import annotations

import base64
import mimetypes
import os
import re
from pathlib import Path
from typing import Callable, Iterable, Optional
from urllib.parse import unquote, urljoin, urlsplit

Warn = Callable[[str], None]


class AssetFolders:
    def __init__(self, folders: Iterable[Path]):
        self.folders = [Path(d).resolve() for d in folders]

    def locate(self, url: str) -> tuple[Optional[Path], str]:
        """The file a URL names and may be served, or None and the reason it may not."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            kind = f"{parts.scheme}: URL" if parts.scheme else "URL"
            return None, f"a {kind} is never fetched; put the file in a template folder and name it relatively"
        wanted = Path(os.path.normpath(unquote(parts.path)))
        inside = [d for d in self.folders if wanted.is_relative_to(d)]
        if not inside:
            return None, "outside the template folders"
        relative = wanted.relative_to(inside[0])
        for folder in [inside[0]] + [d for d in self.folders if d != inside[0]]:
            found = self._served(folder / relative, folder)
            if found is not None:
                return found, ""
        return None, f"no file {relative.as_posix()} in the template folders"

    @staticmethod
    def _served(candidate: Path, folder: Path) -> Optional[Path]:
        try:
            real = candidate.resolve(strict=True)        # symlinks and ".." resolved before the check
        except (OSError, RuntimeError, ValueError):
            return None
        return real if real.is_relative_to(folder) and real.is_file() else None


def refusal_message(url: str, reason: str) -> str:
    return f"report template asset not loaded: {url[:200]} ({reason})"


def media_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def folder_url(folder: Path) -> str:
    return Path(folder).resolve().as_uri() + "/"


# ---------------------------------------------------------------- the HTML file: assets inlined

_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')
_CSS_URL = re.compile(r"""(url\(\s*)(['"]?)([^'")\s]+)\2(\s*\))|(@import\s+)(['"])([^'"]+)\6""")


def inline_html_assets(html: str, base: str, folders: AssetFolders, warn: Optional[Warn]) -> str:
    """<img src> in the rendered templates as data: URIs. Only tags the templates wrote can match:
    autoescape turns every < and " in answer text into an entity."""
    return _IMG_SRC.sub(lambda m: m.group(1) + _data_uri(m.group(2), base, folders, warn) + m.group(3), html)


def inline_css_assets(css: str, base: str, folders: AssetFolders, warn: Optional[Warn]) -> str:
    """url(...) and @import "..." in a stylesheet as data: URIs."""
    def replace(m: re.Match) -> str:
        if m.group(1):
            return f"{m.group(1)}\"{_data_uri(m.group(3), base, folders, warn)}\"{m.group(4)}"
        return f"{m.group(5)}\"{_data_uri(m.group(7), base, folders, warn)}\""
    return _CSS_URL.sub(replace, css)


def _data_uri(ref: str, base: str, folders: AssetFolders, warn: Optional[Warn]) -> str:
    if ref.startswith("#"):
        return ref                      # a reference inside the document, not a file
    path, reason = folders.locate(urljoin(base, ref))
    if path is None:
        if warn:
            warn(refusal_message(ref, reason))
        return ""
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{media_type(path)};base64,{encoded}"
