"""The stages strung together: read -> parse -> link -> plan -> render -> (write).

`build_site` is a function of the project's files: it returns every output
file and every problem, and writes nothing. `publish` writes only a clean build.
A `BuildCache` makes both incremental: what did not change is not done again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import itertools
import operator
import os
import stat
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .article import Article, parse_article
from .cache import CACHE_FOLDER, BuildCache, Manifest, PageRecord, code_version, digest, unpack
from .config import Config
from .content import FOLDERS, content_files, read_document, read_raw, read_snippets
from .files import list_files, read_bytes, settled, status_of
from .graph import GraphMemo, Site, build_graph
from .lint import ArticleChecks, lint, today
from .plan import Page, PackedPage, plan
from .planmemo import KeptPage, PlanIndex, PlanMemo, StalePlan
from .problems import Problem, error, has_errors, sort_problems
from .render import (Output, PageRenderer, Published, Restamped, Settings, TemplateCode, asset_urls, compile_templates,
                     offsite_media_urls, page_links, template_keys)
from .workers import ParseTask, Parsed, parse_files, render_pages
from .write import (CheckMemo, broken_links, build_id, index_search, offsite_media, recover, refuse_output, update_site,
                    vanished_addresses, write_site)


@dataclass
class Build:
    outputs: list[Output]
    problems: list[Problem]
    site: Site | None = None
    seconds: float = 0.0
    written: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    manifest: Manifest | None = None  # what this build would leave in the output folder
    unchanged: bool = False  # nothing the site is made of changed since the build already at `out`
    rendered: int = 0  # pages rendered (the rest were unchanged)
    grades: dict[str, float] = field(default_factory=dict)  # reading grade of each article, by file
    # The outputs that may differ from the files at `out` (None: any may). Only a render that
    # spliced its pages into the published build's (`RenderChanges`) knows them.
    fresh: list[Output] | None = None
    # A one-off build's plan as the next process starts from it (`PlanMemo.index`), and the
    # pages (owners) it planned again rather than kept: see `_one_off_plan`.
    plan_index: PlanIndex | None = None
    planned: frozenset = frozenset()

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)

    @property
    def page_count(self) -> int:
        if self.unchanged and self.manifest:
            return self.manifest.page_count
        return sum(1 for o in self.outputs if o.path.endswith(".html"))


def build_site(config: Config, drafts: bool = False, problems: list[Problem] = (), day: dt.date | None = None,
               search: bool = True, editor_pages: bool = False, out: Path | None = None,
               cache: BuildCache | None = None, jobs: int | None = None, skip_unchanged: bool = False,
               resident: bool = False) -> Build:
    """Everything but writing: the outputs and the problems of the whole site.

    With a `cache`, parsing, Markdown and whole pages are reused where their inputs are
    the same, and pages unchanged since the build at `out` are not rendered again. With
    `skip_unchanged`, a build of exactly what is already at `out` stops after reading.
    A content file is read again only when its status changed since the cache last read it
    (`read_files`). `resident`: a process that builds the same project again and again (the
    preview) into a folder nothing else writes to: an unchanged page's file is not looked at
    to see that it is still there (a page deleted there behind the preview's back comes back
    when it changes or on restart)."""
    with cycle_collection_paused():
        return _build_site(config, drafts, problems, day, search, editor_pages, out, cache, jobs, skip_unchanged,
                           resident)


@contextmanager
def cycle_collection_paused(freeze_survivors: bool = False):
    """Python's cycle collector walks every live object when enough new ones pile up: with
    10,000 parsed articles in memory that is 2 seconds a time, and a build paid it again and
    again (8 of a 26-second preview build). Reference counting still frees what a build
    drops (a build leaves about ten objects in cycles). With `freeze_survivors` (a process
    that builds again and again, like the preview), what outlives the build (the cache, the
    site) is moved out of the collector's sight: else the first collection after the build
    walks all of it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze_survivors:
            gc.freeze()
        if was_enabled:
            gc.enable()


def _build_site(config: Config, drafts: bool, problems: list[Problem], day: dt.date | None, search: bool,
                editor_pages: bool, out: Path | None, cache: BuildCache | None, jobs: int | None,
                skip_unchanged: bool, resident: bool) -> Build:
    start = time.perf_counter()
    day = day or today()
    out = (out or config.output_path).resolve()
    cache = cache or BuildCache(namespace=namespace())
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        timings[name] = time.perf_counter() - start - sum(timings.values())

    problems = list(problems)
    snippets, found = read_snippets(config)
    problems += found
    static_files, found = read_static(config)
    problems += found
    templates, found = check_templates(config)
    templates_ok = not found
    problems += found
    watched = cache.watched
    if watched is not None and ("config.yaml" in watched or any(os.path.isdir(config.root / rel) for rel in watched)):
        # A new max_file_size changes what every status is compared with; a folder moved in
        # or renamed is one event, not one per file in it.
        watched = None
    files, found = list_content(config, cache, watched)
    problems += found
    raws, joined_keys, read_changes = read_content(files, config, problems, cache, watched)
    cache.watched = None  # read: a build that raised before this still reads what was named to it
    cache.statuses_checked = cache.statuses_checked or watched is None
    # What every page depends on; static files only through their URLs (`render_site` swaps a new
    # version in), templates only through its own (`render.template_keys`).
    settings_text = repr((config_key(config), day, drafts, search, editor_pages, sorted(snippets.items())))
    inputs = digest(settings_text, repr(templates), repr([(o.path, digest(o.data)) for o in static_files]), joined_keys)
    before = published_manifest(cache, out)
    if skip_unchanged and before and before.inputs == inputs and not has_errors(problems):
        lap("read")  # nothing changed since the build at `out`: its problems are still the problems
        return Build([], sort_problems(problems + list(before.problems)), None, time.perf_counter() - start,
                     timings=timings, manifest=before, unchanged=True)
    lap("read")
    parsed = parse_all(raws, snippets, cache, jobs, config, read_changes)
    del raws  # the files' bytes (40 MB at 10,000 articles): nothing after the parse reads them
    articles, checks, grades = parsed.articles, parsed.checks, parsed.grades
    problems += parsed.problems
    lap("parse")

    published = articles if drafts else [a for a in articles if not a.document.meta.draft]
    hidden = [] if drafts else [a for a in articles if a.document.meta.draft]  # drafts: kept only to explain links to them
    if cache.graph_memo is None:
        cache.graph_memo = GraphMemo()
    site, found = build_graph(published, hidden, cache.graph_memo, cache.sort_keys, parsed.replaced if drafts else None)
    problems += found + lint(site, config, day, checks, cache.lint_memo)
    lap("link")
    if not templates_ok:  # Jinja would raise on a template it cannot decode
        return Build([], sort_problems(problems), site, time.perf_counter() - start, timings=timings)
    assets = asset_urls(config, static_files)
    settings = Settings(config, tuple(sorted(assets.items())), search, bool(site.abbreviations))
    renderer = _renderer(cache, settings)
    found = compile_templates(config, renderer.env)
    if found:
        return Build([], sort_problems(problems + found), site, time.perf_counter() - start, timings=timings)
    base = digest(settings_text, repr((settings.search, settings.has_glossary)))
    # What every page depends on: a plan index (the plan of the build at `out`) made with another is of no use.
    index_key = digest(base, repr((editor_pages, tuple(site.abbreviations.items()))))  # in order: a page takes the first 100
    index = before.plan(index_key) if before and not resident else None  # the preview keeps its plan in memory
    if cache.plan_memo is None:
        cache.plan_memo = PlanMemo()
    keyed = _template_keys(cache, renderer, templates)

    def planned_from(index: PlanIndex | None) -> tuple[list, PlanIndex | None, frozenset]:
        """The plan's pages, and what a one-off build keeps of the plan (`_one_off_plan`)."""
        pages = plan(site, config, day, editor_pages, grades, cache.plan_memo, index, index_key, keyed, packed=not resident,
                     stored=None if resident else cache.page_view)
        return (pages, None, frozenset()) if resident else (pages, *_one_off_plan(cache))

    pages, plan_index, planned = planned_from(index)
    lap("plan")
    try:
        page_outputs, records, found, rendered, changes = render_site(pages, base, renderer, cache, before, out, jobs,
                                                                      resident, keyed)
    except StalePlan:  # a kept page's file changed behind the build's back, or it must be rendered: plan every page afresh
        cache.plan_memo = PlanMemo()
        pages, plan_index, planned = planned_from(None)
        page_outputs, records, found, rendered, changes = render_site(pages, base, renderer, cache, before, out, jobs,
                                                                      resident, keyed)
    problems += found
    template_failed = bool(found)  # pages that failed are missing: links to them are not the editor's mistake
    lap("render")
    if cache.check_memo is None:
        cache.check_memo = CheckMemo()
    check_memo = cache.check_memo
    places = check_memo.begin(changes)  # None: every page is looked at
    moved = {old: target.path for old, target in site.redirects(config.base_path).items()}
    site_files = check_memo.site_files_of(config, pages, moved, places)
    outputs = static_files + page_outputs + site_files
    if not editor_pages:  # the preview starts afresh each time: only published sites remember
        problems += vanished_addresses(config, out, outputs)
    static = static_records(static_files, config.base_path)
    checked = {**static, **records}
    look_at = fresh = None
    if places is not None:
        # The files are the last ones (the static files too: their URLs are part of the render's
        # stamp); only the pages made again, and the static files' records (made anew), can differ.
        look_at = {*static, *(pages[place].path for place in places)}
        fresh = static_files + [page_outputs[place] for place in places] + site_files
    problems += check_memo.url_clashes_of(outputs, places is not None) + offsite_media(checked, outputs, config, look_at)
    if not template_failed:
        problems += broken_links(checked, outputs, config, check_memo, look_at)
        check_memo.end(records, checked)
    lap("check")
    problems = sort_problems(problems)
    # Named by its inputs: a build is a function of them, so the same inputs make the same files.
    manifest = Manifest(digest("build", inputs), inputs, records,
                        tuple(p for p in problems if p.severity == "warning"), check_memo.output_files(outputs), assets)
    return Build(outputs, problems, site, time.perf_counter() - start, timings=timings, manifest=manifest, rendered=rendered,
                 grades=grades, fresh=fresh, plan_index=plan_index, planned=planned)


def _one_off_plan(cache: BuildCache) -> tuple[PlanIndex, frozenset]:
    """What a one-off build (not `resident`) keeps of its plan: the index the next process
    starts from, and the owners of the pages it planned again, whose views the cache stores
    (a next process whose only change is a template renders them from there). The memo
    itself is let go, so each page (a `PackedPage`) goes once it is rendered (`render_site`)."""
    memo, cache.plan_memo = cache.plan_memo, None
    made = [(owner, page) for owner, (page, _) in memo.pages.items()
            if not isinstance(page, KeptPage) and owner not in memo.restored]
    cache.put_page_views([(owner, page) for owner, page in made if isinstance(page, PackedPage)])
    return memo.index(), frozenset(owner for owner, _ in made)


def _template_keys(cache: BuildCache, renderer: PageRenderer, templates: list[tuple[str, str]]) -> dict[str, str]:
    """`render.template_keys`, made again only when a template changed (each is parsed)."""
    if cache.template_keys[0] != templates:
        digests = {path.removeprefix("templates/"): value for path, value in templates}
        cache.template_keys = (templates, template_keys(renderer.env, digests))
    return cache.template_keys[1]


def _renderer(cache: BuildCache, settings: Settings) -> PageRenderer:
    """The cache's renderer for these settings: its Jinja environment has the templates compiled."""
    if settings not in cache.renderers:
        cache.renderers.clear()  # other settings' renderers will not be asked for again
        cache.renderers[settings] = PageRenderer(settings, TemplateCode(cache) if cache.db else None)
    return cache.renderers[settings]


def config_key(config: Config) -> str:
    """The settings as they affect the pages: where the project folder is does not."""
    return repr(dataclasses.replace(config, root=Path(".")))


def namespace() -> str:
    """Cached values are valid only for this generator code. (Settings are part of each key
    that depends on them, so `serve` and `build` share one cache.)"""
    return digest(code_version())


def project_cache(config: Config, enabled: bool = True) -> BuildCache:
    """The cache in the project's .healthsite-cache/ folder (or one in memory only)."""
    return BuildCache(config.root / CACHE_FOLDER if enabled else None, namespace())


def list_content(config: Config, cache: BuildCache, watched: set[str] | None) -> tuple[list, list[Problem]]:
    """`content_files`, or the last listing when a watcher saw no file under content/ come or
    go (every one it saw change is a plain file that listing has) and it had no problems (a
    link's target can change unseen)."""
    last = cache.content_listing
    if watched is not None and last is not None and not last[0][1]:
        listed = last[1]
        under = [rel for rel in watched if rel == "content" or rel.startswith("content/")]
        if all(rel in listed and os.path.isfile(config.root / rel) for rel in under):
            return last[0]
    found = content_files(config, cache.listings)
    cache.content_listing = (found, {rel for _, rel, _ in found[0]})
    return found


def read_content(files: list[tuple[Path, str, str]], config: Config, problems: list[Problem], cache: BuildCache,
                 watched: set[str] | None) -> tuple[list[tuple[str, ParseTask]], str, tuple | None]:
    """`read_files` with the cache's file statuses, and the files' keys joined (digests of one
    length: as good as each apart). Where the listing is the last read's and the watcher named
    only files that can still be read, the last read's list with those files read again, and
    the changes the parse can splice in: (the last read as kept, this read as kept, the places
    read again)."""
    last, cache.last_read = cache.last_read, None
    if watched is not None and last is not None and last[0] is files:
        raws, joined, places, found = list(last[1]), last[3], [], []
        # The files named, and those read every time: a link (no status is kept for it), and
        # a file whose status was forgotten (read while unsettled; changed while parsed).
        for rel in {*watched, *(rel for rel in last[2] if rel not in cache.file_status)}:
            place = last[2].get(rel)
            if place is None:
                continue  # not a content file
            path, _, kind = files[place]
            read = _read_one(path, rel, kind, config, found, cache.file_status)
            if read is None:  # it can no longer be read: the list is made again
                break
            raws[place], width = read, len(read[0])  # keys are digests, of one width
            joined = joined[:place * width] + read[0] + joined[(place + 1) * width:]
            places.append(place)
        else:
            problems += found
            kept = list(raws)
            for place in places:
                kept[place] = _without_bytes(raws[place])
            cache.last_read = (files, kept, last[2], joined)
            return raws, joined, (last[1], kept, places)
    raws = read_files(files, config, problems, cache.file_status, watched)
    joined = "".join([key for key, _ in raws])
    if len(raws) == len(files):  # one place a file: its changes can be spliced
        cache.last_read = (files, [_without_bytes(read) for read in raws],
                           {rel: place for place, (_, rel, _) in enumerate(files)}, joined)
        return raws, joined, (None, cache.last_read[1], None)
    return raws, joined, None


def _without_bytes(read: tuple[str, ParseTask]) -> tuple[str, ParseTask]:
    """What the cache keeps of a file read: its key and its task without its bytes (`parse_all`
    reads them again where it needs them)."""
    key, (raw, rel, kind, slug) = read
    return read if raw is None else (key, (None, rel, kind, slug))


def read_files(files: list[tuple[Path, str, str]], config: Config, problems: list[Problem],
               seen: dict[str, tuple[tuple, str]] | None = None,
               watched: set[str] | None = None) -> list[tuple[str, ParseTask]]:
    """Each content file's bytes, with the key its parse is cached under.

    `seen` (the cache's `file_status`): each file's status when it was last read and its
    key. A file whose status is the same is not read again, and its task holds no bytes
    (`parse_all` reads them if the parse is not cached after all). As git does, a status is
    trusted only once its change time is seconds old: a file written twice within the file
    system's clock tick could keep its size and times. `watched` (see `BuildCache.watched`):
    a file in `seen` that the watcher did not see change is not even looked at."""
    raws = []
    for path, rel, kind in files:
        if watched is not None and rel not in watched:
            known = seen.get(rel)
            if known:
                raws.append((known[1], (None, rel, kind, rel[rel.rindex("/") + 1:-3])))  # the stem: every one ends .md
                continue
        read = _read_one(path, rel, kind, config, problems, seen)
        if read is not None:
            raws.append(read)
    if seen is not None and len(seen) > len(files):  # files gone since: their statuses would be kept for ever
        listed = {rel for _, rel, _ in files}
        for rel in [rel for rel in seen if rel not in listed]:
            del seen[rel]
    return raws


def _read_one(path: Path, rel: str, kind: str, config: Config, problems: list[Problem],
              seen: dict[str, tuple[tuple, str]] | None) -> tuple[str, ParseTask] | None:
    """One file's key and task (see `read_files`); None if it cannot be read."""
    status = None
    if seen is not None:
        status = _read_status(path, config)
        known = seen.get(rel)
        if status and known and known[0] == status:
            return known[1], (None, rel, kind, path.stem)
    raw, found = read_raw(path, rel, config, listed=True)
    problems += found
    key = file_key(rel, kind, raw) if raw is not None else None
    if seen is not None:
        if key and status and settled(status):
            seen[rel] = (status, key)
        else:  # what it knew of the file is out of date, and `watched` would trust it
            seen.pop(rel, None)
    return (key, (raw, rel, kind, path.stem)) if key else None


def unseen_changes(config: Config, cache: BuildCache) -> set[str]:
    """The content files whose status differs from the one the cache last read them at, and
    those added or removed since: what a build that trusted a watcher would have missed (a
    watcher can drop events). Not a build: nothing in the cache changes."""
    files, _ = content_files(config)
    listed = {rel for _, rel, _ in files}
    last = cache.content_listing[1] if cache.content_listing else set()
    missed = listed ^ last
    for path, rel, _ in files:
        known = cache.file_status.get(rel)
        if known and known[0] != _read_status(path, config):
            missed.add(rel)
    return missed


def _read_status(path: Path, config: Config) -> tuple | None:
    """A content file's status as `read_files` keeps it (with the size limit it was read
    under); None for a link or nothing, which is read every time."""
    status = status_of(path)
    return status + (config.max_file_size,) if status and stat.S_ISREG(status[-1]) else None


def file_key(rel: str, kind: str, raw: bytes) -> str:
    """What a content file's parse is cached under (with the snippets' digest)."""
    return digest(rel, kind, raw)


@dataclass
class ParsedFiles:
    """What the later stages take of the parsed files."""

    results: list[Parsed]  # each file's (article or None, problems, its ArticleChecks), in the files' order
    articles: list[Article]
    checks: dict[str, ArticleChecks]  # by file
    grades: dict[str, float]  # each article's reading grade, by file
    problems: list[Problem]
    article_places: dict[str, int] = field(default_factory=dict)  # each article's place in `articles`, by file
    replaced: tuple | None = None  # (the last articles, the (old, new) pairs that make these of them), where spliced

    @staticmethod
    def of(results: list[Parsed], last: ParsedFiles | None = None, places=()) -> ParsedFiles:
        """With `last`: the results are its results but at `places`, so only there can anything
        differ. Where each of those files still has an article (or still has none), the last
        lists and tables are copied with those places changed, not made again from every file."""
        if last is not None:
            spliced = _spliced_files(results, last, places)
            if spliced is not None:
                return spliced
        checks = {article.document.path: checked for article, _, checked in results if article}
        articles = [article for article, _, _ in results if article]
        return ParsedFiles(results, articles, checks, {path: checked.grade for path, checked in checks.items()},
                           [problem for _, found, _ in results for problem in found],
                           {article.document.path: place for place, article in enumerate(articles)})


def _spliced_files(results: list[Parsed], last: ParsedFiles, places) -> ParsedFiles | None:
    articles, checks, grades, problems = list(last.articles), dict(last.checks), dict(last.grades), last.problems
    pairs = []
    for place in places:
        (old, old_found, _), (new, found, checked) = last.results[place], results[place]
        if (old is None) != (new is None) or (new and new.document.path != old.document.path):
            return None  # an article came or went: the lists are made again
        if new:  # changed in place, so that the tables stay compact (and quick to copy)
            articles[last.article_places[new.document.path]] = new
            checks[new.document.path], grades[new.document.path] = checked, checked.grade
            if new is not old:
                pairs.append((old, new))
        if found != old_found:
            problems = None
    if problems is None:
        problems = [problem for _, found, _ in results for problem in found]
    return ParsedFiles(results, articles, checks, grades, problems, last.article_places, (last.articles, pairs))


def parse_all(raws: list[tuple[str, ParseTask]], snippets: dict[str, str], cache: BuildCache, jobs: int | None,
              config: Config, read: tuple | None = None) -> ParsedFiles:
    """Parsed articles, from the cache where the file (and the snippets) are unchanged. Where
    the files are the last call's (as many), only those whose key changed are looked up; where
    `read` (see `read_content`) says the reads are the last call's with a few places read
    again, only those keys are made and compared."""
    snippets_key = digest(*(part for item in sorted(snippets.items()) for part in item))
    last_keys, last, last_read, last_snippets = cache.last_parse
    if read and read[2] is not None and last is not None and read[0] is last_read and snippets_key == last_snippets:
        keys = list(last_keys)
        for place in read[2]:
            keys[place] = raws[place][0] + snippets_key
        parsed, places = list(last.results), [place for place in read[2] if keys[place] != last_keys[place]]
    else:
        keys = [key + snippets_key for key, _ in raws]  # two digests: as good as a digest of both
        if last is not None and len(last_keys) == len(keys):
            parsed, places = list(last.results), list(itertools.compress(range(len(keys)), map(operator.ne, keys, last_keys)))
        else:
            parsed, places = [None] * len(keys), range(len(keys))
    missing = []
    for place in places:
        task = raws[place][1]
        found = cache.document(keys[place])
        if found is None and task[0] is None:  # unchanged by its status (`read_files`), but its parse is not cached
            task, keys[place] = _read_now(task, keys[place], snippets_key, config, cache)
            found = cache.document(keys[place])
        if found is None:
            missing.append((place, task))
        parsed[place] = found
    for (place, _), packed in zip(missing, parse_files([task for _, task in missing], snippets, jobs, cache.readability,
                                                       cache.sort_keys)):
        parsed[place] = unpack(packed)
        cache.put_document(keys[place], parsed[place], packed)
    if isinstance(places, range):
        cache.keep_only_documents(set(keys))
        files = ParsedFiles.of(parsed)
    else:  # only looked-up files' articles can have left; one may have moved to another place
        cache.forget_documents({last_keys[place] for place in places} - {keys[place] for place in places})
        if len(cache.documents) > len(keys):  # parses kept by a call that raised before it ended
            cache.keep_only_documents(set(keys))
        files = ParsedFiles.of(parsed, last, places)
    cache.last_parse = (keys, files, read[1] if read else None, snippets_key)
    return files


def _read_now(task: ParseTask, key: str, snippets_key: str, config: Config, cache: BuildCache) -> tuple[ParseTask, str]:
    """A task `read_files` left without bytes, read now (the snippets it may take in changed,
    or its parse left the cache), with the key of the bytes read: a file saved since its
    status was taken is never cached under its old bytes' key, and its status is forgotten.
    A file gone since reads as empty; its removal prompts the next build, which lists it no more."""
    _, rel, kind, slug = task
    raw, _ = read_raw(config.root / rel, rel, config)
    raw = raw or b""
    read_key = file_key(rel, kind, raw) + snippets_key
    if read_key != key:
        cache.file_status.pop(rel, None)
    return (raw, rel, kind, slug), read_key


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
        placed[place] = Output(page.path, result.packed, page.source, packed=True)
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


def read_articles(config: Config, paths: list[Path]) -> tuple[list[Article], list[Problem], list[Path]]:
    """Read and parse just these files (or the .md files in these folders) under content/:
    the articles, their problems, and the paths that are not content files."""
    content = (config.root / "content").resolve()
    snippets, problems = read_snippets(config)
    articles, unknown = [], []
    for given in paths:
        files = sorted(given.rglob("*.md")) if given.is_dir() else [given]
        for path in files:
            resolved = path.resolve()
            parts = resolved.relative_to(content).parts if resolved.is_relative_to(content) else ()
            if len(parts) != 2 or parts[0] not in FOLDERS or not resolved.is_file():
                unknown.append(path)
                continue
            rel = resolved.relative_to(config.root.resolve()).as_posix()
            document, found = read_document(resolved, rel, FOLDERS[parts[0]], config)
            problems += found
            if document:
                article, found = parse_article(document, snippets)
                articles.append(article)
                problems += found
    return articles, sort_problems(problems), unknown


def read_static(config: Config) -> tuple[list[Output], list[Problem]]:
    """static/ as it is, minus what must not be published: a link out of the project
    (static/passwd -> /etc/passwd), a FIFO, a file that cannot be read."""
    folder = config.root / "static"
    if folder.is_symlink():
        return [], [error("static", 0, "is a link to a folder: move the folder itself here")]
    if not folder.is_dir():
        return [], []
    paths, problems = list_files(folder, config.root)
    outputs = []
    for path in paths:
        rel = path.relative_to(config.root).as_posix()
        try:
            outputs.append(Output(rel, read_bytes(path), rel))
        except OSError as exc:
            problems.append(error(rel, 0, f"cannot be read: {exc.strerror or exc}"))
    return outputs, problems


def check_templates(config: Config) -> tuple[list[tuple[str, str]], list[Problem]]:
    """Each template's path and digest (a changed template changes every page's key), and
    the problems of any that is not a readable UTF-8 file inside the project."""
    folder = config.root / "templates"
    if not folder.is_dir():
        return [], []  # the renderer reports it
    paths, problems = list_files(folder, config.root)
    digests = []
    for path in paths:
        rel = path.relative_to(config.root).as_posix()
        try:
            raw = read_bytes(path)
            digests.append((rel, digest(raw)))
            raw.decode("utf-8")
        except OSError as exc:
            problems.append(error(rel, 0, f"cannot be read: {exc.strerror or exc}"))
        except UnicodeDecodeError as exc:
            problems.append(error(rel, raw[: exc.start].count(b"\n") + 1, "not valid UTF-8 text: save the file as UTF-8"))
    return sorted(digests), problems


class OutputRefused(Exception):
    pass


def publish(config: Config, out: Path | None = None, drafts: bool = False, problems: list[Problem] = (),
            search: bool = True, editor_pages: bool = False, cache: BuildCache | None = None, jobs: int | None = None,
            in_place: bool = False, temporary: bool = False) -> Build:
    """Build and, only when there is no error, replace the output folder.

    With `search`, the Pagefind index is built in the staging folder, the last
    step before the swap, so the published index always matches the pages.
    `in_place` (the preview's) changes only the files that changed, one by one,
    where the folder holds a build the cache knows, rather than swapping folders.
    `temporary`: `out` will not outlive this process, so what was written there is
    remembered in memory only."""
    with cycle_collection_paused():
        return _publish(config, out, drafts, problems, search, editor_pages, cache, jobs, in_place, temporary)


def _publish(config: Config, out: Path | None, drafts: bool, problems: list[Problem], search: bool, editor_pages: bool,
             cache: BuildCache | None, jobs: int | None, in_place: bool, temporary: bool) -> Build:
    out = (out or config.output_path).resolve()
    reason = refuse_output(config, out)
    if reason:
        raise OutputRefused(f"refusing to write the site there: {reason}")
    recover(out)  # so that a failed build's "the published site was not changed" is true
    cache = cache or BuildCache(namespace=namespace())
    build = build_site(config, drafts, problems, search=search, editor_pages=editor_pages, out=out, cache=cache, jobs=jobs,
                       skip_unchanged=True, resident=temporary)
    if build.unchanged:
        build.written = True  # the site at `out` is already this build's
    elif build.ok:
        start = time.perf_counter()
        try:
            previous = published_manifest(cache, out) if in_place and not search else None
            if previous:
                update_site(build.outputs if build.fresh is None else build.fresh, out, build.manifest.build,
                            previous.files, build.manifest.files)
            else:
                write_site(build.outputs, out, build.manifest.build, before_swap=index_search if search else None)
            build.written = True
            if build.plan_index is not None:  # the next process plans from it (the preview keeps its plan in memory)
                build.manifest.keep_plan(build.plan_index)
            cache.put_manifest(out, build.manifest, on_disk=not temporary)
            cache.commit()
        except OSError as exc:
            build.problems.append(error(config.path, 0, f"could not write the site to {out}: {exc}"))
        build.timings["write"] = time.perf_counter() - start
        build.seconds += build.timings["write"]
    return build
