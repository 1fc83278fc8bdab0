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
import time
from pathlib import Path

from .problems import Problem, error


EDITOR_TEMP = re.compile(r"^(?:[.#].*|.*~|.*\.(?:swp|swx|swo|tmp)|4913|sed[A-Za-z0-9]{6})\Z")


def is_editor_temp(name: str) -> bool:
    """Hidden files and the temporary files editors and tools write while saving:
    vim's `.x.swp` and `4913`, Emacs's `#x#`, backups `x~`, `sed -i`'s `sedAb12Cd`."""
    return bool(EDITOR_TEMP.match(name))


SETTLED_NS = 2_000_000_000  # a status is trusted once its last change is this old (see `Listings`)

Listing = tuple[list[Path], list[Problem], list[Path], bool]  # one folder's files, problems, sub-folders, any link


class Listings:
    """Each folder's listing with the folder's status when it was listed, for a process that
    lists the same folders again and again (the preview). Adding, removing or renaming an
    entry changes its folder's times, so a folder whose status is the same lists the same.
    As git does, a status is trusted only once its change time is settled: two changes
    within one tick of the file system's clock could leave the same times."""

    def __init__(self):
        self.known: dict[str, tuple[tuple, Listing]] = {}

    def listing(self, folder: Path, root: Path) -> Listing:
        status = status_of(folder)
        known = self.known.get(str(folder))
        if status is not None and known is not None and known[0] == status:
            return known[1]
        listed = _list_folder(folder, root)
        # A link or a problem is looked at anew each time: what a link leads to can change
        # without its folder changing.
        plain = not listed[1] and not listed[3]
        if plain and settled(status):
            self.known[str(folder)] = (status, listed)
        return listed


def status_of(path: Path) -> tuple | None:
    """What changes whenever a file or folder (not what a link leads to) changes: its change
    and modification times, size, inode and type; None if there is nothing there."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_ctime_ns, st.st_mtime_ns, st.st_size, st.st_ino, st.st_dev, st.st_mode


def settled(status: tuple | None) -> bool:
    """Was the status's last change long enough ago to be trusted (see `Listings`)?"""
    return status is not None and status[0] < time.time_ns() - SETTLED_NS


def list_files(folder: Path, root: Path, listings: Listings | None = None) -> tuple[list[Path], list[Problem]]:
    """The regular files below folder, sorted, skipping hidden and backup files.

    Everything else is reported rather than skipped or followed: a folder that cannot
    be read, a link to a folder, a broken or looping link, a link out of the project,
    and a FIFO or device (reading one would hang the build or never end). The folder's
    own listing says what most entries are, so a plain file costs no extra system call.
    With `listings`, a folder unchanged since it was last listed is not listed again."""
    paths: list[Path] = []
    problems: list[Problem] = []
    waiting = [folder]  # folders still to list; a stack, not recursion: nesting has no limit here
    while waiting:
        here = waiting.pop()
        files, found, folders, _ = listings.listing(here, root) if listings else _list_folder(here, root)
        paths += files
        problems += found
        waiting += reversed(folders)  # the first folder is listed next: the order os.walk gave
    return paths, problems


def _list_folder(here: Path, root: Path) -> Listing:
    paths: list[Path] = []
    problems: list[Problem] = []
    folders: list[Path] = []
    try:
        with os.scandir(here) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        return [], [error(_rel(Path(exc.filename or here), root), 0, f"cannot be read: {exc.strerror or exc}")], [], False
    linked = False
    for entry in entries:
        linked = linked or entry.is_symlink()  # the listing says so: no system call
        if _is_folder(entry):
            if entry.is_symlink():
                if not entry.name.startswith("."):
                    problems.append(error(_rel(here / entry.name, root), 0, "is a link to a folder: move the folder itself here"))
            elif not entry.name.startswith("."):
                folders.append(here / entry.name)
        elif not is_editor_temp(entry.name):
            problem = _not_plain(entry, here / entry.name, root)
            if problem:
                problems.append(error(_rel(here / entry.name, root), 0, problem))
            else:
                paths.append(here / entry.name)
    return paths, problems, folders, linked


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()  # a link to a folder too, as os.walk sees it
    except OSError:
        return False


def _not_plain(entry: os.DirEntry, path: Path, root: Path) -> str | None:
    if not entry.is_symlink():
        try:
            if entry.is_file(follow_symlinks=False):
                return None
        except OSError:
            pass
    return not_a_plain_file(path, root)


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


def read_bytes(path: Path, limit: int | None = None, follow_links: bool = True) -> bytes:
    """The file's bytes, read without blocking on a FIFO that replaced it and never
    more than limit + 1 bytes (the caller reports a file over the limit). Without
    `follow_links`, a link raises OSError (ELOOP)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | (0 if follow_links else os.O_NOFOLLOW))
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
