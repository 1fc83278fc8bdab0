"""Problems are values: every stage returns the ones it found instead of raising,
so `check` can list every mistake in the site in one run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    path: str  # relative to the project root, with forward slashes
    line: int  # 1-based; 0 when the problem concerns the whole file
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "severity": self.severity, "message": self.message}


def error(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, message, ERROR)


def warning(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, message, WARNING)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems))
