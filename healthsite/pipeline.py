"""The stages strung together: read -> parse -> link -> render -> (write).

`build_site` is a function of the project's files: it returns every output
file and every problem, and writes nothing. `publish` writes only a clean build.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from .article import Article, parse_article
from .config import Config
from .content import FOLDERS, read_content, read_document, read_snippets
from .files import list_files, read_bytes
from .graph import Site, build_graph
from .lint import lint, today
from .problems import Problem, error, has_errors, sort_problems
from .render import Output, Renderer, asset_urls
from .write import (broken_links, index_search, offsite_media, recover, refuse_output, site_files, url_clashes,
                    vanished_addresses, write_site)


@dataclass
class Build:
    outputs: list[Output]
    problems: list[Problem]
    site: Site | None = None
    seconds: float = 0.0
    written: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)


def build_site(config: Config, drafts: bool = False, problems: list[Problem] = (), day: dt.date | None = None,
               search: bool = True, editor_pages: bool = False, out: Path | None = None) -> Build:
    """Everything but writing: the outputs and the problems of the whole site."""
    start = time.perf_counter()
    day = day or today()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        timings[name] = time.perf_counter() - start - sum(timings.values())

    problems = list(problems)
    documents, found = read_content(config)
    problems += found
    snippets, found = read_snippets(config)
    problems += found
    static_files, found = read_static(config)
    problems += found
    templates_ok = not (found := check_templates(config))
    problems += found
    lap("read")
    articles: list[Article] = []
    for document in documents:
        article, found = parse_article(document, snippets)
        articles.append(article)
        problems += found
    lap("parse")
    def shown(article: Article) -> bool:
        return drafts or not article.document.meta.draft

    published = [a for a in articles if shown(a)]
    hidden = [a for a in articles if not shown(a)]  # drafts: kept only to explain links to them
    site, found = build_graph(published, hidden)
    problems += found + lint(site, config, day)
    lap("link")
    if not templates_ok:  # Jinja would raise on a template it cannot decode
        return Build([], sort_problems(problems), site, time.perf_counter() - start, timings=timings)
    rendered = Renderer(config, site, asset_urls(config, static_files), day, search, editor_pages).render_all()
    problems += rendered.problems
    moved = {old: target.path for old, target in site.redirects(config.base_path).items()}
    outputs = static_files + rendered.outputs + site_files(config, rendered.pages, moved)
    if not editor_pages:  # the preview starts afresh each time: only published sites remember
        problems += vanished_addresses(config, out or config.output_path, outputs)
    problems += url_clashes(outputs) + broken_links(outputs, config) + offsite_media(outputs, config)
    lap("render")
    return Build(outputs, sort_problems(problems), site, time.perf_counter() - start, timings=timings)


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


def check_templates(config: Config) -> list[Problem]:
    """Every template must be a readable UTF-8 file inside the project."""
    folder = config.root / "templates"
    if not folder.is_dir():
        return []  # the renderer reports it
    paths, problems = list_files(folder, config.root)
    for path in paths:
        rel = path.relative_to(config.root).as_posix()
        try:
            raw = read_bytes(path)
            raw.decode("utf-8")
        except OSError as exc:
            problems.append(error(rel, 0, f"cannot be read: {exc.strerror or exc}"))
        except UnicodeDecodeError as exc:
            problems.append(error(rel, raw[: exc.start].count(b"\n") + 1, "not valid UTF-8 text: save the file as UTF-8"))
    return problems


class OutputRefused(Exception):
    pass


def publish(config: Config, out: Path | None = None, drafts: bool = False, problems: list[Problem] = (),
            search: bool = True, editor_pages: bool = False) -> Build:
    """Build and, only when there is no error, replace the output folder.

    With `search`, the Pagefind index is built in the staging folder, the last
    step before the swap, so the published index always matches the pages."""
    out = out or config.output_path
    reason = refuse_output(config, out)
    if reason:
        raise OutputRefused(f"refusing to write the site there: {reason}")
    recover(out)  # so that a failed build's "the published site was not changed" is true
    build = build_site(config, drafts, problems, search=search, editor_pages=editor_pages, out=out)
    if build.ok:
        start = time.perf_counter()
        try:
            write_site(build.outputs, out, before_swap=index_search if search else None)
            build.written = True
        except OSError as exc:
            build.problems.append(error(config.path, 0, f"could not write the site to {out}: {exc}"))
        build.timings["write"] = time.perf_counter() - start
        build.seconds += build.timings["write"]
    return build
