"""Diagnostics that name the file, line and field, and the error that carries them."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int  # 1-based; 0 when the position is unknown
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [p for p in (where, self.field) if p]
        return ": ".join(parts + [self.message])


class AssessError(Exception):
    """Bad input: one or more diagnostics, reported together (exit code 2)."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic("", 0, "", diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = sorted(set(diagnostics), key=lambda d: (d.file, d.line, d.field, d.message))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class EngineError(Exception):
    """A rule failed while the engine ran it; no partial result is returned."""

    def __init__(self, rule_id: str, cause: BaseException | str):
        self.rule_id = rule_id
        super().__init__(f"rule {rule_id!r} failed: {cause}")
