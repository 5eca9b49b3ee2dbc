"""Files given as evidence: a size limit, and a type decided by the bytes, not by the browser.

A file is accepted only when its extension is one of KINDS and its content is what that
extension claims (a PDF starts with %PDF-, a .docx is a zip holding word/, text is UTF-8
without NULs). It is served back only as a download, with the type decided here.
"""
from __future__ import annotations

import io
import zipfile
from typing import Callable

MAX_ATTACHMENT = 10 * 1024 * 1024


def _zip_with(prefix: str) -> Callable[[bytes], bool]:
    def check(data: bytes) -> bool:
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            return any(name.startswith(prefix) for name in zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError):
            return False
    return check


def _text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


KINDS: dict[str, tuple[str, Callable[[bytes], bool]]] = {
    ".pdf": ("application/pdf", lambda d: d.startswith(b"%PDF-")),
    ".png": ("image/png", lambda d: d.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("image/jpeg", lambda d: d.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda d: d.startswith(b"\xff\xd8\xff")),
    ".txt": ("text/plain; charset=utf-8", _text),
    ".csv": ("text/csv; charset=utf-8", _text),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _zip_with("word/")),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _zip_with("xl/")),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _zip_with("ppt/")),
    ".odt": ("application/vnd.oasis.opendocument.text", _zip_with("content.xml")),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _zip_with("content.xml")),
}
ACCEPTED = ", ".join(sorted({ext.lstrip(".").upper() for ext in KINDS} - {"JPEG"}))


def checked_upload(filename: str, data: bytes) -> tuple[str, str]:
    """(safe file name, content type) for an acceptable file; ValueError says why not."""
    from werkzeug.utils import secure_filename
    name = secure_filename(filename or "")[-120:]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if len(data) > MAX_ATTACHMENT:
        raise ValueError(f"{filename} is {len(data) / 1048576:.1f} MB; the limit is {MAX_ATTACHMENT // 1048576} MB")
    if not data:
        raise ValueError(f"{filename} is empty")
    if extension not in KINDS:
        raise ValueError(f"{filename} is not a type that can be attached; use one of {ACCEPTED}")
    content_type, looks_right = KINDS[extension]
    if not looks_right(data):
        raise ValueError(f"{filename} is not a real {extension.lstrip('.').upper()} file: its content does not match its name")
    return name, content_type


def evidence_label(filename: str) -> str:
    """How an attachment is named among a question's evidence in the answers file."""
    return f"attachment: {filename}"
