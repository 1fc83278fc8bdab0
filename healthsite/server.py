"""The preview server: build with drafts, serve the output folder, rebuild on
every save and reload the browser; show the problems when a build fails.

`serve` wires the parts: `preview.Preview` (the state and the build), `watch.Watcher`
(changes -> one rebuild per burst), the handlers here, and `errorpage`. A rebuild runs
in a worker thread so pages are served meanwhile; its result is applied on the IO
loop's thread, the only one that touches the preview's state and the sockets.

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

import errno
import functools
import json
import logging
import mimetypes
import shutil
import signal
import socket
import sys
import tempfile
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

import livereload
from livereload.handlers import LiveReloadHandler
from tornado import httpserver, ioloop, web

from .config import Config
from .errorpage import error_page
from .pipeline import OutputRefused
from .preview import Preview, is_loopback, report
from .problems import has_errors, printable
from .watch import Watcher

LIVERELOAD_JS = Path(livereload.__file__).parent / "vendors" / "livereload.js"
PREVIEW_JS = Path(__file__).parent / "preview.js"  # our reload, a livereload.js plugin: defined before it starts
RELOAD = {"command": "reload", "path": "*", "liveCSS": False, "liveImg": False}


def serve(config: Config, host: str, port: int, out: Path | None = None) -> int:
    """The `serve` command: 0 when stopped (Ctrl-C, SIGTERM, SIGHUP), 2 when it cannot start."""
    if not 1 <= port <= 65535:  # the OS would take 70000 as 4464 without a word
        print(f"healthsite: error: --port {port} is not a port number: use 1 to 65535", file=sys.stderr)
        return 2
    if not is_loopback(host):
        print(f"warning: serving on {host}: anyone who can reach this machine can see the preview, drafts included",
              file=sys.stderr)
    config_path = config.root / config.path
    if out is not None:
        return _run(Preview(config_path, host, port, out.resolve()), config.root)
    drafts = Path(tempfile.mkdtemp(prefix="healthsite-preview-"))
    try:
        return _run(Preview(config_path, host, port, drafts / "site"), config.root)
    finally:
        shutil.rmtree(drafts, ignore_errors=True)  # the drafts are never left behind


def _run(preview: Preview, root: Path) -> int:
    """Build, listen, then watch and serve until stopped. This thread runs the IO loop."""
    try:
        first, base_path = preview.rebuild()
    except OutputRefused as exc:
        print(f"healthsite: error: {exc}", file=sys.stderr)
        return 2
    preview.apply(first, base_path)  # this thread runs the IO loop below: the one thread that applies builds
    preview.reported = report(first, "first build")
    logging.getLogger("tornado.access").setLevel(logging.ERROR)
    server = _listen(make_app(preview), preview.host, preview.port)
    if server is None:
        return 2
    loop = ioloop.IOLoop.current()
    executor = ThreadPoolExecutor(max_workers=1)  # one build at a time
    watcher = Watcher(root, loop, functools.partial(rebuild_and_reload, preview, executor),
                      functools.partial(unseen_changes, preview, executor))
    watcher.start()
    # Each stops the loop, so the drafts' folder is removed. Ctrl-C too, set here: a shell that
    # starts a command in the background without job control has it ignore SIGINT.
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.asyncio_loop.add_signal_handler(number, loop.stop)
    print(f"Serving the preview at http://{preview.host}:{preview.port}{preview.base_path} (Ctrl-C to stop)", flush=True)
    try:
        loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()
        server.stop()
        executor.shutdown(wait=True, cancel_futures=True)  # a build still writing would recreate the drafts' folder
    print("\nstopped")
    return 0


def _listen(app: web.Application, host: str, port: int) -> httpserver.HTTPServer | None:
    """Start listening, or say in one line why not."""
    try:
        return app.listen(port, address=host)
    except socket.gaierror as exc:  # before OSError, of which it is a kind
        print(f"healthsite: error: cannot listen on host {host!r}: {exc}", file=sys.stderr)
    except OSError as exc:
        reason = "is already in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror or exc})"
        print(f"healthsite: error: {host}:{port} {reason}; try --port {port + 1}", file=sys.stderr)
    return None


async def rebuild_and_reload(preview: Preview, executor: Executor, changed: list[str]) -> None:
    """Rebuild in the worker thread (reading only the content files the watcher named); then,
    back on the IO loop's thread, make the build the current one, tell the terminal and reload
    the browsers. Tornado's sockets are not thread-safe, and the handlers read the preview's
    state on this thread."""
    started = time.perf_counter()
    loop = ioloop.IOLoop.current()
    try:
        build, base_path = await loop.run_in_executor(executor, preview.rebuild, changed)
    except Exception as exc:  # never let the server die on a build
        build = None
        preview.apply_crash(exc)
    else:
        preview.apply(build, base_path)
    what = f"{_first_few(changed)} changed"
    preview.reported = report(build, what, time.perf_counter() - started, preview.reported)
    reload_browsers()


async def unseen_changes(preview: Preview, executor: Executor) -> set[str]:
    """The files changed that the watcher did not report, looked for in the worker thread (between builds)."""
    return await ioloop.IOLoop.current().run_in_executor(executor, preview.unseen_changes)


def _first_few(changed: list[str]) -> str:
    more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
    return printable(", ".join(changed[:3]) + more)


def reload_browsers() -> None:
    for waiter in list(LiveReloadHandler.waiters):
        try:
            waiter.write_message(RELOAD)
        except Exception:
            LiveReloadHandler.waiters.discard(waiter)


# --- HTTP


def make_app(preview: Preview) -> web.Application:
    return web.Application([
        (r"/livereload", ReloadSocket, {"preview": preview}),
        (r"/livereload\.js", LiveReloadJS, {"preview": preview}),
        (r"/(.*)", PageHandler, {"preview": preview}),
    ])


class ForThisPreview:
    """Mixed into every handler: it answers only requests to the address we serve."""

    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def prepare(self) -> None:
        if not self.preview.allows_host(self.request.host):
            raise web.HTTPError(403)  # another name for our address: a DNS rebinding attack


class ReloadSocket(ForThisPreview, LiveReloadHandler):
    """livereload's WebSocket, with three changes: only pages of this preview may connect
    (Origin checked); a message that is not the protocol's is ignored, not a traceback;
    and a page served before the latest rebuild whose socket connects after it (a save
    while the page was loading) is reloaded at once."""

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


class LiveReloadJS(ForThisPreview, web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "application/javascript; charset=utf-8")
        self.finish(PREVIEW_JS.read_bytes() + b"\n" + LIVERELOAD_JS.read_bytes())


class PageHandler(ForThisPreview, web.RequestHandler):
    """Serves files from the output folder only; anything else is a 404."""

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
            data = data.replace(b"</body>", self.preview.live_script().encode() + b"</body>", 1)
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
