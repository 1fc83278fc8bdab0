"""Parallel work for cold builds: parsing files and rendering pages in a process pool.

Both are functions of values (a file's bytes; a planned page), so a worker needs nothing
of the build but what its initializer hands it, and a parallel build equals a serial one.
Small batches (a preview edit) run in this process: starting workers would cost more.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, Iterator

from .article import Article, parse_article
from .cache import pack
from .content import document_from_bytes
from .lint import ArticleChecks, Readability, check_article
from .plan import PackedPage, Page
from .problems import Problem
from .render import PageRenderer, RenderedPage, Settings
from .slugs import SortKeys

PARALLEL_FROM = 200  # fewer items than this are done in this process
BATCH = 50  # items per task: fewer round trips, and the last tasks still spread over the workers

ParseTask = tuple[bytes, str, str, str]  # the file's bytes, its path, kind and slug
Parsed = tuple[Article | None, list[Problem], ArticleChecks | None]
RenderTask = tuple[Page | PackedPage, list[str] | None]  # a page, and its converted markdown when the cache had it
Rendered = tuple[RenderedPage, bytes | None]  # the page, and its newly converted markdown packed for the cache


def jobs_for(count: int, jobs: int | None) -> int:
    """How many processes: `jobs` (0 or None: one per core), or 1 for a small batch."""
    if count < PARALLEL_FROM:
        return 1
    return max(1, jobs or os.cpu_count() or 1)


def parse_one(task: ParseTask, snippets: dict[str, str], readability: Readability, sort_keys: SortKeys | None = None) -> Parsed:
    raw, rel, kind, slug = task
    document, problems = document_from_bytes(raw, rel, kind, slug)
    if document is None:
        return None, problems, None
    article, found = parse_article(document, snippets)
    checks = check_article(article, readability)
    # Later stages read the parsed article, never the raw text: the body is not kept.
    article = dataclasses.replace(article, document=dataclasses.replace(article.document, body=""))
    if sort_keys is not None:  # the cache's key for the title, set as the cached property would set it
        article.__dict__["title_order"] = sort_keys(document.meta.title)
    article.wiki_links, article.title_order, article.urgency  # made here, in parallel, and cached with the article
    return article, problems + found, checks


def parse_files(tasks: list[ParseTask], snippets: dict[str, str], jobs: int | None,
                readability: Readability | None = None, sort_keys: SortKeys | None = None) -> Iterator[bytes]:
    """Each file's `Parsed`, packed for the cache (`cache.unpack` gives it back), in order.
    `readability` and `sort_keys`: this process's, for a batch parsed here (the preview keeps
    one; the hyphenation dictionary and the collator each take a while to load)."""
    return _run(tasks, jobs, _init_parser, (snippets,), _parse_batch,
                lambda: _parse_batch_with(snippets, readability, sort_keys))


def render_pages(tasks: list[RenderTask], settings: Settings, renderer: PageRenderer, jobs: int | None) -> Iterator[Rendered]:
    return _run(tasks, jobs, _init_renderer, (settings,), _render_batch, lambda: _render_batch_with(renderer))


def _run(tasks: list, jobs: int | None, initializer: Callable, initargs: tuple, batch_fn: Callable,
         local_batch_fn: Callable[[], Callable]) -> Iterator:
    """The results in order, as they come: the caller keeps what it needs of each and lets
    the rest go, so a big build never holds every result at once. Nor every task: each
    batch is let go once done (a page's view data, a file's bytes), if the caller let go
    of `tasks` too."""
    processes = jobs_for(len(tasks), jobs)
    batches = [tasks[i:i + BATCH] for i in range(0, len(tasks), BATCH)]
    del tasks
    if processes == 1:
        local = local_batch_fn()
        batches.reverse()  # taken from the end, first batch first
        while batches:
            yield from local(batches.pop())
        return
    with ProcessPoolExecutor(processes, mp_context=_context(), initializer=initializer, initargs=initargs) as pool:
        done = pool.map(batch_fn, batches)  # each batch is held by its call until that is done
        batches.clear()
        for results in done:
            yield from results


def _context():
    """Workers start from a clean process (forkserver), not as forks of this one: a fork
    would share, then copy, the whole site held here, and forking a process that runs
    other threads (the preview) can deadlock the child."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["healthsite.workers"])
    return context


# --- inside a worker: its own snippets or renderer, set once by the pool's initializer

class _Worker:
    snippets: dict[str, str] = {}
    readability: Readability | None = None
    renderer: PageRenderer | None = None


def _init_parser(snippets: dict[str, str]) -> None:
    _Worker.snippets, _Worker.readability = snippets, Readability()


def _init_renderer(settings: Settings) -> None:
    _Worker.renderer = PageRenderer(settings)


def _parse_batch(tasks: Iterable[ParseTask]) -> list[Parsed]:
    return _parse_batch_with(_Worker.snippets, _Worker.readability)(tasks)


def _render_batch(tasks: Iterable[RenderTask]) -> list[Rendered]:
    return _render_batch_with(_Worker.renderer)(tasks)


def _parse_batch_with(snippets: dict[str, str], readability: Readability | None = None,
                      sort_keys: SortKeys | None = None) -> Callable:
    readability = readability or Readability()
    # Packed here, where the work is spread: this process stores the bytes as they are.
    return lambda tasks: [pack(parse_one(task, snippets, readability, sort_keys)) for task in tasks]


def _render_batch_with(renderer: PageRenderer) -> Callable:
    def run(tasks: Iterable[RenderTask]) -> list[Rendered]:
        results = []
        for page, html in tasks:
            converted = None
            if isinstance(page, PackedPage):
                page = page.unpacked()
            if html is None:
                html = renderer.html_of(page)
                converted = pack(html)
            results.append((renderer.render(page, html), converted))
        return results
    return run
