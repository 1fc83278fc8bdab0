"""The preview server end to end: a real server process, a real browser that
reloads by itself on every save, error pages for broken content, and requests
that try to escape the output folder."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from browser import free_port
from conftest import FIXTURES, REPO, make_project
from playwright.sync_api import Error as PlaywrightError, expect

from healthsite.preview import is_loopback

DEADLINE_MS = 20_000  # generous: a loaded CI machine is slow, and a timeout here only costs time when it fails


class Server:
    def __init__(self, site: Path, *args: str, preexec_fn=None):
        self.port = free_port()
        self.lines: list[str] = []
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "serve", "--port", str(self.port), *args],
            cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=preexec_fn)
        threading.Thread(target=self._read, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.port}"

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"{text!r} not printed; output:\n{''.join(self.lines)}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                return self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


def raw_get(port: int, path: str) -> tuple[int, bytes]:
    """GET a path exactly as written (no client-side normalising of `..`)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.putrequest("GET", path, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    return response.status, response.read()


@pytest.fixture
def site(tmp_path) -> Path:
    return make_project(tmp_path / "site", FIXTURES / "good")


@pytest.fixture
def server(site):
    running = Server(site)
    running.wait_for("Serving the preview")
    yield running
    assert running.stop() == 0, "".join(running.lines)
    assert "Traceback" not in "".join(running.lines)


def live(page, url: str | None = None) -> None:
    """Open url (or stay), then wait until livereload.js has shaken hands with the server:
    a save before that would reload nothing, as a page opened mid-save would not."""
    if url:
        page.goto(url)
    # Polled from here, not with `wait_for_function`: that evaluates its string inside the page,
    # which the page's Content-Security-Policy (no 'unsafe-eval') refuses once it has to poll.
    handshake = "!!(window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol > 0)"
    deadline = time.monotonic() + DEADLINE_MS / 1000
    while not _evaluate(page, handshake):
        assert time.monotonic() < deadline, "livereload.js did not connect"
        page.wait_for_timeout(20)
    page.wait_for_timeout(50)  # the `info` message that registers the page follows the handshake


def _evaluate(page, expression: str):
    """The expression's value, or None while a reload has the page between documents."""
    try:
        return page.evaluate(expression)
    except PlaywrightError as exc:
        if "Execution context was destroyed" in str(exc) or "navigation" in str(exc).lower():
            return None
        raise


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_saving_an_article_reloads_the_browser(site, server, browser):
    page = browser.new_page()
    live(page, server.url + "/conditions/leg-cramps/")
    expect(page.locator("h1")).to_have_text("Leg cramps")
    article = site / "content/conditions/leg-cramps.md"
    edit(article, "Not drinking enough fluid", "First edit: fluid")
    expect(page.locator("main")).to_contain_text("First edit: fluid", timeout=DEADLINE_MS)
    live(page)
    # two edits within one second both show (livereload would drop the second)
    edit(article, "Overusing the leg muscles", "Second edit")
    time.sleep(0.3)
    edit(article, "Lying with the feet pointed", "Third edit")
    expect(page.locator("main")).to_contain_text("Third edit", timeout=DEADLINE_MS)
    expect(page.locator("main")).to_contain_text("Second edit")
    server.wait_for("content/conditions/leg-cramps.md changed: rebuilt in")
    page.close()


def test_an_edit_to_the_text_replaces_the_body_and_the_reader_keeps_their_place(site, server, browser):
    """Where only the body changed, the preview puts the new body in place without a
    navigation (quicker, and the page stays scrolled where it was); a changed head (a new
    title) reloads the page."""
    page = browser.new_page(viewport={"width": 400, "height": 300})
    live(page, server.url + "/conditions/leg-cramps/")
    page.evaluate("window.scrollTo({top: 500, behavior: 'instant'}); window.sameDocument = true")
    assert page.evaluate("window.scrollY") == 500
    article = site / "content/conditions/leg-cramps.md"
    edit(article, "Not drinking enough fluid", "Not drinking enough water")
    expect(page.locator("main")).to_contain_text("Not drinking enough water", timeout=DEADLINE_MS)
    assert page.evaluate("window.sameDocument") is True  # no navigation: the same document
    assert page.evaluate("window.scrollY") == 500  # where it was
    expect(page.locator("h1")).to_have_text("Leg cramps")
    live(page)
    edit(article, "title: Leg cramps", "title: Cramps in the legs")
    expect(page.locator("h1")).to_have_text("Cramps in the legs", timeout=DEADLINE_MS)
    assert page.evaluate("window.sameDocument") is None  # the head changed: a new document
    assert page.title().startswith("Cramps in the legs")
    page.close()


def test_broken_content_shows_the_error_page_and_recovers(site, server, browser):
    page = browser.new_page()
    live(page, server.url + "/conditions/back-spasms/")
    article = site / "content/conditions/back-spasms.md"
    good = article.read_text()
    article.write_text(good.replace("summary: Back", "summary: [Back", 1))  # YAML error
    expect(page.locator("h1")).to_have_text("The preview could not be rebuilt", timeout=DEADLINE_MS)
    expect(page.locator("main")).to_contain_text("content/conditions/back-spasms.md:4")
    live(page)
    article.write_text(good)
    expect(page.locator("h1")).to_have_text("Back spasms", timeout=DEADLINE_MS)
    live(page)

    article.write_text(good.replace("[[poor posture]].", "[[poor postur]].", 1))  # unknown link
    expect(page.locator("main")).to_contain_text("unknown link [[poor postur]]", timeout=DEADLINE_MS)
    live(page)
    article.write_text(good)
    expect(page.locator("h1")).to_have_text("Back spasms", timeout=DEADLINE_MS)
    live(page)

    template = site / "templates/condition.html"
    template_text = template.read_text()
    template.write_text(template_text.replace("{{ entity.title }}", "{{ entity.title }", 1))
    expect(page.locator("main")).to_contain_text("templates/condition.html:", timeout=DEADLINE_MS)
    live(page)
    template.write_text(template_text)
    expect(page.locator("h1")).to_have_text("Back spasms", timeout=DEADLINE_MS)
    assert server.process.poll() is None
    page.close()


def test_new_and_deleted_articles_are_picked_up(site, server, browser):
    page = browser.new_page()
    live(page, server.url + "/conditions/")
    new = site / "content/conditions/neck-pain.md"
    new.write_text("---\ntitle: Neck pain\nsummary: A fixture.\nreviewed: 2026-01-01\n---\nText.\n")
    expect(page.locator("main")).to_contain_text("Neck pain", timeout=DEADLINE_MS)
    live(page)
    new.unlink()
    expect(page.locator("main")).not_to_contain_text("Neck pain", timeout=DEADLINE_MS)
    assert raw_get(server.port, "/conditions/neck-pain/")[0] == 404
    page.close()


def test_config_changes_and_renames_are_picked_up(site, server, browser):
    page = browser.new_page()
    live(page, server.url + "/conditions/back-spasms/")
    config = site / "config.yaml"
    config.write_text(config.read_text().replace("title: Health Matters", "title: Renamed Site"))
    expect(page.locator(".site-name")).to_have_text("Renamed Site", timeout=DEADLINE_MS)
    (site / "content/conditions/back-spasms.md").rename(site / "content/conditions/back-pain.md")
    page.goto(server.url + "/conditions/")
    expect(page.locator("main")).to_contain_text("Back spasms", timeout=DEADLINE_MS)
    # The preview writes the new page, then removes the old one (`write.update_site`): wait for both.
    deadline = time.monotonic() + 20
    while ((raw_get(server.port, "/conditions/back-pain/")[0], raw_get(server.port, "/conditions/back-spasms/")[0])
           != (200, 404) and time.monotonic() < deadline):
        time.sleep(0.05)
    assert raw_get(server.port, "/conditions/back-pain/")[0] == 200
    assert raw_get(server.port, "/conditions/back-spasms/")[0] == 404
    page.close()


def test_a_site_broken_from_the_start_shows_the_error_page_then_recovers(site, browser):
    article = site / "content/conditions/leg-cramps.md"
    good = article.read_text()
    article.write_text(good.replace("reviewed: 2026-01-10", "reviewed: someday"))
    running = Server(site)
    try:
        running.wait_for("Serving the preview")
        page = browser.new_page()
        live(page, running.url + "/")
        expect(page.locator("main")).to_contain_text("content/conditions/leg-cramps.md:4: error: `reviewed` must be a real date")
        article.write_text(good)
        expect(page.locator("h1")).to_have_text("Health Matters", timeout=DEADLINE_MS)
        page.close()
    finally:
        assert running.stop() == 0


def test_drafts_are_previewed(server):
    assert raw_get(server.port, "/conditions/hidden-draft/")[0] == 200


def test_a_burst_of_saves_is_one_rebuild(site, server):
    before = sum("changed:" in line for line in server.lines)
    for number in range(20):
        (site / f"content/pages/burst-{number}.md").write_text(f"---\ntitle: Burst {number}\n---\nText.\n")
    server.wait_for("burst-")
    time.sleep(1)
    rebuilds = sum("changed:" in line for line in server.lines) - before
    assert 1 <= rebuilds <= 3, "".join(server.lines)
    assert raw_get(server.port, "/burst-19/")[0] == 200


@pytest.mark.parametrize("path", ["/../config.yaml", "/%2e%2e/config.yaml", "/..%2fconfig.yaml", "/%2e%2e%2f%2e%2e%2fetc/passwd",
                                  "/static/../../config.yaml", "/.healthsite-output", "/forcereload", "//etc/passwd",
                                  "/content/conditions/leg-cramps.md"])
def test_requests_cannot_escape_the_output_folder(server, path):
    status, body = raw_get(server.port, path)
    assert status == 404
    assert b"title: Health" not in body and b"root:" not in body


def test_port_in_use_is_a_one_line_error(site, server):
    busy = subprocess.run([sys.executable, str(REPO / "build.py"), "serve", "--port", str(server.port)],
                          cwd=site, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=30)
    assert busy.returncode == 2
    errors = [line for line in busy.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "already in use" in errors[0]


def test_host_that_cannot_be_bound(site):
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "serve", "--host", "192.0.2.1", "--port", str(free_port())],
                            cwd=site, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "warning: serving on 192.0.2.1" in result.stderr
    assert "error: 192.0.2.1" in result.stderr and "Traceback" not in result.stderr


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_a_page_that_connects_after_a_rebuild_is_reloaded_at_once(site, server):
    """The race the browser tests avoid by waiting: a save while a page is still loading."""
    import asyncio
    import concurrent.futures

    from tornado.websocket import websocket_connect

    assert raw_get(server.port, "/conditions/leg-cramps/")[0] == 200  # served from this build
    edit(site / "content/conditions/leg-cramps.md", "Not drinking enough fluid", "Saved while loading")
    server.wait_for("leg-cramps.md changed: rebuilt")

    async def handshake(path: str) -> list[str]:
        socket = await websocket_connect(f"ws://127.0.0.1:{server.port}/livereload")
        socket.write_message('{"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}')
        socket.write_message(json.dumps({"command": "info", "url": server.url + path, "plugins": {}}))
        messages = []
        try:
            while True:
                messages.append(await asyncio.wait_for(socket.read_message(), 1.0))
        except asyncio.TimeoutError:
            socket.close()
        return messages

    def in_thread(path: str) -> list[str]:  # Playwright owns this thread's event loop
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, handshake(path)).result()

    stale = in_thread("/conditions/leg-cramps/")
    assert any('"reload"' in m for m in stale), stale
    assert raw_get(server.port, "/conditions/back-spasms/")[0] == 200  # served after the rebuild
    fresh = in_thread("/conditions/back-spasms/")
    assert not any('"reload"' in m for m in fresh), fresh


def test_the_terminal_hears_only_what_is_new_or_fixed(capsys):
    from healthsite.pipeline import Build
    from healthsite.problems import error, warning
    from healthsite.preview import report

    grade = warning("content/conditions/a.md", 1, "reading grade 10.3 is above 9")
    broken = error("content/conditions/a.md", 7, "unknown link [[x]]")
    first = report(Build([], [grade], written=True, seconds=0.1), "first build")
    assert "reading grade" in capsys.readouterr().out
    failed = report(Build([], [grade, broken]), "content/conditions/a.md changed", 0.05, first)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "content/conditions/a.md:7: error: unknown link [[x]]"  # the old warning is not repeated
    assert out[1].endswith("content/conditions/a.md changed: build failed (1 error, 1 warning; 1 new, 0 fixed); still serving the last good site")
    report(Build([], [grade], written=True), "content/conditions/a.md changed", 0.04, failed)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "fixed: content/conditions/a.md:7: error: unknown link [[x]]"
    assert out[1].endswith("rebuilt in 40 ms (0 errors, 1 warning; 0 new, 1 fixed)")


def test_error_page_puts_errors_first_and_folds_warnings():
    from healthsite.problems import error, warning
    from healthsite.errorpage import error_page
    from healthsite.preview import Preview

    preview = Preview(Path("config.yaml"), "127.0.0.1", 8000, Path("/tmp/x"))
    preview.problems = [warning("a.md", 1, "a warning"), error("b.md", 2, "an error")]
    page = error_page(preview)
    assert page.index("an error") < page.index("<details>") < page.index("a warning")
    assert "<summary>1 warning(s)" in page


def test_ctrl_c_stops_the_preview_even_when_started_in_the_background(site):
    """A shell without job control starts a background command with SIGINT ignored (`make
    serve &` in a script): Ctrl-C's signal still stops the preview, cleanly."""
    running = Server(site, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    running.wait_for("Serving the preview")
    assert running.stop() == 0, "".join(running.lines)
    deadline = time.monotonic() + 5  # the last lines may still be on their way through the pipe
    while not any("stopped" in line for line in running.lines) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert any("stopped" in line for line in running.lines), "".join(running.lines)


def test_changes_the_watcher_missed_are_found_after_the_rebuilds_and_built(tmp_path, monkeypatch):
    """A rebuild reads only the files the watcher named; a moment after a burst's rebuilds,
    `verify` (`Preview.unseen_changes`) names what changed unseen, and the watcher builds it."""
    import asyncio
    import threading

    from tornado import ioloop

    import healthsite.watch as watch
    monkeypatch.setattr(watch, "VERIFY_SECONDS", 0.01)
    calls, verified = [], []

    async def rebuild(changed):
        calls.append(changed)

    async def verify():
        verified.append(len(calls))
        return {"content/conditions/missed.md"} if len(verified) == 1 else set()

    async def saved_once():
        watcher = watch.Watcher(tmp_path, ioloop.IOLoop.current(), rebuild, verify)
        watcher.changed.add("content/conditions/saved.md")
        await watcher._rebuild()
        await asyncio.sleep(0.3)

    runner = threading.Thread(target=asyncio.run, args=(saved_once(),))  # this thread may run the browser's loop
    runner.start()
    runner.join(10)
    assert calls == [["content/conditions/saved.md"], ["content/conditions/missed.md"]]
    assert verified == [1, 2]  # after each burst, once


def test_the_watcher_looks_for_unseen_changes_once_it_starts(tmp_path, monkeypatch):
    """A file saved during the first build, after the build read it, made no event (the
    watcher starts after that build): a look a moment after the start finds it."""
    import asyncio
    import threading

    from tornado import ioloop

    import healthsite.watch as watch
    monkeypatch.setattr(watch, "VERIFY_SECONDS", 0.01)
    verified = []

    async def verify():
        verified.append(True)
        return set()

    async def started():
        watcher = watch.Watcher(tmp_path, ioloop.IOLoop.current(), None, verify)
        watcher.start()
        await asyncio.sleep(0.3)
        watcher.stop()

    runner = threading.Thread(target=asyncio.run, args=(started(),))
    runner.start()
    runner.join(10)
    assert verified == [True]
