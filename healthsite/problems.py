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
        return f"{printable(self.path)}:{self.line}: {self.severity}: {printable(self.message)}"

    def as_dict(self) -> dict:
        return {"path": printable(self.path), "line": self.line, "severity": self.severity, "message": printable(self.message)}


def printable(text: str) -> str:
    """Text safe for a terminal and for any output encoding: control characters (an ESC
    sequence in a YAML key could rewrite the screen) and the stand-ins Python uses for a
    file name's undecodable bytes are shown as escapes."""
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's surrogateescape: the byte that was not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return char.encode("unicode_escape").decode("ascii")


def error(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, message, ERROR)


def warning(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, message, WARNING)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems))
