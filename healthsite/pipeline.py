"""The stages strung together: read -> parse -> link -> plan -> render -> (write).

`build_site` is a function of the project's files: it returns every output
file and every problem, and writes nothing. `publish` writes only a clean build.
A `BuildCache` makes both incremental: what did not change is not done again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .article import Article, parse_article
from .cache import CACHE_FOLDER, BuildCache, Manifest, code_version, digest
from .config import Config
from .content import FOLDERS, read_document, read_snippets
from .files import list_files, read_bytes
from .gather import list_content, parse_all, read_content
from .graph import GraphMemo, Site, build_graph
from .lint import lint, today
from .outputs import published_manifest, render_site, static_records
from .plan import PackedPage, plan
from .planmemo import KeptPage, PlanIndex, PlanMemo, StalePlan
from .problems import Problem, error, has_errors, sort_problems
from .render import Output, PageRenderer, Settings, TemplateCode, asset_urls, compile_templates, template_keys
from .write import (CheckMemo, broken_links, index_search, offsite_media, recover, refuse_output, update_site,
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
               resident: bool = False, keep_site: bool = True) -> Build:
    """Everything but writing: the outputs and the problems of the whole site.

    With a `cache`, parsing, Markdown and whole pages are reused where their inputs are
    the same, and pages unchanged since the build at `out` are not rendered again. With
    `skip_unchanged`, a build of exactly what is already at `out` stops after reading.
    A content file is read again only when its status changed since the cache last read it
    (`read_files`). `resident`: a process that builds the same project again and again (the
    preview) into a folder nothing else writes to: an unchanged page's file is not looked at
    to see that it is still there (a page deleted there behind the preview's back comes back
    when it changes or on restart). Without `keep_site` (a publish, which needs only the
    files), no article's body is held but for its own page (`parse_all`'s `light`), the
    parse's lists go once the graph is checked, and the graph once no page can be sent back
    to plan again (after the plan where it kept no page, else after the render), so
    `Build.site` is None. Where the plan starts from nothing, each body read back for its
    page goes once the page is planned (`plan`'s `let_go`)."""
    with cycle_collection_paused():
        return _build_site(config, drafts, problems, day, search, editor_pages, out, cache, jobs, skip_unchanged,
                           resident, keep_site)


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
                skip_unchanged: bool, resident: bool, keep_site: bool) -> Build:
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
    # A publish holds each body only in the cache (its file, where there is one) until its page is planned.
    parsed = parse_all(raws, snippets, cache, jobs, config, read_changes, light=not keep_site and not editor_pages)
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
    if not keep_site:  # a publish: nothing after the graph and its checks reads the parse's lists or memos
        parsed = articles = checks = published = hidden = None
        cache.forget_articles()
    lap("link")
    kept_site = site if keep_site else None  # what a build that stops here returns (a publish keeps none)
    if not templates_ok:  # Jinja would raise on a template it cannot decode
        return Build([], sort_problems(problems), kept_site, time.perf_counter() - start, timings=timings)
    assets = asset_urls(config, static_files)
    settings = Settings(config, tuple(sorted(assets.items())), search, bool(site.abbreviations))
    renderer = _renderer(cache, settings)
    found = compile_templates(config, renderer.env)
    if found:
        return Build([], sort_problems(problems + found), kept_site, time.perf_counter() - start, timings=timings)
    base = digest(settings_text, repr((settings.search, settings.has_glossary)))
    # What every page depends on: a plan index (the plan of the build at `out`) made with another is of no use.
    index_key = digest(base, repr((editor_pages, tuple(site.abbreviations.items()))))  # in order: a page takes the first 100
    index = before.plan(index_key) if before and not resident else None  # the preview keeps its plan in memory
    if cache.plan_memo is None:
        cache.plan_memo = PlanMemo()
    keyed = _template_keys(cache, renderer, templates)

    # A build with no plan to start from keeps no page (no `KeptPage`, nothing to send it back
    # to plan again: `StalePlan`), and nothing after its plan reads an article. Where nothing
    # after the build does either (a publish), the plan lets go of each body it read back
    # once its page is made. Where the plan started from one, the graph is let go after the
    # plan if no page was kept after all, else after the render.
    let_go = not keep_site and index is None and not editor_pages

    def planned_from(index: PlanIndex | None) -> tuple[list, PlanIndex | None, frozenset]:
        """The plan's pages, and what a one-off build keeps of the plan (`_one_off_plan`)."""
        pages = plan(site, config, day, editor_pages, grades, cache.plan_memo, index, index_key, keyed,
                     stored=None if resident else cache.page_view, let_go=let_go, spool=None if resident else cache.spool())
        return (pages, None, frozenset()) if resident else (pages, *_one_off_plan(cache))

    pages, plan_index, planned = planned_from(index)
    moved = {old: target.path for old, target in site.redirects(config.base_path).items()}
    if not keep_site and not any(isinstance(page, KeptPage) for page in pages):
        site = None
    lap("plan")
    try:
        page_outputs, records, found, rendered, changes = render_site(pages, base, renderer, cache, before, out, jobs,
                                                                      resident, keyed)
    except StalePlan:  # a kept page's file changed behind the build's back, or it must be rendered: plan every page afresh
        cache.plan_memo = PlanMemo()
        pages, plan_index, planned = planned_from(None)
        page_outputs, records, found, rendered, changes = render_site(pages, base, renderer, cache, before, out, jobs,
                                                                      resident, keyed)
    if not keep_site:  # no page can be sent back to plan again now
        site = None
    problems += found
    template_failed = bool(found)  # pages that failed are missing: links to them are not the editor's mistake
    lap("render")
    if cache.check_memo is None:
        cache.check_memo = CheckMemo()
    check_memo = cache.check_memo
    places = check_memo.begin(changes)  # None: every page is looked at
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
    cache.put_page_views([(owner, page) for owner, page in made if isinstance(page, PackedPage)], memo.pages)
    return memo.index(), frozenset(owner for owner, _ in made)


def _template_keys(cache: BuildCache, renderer: PageRenderer, templates: list[tuple[str, str]]) -> dict[str, str]:
    """`render.template_keys`, made again only when a template changed (and only a changed
    template parsed: the cache keeps what each names, by its digest)."""
    if cache.template_keys[0] != templates:
        digests = {path.removeprefix("templates/"): value for path, value in templates}
        known = cache.template_refs
        cache.template_keys = (templates, template_keys(renderer.env, digests, known))
        cache.template_refs = {value: known[value] for value in digests.values() if value in known}  # old digests go
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
                       skip_unchanged=True, resident=temporary, keep_site=temporary)
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
