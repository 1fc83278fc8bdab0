"""Writing: sitemap, feed and robots.txt, then every file into a staging folder
that replaces the published folder only when all of it was written.

Like Pelican's writer, it refuses two files on one URL; unlike a plain `rm -rf`
it never deletes a folder it did not create.
"""

from __future__ import annotations

import ctypes
import difflib
import datetime as dt
import itertools
import operator
import os
import posixpath
import shutil
import subprocess
import sys
from xml.sax.saxutils import escape, quoteattr
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from .config import Config
from .problems import Problem, error, warning
from .cache import PageRecord
from .plan import PageInfo
from .render import Output, Published, Restamped, url_host

MARKER = ".healthsite-output"  # written into every output folder we create
ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def absolute(config: Config, path: str) -> str:
    return config.site_origin + config.base_path + path


PUBLISHED = ".healthsite-published"  # the addresses a build published, one a line, for the next build to compare


class CheckMemo:
    """What the last build's site-wide files and checks were made from, so a build that
    changed a page or two (the preview's) does not make them again for every page. An
    explicit object, kept in the build cache.

    Where the memo ended the checks of the render a resident render spliced its pages into
    (`begin`), only the spliced places are looked at: the other pages, their paths and their
    records are that render's."""

    def __init__(self):
        self.site_files_made_from: tuple | None = None
        self.site_files: list[Output] = []
        self.files: set[str] = set()  # the files the last link check checked against
        self.clean: dict[str, PageRecord] = {}  # pages whose links all led somewhere, with the record checked
        self.broken: set[str] = set()  # pages with a link that led nowhere
        self.records: dict[str, PageRecord] = {}  # the last records checked
        self.outputs: list[Output] | None = None  # the outputs last asked about, their paths in order, and as a set
        self.paths: list[str] = []
        self.path_set: frozenset[str] = frozenset()
        self.clashes: list[Problem] | None = None  # what the last clash check found in them
        self.ended: dict | None = None  # the render records whose checks last ended (`end`)

    def begin(self, changes) -> list[int] | None:
        """The places to look at (None: every page): those of `changes` (a `RenderChanges`,
        or None) where the checks last ended on the render it spliced into."""
        spliced = changes is not None and self.ended is changes.records_before
        self.ended = None  # until these checks end: checks that raise leave nothing to splice into
        return changes.places if spliced else None

    def end(self, render_records: dict[str, PageRecord], checked: dict[str, PageRecord]) -> None:
        """The checks of a render's records (`checked`: with the static files') ended."""
        self.ended, self.records = render_records, checked

    def output_files(self, outputs: list[Output], same_paths: bool = False) -> frozenset[str]:
        """The outputs' paths: the last set object while they are the same paths (as the
        caller may know: `same_paths`)."""
        if outputs is not self.outputs:
            if not same_paths:
                paths = [out.path for out in outputs]
                if paths != self.paths:
                    self.paths, self.path_set, self.clashes = paths, frozenset(paths), None
            self.outputs = outputs
        return self.path_set

    def url_clashes_of(self, outputs: list[Output], same_paths: bool = False) -> list[Problem]:
        """`url_clashes`: none where the last files clashed nowhere and these are the same files."""
        self.output_files(outputs, same_paths)
        if self.clashes is None or self.clashes:
            self.clashes = url_clashes(outputs)
        return self.clashes

    def new_records(self, records: dict[str, PageRecord]) -> list[str] | None:
        """The pages whose record is not one the last link check checked (None: other pages,
        or in another order, than then)."""
        last, self.records = self.records, {}  # until this check ends: one that raised leaves no records checked
        if list(records) != list(last):
            return None
        return list(itertools.compress(records, map(operator.is_not, records.values(), last.values())))

    def site_files_of(self, config: Config, pages: list, moved: dict[str, str], places: list[int] | None = None) -> list[Output]:
        """`site_files` of these pages' infos (`plan.Page`s), the last ones where only pages
        that are new objects (most are the last plan's; `places`, where known) could differ,
        and their infos do not."""
        last = self.site_files_made_from
        if last and last[0] == config and last[2] == moved and len(last[1]) == len(pages):
            if places is None:
                places = itertools.compress(range(len(pages)), map(operator.is_not, pages, last[1]))
            if all(pages[place].info == last[1][place].info for place in places):
                self.site_files_made_from = (config, pages, moved)
                return self.site_files
        infos = [info for info in map(operator.attrgetter("info"), pages) if info.path[-5:] != ".html"]  # addresses, not files such as 404.html
        self.site_files, self.site_files_made_from = site_files(config, infos, moved), (config, pages, moved)
        return self.site_files


def site_files(config: Config, pages: list[PageInfo], moved: dict[str, str] = {}) -> list[Output]:
    """Sitemap, feed, robots.txt, `_headers`, `_redirects` (old path -> new path, below the
    base path) and the list of every address published."""
    addresses = sorted({page.path for page in pages} | set(moved))
    return [
        Output("sitemap.xml", sitemap(config, pages), "config.yaml"),
        Output("feed.xml", feed(config, pages), "config.yaml"),
        Output("robots.txt", f"User-agent: *\nAllow: /\n\nSitemap: {absolute(config, 'sitemap.xml')}\n".encode(), "config.yaml"),
        Output("_headers", headers(config), "config.yaml"),
        Output("_redirects", "".join(f"{config.base_path}{old} {config.base_path}{new} 301\n"
                                     for old, new in sorted(moved.items())).encode(), "config.yaml"),
        Output(PUBLISHED, "".join(f"{config.base_path}{path}\n" for path in addresses).encode(), "config.yaml"),
    ]


def vanished_addresses(config: Config, out: Path, outputs: list[Output]) -> list[Problem]:
    """Addresses the last build at `out` published that this one would not: a reader's
    bookmark, or a link from another site, would break. Each warning names the old address
    and the file most likely to have replaced it, where a `redirect_from` belongs."""
    try:
        before = (out / PUBLISHED).read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return []  # never built there: nothing to lose
    now = next((o for o in outputs if o.path == PUBLISHED), None)
    published = set(now.data.decode().split()) if now else set()
    pages = {config.base_path + o.path.removesuffix("index.html"): o.source for o in outputs
             if o.path.endswith("index.html") and o.source.startswith("content/")}
    problems = []
    for address in sorted(set(before) - published)[:200]:
        close = difflib.get_close_matches(address, pages, n=1, cutoff=0.3)
        source = pages[close[0]] if close else "content"
        hint = f"add `redirect_from: [{address}]` to the file that replaces it" + (f" ({source}?)" if close else "")
        problems.append(warning(source, 1 if close else 0, f"the address {address} was published before and would disappear: {hint}"))
    return problems


def headers(config: Config) -> bytes:
    """Security headers for hosts that read a `_headers` file (Netlify, Cloudflare Pages):
    the pages' own Content-Security-Policy, plus what only a header can say."""
    return "\n".join([
        "/*",
        f"  Content-Security-Policy: {config.content_security_policy}; frame-ancestors 'none'",
        "  X-Content-Type-Options: nosniff",
        "  X-Frame-Options: DENY",
        "  Referrer-Policy: no-referrer",  # which condition a reader looked up is nobody else's business
        "  Permissions-Policy: camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "  Cross-Origin-Opener-Policy: same-origin",
        "",
    ]).encode()


def sitemap(config: Config, pages: list[PageInfo]) -> bytes:
    lines = [f'<urlset xmlns="{SITEMAP}">']
    for page in sorted(pages, key=lambda p: p.path):
        lastmod = f"\n    <lastmod>{page.lastmod.isoformat()}</lastmod>" if page.lastmod else ""
        lines.append(f"  <url>\n    <loc>{escape(absolute(config, page.path))}</loc>{lastmod}\n  </url>")
    lines.append("</urlset>")
    return _xml(lines)


def feed(config: Config, pages: list[PageInfo]) -> bytes:
    """An Atom feed of condition articles, the most recently reviewed first."""
    articles = sorted((p for p in pages if p.kind == "condition"), key=lambda p: (p.lastmod or dt.date.min, p.path), reverse=True)
    home = escape(absolute(config, ""))
    lines = [f'<feed xmlns="{ATOM}">',
             f"  <title>{escape(config.title)}</title>",
             f"  <id>{home}</id>",
             f"  <link href={quoteattr(absolute(config, ''))} />",
             f"  <link rel=\"self\" href={quoteattr(absolute(config, 'feed.xml'))} />",
             f"  <updated>{_timestamp(articles[0].lastmod if articles else None)}</updated>",
             f"  <author>\n    <name>{escape(config.title)}</name>\n  </author>"]
    for page in articles:
        url = absolute(config, page.path)
        lines.append(f"  <entry>\n    <title>{escape(page.title)}</title>\n    <id>{escape(url)}</id>\n"
                     f"    <link href={quoteattr(url)} />\n    <updated>{_timestamp(page.lastmod)}</updated>\n"
                     f"    <summary>{escape(page.summary)}</summary>\n  </entry>")
    lines.append("</feed>")
    return _xml(lines, stylesheet=config.base_path + "static/feed.xsl")


def _timestamp(day: dt.date | None) -> str:
    return f"{(day or dt.date(2000, 1, 1)).isoformat()}T00:00:00Z"


def _xml(lines: list[str], stylesheet: str = "") -> bytes:
    """An XML file from its lines (written as text: ElementTree took most of a second for a
    10,000-article sitemap and feed; the text is escaped as it would)."""
    head = ["<?xml version='1.0' encoding='utf-8'?>"]
    if stylesheet:  # shown as a page, not raw XML, when opened in a browser
        head.append(f'<?xml-stylesheet type="text/xsl" href={quoteattr(stylesheet)}?>')
    return "\n".join(head + lines + [""]).encode()


def url_clashes(outputs: list[Output]) -> list[Problem]:
    """Two sources that would write the same file: both are named, nothing is written."""
    first: dict[str, Output] = {}
    problems = []
    for out in outputs:
        key = out.path.lower()  # case-insensitive file systems would merge them too
        if key in first:
            other = first[key]
            problems.append(error(out.source or other.source or "config.yaml", 0,
                                  f"two pages would be written to /{out.path}: this one and {other.source or 'a built-in page'}"))
        else:
            first[key] = out
    return problems


def broken_links(records: dict[str, PageRecord], outputs: list[Output], config: Config,
                 memo: CheckMemo | None = None, look_at: set[str] | None = None) -> list[Problem]:
    """Every link from one page of the site to another must lead to a file the build writes.

    The links were recorded as each page was made; reported at the page's source file and,
    where the link is written there, its line. With a `memo`, a page whose record was found
    clean against the same set of files is not checked again (a page with a broken link
    always is: the line it names may have moved); where the records are the last ones with a
    few new (`look_at`, where the caller knows them; else `CheckMemo.new_records`), the
    others are not even looked at."""
    files = memo.output_files(outputs) if memo is not None else {out.path for out in outputs}
    clean: dict[str, PageRecord] = {}
    look = records
    if memo is not None:
        new = look_at if look_at is not None else memo.new_records(records)
        if memo.files is files and new is not None:  # the same files and pages: look at the new records only
            clean, look = memo.clean, {path: records[path] for path in {*new, *memo.broken} if path in records}
            memo.records = {}  # until this check ends: one that raised leaves no records checked
        else:
            if memo.files == files:
                clean = memo.clean
            memo.files, memo.clean, memo.broken = files, {}, set()
    sources = None
    problems = []
    for path, record in look.items():
        if clean.get(path) is record:
            memo.clean[path] = record
            continue
        found = len(problems)
        for href, target in record.links:
            if target in files:
                continue
            sources = sources or {out.path: out.source for out in outputs}
            where = sources.get(path) or "templates"
            line = _line_of(config.root / where, href)
            if target + "/index.html" in files:  # most hosts redirect a folder to its index, not all
                bare, hash_, anchor = href.partition("#")
                problems.append(warning(where, line, f"link `{href}` needs a trailing slash: write `{bare}/{hash_}{anchor}`"))
            else:
                problems.append(error(where, line, f"broken link `{href}`: no page at that address"))
        if memo is not None:
            if len(problems) == found:
                memo.clean[path] = record
                memo.broken.discard(path)
            else:
                memo.clean.pop(path, None)
                memo.broken.add(path)
    return problems


def offsite_media(records: dict[str, PageRecord], outputs: list[Output], config: Config,
                  look_at: set[str] | None = None) -> list[Problem]:
    """Images and media from other websites: each would tell that website who reads which
    page, so they are errors unless config.yaml's allowed_media_hosts names the host.
    `look_at`: the only records that may hold such media (the others are a published build's,
    and a build with errors is never published)."""
    allowed = {*config.allowed_media_hosts, urlsplit(config.base_url).hostname}
    if look_at is not None:
        records = {path: records[path] for path in look_at if path in records}
    sources = None
    problems = []
    for path, record in records.items():
        for url in record.media:
            host = url_host(url)
            if host is not None and host not in allowed:
                sources = sources or {out.path: out.source for out in outputs}
                where = sources.get(path) or "templates"
                problems.append(error(where, _line_of(config.root / where, url),
                                      f"image or media from another website `{url}`: copy it into static/, "
                                      f"or add `{host}` to allowed_media_hosts in config.yaml"))
    return problems


def _line_of(path: Path, href: str) -> int:
    """The line where the link is written: as a markdown or HTML link first, else anywhere."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return 0
    for pattern in (f"]({href})", f'"{href}"', href):
        found = next((number for number, line in enumerate(lines, 1) if pattern in line), 0)
        if found:
            return found
    return 0


def refuse_output(config: Config, out: Path) -> str | None:
    """Why `out` must not be written to, or None when it is safe."""
    out, root = out.resolve(), config.root.resolve()
    if out == root or out in root.parents:
        return f"{out} is the project folder or contains it"
    for name in ("content", "templates", "static", ".git"):
        folder = root / name
        if out == folder or folder in out.parents:
            return f"{out} is inside {name}/"
    if out.exists() and not out.is_dir():
        return f"{out} is a file"
    if not ours(out):
        return f"{out} is not empty and was not made by healthsite; choose an empty or new folder"
    for folder in side_folders(out):
        if not ours(folder):
            return f"{folder}, where the build keeps a copy of the site while swapping, is not empty and was not made by healthsite; move it away"
    return None


def side_folders(out: Path) -> tuple[Path, Path]:
    """The staging folder the next site is written into, and where the last one is kept during the swap."""
    return out.parent / f".{out.name}.staging", out.parent / f".{out.name}.old"


def ours(folder: Path) -> bool:
    """May healthsite replace or remove this folder? Only if it made it (or it is missing or empty)."""
    if folder.is_symlink():
        return False
    if not folder.exists():
        return True
    return folder.is_dir() and ((folder / MARKER).is_file() or not any(folder.iterdir()))


def recover(out: Path) -> None:
    """Put back the published site if a build died between the two renames of its swap."""
    out = out.resolve()
    _, retired = side_folders(out)
    if not out.exists() and not out.is_symlink() and retired.is_dir() and (retired / MARKER).is_file():
        retired.rename(out)


def index_search(folder: Path) -> None:
    """Build the Pagefind search index (its binary ships in the `pagefind` package) into folder/pagefind/."""
    result = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(folder), "--output-subdir", "pagefind", "--silent"],
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0 or not (folder / "pagefind" / "pagefind.js").is_file():
        raise OSError(f"the search index could not be built: {(result.stderr or result.stdout).strip()[:500]}")


def build_id(out: Path) -> str:
    """The build that wrote the folder, as its marker file says ("" if none)."""
    try:
        text = (out / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    return next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("build:")), "")


def write_site(outputs: list[Output], out: Path, build: str = "", before_swap: Callable[[Path], None] | None = None) -> None:
    """Write everything into a sibling staging folder, then swap it in.

    The staging folder keeps the site the swap replaced, so the next build changes there
    only what differs from the published site: a page unchanged since the last build is a
    hard link to the published file, so it costs a comparison of two inodes, not a file
    and a folder made and removed (13,000 of each at 10,000 articles). A page never changes
    in place: a changed one is a new file, so the published site is never touched. If
    anything fails the staging folder is removed and `out` is as it was.
    """
    out = out.resolve()
    recover(out)
    staging, retired = side_folders(out)
    for leftover in (staging, retired):  # from a build that was killed, or kept (staging)
        if not ours(leftover):
            raise OSError(f"{leftover} was not made by healthsite: move it away")
    remove_ours(retired)
    try:
        if not _reuse(staging, outputs, out):
            remove_ours(staging)
            staging.mkdir(parents=True)
            _mark(staging, "")
            _fill(staging, outputs)
        _mark(staging, build)
        if before_swap:
            before_swap(staging)
        if out.exists() and _exchange(staging, out):
            return  # the staging folder now holds the previous site: the next build starts from it
        if out.exists():
            out.rename(retired)  # a kill before the next line is undone by recover()
        staging.rename(out)
    except BaseException:
        remove_ours(staging, ignore_errors=True)
        if retired.exists() and not out.exists():
            retired.rename(out)
        raise
    if retired.exists():
        retired.rename(staging)


def _fill(folder: Path, outputs: list[Output]) -> None:
    """Every file into an empty folder."""
    made: set[Path] = {folder}
    for item in outputs:
        target = _inside(folder, item.path)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        _put(item, target)


def _reuse(staging: Path, outputs: list[Output], out: Path) -> bool:
    """Make the kept site in `staging` this build's: files that differ replaced, files no
    longer wanted removed. False where there is no kept site to start from, where it holds
    anything but plain files and folders (only what a build makes is trusted to be written
    into), or where changing it failed: the caller then starts afresh. An unchanged page is
    already the published file (the same inode) unless it changed in the build before."""
    try:
        if not (staging / MARKER).is_file() or os.lstat(staging).st_dev != os.lstat(out).st_dev:
            return False
    except OSError:
        return False
    try:
        present = _plain_tree(staging)
        if present is None:
            return False
        _change_to(staging, outputs, *present)
    except OSError:
        return False  # say, a folder where a file goes: the caller writes the site afresh
    return True


def _change_to(staging: Path, outputs: list[Output], files: dict[str, int], folders: list[str]) -> None:
    _mark(staging, "")  # half changed, it is neither build's
    wanted: set[str] = set()
    for item in outputs:
        wanted.add(item.path)
        if isinstance(item.body, Published) and item.path in files:
            try:
                if os.stat(item.body).st_ino == files[item.path]:
                    continue  # the very file that is published
            except OSError:
                pass
        target = _inside(staging, item.path)
        if item.path in files:
            os.unlink(target)  # not replaced in one step: no one reads the staging folder (half the cost)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
        _put(item, target)
    for path in files.keys() - wanted:
        os.unlink(staging / path)
    needed: set[str] = set()
    for path in wanted:
        folder = posixpath.dirname(path)
        while folder and folder not in needed:
            needed.add(folder)
            folder = posixpath.dirname(folder)
    for folder in sorted(set(folders) - needed, key=len, reverse=True):  # deepest first: each is empty by then
        os.rmdir(staging / folder)


def _plain_tree(folder: Path) -> tuple[dict[str, int], list[str]] | None:
    """Each file below folder (but the marker) with its inode, and each folder, by path
    below it; None if anything there is a link or not a plain file or folder."""
    files: dict[str, int] = {}
    folders: list[str] = []
    waiting = [""]
    while waiting:
        here = waiting.pop()
        with os.scandir(folder / here if here else folder) as listing:
            for entry in listing:
                rel = f"{here}/{entry.name}" if here else entry.name
                if entry.is_symlink():
                    return None
                if entry.is_dir(follow_symlinks=False):
                    folders.append(rel)
                    waiting.append(rel)
                elif entry.is_file(follow_symlinks=False):
                    if rel != MARKER:
                        files[rel] = entry.stat(follow_symlinks=False).st_ino
                else:
                    return None
    return files, folders


def _replace(item: Output, target: Path) -> None:
    """Put the file in place in one step (a new inode: never written through a link to a published file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.healthsite-new")
    temporary.unlink(missing_ok=True)  # a leftover: it may be a link to a published page
    _put(item, temporary)
    os.replace(temporary, target)


def update_site(outputs: list[Output], out: Path, build: str, previous: frozenset[str],
                wanted: frozenset[str] | None = None) -> None:
    """Change only what changed in a folder a build wrote, whose files were `previous`: the
    preview's write, where an edit changes a page or two of thousands. Each file is replaced
    in one step (a reader gets the old page or the new one, never half of one), but not the
    folder as a whole, as `write_site` does. While files change, the marker names no build,
    so a build killed midway is never taken for either build (the next one writes afresh).
    `wanted`: the outputs' paths, where the build has them."""
    out = out.resolve()
    _mark(out, "")
    if wanted is None:
        wanted = frozenset(item.path for item in outputs)
    prefix = str(out) + os.sep
    for item in outputs:
        if type(item.body) is Published and item.body == prefix + item.path:
            continue  # an unchanged page, already there
        target = _inside(out, item.path)
        if _same_bytes(target, item):
            continue  # a static file as it was
        _replace(item, target)
    for path in sorted(previous - wanted) if previous is not wanted else ():
        gone = _inside(out, path)
        gone.unlink(missing_ok=True)
        for folder in gone.parents:  # its folders too, once empty (`/old-name/` of a renamed page)
            if folder == out or any(folder.iterdir()):
                break
            folder.rmdir()
    _mark(out, build)


def _inside(out: Path, path: str) -> Path:
    if path.startswith("/") or ".." in path.split("/"):  # never outside the output folder
        raise OSError(f"refusing to write outside the output folder: {path}")
    return out / path


def _same_bytes(target: Path, item: Output) -> bool:
    if item.packed or isinstance(item.body, Restamped):
        return False  # a page rendered again (its key changed) or restamped: its bytes changed
    try:
        return target.stat().st_size == len(item.data) and target.read_bytes() == item.data
    except OSError:
        return False


def _mark(folder: Path, build: str) -> None:
    """Write the folder's marker, in one step: it says the folder is ours, and which build's it is."""
    temporary = folder / (MARKER + ".new")
    temporary.unlink(missing_ok=True)  # a leftover: it may be a link to a published page
    _write_new(temporary, f"This folder is written by healthsite build; it is replaced on every build.\nbuild: {build}\n".encode())
    os.replace(temporary, folder / MARKER)


def _write_new(path: Path, data: bytes) -> None:
    """Write a new file; there must be none at `path`. Never into one already there: a file
    left in a folder the build reuses may be a hard link to a published page, which must
    never change in place."""
    with open(path, "xb") as file:
        file.write(data)


def remove_ours(folder: Path, ignore_errors: bool = False) -> None:
    """Remove a folder the build made, its marker last: a build killed halfway through
    leaves a folder that is still marked as ours (or empty), so the next build may clear it."""
    if not folder.exists():
        return
    marker = folder / MARKER
    for child in folder.iterdir():
        if child != marker:
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=ignore_errors)
            else:
                child.unlink(missing_ok=True)
    marker.unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        if not ignore_errors:
            raise


def _put(item: Output, target: Path) -> None:
    """A new file at target (there must be none): the published file linked, where the item is one, else its bytes."""
    if isinstance(item.body, Published):
        try:
            os.link(item.body, target)
            return
        except OSError:
            pass  # another file system, or no hard links: copy it
    _write_new(target, item.data)


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2
try:
    _RENAMEAT2 = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28+
    _RENAMEAT2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
except (AttributeError, OSError, TypeError):
    _RENAMEAT2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2), so the site is never missing, even for
    a moment: the preview serves the old page until the new one is in place. False where the
    system or file system cannot; the caller then renames twice."""
    if _RENAMEAT2 is None:
        return False
    return _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0
