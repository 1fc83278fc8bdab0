"""Rendering: how Jinja runs. A planned page (`plan.Page`) in, its bytes out.

Templates are the editor's to change, so their errors are reported with the
template's file and line like any other problem. The links and media a page
holds are recorded as it is made, so the site-wide checks never read a page again.
"""

from __future__ import annotations

import hashlib
import html as html_module
import posixpath
import re
import traceback
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import jinja2.meta
from jinja2.loaders import split_template_path
from markupsafe import escape

from .article import heading_text
from .cache import Spooled, digest, unspooled
from .config import Config
from .markup import Markup
from .plan import Addresses, EntryItem, Inline, Md, Page
from .problems import Problem, error


class Published(str):
    """The path of a file an earlier build wrote, as it is (a string: making 20,000 `Path`s
    took half a second)."""


@dataclass(frozen=True)
class Restamped:
    """A published page whose only change is a static file's version: its bytes are the
    published file's with each old asset URL (`/static/style.css?v=1a2b...`) swapped for the
    new one, which is what rendering the page again would make (`RenderedPage.assets`)."""

    published: Published
    swaps: tuple[tuple[str, str], ...]  # (old URL, new URL)

    def data(self) -> bytes:
        with open(self.published, "rb") as file:
            data = file.read()
        new = {old.encode(): url.encode() for old, url in self.swaps}
        # In one pass, longest first: a new URL may hold another's old one (static/a/static/x.css).
        olds = re.compile(b"|".join(re.escape(old) for old in sorted(new, key=len, reverse=True)))
        return olds.sub(lambda match: new[match[0]], data)


@dataclass(frozen=True)
class Output:
    """A file of the site. Pages are held zlib-packed (in a `Spool`, where rendered by
    `render_site`), or, when unchanged since the last build, as the published file itself,
    which the writer links instead of writing again (or that file with new asset URLs,
    `Restamped`)."""

    path: str  # below the output folder, e.g. causes/dehydration/index.html
    body: bytes | Published | Restamped | Spooled
    source: str  # the file it was made from, for error messages
    packed: bool = False

    @property
    def data(self) -> bytes:
        body = self.body
        if isinstance(body, Published):
            with open(body, "rb") as file:
                return file.read()
        if isinstance(body, Restamped):
            return body.data()
        return zlib.decompress(unspooled(body)) if self.packed else body


def asset_urls(config: Config, static_files: list[Output]) -> dict[str, str]:
    """`style.css` -> `/static/style.css?v=1a2b3c4d5e`: a changed file gets a new URL, of the
    same length (so a restamped page keeps its size)."""
    return {
        out.path.removeprefix("static/"): f"{config.base_path}{out.path}?v={hashlib.sha256(out.data).hexdigest()[:10]}"
        for out in static_files
    }


@dataclass(frozen=True)
class Settings:
    """What every page's template sees besides its own view: the same for a whole build."""

    config: Config
    assets: tuple[tuple[str, str], ...]
    search: bool
    has_glossary: bool


@dataclass(frozen=True)
class RenderedPage:
    """A page's bytes (zlib-packed: thousands are held until the build is known to be good),
    and what the site-wide checks need of it, found while it was made."""

    path: str
    packed: bytes
    size: int  # of the page unpacked
    links: tuple[tuple[str, str], ...]  # (href as written, the output file it asks for) for links to this site
    media: tuple[str, ...]  # image and media URLs that load from another website
    # The static files whose URLs (`asset()`) the page holds, every copy of each from the
    # template, so a new version of one can be swapped in without rendering; None when the
    # page holds one that `asset()` did not give it this time: an editor's pasted URL (of any
    # version: it must stay as written), or one a template module kept from another page.
    assets: tuple[str, ...] | None = ()
    problem: Problem | None = None  # a template error: nothing else is set


class TemplateCode(jinja2.BytecodeCache):
    """Compiled templates kept in the build cache, so that a new process does not compile
    them again (a fifth of a one-article `build` at 1,000 articles). Jinja uses one only
    while its template's source is the same; the cache starts afresh with new generator code."""

    def __init__(self, cache):
        self.cache = cache

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.cache.template_code(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.cache.put_template_code(bucket.key, bucket.bytecode_to_string())


class PageRenderer:
    """How Jinja runs: one page value in, its bytes out. One per process."""

    def __init__(self, settings: Settings, code: TemplateCode | None = None):
        config = settings.config
        self.settings, self.addresses, self.assets = settings, Addresses(config), dict(settings.assets)
        self.templates_dir = config.root / "templates"
        # The environment is this renderer's alone, so its globals (which macros imported
        # without context see) are set once, never overwritten by another build.
        self.env = template_environment(self.templates_dir, code)
        self.env.globals.update(site=config, url=self.addresses.url, absolute=self.addresses.absolute, asset=self.asset,
                                search_enabled=settings.search, site_has_glossary=settings.has_glossary)
        self.markup = Markup()
        self.assets_used: dict[str, int] = {}  # by the page being rendered: each name's calls
        self.link_targets: dict[str, str | None] = {}  # see `page_links`
        # Any version of any static file's URL, to count each file's in a page (`_assets_held`).
        self.asset_url = re.compile(re.escape(config.base_path + "static/") + r"""([^"'\s<>?]+)\?v=""")

    def asset(self, name: str) -> str:
        if name not in self.assets:
            raise jinja2.TemplateRuntimeError(f"no file static/{name}")
        self.assets_used[name] = self.assets_used.get(name, 0) + 1
        return self.assets[name]

    def html_of(self, page: Page) -> list[str]:
        """The HTML of each of the page's markdown values, in `markdown_values` order."""
        if not page.markdown:
            return []
        text = page.text
        return self.markup.convert(list(page.markdown), dict(text.links), dict(text.footnotes), text.abbreviations)

    def render(self, page: Page, html: list[str] | None = None) -> RenderedPage:
        """The page's bytes; `html` is its converted markdown when a cache already has it."""
        html = self.html_of(page) if html is None else html
        converted = iter(html)
        context = {name: _resolve(value, converted) for name, value in page.context().items()}
        self.assets_used = {}
        try:
            text = self.env.get_template(page.template).render(page=page.info, **context)
        except Exception as exc:  # a template is editor-written code: report, never crash
            return RenderedPage(page.path, b"", 0, (), (), (), template_problem(exc, page.template, self.settings.config))
        page_url = self.addresses.base_path + page.path.removesuffix("index.html")
        data = text.encode("utf-8")
        return RenderedPage(page.path, zlib.compress(data, 1), len(data), page_links(text, page_url, self.addresses.base_path, self.link_targets),
                            offsite_media_urls(text), self._assets_held(text))

    def _assets_held(self, text: str) -> tuple[str, ...] | None:
        """The names `asset()` gave this page, if every static file URL in it (of any version)
        is one of those calls' (see `RenderedPage.assets`)."""
        held: dict[str, int] = {}
        for name in self.asset_url.findall(text):
            held[name] = held.get(name, 0) + 1
        return tuple(sorted(held)) if held == self.assets_used else None


def _resolve(value, converted):
    """The view value with each markdown value replaced by its HTML (taken from `converted` in
    the order `markdown_values` walks)."""
    if isinstance(value, Md):
        return next(converted)
    if isinstance(value, Inline):
        html = next(converted)
        return html[3:-4] if html.startswith("<p>") and html.endswith("</p>") else str(escape(heading_text(value.text)))
    if isinstance(value, EntryItem):
        description = next(converted)
        if description.startswith("<p>"):
            return f"<p>{value.name_html}{escape(value.joiner)}{description[3:]}"
        return value.name_html + (escape(value.joiner.strip()) if description else "") + description
    if isinstance(value, dict):
        return {key: _resolve(item, converted) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [_resolve(item, converted) for item in value]
    return value


def compile_templates(config: Config, env: jinja2.Environment) -> list[Problem]:
    """Every template compiles, or each that does not is reported at its line."""
    templates_dir = config.root / "templates"
    if not templates_dir.is_dir():
        return [error("templates", 0, "no templates/ folder")]
    problems = []
    for name in sorted(env.list_templates(filter_func=_is_template)):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(error(_rel(config, exc.filename, name), exc.lineno or 1, f"template error: {exc.message}"))
    return problems


def template_keys(env: jinja2.Environment, digests: dict[str, str], known: dict[str, frozenset] | None = None) -> dict[str, str]:
    """Each template's key (by the name Jinja knows it by, `cause.html`): a digest of its
    own file's digest and those of every template it extends, includes or imports, all the
    way down. A page depends on its template's key alone, so a change to cause.html makes
    the cause pages again, not every page. A template that names another by a variable
    depends on every template; one that names a missing file, on its absence.
    `known`: the templates each file names, by its digest, as an earlier call found them
    (the cache's: parsing every template cost a new process a sixth of a second); those
    found now are added, where the text parsed is the one the digest was taken of (a file
    saved in between is parsed again next time, not taken for the text it replaced)."""
    known = {} if known is None else known
    refs: dict[str, frozenset[str | None]] = {}
    for name, file_digest in digests.items():
        if file_digest in known:
            refs[name] = known[file_digest]
            continue
        refs[name], parsed_digest = _referenced_templates(env, name)
        if parsed_digest == file_digest:
            known[file_digest] = refs[name]
    keys = {}
    for name in digests:
        seen: set[str] = set()
        waiting = [name]
        while waiting:
            current = waiting.pop()
            if current in seen:
                continue
            seen.add(current)
            found = refs.get(current, set())
            if None in found:
                seen |= digests.keys()
                break
            waiting += found
        keys[name] = digest(*(f"{used}:{digests.get(used, 'missing')}" for used in sorted(seen)))
    return keys


def _referenced_templates(env: jinja2.Environment, name: str) -> tuple[frozenset[str | None], str]:
    """The templates a template names (None: one named by a variable, or the template
    unreadable), and the digest of the text read ("" if none could be)."""
    try:
        source = env.loader.get_source(env, name)[0]
    except Exception:  # unreadable: compile_templates reports it
        return frozenset({None}), ""
    try:
        found = jinja2.meta.find_referenced_templates(env.parse(source, name))
        refs = frozenset(_template_name(used) if used is not None else None for used in found)
    except Exception:  # not a template: compile_templates reports it
        refs = frozenset({None})
    return refs, digest(source.encode("utf-8"))


def _template_name(name: str) -> str:
    """The name as the loader finds it (`./parts//x.html` is `parts/x.html`)."""
    try:
        return "/".join(split_template_path(name))
    except jinja2.TemplateNotFound:  # `..`: no template has that name
        return name


def template_problem(exc: Exception, template: str, config: Config) -> Problem:
    """Point at the template line that failed, found in the traceback Jinja rewrites."""
    templates_dir = (config.root / "templates").resolve()
    where, line = template, 1
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename and Path(frame.filename).is_relative_to(templates_dir):
            where, line = frame.filename, frame.lineno
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template error: template `{exc.name}` not found"
    else:
        message = f"template error: {exc}"
    return error(_rel(config, where, template), line, message)


def _rel(config: Config, filename: str | None, fallback: str) -> str:
    if filename and Path(filename).is_absolute():
        return Path(filename).resolve().relative_to(config.root.resolve()).as_posix()
    return f"templates/{filename or fallback}"


LINK = re.compile(r'<(?:a|link|img|script)\b[^>]*?\s(?:href|src)="([^"]*)"')
MEDIA_TAG = re.compile(r"<(?:img|audio|video|source|track)\b[^>]*>", re.I)
MEDIA_URL = re.compile(r'\s(src|poster|srcset)="([^"]*)"', re.I)


def page_links(text: str, page_url: str, base: str, known: dict[str, str | None] | None = None) -> tuple[tuple[str, str], ...]:
    """The page's links to this site: (href, the output file it asks for), each once.
    `known`: the targets of hrefs that start with `/` (the same from every page: most of
    a page's links are its menus' and its entities'), filled in as they are found."""
    found = []
    for href in dict.fromkeys(LINK.findall(text)):
        if known is not None and href[:1] == "/":
            if href in known:
                target = known[href]
            else:
                target = known[href] = internal_path(href, page_url, base)
        else:
            target = internal_path(href, page_url, base)
        if target is not None:
            found.append((href, target))
    return tuple(found)


def offsite_media_urls(text: str) -> tuple[str, ...]:
    """Image and media URLs with a host of their own (whether it is allowed is the site's check)."""
    urls = []
    for tag in MEDIA_TAG.findall(text):
        for attribute, value in MEDIA_URL.findall(tag):
            parts = [part.split()[0] for part in value.split(",") if part.strip()] if attribute.lower() == "srcset" else [value]
            urls += [url for url in parts if url_host(url) is not None]
    return tuple(dict.fromkeys(urls))


def url_host(url: str) -> str | None:
    """The host a URL loads from, or None for a URL of this site.

    Read as a browser reads it: tabs and newlines dropped, `\\` taken as `/`
    (so `\\\\tracker.example/p.png` is another website, as it is to a browser)."""
    url = re.sub(r"[\t\n\r]", "", html_module.unescape(url)).strip("\x00- ").replace("\\", "/")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "(unreadable address)"
    if parts.scheme or parts.netloc:
        return host or "(no host)"
    return None


def internal_path(href: str, page_url: str, base: str) -> str | None:
    """The output file a same-site link asks for (below the base path), or None for other links."""
    parts = urlsplit(html_module.unescape(href))
    if parts.scheme or parts.netloc or not parts.path:
        return None  # another site, mailto:, tel:, or just #fragment
    path = posixpath.normpath(posixpath.join(posixpath.dirname(page_url), parts.path))
    if parts.path.endswith("/") and not path.endswith("/"):
        path += "/"
    if not path.startswith(base):
        return "\0outside"  # a root-relative link that skips the base path is broken once published
    rel = path[len(base):]
    return rel + "index.html" if rel.endswith("/") or rel == "" else rel


def template_environment(templates_dir: Path, code: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    """An environment for a templates folder. The build cache keeps one across preview
    rebuilds: Jinja recompiles only the templates whose files changed."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        bytecode_cache=code,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )
    env.filters["date"] = lambda day: f"{day.day} {day:%B %Y}" if day else ""
    return env


def _is_template(name: str) -> bool:
    """Not an editor's swap or backup file (`.base.html.swp`, `base.html~`), which may not even be text."""
    return not name.endswith("~") and not any(part.startswith(".") for part in name.split("/"))
