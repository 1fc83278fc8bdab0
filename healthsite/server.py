"""The preview server: build with drafts, serve the output folder, rebuild on
every save and reload the browser; show the problems when a build fails.

Built on livereload's browser protocol (its WebSocket handler and
livereload.js) but not on its `Server`, whose traps we avoid:
- it drops reloads within 3 s of the last one (we send every reload ourselves);
- it rebuilds once per changed file (we debounce a burst into one rebuild);
- it swallows exceptions from the build (ours become an error page);
- it exposes an open /forcereload (we do not route it);
- it polls the disk without pyinotify (we use watchdog's inotify observer);
- it accepts any Host and any websocket Origin (we answer only the address we serve,
  so a web page elsewhere cannot read the drafts through DNS rebinding).
"""

from __future__ import annotations

import dataclasses
import errno
import html
import ipaddress
import json
import logging
import mimetypes
import shutil
import signal
import socket
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

import livereload
from livereload.handlers import LiveReloadHandler
from tornado import ioloop, web
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from .config import Config, load_config
from .files import is_editor_temp
from .pipeline import Build, OutputRefused, publish
from .problems import error, has_errors, printable

MAX_SERVED = 10_000  # pages remembered for ReloadSocket; beyond that the memory is started afresh
DEBOUNCE_SECONDS = 0.03  # a burst of saves (or a git checkout) within this gap is one rebuild
WATCHED_FOLDERS = ("content", "templates", "static")
LIVERELOAD_JS = Path(livereload.__file__).parent / "vendors" / "livereload.js"


class Preview:
    """The state of the preview: where the site is built, and the last build's problems."""

    def __init__(self, config_path: Path, host: str, port: int, out: Path):
        self.config_path, self.host, self.port, self.out = config_path, host, port, out
        self.problems: list = []
        self.reported: frozenset = frozenset()  # the problems the terminal was last told of
        self.base_path = "/"
        self.generation = 0  # counts rebuilds
        self.served: dict[str, int] = {}  # page path -> the generation it was last served from
        # Served to the network (--host 0.0.0.0), others reach us by this machine's name too.
        hostname = socket.gethostname().lower()
        self.machine_names = () if _is_loopback(host) else (hostname, hostname + ".local")

    def mark_served(self, url_path: str) -> None:
        """Remember which build a page came from (see ReloadSocket)."""
        if len(self.served) >= MAX_SERVED:  # every distinct URL would be kept otherwise
            self.served.clear()
        self.served[page_key(url_path)] = self.generation

    def served_before_last_rebuild(self, url_path: str) -> bool:
        return self.served.get(page_key(url_path), self.generation) < self.generation

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

    def config(self) -> tuple[Config, list]:
        config, problems = load_config(self.config_path)
        base = f"http://{self.host}:{self.port}{config.base_path}"
        return dataclasses.replace(config, base_url=base, output_dir=str(self.out)), problems

    def rebuild(self) -> Build:
        """The one function the server calls to bring the preview up to date."""
        config, problems = self.config()
        self.base_path = config.base_path
        # No search index in the preview: it would slow every rebuild; `build` makes it.
        build = publish(config, self.out, drafts=True, problems=problems, search=False, editor_pages=True)
        self.problems = [] if build.written else list(build.problems)
        self.generation += 1
        return build


def serve(config: Config, host: str, port: int, out: Path | None = None) -> int:
    if not 1 <= port <= 65535:  # the OS would take 70000 as 4464 without a word
        print(f"healthsite: error: --port {port} is not a port number: use 1 to 65535", file=sys.stderr)
        return 2
    if not _is_loopback(host):
        print(f"warning: serving on {host}: anyone who can reach this machine can see the preview, drafts included", file=sys.stderr)
    temporary = out is None
    out = Path(tempfile.mkdtemp(prefix="healthsite-preview-")) / "site" if temporary else out.resolve()
    preview = Preview(config.root / config.path, host, port, out)
    try:
        first = preview.rebuild()
    except OutputRefused as exc:
        print(f"healthsite: error: {exc}", file=sys.stderr)
        return 2
    preview.reported = _report(first, "first build")
    logging.getLogger("tornado.access").setLevel(logging.ERROR)
    app = make_app(preview)
    try:
        server = app.listen(port, address=host)
    except OSError as exc:
        reason = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror or exc})"
        print(f"healthsite: error: {host}:{port} {reason}; try --port {port + 1}", file=sys.stderr)
        return 2
    except socket.gaierror as exc:
        print(f"healthsite: error: cannot listen on host {host!r}: {exc}", file=sys.stderr)
        return 2
    loop = ioloop.IOLoop.current()
    watcher = Watcher(preview, loop)
    watcher.start(config.root)
    for number in (signal.SIGTERM, signal.SIGHUP):  # stop as Ctrl-C does, so the drafts' folder is removed
        signal.signal(number, lambda *_: loop.add_callback_from_signal(loop.stop))
    print(f"Serving the preview at http://{host}:{port}{preview.base_path} (Ctrl-C to stop)", flush=True)
    try:
        loop.start()
        print("\nstopped")
    except KeyboardInterrupt:
        print("\nstopped")
    finally:
        watcher.stop()
        server.stop()
        if temporary:
            shutil.rmtree(out.parent, ignore_errors=True)
    return 0


class Watcher(FileSystemEventHandler):
    """Collects changes from watchdog's thread and runs one rebuild per burst on the IO loop."""

    def __init__(self, preview: Preview, loop: ioloop.IOLoop):
        self.preview, self.loop = preview, loop
        self.changed: set[str] = set()
        self.timer = None
        self.running = False
        self.executor = ThreadPoolExecutor(max_workers=1)
        self.observer = Observer()
        self.root = Path(".")
        self.watches: dict[str, object] = {}  # watched folder -> its watchdog watch

    def start(self, root: Path) -> None:
        self.root = root.resolve()
        for name in WATCHED_FOLDERS:
            self._watch(name)
        self.observer.schedule(self, str(root), recursive=False)  # config.yaml, and folders made later
        self.observer.start()

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

    def stop(self) -> None:
        self.observer.stop()
        self.executor.shutdown(wait=False, cancel_futures=True)

    # watchdog's thread
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
        path = Path(path if isinstance(path, str) else path.decode())
        try:
            rel = path.resolve().relative_to(self.root)
        except ValueError:
            return None
        name = rel.name
        if is_editor_temp(name):
            return None
        if rel.parts[0] in WATCHED_FOLDERS or rel.as_posix() == "config.yaml":
            return rel.as_posix()
        return None

    # IO loop
    def _note(self, rel: str) -> None:
        if rel in WATCHED_FOLDERS:  # a watched folder was created, deleted, or moved
            self._watch(rel)
        self.changed.add(rel)
        if self.timer:
            self.loop.remove_timeout(self.timer)
        self.timer = self.loop.call_later(DEBOUNCE_SECONDS, self._rebuild)

    def _rebuild(self) -> None:
        self.timer = None
        if self.running:
            return  # picked up when the running build ends
        self.running = True
        changed, self.changed = sorted(self.changed), set()
        started = time.perf_counter()
        future = self.executor.submit(self._safe_rebuild)
        future.add_done_callback(lambda f: self.loop.add_callback(self._done, f, changed, started))

    def _safe_rebuild(self):
        try:
            return self.preview.rebuild()
        except Exception as exc:  # never let the server die on a build
            self.preview.problems = [error("(preview)", 0, f"internal error while building: {exc!r}")]
            self.preview.generation += 1
            return None

    def _done(self, future, changed: list[str], started: float) -> None:
        self.running = False
        build = future.result()
        what = printable(", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else ""))
        self.preview.reported = _report(build, f"{what} changed", time.perf_counter() - started, self.preview.reported)
        reload_browsers()
        if self.changed and not self.timer:
            self._rebuild()


RELOAD = {"command": "reload", "path": "*", "liveCSS": False, "liveImg": False}


class ReloadSocket(LiveReloadHandler):
    """livereload's WebSocket, with three changes: only pages of this preview may connect
    (Origin checked); a message that is not the protocol's is ignored, not a traceback;
    and a page served before the latest rebuild whose socket connects after it (a save
    while the page was loading) is reloaded at once."""

    def initialize(self, preview: Preview):
        self.preview = preview

    def prepare(self):
        if not self.preview.allows_host(self.request.host):
            raise web.HTTPError(403)

    def check_origin(self, origin: str) -> bool:
        try:
            parts = urlsplit(origin)
        except ValueError:
            return False
        return parts.scheme == "http" and self.preview.allows_host(parts.netloc)

    def on_message(self, message):
        try:
            data = json.loads(message)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        if data.get("command") == "hello":
            self.send_message({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"],
                               "serverName": "healthsite"})
        elif data.get("command") == "info" and isinstance(data.get("url"), str):
            LiveReloadHandler.waiters.add(self)
            try:
                path = urlsplit(data["url"]).path
            except ValueError:
                return
            if self.preview.served_before_last_rebuild(path):
                self.send_message(RELOAD)


def reload_browsers() -> None:
    for waiter in list(LiveReloadHandler.waiters):
        try:
            waiter.write_message(RELOAD)
        except Exception:
            LiveReloadHandler.waiters.discard(waiter)


def _report(build: Build | None, what: str, seconds: float | None = None, before: frozenset = frozenset()) -> frozenset:
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


# --- HTTP


class PageHandler(web.RequestHandler):
    """Serves files from the output folder only; anything else is a 404."""

    def initialize(self, preview: Preview):
        self.preview = preview

    def prepare(self):
        if not self.preview.allows_host(self.request.host):
            raise web.HTTPError(403)  # another name for our address: a DNS rebinding attack

    def write_error(self, status_code: int, **kwargs) -> None:
        self.finish(f"{status_code} {self._reason}")  # never a traceback

    def get(self, _path: str = "") -> None:
        try:
            self._get()
        except OSError:  # a name too long for the file system, and the like: no such page
            self._not_found()

    def _get(self) -> None:
        raw = urlsplit(self.request.uri).path
        path = unquote(raw)
        base = self.preview.base_path
        if not path.startswith(base):
            if path == "/" and base != "/":
                return self.redirect(base)
            return self._not_found()
        rel = path[len(base):]
        parts = [p for p in rel.split("/") if p]
        if any(p in ("..", ".") or "\\" in p or "\0" in p or p.startswith(".") for p in parts):
            return self._not_found()
        out = self.preview.out.resolve()
        target = out.joinpath(*parts) if parts else out
        if target.is_dir():
            if not raw.endswith("/"):
                return self.redirect(raw + "/")
            target = target / "index.html"
        if has_errors(self.preview.problems) and (raw.endswith("/") or target.suffix == ".html"):
            return self._error_page()  # every page shows the problems until they are fixed
        if not target.resolve().is_relative_to(out) or not target.is_file():
            return self._not_found()
        # A `?v=<hash>` asset never changes under that URL: let the browser keep it across reloads.
        self._send(target, 200, immutable="v=" in (self.request.query or ""))

    def _not_found(self) -> None:
        try:
            return self._send(self.preview.out / "404.html", 404)
        except OSError:  # no 404 page in this build (or not yet)
            self.set_status(404)
            self.finish("Not found")

    def _send(self, path: Path, status: int, immutable: bool = False) -> None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # its folder was swapped out under us: the same path now holds the new build
            data = path.read_bytes()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind == "text/html":
            if status == 200:
                self._mark_served()
            data = data.replace(b"</body>", live_script(self.preview).encode() + b"</body>", 1)
        if kind.startswith("text/") or kind in ("application/xml", "application/javascript"):
            kind += "; charset=utf-8"
        self.set_status(status)
        self.set_header("Content-Type", kind)
        self.set_header("Cache-Control", "public, max-age=31536000, immutable" if immutable else "no-store")
        self.finish(data)

    def _mark_served(self) -> None:
        self.preview.mark_served(urlsplit(self.request.uri).path)

    def _error_page(self) -> None:
        self._mark_served()
        self.set_status(500)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(error_page(self.preview))


def live_script(preview: Preview) -> str:
    return f'<script src="/livereload.js?port={preview.port}"></script>'


def error_page(preview: Preview) -> str:
    def items(severity: str) -> str:
        return "\n".join(
            f'<li class="{p.severity}"><code>{html.escape(printable(p.path))}:{p.line}</code>: '
            f"<strong>{p.severity}</strong>: {html.escape(printable(p.message))}</li>"
            for p in preview.problems if p.severity == severity)

    errors = sum(1 for p in preview.problems if p.severity == "error")
    warnings = len(preview.problems) - errors
    folded = (f"<details><summary>{warnings} warning(s): fix them before you publish</summary>\n<ul>\n{items('warning')}\n</ul></details>"
              if warnings else "")
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed: {errors} error(s) | preview</title>
<style>
body {{ font: 1.125rem/1.5 system-ui, sans-serif; margin: 0; background: #fff; color: #1a1a1a; }}
main {{ max-width: 60rem; margin: 0 auto; padding: 1.5rem; }}
h1 {{ color: #a4000f; }} li {{ margin: .5rem 0; }} code {{ background: #f3f2f1; padding: 0 .25rem; }}
li.warning strong {{ color: #6b4c00; }} li.error strong {{ color: #a4000f; }}
</style></head>
<body><main>
<h1>The preview could not be rebuilt</h1>
<p>Fix the {errors} error(s) below and save: this page reloads by itself. The published site is not affected.</p>
<ul>
{items("error")}
</ul>
{folded}
</main>
{live_script(preview)}
</body></html>
"""


class LiveReloadJS(web.RequestHandler):
    def initialize(self, preview: Preview):
        self.preview = preview

    def prepare(self):
        if not self.preview.allows_host(self.request.host):
            raise web.HTTPError(403)

    def get(self) -> None:
        self.set_header("Content-Type", "application/javascript; charset=utf-8")
        self.finish(LIVERELOAD_JS.read_bytes())


def make_app(preview: Preview) -> web.Application:
    return web.Application([
        (r"/livereload", ReloadSocket, {"preview": preview}),
        (r"/livereload\.js", LiveReloadJS, {"preview": preview}),
        (r"/(.*)", PageHandler, {"preview": preview}),
    ])


def page_key(url_path: str) -> str:
    """One key per page however its URL is written: `//a//b/index.html` is `/a/b/`."""
    parts = [part for part in unquote(url_path).split("/") if part]
    if parts and parts[-1] == "index.html":
        parts[-1] = ""
    return "/" + "/".join(parts) + ("/" if parts and url_path.endswith("/") else "")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


