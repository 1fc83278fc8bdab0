"""The state of the preview: its address, the build it serves, and the problems of
the last build. `Preview.rebuild` builds (in a worker thread, changing nothing the
handlers read); `Preview.apply` then makes that build the current one, on the IO
loop's thread only, where every handler reads this state."""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .config import Config, load_config
from .cache import BuildCache
from .gather import unseen_changes
from .pipeline import Build, cycle_collection_paused, project_cache, publish
from .problems import Problem, error

MAX_SERVED = 10_000  # pages remembered for ReloadSocket; beyond that the memory is started afresh


class Preview:
    """Where the site is built and served, which build is current, and its problems."""

    def __init__(self, config_path: Path, host: str, port: int, out: Path):
        self.config_path, self.host, self.port, self.out = config_path, host, port, out
        self.problems: list[Problem] = []
        self.reported: frozenset = frozenset()  # the problems the terminal was last told of
        self.base_path = "/"
        self.generation = 0  # counts the builds applied
        self.served: dict[str, int] = {}  # page path -> the generation it was last served from
        # Served to the network (--host 0.0.0.0), others reach us by this machine's name too.
        hostname = socket.gethostname().lower()
        self.machine_names = () if is_loopback(host) else (hostname, hostname + ".local")
        self.cache: BuildCache | None = None  # kept across rebuilds: an edit re-renders only the pages it changes

    # --- building (any thread)

    def config(self) -> tuple[Config, list]:
        config, problems = load_config(self.config_path)
        base = f"http://{self.host}:{self.port}{config.base_path}"
        return dataclasses.replace(config, base_url=base, output_dir=str(self.out)), problems

    def rebuild(self, changed: list[str] | None = None) -> tuple[Build, str]:
        """Build the site into the output folder; return the build and the base path its
        pages are under. Runs in a worker thread, so it only reads `self`. `changed`: the
        project files a watcher saw change since the last build (the other content files are
        not looked at); None: any file may have."""
        config, problems = self.config()
        if self.cache is None:  # builds run one at a time, so only one thread ever uses it
            self.cache = project_cache(config)
        # What the last builds were told of and did not read (they raised first) is still to read.
        pending = self.cache.watched or set()
        self.cache.watched = pending | set(changed) if changed is not None and self.cache.statuses_checked else None
        # No search index in the preview: it would slow every rebuild; `build` makes it.
        with cycle_collection_paused(freeze_survivors=True):
            build = publish(config, self.out, drafts=True, problems=problems, search=False, editor_pages=True,
                            cache=self.cache, in_place=True, temporary=True)
        self.cache.readability.hyphenator  # loaded now, not on the first save: the first edit's grade needs it
        if self.cache.plan_memo is not None and self.cache.plan_memo.complete:
            self.cache.plan_memo.index_readers()  # likewise: the first edit's plan looks up who reads what changed
        return build, config.base_path

    def unseen_changes(self) -> set[str]:
        """The content files changed, added or removed since the last build read them, that
        it did not see (`gather.unseen_changes`). In the worker thread, between builds."""
        if self.cache is None:
            return set()
        config, _ = self.config()
        return unseen_changes(config, self.cache)

    # --- the current build (the IO loop's thread only)

    def apply(self, build: Build, base_path: str) -> None:
        """Make a finished build the current one: the pages shown and their problems."""
        self.base_path = base_path
        self.problems = [] if build.written else list(build.problems)
        self.generation += 1

    def apply_crash(self, exc: Exception) -> None:
        """A build that raised: the browser shows why, in place of every page."""
        self.problems = [error("(preview)", 0, f"internal error while building: {exc!r}")]
        self.generation += 1

    def mark_served(self, url_path: str) -> None:
        """Remember which build a page came from (see ReloadSocket)."""
        if len(self.served) >= MAX_SERVED:  # every distinct URL would be kept otherwise
            self.served.clear()
        self.served[page_key(url_path)] = self.generation

    def served_before_last_rebuild(self, url_path: str) -> bool:
        return self.served.get(page_key(url_path), self.generation) < self.generation

    def live_script(self) -> str:
        """The tag that connects a page to this preview's livereload socket."""
        return f'<script src="/livereload.js?port={self.port}"></script>'

    # --- who may ask

    def allows_host(self, host: str | None) -> bool:
        """Is `host` (a Host header, or an Origin's host and port) the address we serve?

        A name other than ours or localhost is refused: that is what DNS rebinding sends.
        Any IP address is allowed; no one can rebind an address."""
        try:
            parts = urlsplit("//" + (host or ""))
            name, port = (parts.hostname or "").lower(), parts.port or 80
        except ValueError:
            return False
        if port != self.port or not name:
            return False
        if name in ("localhost", self.host.lower().strip("[]")) or name in self.machine_names:
            return True
        try:
            ipaddress.ip_address(name)
            return True
        except ValueError:
            return False


def report(build: Build | None, what: str, seconds: float | None = None, before: frozenset = frozenset()) -> frozenset:
    """Print what changed, only the problems that are new or fixed since the last report,
    and a one-line summary; return this build's problems for the next report."""
    stamp = time.strftime("%H:%M:%S")
    if build is None:
        print(f"[{stamp}] {what}: internal error, see the browser", flush=True)
        return before
    now = frozenset(build.problems)
    for problem in sorted(now - before):
        print(problem, flush=True)
    for problem in sorted(before - now):
        print(f"fixed: {problem}", flush=True)
    errors = sum(1 for p in now if p.severity == "error")
    counts = f"{errors} error{'s' * (errors != 1)}, {len(now) - errors} warning{'s' * (len(now) - errors != 1)}"
    news = f"; {len(now - before)} new, {len(before - now)} fixed" if before else ""
    took = seconds if seconds is not None else build.seconds
    if build.written:
        print(f"[{stamp}] {what}: rebuilt in {took * 1000:.0f} ms ({counts}{news})", flush=True)
    else:
        print(f"[{stamp}] {what}: build failed ({counts}{news}); still serving the last good site", flush=True)
    return now


def page_key(url_path: str) -> str:
    """One key per page however its URL is written: `//a//b/index.html` is `/a/b/`."""
    parts = [part for part in unquote(url_path).split("/") if part]
    if parts and parts[-1] == "index.html":
        parts[-1] = ""
    return "/" + "/".join(parts) + ("/" if parts and url_path.endswith("/") else "")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
