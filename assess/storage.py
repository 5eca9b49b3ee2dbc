"""Write answers files: plain, stable YAML that diffs well in version control.

Every string is written double-quoted with JSON escapes (valid YAML), so no text a user
typed can change the file's structure.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Iterable, Optional

from .answers import NA_KEY, NOT_APPLICABLE, UNANSWERED, Answer

META_ORDER = ("framework", "framework_version", "service", "organisation", "scope", "phase", "respondent", "kind", "date")


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(str(value), ensure_ascii=False))


# characters YAML refuses or reads as line breaks even inside quotes (JSON leaves them raw): write \u escapes
_NOT_YAML_PRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def _comment(text: str) -> str:
    return " ".join(str(text).split())


def answers_yaml(meta: dict[str, Any], answers: dict[str, Answer], evidence: dict[str, list[str]],
                 notes: dict[str, str], order: Iterable[str], comments: Optional[dict[str, str]] = None,
                 header: str = "") -> str:
    """An answers file. `order` fixes the question order; `comments` go above an answer."""
    lines = [f"# {_comment(line)}" for line in header.splitlines()] if header else []
    lines.append("assessment:")
    for key in META_ORDER:
        if key in meta and meta[key] is not None:
            lines.append(f"  {key}: {scalar(meta[key])}")
    order = list(order)
    comments = comments or {}
    start = len(lines)
    lines.append("answers:")
    for qid in order:
        if qid in comments:
            lines.append(f"  # {_comment(comments[qid])}")
        ans = answers.get(qid)
        if ans is None or ans.state == UNANSWERED:
            if qid in comments:
                lines.append(f"  {qid}:")
            continue
        if ans.state == NOT_APPLICABLE:
            lines.append(f"  {qid}:")
            lines.append(f"    {NA_KEY}: {scalar(ans.na_reason)}")
        elif isinstance(ans.value, list):
            lines.append(f"  {qid}: [{', '.join(scalar(v) for v in ans.value)}]")
        else:
            lines.append(f"  {qid}: {scalar(ans.value)}")
    if all(line.lstrip().startswith("#") for line in lines[start + 1:]):
        lines[start] = "answers: {}"   # a bare `answers:` would be null, which the loader refuses
    for name, entries in (("evidence", evidence), ("notes", notes)):
        present = [q for q in order if entries.get(q)] + sorted(q for q in entries if q not in order and entries.get(q))
        if not present:
            continue
        lines.append(f"{name}:")
        for qid in present:
            value = entries[qid]
            if isinstance(value, list):
                if len(value) == 1:
                    lines.append(f"  {qid}: {scalar(value[0])}")
                else:
                    lines.append(f"  {qid}:")
                    lines.extend(f"    - {scalar(v)}" for v in value)
            else:
                lines.append(f"  {qid}: {scalar(value)}")
    return "\n".join(lines) + "\n"
