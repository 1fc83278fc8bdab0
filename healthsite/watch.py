"""Watching the project: watchdog's inotify observer reports every change on its own
thread; on the IO loop, a burst of changes (a few saves, a git checkout) becomes one
rebuild, never two at once. Editor temp files are ignored, and a watched folder that
is replaced (deleted and made again, or moved in) is watched anew."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from tornado import ioloop
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from .files import is_editor_temp

DEBOUNCE_SECONDS = 0.01  # a burst of saves (or a git checkout) within this gap is one rebuild
VERIFY_SECONDS = 1.0  # this long after a burst's rebuilds, with no save since: look for what went unseen
WATCHED_FOLDERS = ("content", "templates", "static")


class Watcher(FileSystemEventHandler):
    """Calls `rebuild(changed paths)` on the IO loop once per burst of changes under `root`.
    The rebuild reads only the content files named; an observer can drop events, so once the
    burst's rebuilds are over and no save came for a moment (and once at the start: a file
    saved during the first build), `verify()` names any content file that changed unseen, and
    those are built as if saved. Templates and static files are read by every build."""

    def __init__(self, root: Path, loop: ioloop.IOLoop, rebuild: Callable[[list[str]], Awaitable[None]],
                 verify: Callable[[], Awaitable[set[str]]] | None = None):
        self.root, self.loop, self.rebuild, self.verify = root.resolve(), loop, rebuild, verify
        self.changed: set[str] = set()
        self.timer = self.verify_timer = None
        self.running = False
        self.observer = Observer()
        self.watches: dict[str, object] = {}  # watched folder -> its watchdog watch

    def start(self) -> None:
        for name in WATCHED_FOLDERS:
            self._watch(name)
        self.observer.schedule(self, str(self.root), recursive=False)  # config.yaml, and folders made later
        self.observer.start()
        if self.verify:  # a file saved during the first build, after it was read, made no event
            self.verify_timer = self.loop.call_later(VERIFY_SECONDS, self._verify)

    def stop(self) -> None:
        self.observer.stop()

    def _watch(self, name: str) -> None:
        """(Re)watch a folder. A watch dies with the folder it watched, and watchdog hands back
        the dead watch when asked for the same path again: drop it first, then watch anew."""
        old = self.watches.pop(name, None)
        if old is not None:
            try:
                self.observer.unschedule(old)
            except (KeyError, OSError):
                pass
        folder = self.root / name
        if folder.is_dir():
            try:
                self.watches[name] = self.observer.schedule(self, str(folder), recursive=True)
            except OSError as exc:  # removed again in the meantime: its next creation is seen at the root
                print(f"cannot watch {name}/: {exc}", flush=True)

    # --- watchdog's thread: only hand the change over to the IO loop

    def on_any_event(self, event) -> None:
        if event.event_type not in ("created", "modified", "deleted", "moved"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a file inside changed: that file's own event says which
        for path in filter(None, (event.src_path, getattr(event, "dest_path", ""))):
            rel = self._relevant(path)
            if rel:
                self.loop.add_callback(self._note, rel)

    def _relevant(self, path) -> str | None:
        """The path relative to the project if a change there can change the site, else None."""
        path = Path(os.fsdecode(path))  # watchdog gives bytes for a folder watched by bytes
        try:  # the folder resolved, not the file: a link is named as itself, not as what it leads to
            rel = (path.parent.resolve() / path.name).relative_to(self.root)
        except ValueError:
            return None
        if is_editor_temp(rel.name):
            return None
        # (`rel` is `.`, with no parts, when the event is the project folder's own)
        if rel.as_posix() == "config.yaml" or (rel.parts and rel.parts[0] in WATCHED_FOLDERS):
            return rel.as_posix()
        return None

    # --- the IO loop

    def _note(self, rel: str) -> None:
        if rel in WATCHED_FOLDERS:  # a watched folder was created, deleted, or moved
            self._watch(rel)
        self.changed.add(rel)
        if self.timer:
            self.loop.remove_timeout(self.timer)
        self.timer = self.loop.call_later(DEBOUNCE_SECONDS, self._rebuild)

    async def _rebuild(self) -> None:
        """Rebuild until nothing is left to do. Changes noted meanwhile wait for this build
        to end, then for the burst they belong to (a pending timer) to end."""
        self.timer = None
        if self.running:
            return  # picked up when the running build ends
        self.running = True
        try:
            while self.changed and not self.timer:
                changed, self.changed = sorted(self.changed), set()
                await self.rebuild(changed)
        finally:
            self.running = False
            if self.verify:
                if self.verify_timer:
                    self.loop.remove_timeout(self.verify_timer)
                self.verify_timer = self.loop.call_later(VERIFY_SECONDS, self._verify)

    async def _verify(self) -> None:
        self.verify_timer = None
        if self.running or self.timer:
            return  # a rebuild is on its way, and looks again after
        for rel in sorted(await self.verify()):
            self._note(rel)
