"""The render stage, incremental: each planned page's output is the published file where
its key is unchanged (with a static file's new URL swapped in where only that changed),
else the page rendered (in workers for a big batch), its Markdown from the cache where
the same text was converted before."""

from __future__ import annotations

import dataclasses
import itertools
import operator
import os
from dataclasses import dataclass
from pathlib import Path

from .cache import BuildCache, Manifest, PageRecord, digest
from .plan import Page, PackedPage
from .planmemo import KeptPage, StalePlan
from .render import Output, Published, Restamped, offsite_media_urls, page_links
from .workers import render_pages
from .write import build_id


def render_site(pages: list[Page | PackedPage | KeptPage], base: str, renderer, cache: BuildCache,
                before: Manifest | None, out: Path, jobs: int | None, resident: bool = False,
                templates: dict[str, str] | None = None):
    """Every page's output: the published file where its key (`base`, what every page
    depends on, its fingerprint and its template's key) is unchanged, else rendered (with its Markdown from the
    cache where the same text was converted before). An unchanged page that holds the URL of
    a static file that changed since is the published file with the new URL swapped in
    (`Restamped`). A kept page that would need rendering raises `StalePlan`, before anything
    is rendered. `resident` (see `build_site`): where the plan is the last one with a few
    pages made again, only those are looked at (`_new_places`). Else each rendered page in
    `pages` is replaced by its `KeptPage` once rendered, so that its view data can go."""
    problems, tasks, rendering, keys, html_keys = [], [], [], {}, {}  # rendering: the places of `tasks`' pages
    folder = str(out) + os.sep
    published = before.pages if before else {}
    changed = asset_changes(before.assets if before else {}, renderer.assets)
    templates = templates or {}
    stamp = digest(base, repr(renderer.settings.assets), repr(templates))  # what the resident shortcuts must see unchanged
    last_render, cache.last_render = cache.last_render, None
    places = _new_places(pages, last_render, stamp, published) if resident else None
    # Each page's output in this build (`placed`) and once it is published (`after`: its file).
    changes = None
    if places is None:
        placed, after, records, places = [None] * len(pages), [None] * len(pages), {}, range(len(pages))
        # An unchanged page's output is the last build's object where it names the same file.
        last, cache.published_outputs = cache.published_outputs, {}
    else:
        after, records = list(last_render[3]), dict(last_render[2])
        placed, last = list(after), cache.published_outputs
        changes = RenderChanges(last_render[2], places)
    for place in places:
        page = pages[place]
        path = page.path
        old = published.get(path)
        seen = last.get(path)
        if resident and seen and seen[0] is page and seen[1] is old and seen[2] == stamp:
            # The very page value, and the same record, the last build found published there.
            placed[place] = after[place] = seen[3]
            records[path] = old
            cache.published_outputs[path] = seen
            continue
        key = keys[path] = base + page.fingerprint + templates.get(page.template, "")  # three digests: as good as one of all
        swaps = asset_swaps(old, changed) if old and old.key == key else None
        if swaps is not None and (resident or _same_size(folder + path, old.size)):
            output = seen[3] if seen else None
            if output is None or output.body != folder + path or output.source != page.source:
                output = Output(path, Published(folder + path), page.source)
            after[place] = placed[place] = output
            if swaps:
                old = restamped_record(old, swaps, cache.link_pairs)
                placed[place] = Output(path, Restamped(output.body, swaps), page.source)
            cache.published_outputs[path] = (page, old, stamp, output)  # once written, the file is this build's
            records[path] = old
        else:
            if isinstance(page, KeptPage):
                raise StalePlan(page.path)
            html_keys[page.path] = page.html_key
            tasks.append((page, cache.page_html(html_keys[page.path])))
            rendering.append(place)
            cache.published_outputs.pop(path, None)
    spool = cache.spool() if tasks else None
    results = render_pages(tasks, renderer.settings, renderer, jobs)
    del tasks  # `render_pages` lets go of each page once rendered
    for place, (result, converted) in zip(rendering, results):
        page = pages[place]
        if not resident:
            pages[place] = KeptPage.of(page)  # the last reference to its view data (`render_pages` let go of its own)
        if result.problem:
            problems.append(result.problem)
            placed[place] = after[place] = None
            records.pop(page.path, None)
            changes = None  # a page missing: the outputs are not the last render's files
            continue
        if converted is not None:
            cache.put_page_html(html_keys[page.path], converted)
        placed[place] = Output(page.path, spool.add(result.packed), page.source, packed=True)
        after[place] = Output(page.path, Published(folder + page.path), page.source)
        links = tuple([cache.link_pairs.setdefault(pair, pair) for pair in result.links])
        records[page.path] = PageRecord(keys[page.path], result.size, links, result.media, result.assets)
    cache.commit()
    if resident:
        cache.last_render = (pages, stamp, records, after)
    if changes is not None:
        return placed, records, problems, len(rendering), changes
    return [output for output in placed if output is not None], records, problems, len(rendering), None


@dataclass
class RenderChanges:
    """A resident render that spliced a few pages into the last one (see `render_site`): its
    outputs are the last render's files, at the same places, with only the pages at `places`
    made again; so the checks and the write need look at those only."""

    records_before: dict  # the last render's records: what a memo must have checked to take the splice
    places: list[int]


def _new_places(pages: list, last: tuple | None, stamp: str, published: dict) -> list[int] | None:
    """Where `pages` differ from the last render's (the same number, each page at its place
    its path's): the other pages' outputs and records are the last render's. None when they
    cannot be: another render since (the published records are not that render's), other
    templates or static files (`stamp`), or pages added, removed, moved or failed."""
    if last is None or last[1] != stamp or last[2] is not published or not len(last[0]) == len(pages) == len(published):
        return None
    places = list(itertools.compress(range(len(pages)), map(operator.is_not, pages, last[0])))
    if any(pages[place].path != last[0][place].path for place in places):
        return None
    return places


def asset_changes(before: dict[str, str], now: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """Each static file whose URL changed since the published build: (old URL, new URL or None if it is gone)."""
    return {name: (url, now.get(name)) for name, url in before.items() if now.get(name) != url}


def asset_swaps(record: PageRecord, changed: dict[str, tuple[str, str | None]]) -> tuple[tuple[str, str], ...] | None:
    """The URL swaps that make an unchanged page's published file this build's; None where
    it must be rendered again: a static file it uses is gone, or its text holds a URL of one
    that the template did not put there."""
    if not changed:
        return ()
    if record.assets is None:
        return None
    swaps = []
    for name in record.assets:
        if name in changed:
            old, new = changed[name]
            if new is None or len(new) != len(old):
                return None
            swaps.append((old, new))
    return tuple(swaps)


def restamped_record(record: PageRecord, swaps: tuple[tuple[str, str], ...], link_pairs: dict) -> PageRecord:
    """The record of a page with `swaps` made: its links to the static files have the new URLs."""
    urls = dict(swaps)
    links = list(record.links)
    for index, (href, target) in enumerate(links):
        if href in urls:
            pair = (urls[href], target)
            links[index] = link_pairs.setdefault(pair, pair)
    return dataclasses.replace(record, links=tuple(links))


def static_records(static_files: list[Output], base: str) -> dict[str, PageRecord]:
    """HTML files in static/ are published as they are, and their links checked like pages'."""
    records = {}
    for out in static_files:
        if out.path.endswith(".html"):
            text = out.data.decode("utf-8", "replace")
            page_url = base + out.path.removesuffix("index.html")
            records[out.path] = PageRecord("", len(out.data), page_links(text, page_url, base), offsite_media_urls(text))
    return records


def _same_size(path: str, size: int) -> bool:
    try:
        return os.stat(path).st_size == size
    except OSError:
        return False


def published_manifest(cache: BuildCache, out: Path) -> Manifest | None:
    """The manifest of the build now at `out`, if the cache has the one that wrote those very files."""
    manifest = cache.manifest(out)
    if manifest is None or build_id(out) != manifest.build:
        return None
    return manifest
