#!/usr/bin/env python3
"""Measure the preview's save-to-browser time: `python scripts/preview_latency.py [--articles N]`.

Starts `build.py serve` on a copy of the seed site (or a generated site of N
articles), opens a condition page in Debian's chromium, saves an edit to the
article and times until the browser shows the new text, several times.

"Shows" is read from the page's own clock (`performance.timeOrigin` is wall-clock
time, like the save's): where the preview put the new body in place, the end of the
first frame that holds the new text; where it reloaded the page, the new page's first
contentful paint. Playwright notices the new text later than either.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "scripts"))

from corpus import generate  # noqa: E402
from browser import free_port, launch  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


# Before a save: note the end of the first frame after the page's body is replaced.
WATCH_BODY = """() => {
    window.__shown = null;
    new MutationObserver((_, observer) => {
        observer.disconnect();
        requestAnimationFrame(() => {  // the frame that draws it; the message runs once it is done
            const channel = new MessageChannel();
            channel.port1.onmessage = () => { window.__shown = performance.timeOrigin + performance.now(); };
            channel.port2.postMessage(0);
        });
    }).observe(document.documentElement, {childList: true});
}"""

# When the page as it is now was shown, in milliseconds since the epoch: the new body's
# frame, or (a reloaded page, where nothing was watched) its first contentful paint.
SHOWN = """() => {
    if (window.__shown) return window.__shown;
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    return performance.timeOrigin + (paint ? paint.startTime : performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd);
}"""


def measure(root: Path, article: Path, page_path: str, rounds: int) -> list[float]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--port", str(port)], cwd=root, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(bypass_csp=True)  # Playwright polls with eval, which the CSP rightly forbids
            for _ in range(600):
                try:
                    page.goto(f"http://127.0.0.1:{port}{page_path}")
                    break
                except Exception:
                    time.sleep(0.1)
            original = article.read_text()
            title = next(line for line in original.splitlines() if line.startswith("title:")).split(":", 1)[1].strip()
            # The first build of a big site takes a while: until it is done the server shows a placeholder.
            page.wait_for_function(f"document.title.includes({title!r})", timeout=900_000, polling=500)
            page.wait_for_timeout(500)
            for number in range(rounds):
                marker = f"edit-marker-{number}"
                page.evaluate(WATCH_BODY)
                saved = time.time()
                article.write_text(original.replace("\n---\n", f"\n---\n{marker} ", 1))
                page.wait_for_function(f"document.body && document.body.innerText.includes('{marker}')", timeout=60_000, polling="raf")
                page.wait_for_function("() => window.__shown !== null", timeout=5_000)
                times.append(page.evaluate(SHOWN) / 1000 - saved)
                page.wait_for_timeout(300)
            browser.close()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(120)  # it removes its drafts folder: tens of thousands of files at 10,000 articles
        except subprocess.TimeoutExpired:
            server.kill()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=0, help="a generated site of N articles (default: the seed site)")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        if args.articles:
            generate(root, args.articles)
            article, path = root / "content/conditions/condition-0.md", "/conditions/condition-0/"
        else:
            root.mkdir()
            for part in ("config.yaml", "content", "templates", "static"):
                (shutil.copytree if (REPO / part).is_dir() else shutil.copy)(REPO / part, root / part)
            article, path = root / "content/conditions/muscle-spasms.md", "/conditions/muscle-spasms/"
        times = measure(root, article, path, args.rounds)
    label = f"{args.articles} generated articles" if args.articles else "seed site"
    print(f"{label}: save to browser median {statistics.median(times) * 1000:.0f} ms, "
          f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms over {len(times)} saves")


if __name__ == "__main__":
    main()
