"""Listing and reading the project's files without following them anywhere unsafe.

A static site generator reads whatever is in its folders; these functions make
sure that is the project's own regular files: not a link out of the project
(which would publish /etc/passwd), not a FIFO (which would hang the build), not
a file bigger than the caller allows, and each refusal a problem with a path.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .problems import Problem, error


EDITOR_TEMP = re.compile(r"^(?:[.#].*|.*~|.*\.(?:swp|swx|swo|tmp)|4913|sed[A-Za-z0-9]{6})\Z")


def is_editor_temp(name: str) -> bool:
    """Hidden files and the temporary files editors and tools write while saving:
    vim's `.x.swp` and `4913`, Emacs's `#x#`, backups `x~`, `sed -i`'s `sedAb12Cd`."""
    return bool(EDITOR_TEMP.match(name))


def list_files(folder: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """The regular files below folder, sorted, skipping hidden and backup files.

    Everything else is reported rather than skipped or followed: a folder that cannot
    be read, a link to a folder, a broken or looping link, a link out of the project,
    and a FIFO or device (reading one would hang the build or never end)."""
    paths, problems = [], []

    def unreadable(exc: OSError) -> None:
        problems.append(error(_rel(Path(exc.filename), root), 0, f"cannot be read: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=unreadable):
        here = Path(dirpath)
        for name in list(dirnames):
            if (here / name).is_symlink() and not name.startswith("."):
                problems.append(error(_rel(here / name, root), 0, "is a link to a folder: move the folder itself here"))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not (here / d).is_symlink())
        for name in sorted(filenames):
            if is_editor_temp(name):
                continue
            problem = not_a_plain_file(here / name, root)
            if problem:
                problems.append(error(_rel(here / name, root), 0, problem))
            else:
                paths.append(here / name)
    return paths, problems


def not_a_plain_file(path: Path, root: Path) -> str | None:
    """Why path cannot be read as a file of the site, or None."""
    try:
        if path.is_symlink():
            target = path.resolve(strict=True)
            if not _inside(target, root.resolve()):
                return "is a link to a file outside the project; copy the file in instead"
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "is a link to a file that does not exist"
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop, in Python 3.11
        return f"is a link that cannot be followed: {getattr(exc, 'strerror', None) or exc}"
    if not stat.S_ISREG(mode):
        return "is not a regular file (a FIFO, socket or device): remove it"
    return None


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes, read without blocking on a FIFO that replaced it and never
    more than limit + 1 bytes (the caller reports a file over the limit)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path.name} is not a regular file")
        return file.read() if limit is None else file.read(limit + 1)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
