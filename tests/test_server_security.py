"""The preview server under attack and under load (issue 11): it answers only the
address it serves, never prints a traceback, keeps serving the old page until the
new one is in place, survives its folders being replaced, and leaves nothing behind."""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.client
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from browser import free_port
from conftest import REPO
from test_server import Server, edit, raw_get, server, site  # noqa: F401 (fixtures)



def get_with_host(port: int, path: str, host: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    connection.putheader("Host", host)
    connection.endheaders()
    return connection.getresponse().status


def test_only_the_served_address_is_answered(server):
    port = server.port
    assert get_with_host(port, "/", f"127.0.0.1:{port}") == 200
    assert get_with_host(port, "/", f"localhost:{port}") == 200
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1:{port + 1}", f"localhost.evil.example:{port}", "[::1"):
        assert get_with_host(port, "/conditions/hidden-draft/", host) == 403, host
    assert get_with_host(port, "/livereload.js", f"evil.example:{port}") == 403


def socket_messages(port: int, origin: str | None, *messages: str) -> list[str] | str:
    """Connect to the reload socket with `origin`, send messages, return what came back (or the refusal)."""
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    async def talk():
        headers = {"Origin": origin} if origin else {}
        try:
            socket = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{port}/livereload", headers=headers))
        except HTTPClientError as exc:
            return f"refused {exc.code}"
        for message in messages:
            socket.write_message(message)
        received = []
        try:
            while (message := await asyncio.wait_for(socket.read_message(), 0.5)) is not None:
                received.append(message)
        except asyncio.TimeoutError:
            socket.close()
        return received

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright may own this thread's event loop
        return pool.submit(asyncio.run, talk()).result()


def test_reload_socket_checks_origin(server):
    hello = '{"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}'
    assert socket_messages(server.port, "http://evil.example", hello) == "refused 403"
    assert socket_messages(server.port, f"http://evil.example:{server.port}", hello) == "refused 403"
    answer = socket_messages(server.port, server.url, hello)
    assert answer and '"hello"' in answer[0]


def test_malformed_socket_messages_are_ignored(server):
    answer = socket_messages(server.port, server.url, "not json", "[1, 2]", "null", '{"command": "info", "url": 5}',
                             '{"command": "info"}', '{"command": "info", "url": "http://[::1/"}', '{"command": 7}')
    assert answer == []
    time.sleep(0.2)
    assert "Traceback" not in "".join(server.lines)  # the fixture checks again at the end


def test_long_path_segment_is_a_404(server):
    for path in ("/" + "a" * 300 + "/", "/conditions/" + "%41" * 400, "/" + "a/" * 3000):
        status, body = raw_get(server.port, path)
        assert status == 404 and b"Traceback" not in body, path
        assert b"/livereload.js" in body  # the 404 page reloads by itself once the page exists
    assert "Traceback" not in "".join(server.lines)


def test_port_out_of_range_is_a_usage_error(site):  # noqa: F811
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "serve", "--port", "70000"], cwd=site, timeout=30,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True)
    assert result.returncode == 2 and "--port 70000 is not a port number" in result.stderr


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP])
def test_terminating_the_preview_removes_its_drafts_folder(site, tmp_path, monkeypatch, stop):  # noqa: F811
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    running = Server(site)
    running.wait_for("Serving the preview")
    assert [p.name[:19] for p in temporary.iterdir()] == ["healthsite-preview-"]
    running.process.send_signal(stop)
    assert running.process.wait(10) == 0
    assert list(temporary.iterdir()) == []


def test_pages_stay_up_while_the_site_is_rebuilt(site, server):  # noqa: F811
    statuses: list[int] = []
    done = threading.Event()

    def load():
        while not done.is_set():
            for path in ("/conditions/leg-cramps/", "/static/style.css", "/causes/dehydration/", "/"):
                statuses.append(raw_get(server.port, path)[0])

    readers = [threading.Thread(target=load) for _ in range(6)]
    for reader in readers:
        reader.start()
    article = site / "content/conditions/leg-cramps.md"
    try:
        for number in range(10):
            edit(article, "Not drinking enough fluid" if number == 0 else f"Edit {number - 1}.", f"Edit {number}.")
            server.wait_for(f"changed: rebuilt in", timeout=30)
            server.lines.clear()
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert len(statuses) > 50 and set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}


def test_replaced_content_folder_is_watched_again(site, server, tmp_path):  # noqa: F811
    backup = tmp_path / "backup"
    shutil.copytree(site / "content", backup)
    shutil.rmtree(site / "content")
    server.wait_for("build failed")
    shutil.copytree(backup, site / "content")
    deadline = time.monotonic() + 15
    while raw_get(server.port, "/conditions/leg-cramps/")[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # let the watch on the new folder settle
    edit(site / "content/conditions/leg-cramps.md", "Not drinking enough fluid", "Seen after the folder came back")
    deadline = time.monotonic() + 15
    while b"Seen after the folder came back" not in raw_get(server.port, "/conditions/leg-cramps/")[1]:
        assert time.monotonic() < deadline, "".join(server.lines)
        time.sleep(0.05)


def test_memory_of_served_pages_is_bounded(tmp_path):
    from healthsite.preview import MAX_SERVED, Preview, page_key

    preview = Preview(tmp_path / "config.yaml", "127.0.0.1", free_port(), tmp_path / "out")
    for number in range(MAX_SERVED * 2 + 5):
        preview.mark_served(f"/no-such-page-{number}/")
    assert len(preview.served) <= MAX_SERVED
    assert page_key("//conditions//a/index.html") == page_key("/conditions/a/") == "/conditions/a/"
    preview.mark_served("/conditions/a/index.html")
    preview.generation += 1
    assert preview.served_before_last_rebuild("/conditions/a/")
    assert not preview.served_before_last_rebuild("/never/served/")


def test_undecodable_file_name_is_reported_not_a_traceback(site, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PYTHONIOENCODING", "utf-8")
    running = Server(site)
    try:
        running.wait_for("Serving the preview")
        (site / "content/conditions").joinpath(os.fsdecode(b"caf\xe9\x1b.md")).write_text("---\ntitle: T\n---\n")
        running.wait_for("build failed")
        status, page = raw_get(running.port, "/")
        assert status == 500 and b"content/conditions/caf\\xe9\\x1b.md" in page  # the error page, escaped
        output = "".join(running.lines)
        assert "content/conditions/caf\\xe9\\x1b.md" in output and "\x1b" not in output
        assert "Traceback" not in output
    finally:
        assert running.stop() == 0


def test_host_rules(tmp_path):
    import socket

    from healthsite.preview import Preview

    local = Preview(tmp_path / "config.yaml", "127.0.0.1", 8000, tmp_path / "out")
    assert local.allows_host("127.0.0.1:8000") and local.allows_host("localhost:8000") and local.allows_host("[::1]:8000")
    for host in ("evil.example:8000", "127.0.0.1:8001", "127.0.0.1", None, "", f"{socket.gethostname()}:8000", "[::1:8000"):
        assert not local.allows_host(host), host
    network = Preview(tmp_path / "config.yaml", "0.0.0.0", 80, tmp_path / "out")
    assert network.allows_host(socket.gethostname()) and network.allows_host("192.168.1.5") and network.allows_host("192.168.1.5:80")
    assert not network.allows_host("evil.example")
