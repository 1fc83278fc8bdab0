"""The build cache: what a build can reuse from the last one, as one explicit object.

- parsed articles, keyed by the file's path and bytes (and the snippets they may take in);
- each article's own checks (reading grade, text warnings), with the article;
- each page's converted Markdown, keyed by its chunks and its `TextContext`;
- the last site graph and page plan, in memory only (`graph.GraphMemo`, `planmemo.PlanMemo`);
- for each output folder, what the last build wrote there (`Manifest`): each page's key,
  links and media, so an unchanged page is neither rendered nor checked again, and the
  plan its pages were made from (`planmemo.PlanIndex`), so a new process plans only what changed;
- each content file's status when it was read, with its parse key, and each content
  folder's listing (git's index, in effect): a file whose status is unchanged is not read
  again, so a build that finds nothing changed costs a status call per file.

It lives in memory (the preview keeps one across rebuilds) and, with a folder, in an
SQLite file there (`.healthsite-cache/`), so the next `build` starts warm. Everything in
it is thrown away when the generator's code changes, and the settings are part of every
key that depends on them: a stale entry can never make a page differ from a cold build's.
"""

from __future__ import annotations

import hashlib
import operator
import os
import pickle
import sqlite3
import tempfile
import types
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .files import Listings
from .lint import LintMemo, Readability
from .slugs import SortKeys

CACHE_FOLDER = ".healthsite-cache"
MEMORY_HTML_LIMIT = 20_000  # converted pages kept in memory; the SQLite file keeps the rest


def code_version() -> str:
    """The generator's version and the hash of its own code: a changed parser or template
    helper makes every cached value stale."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def digest(*parts: str | bytes) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def pack(value) -> bytes:
    """A value as the cache stores it."""
    return zlib.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), 1)


def pack_large(value) -> bytes:
    """`pack(value)`, pickled straight into the compressor: a large value (the manifest's
    records, the plan's index) is never held pickled but uncompressed too (7 MB of a
    10,000-article build's peak, each)."""
    compressor, parts = zlib.compressobj(1), []
    sink = types.SimpleNamespace(write=lambda data: parts.append(compressor.compress(data)))
    pickle.Pickler(sink, pickle.HIGHEST_PROTOCOL).dump(value)
    parts.append(compressor.flush())
    return b"".join(parts)


def unpack(packed: bytes):
    return pickle.loads(zlib.decompress(packed))


def pack_and_digest(value) -> tuple[bytes, str]:
    """`pack(value)`, and a digest of the value as pickled: equal digests, equal values."""
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return zlib.compress(data, 1), digest(data)


class Spool:
    """Packed bytes a build needs only later, kept in an unnamed temporary file: the pages
    planned, until they are rendered, and the pages rendered, until they are written. Held
    in memory, at 10,000 articles, they were 55 and 54 MB of the build's peak. The file has
    no name, so nothing is left behind, and it is closed once no `Spooled` names it. It is
    made in `folder` (the build cache's, `BuildCache.spool`), not in the system's temporary
    folder, which is memory on many systems (tmpfs)."""

    def __init__(self, folder: Path | None = None):
        try:
            self._file = tempfile.TemporaryFile(prefix="healthsite-pages-", dir=folder)
        except OSError:
            self._file = None
        self._taking = self._file is not None
        self._end = 0

    def add(self, data: bytes) -> Spooled | bytes:
        """Where `data` is kept now; `data` itself where the file cannot take it (a full
        disk, say): the build goes on in memory."""
        if self._taking:
            try:
                if os.pwrite(self._file.fileno(), data, self._end) == len(data):
                    self._end += len(data)
                    return Spooled(self, self._end - len(data), len(data))
            except OSError:
                pass
            self._taking = False  # what it holds is still read; nothing more is put in
        return data

    def read(self, offset: int, size: int) -> bytes:
        data = os.pread(self._file.fileno(), size, offset)
        if len(data) != size:
            raise OSError(f"the temporary file of packed pages is short: {len(data)} of {size} bytes at {offset}")
        return data


@dataclass(frozen=True)
class Spooled:
    """Where some packed bytes are in a `Spool`."""

    spool: Spool
    offset: int
    size: int

    def read(self) -> bytes:
        return self.spool.read(self.offset, self.size)


def unspooled(held: bytes | Spooled) -> bytes:
    """The bytes themselves, read back where they wait in a `Spool`."""
    return held.read() if isinstance(held, Spooled) else held


@dataclass
class PageRecord:
    """What a build knows of a page it wrote: enough to reuse it unchanged."""

    key: str
    size: int
    links: tuple[tuple[str, str], ...]
    media: tuple[str, ...]
    assets: tuple[str, ...] | None = ()  # see `render.RenderedPage.assets`


class Manifest:
    """The pages a build wrote into an output folder. `build` also names the folder's marker,
    so a manifest is used only with the very files it describes.

    Pickled, its pages and files are one compressed blob and the plan they were made from
    another, each unpacked only when asked for: a build that finds nothing changed needs just
    the head (at 10,000 articles the records take a third of a second to unpickle), and one
    with other settings (a changed template) has no use for the plan."""

    def __init__(self, build: str = "", inputs: str = "", pages: dict[str, PageRecord] | None = None,
                 problems: tuple = (), files: frozenset[str] = frozenset(), assets: dict[str, str] | None = None):
        self.build = build
        self.inputs = inputs  # the fingerprint of everything the build read: the same means nothing changed
        self.assets = assets or {}  # the static files' URLs its pages hold (`render.asset_urls`)
        self.problems = problems  # its warnings, repeated by a build that finds nothing changed
        self.plan_key: str | None = None  # see `keep_plan`
        self._contents: tuple | None = (pages or {}, files)
        self._plan, self._packed, self._packed_plan = None, b"", b""
        self.page_count = sum(map(operator.methodcaller("endswith", ".html"), self.pages))

    @property
    def pages(self) -> dict[str, PageRecord]:
        """Each page's record, by path."""
        return self._unpacked()[0]

    @property
    def files(self) -> frozenset[str]:
        """Every file the build wrote, pages or not."""
        return self._unpacked()[1]

    def keep_plan(self, index) -> None:
        """Keep the plan its pages were made from (`planmemo.PlanIndex`), for the next process."""
        self.plan_key, self._plan = index.key, index

    def plan(self, key: str):
        """The plan its pages were made from, if one was kept and made with `key`; else None."""
        if key != self.plan_key:
            return None
        if self._plan is None:
            self._plan = unpack(self._packed_plan)
        return self._plan

    def _unpacked(self) -> tuple:
        if self._contents is None:
            self._contents = unpack(self._packed)
        return self._contents

    def __getstate__(self) -> dict:
        return {"build": self.build, "inputs": self.inputs, "problems": self.problems, "page_count": self.page_count,
                "assets": self.assets,
                "plan_key": self.plan_key, "_packed": self._packed or pack_large(self._contents), "_contents": None,
                "_packed_plan": self._packed_plan or (pack_large(self._plan) if self._plan is not None else b""), "_plan": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


class BuildCache:
    def __init__(self, folder: Path | None = None, namespace: str = ""):
        self.namespace = namespace
        self.documents: dict[str, object] = {}
        self.html: OrderedDict[str, bytes] = OrderedDict()  # packed, when there is no file to keep them
        self.manifests: dict[str, Manifest] = {}
        self.renderers: dict[object, object] = {}  # per-settings page renderers (Jinja environments), kept in memory
        self.graph_memo = None  # the last site graph (graph.GraphMemo), in memory: reused when no article changed shape
        self.plan_memo = None  # the last plan (plan.PlanMemo), kept in memory: the preview plans only what changed
        self.file_status: dict[str, tuple[tuple, str]] = {}  # content files: status when read, and key (gather.read_files)
        self.published_outputs: dict = {}  # pages found unchanged: (page, record, stamp, Output), by path (outputs.render_site)
        # The last parse_all's keys, ParsedFiles, the read it parsed (as the cache keeps it) and the snippets' digest
        self.last_parse: tuple[list, object, object, str] = ([], None, None, "")
        # The last read: the content listing, each file's key and task (without its bytes), each
        # file's place in the listing, and the keys joined (gather.read_content)
        self.last_read: tuple | None = None
        self.last_render: tuple | None = None  # the preview's last (pages, stamp, records, each page's output as published)
        # One object per distinct (href, file) link pair in the pages' records, which pickle then writes
        # once: every page links to the same few hundred pages (37 MB of manifest at 10,000 articles).
        self.link_pairs: dict[tuple[str, str], tuple[str, str]] = {}
        self.listings = Listings()  # content folders, as last listed
        # The project files a watcher saw change since the last build read them (the preview's,
        # taken by the next build's read); None: no watcher vouches that the others did not change.
        self.watched: set[str] | None = None
        self.statuses_checked = False  # every file's status was compared with the one it was read at, in this process
        self.content_listing: tuple | None = None  # the last content_files() result, and the files it lists
        self._saved_index = b""  # file_status and listings as the SQLite file has them
        self.lint_memo = LintMemo()  # what the last site-wide checks found
        self.check_memo = None  # what the last site-wide files and link check were made from (write.CheckMemo)
        self.readability = Readability()  # syllables counted so far, and the hyphenation dictionary once loaded
        self.sort_keys = SortKeys()  # names' places in A to Z lists, kept on disk
        self.template_keys: tuple = (None, {})  # the templates' digests, and each template's key (pipeline._template_keys)
        self.template_refs: dict[str, frozenset] = {}  # the templates each template file names, by its digest, kept on disk
        self._saved_template_refs: dict = {}
        self.db: sqlite3.Connection | None = None
        self.path = folder / "cache.sqlite" if folder else None
        if folder:
            self._open(folder)

    def spool(self) -> Spool:
        """A file for packed pages (`Spool`): beside the SQLite file, where there is one."""
        return Spool(self.path.parent if self.db else None)

    # --- parsed articles

    def document(self, key: str):
        value = self.documents.get(key)
        if value is None and self.db:
            row = self.db.execute("SELECT value FROM documents WHERE key = ?", (key,)).fetchone()
            if row:
                value = self.documents[key] = unpack(row[0])
        return value

    def packed_document(self, key: str) -> bytes | None:
        """`document(key)` as `pack` gives it, not kept in memory here."""
        if key in self.documents:
            return pack(self.documents[key])
        row = self.db.execute("SELECT value FROM documents WHERE key = ?", (key,)).fetchone() if self.db else None
        return row[0] if row else None

    def put_document(self, key: str, value, packed: bytes, in_memory: bool = True) -> None:
        """`packed`: the value as `pack` gives it (workers pack what they parse, so this
        process only unpacks it once and stores the bytes as they are). `in_memory`: kept in
        memory too, for the next build of this process (not for a light parse's)."""
        if in_memory:
            self.documents[key] = value
        if self.db:
            self.db.execute("INSERT OR REPLACE INTO documents VALUES (?, ?)", (key, packed))

    def keep_only_documents(self, keys: set[str]) -> None:
        """Only the articles of this build stay in memory: deleted or edited files' go."""
        self.forget_documents(set(self.documents) - keys)

    def forget_documents(self, keys: set[str]) -> None:
        for key in keys:
            self.documents.pop(key, None)

    def forget_articles(self) -> None:
        """Let go of every parsed article held in memory and of what was made of them (the
        last parse, graph and checks): the next build takes them from the file again."""
        self.documents.clear()
        self.last_parse = ([], None, None, "")
        self.graph_memo = None
        self.lint_memo = LintMemo()

    # --- converted markdown

    def page_html(self, key: str) -> list[str] | None:
        packed = self.html.get(key)
        if packed is not None:
            self.html.move_to_end(key)
        elif self.db:
            row = self.db.execute("SELECT value FROM html WHERE key = ?", (key,)).fetchone()
            packed = row[0] if row else None
        return unpack(packed) if packed is not None else None

    def put_page_html(self, key: str, packed: bytes) -> None:
        """`packed`: a page's converted Markdown as `pack` gives it."""
        if self.db:
            self.db.execute("INSERT OR REPLACE INTO html VALUES (?, ?)", (key, packed))
        else:
            self.html[key] = packed
            if len(self.html) > MEMORY_HTML_LIMIT:
                self.html.popitem(last=False)

    # --- planned pages (`plan.PackedPage`), for a new process whose only change is a template

    def page_view(self, owner: tuple, fingerprint: str) -> tuple[str, bytes] | None:
        """(Markdown key, packed page) of the page `owner` had with this fingerprint, if stored."""
        if not self.db:
            return None
        row = self.db.execute("SELECT html_key, value FROM views WHERE owner = ? AND fingerprint = ?",
                              (repr(owner), fingerprint)).fetchone()
        return (row[0], row[1]) if row else None

    def put_page_views(self, pages: list[tuple[tuple, object]], owners) -> None:
        """Each (owner, `PackedPage`): its last page, in place of the one before (one row an
        owner). Only `owners` (a whole plan's) keep theirs: a deleted or renamed page's goes."""
        if self.db:
            self.db.executemany("INSERT OR REPLACE INTO views VALUES (?, ?, ?, ?)",
                                ((repr(owner), page.fingerprint, page.html_key, page.packed_bytes) for owner, page in pages))
            kept = {repr(owner) for owner in owners}
            gone = [(row[0],) for row in self.db.execute("SELECT owner FROM views") if row[0] not in kept]
            self.db.executemany("DELETE FROM views WHERE owner = ?", gone)

    # --- compiled templates (`render.TemplateCode`)

    def template_code(self, key: str) -> bytes | None:
        row = self.db.execute("SELECT value FROM templates WHERE key = ?", (key,)).fetchone() if self.db else None
        return row[0] if row else None

    def put_template_code(self, key: str, code: bytes) -> None:
        if self.db:
            self.db.execute("INSERT OR REPLACE INTO templates VALUES (?, ?)", (key, code))

    # --- what was written where

    def manifest(self, out: Path) -> Manifest | None:
        name = str(out)
        if name not in self.manifests and self.db:
            row = self.db.execute("SELECT value FROM manifests WHERE out = ?", (name,)).fetchone()
            if row:
                self.manifests[name] = pickle.loads(row[0])
        return self.manifests.get(name)

    def put_manifest(self, out: Path, manifest: Manifest, on_disk: bool = True) -> None:
        """`on_disk=False`: kept in memory only, for a folder that does not outlive this process
        (the preview's): pickling every page's record on every save would cost more than the build."""
        self.manifests[str(out)] = manifest
        if self.db and on_disk:
            self.db.execute("INSERT OR REPLACE INTO manifests VALUES (?, ?)",
                            (str(out), pickle.dumps(manifest, pickle.HIGHEST_PROTOCOL)))  # packs itself

    # --- what the content files were when last read

    def save_file_index(self) -> None:
        """Keep the files' statuses and the folders' listings for the next process (when they changed)."""
        if not self.db:
            return
        packed = pack((self.file_status, self.listings.known))
        if packed != self._saved_index:
            self._put_meta("file index", packed)
            self._saved_index = packed

    def save_sort_keys(self) -> None:
        """Keep the collation keys for the next process (when a name was added)."""
        if self.db and self.sort_keys.added:
            self._put_meta("sort keys", pack(self.sort_keys.known))
            self.sort_keys.added = False

    def save_template_refs(self) -> None:
        """Keep the templates' references for the next process (when they changed)."""
        if self.db and self.template_refs != self._saved_template_refs:
            self._put_meta("template refs", pack(self.template_refs))
            self._saved_template_refs = dict(self.template_refs)

    def _load_template_refs(self) -> None:
        self.template_refs = self._meta_dict("template refs")
        self._saved_template_refs = dict(self.template_refs)

    def _load_sort_keys(self) -> None:
        self.sort_keys = SortKeys(self._meta_dict("sort keys"))

    def _meta_dict(self, name: str) -> dict:
        """A dict kept in the meta table; empty if there is none or it cannot be read (what
        it held is made again as needed)."""
        packed = self._meta(name)
        try:
            value = unpack(packed) if packed else {}
        except Exception:
            return {}
        return value if isinstance(value, dict) else {}

    def _load_file_index(self) -> None:
        packed = self._meta("file index")
        try:
            file_status, known = unpack(packed) if packed else ({}, {})
            if not isinstance(file_status, dict) or not isinstance(known, dict):
                raise TypeError("not a file index")
            self.file_status, self.listings.known, self._saved_index = file_status, known, packed or b""
        except Exception:  # an index that cannot be read is no index: every file is read
            self.file_status, self.listings.known = {}, {}

    def _meta(self, name: str):
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def _put_meta(self, name: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    # --- the file

    def commit(self) -> None:
        if self.db:
            self.db.commit()

    def close(self) -> None:
        if self.db:
            self.save_file_index()
            self.save_sort_keys()
            self.save_template_refs()
            self.db.commit()
            self.db.close()
            self.db = None

    def _open(self, folder: Path) -> None:
        """Open (or start afresh) the SQLite file; a cache that cannot be used is no cache, never an error."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / ".gitignore").write_text("*\n") if not (folder / ".gitignore").exists() else None
            self.db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)  # the preview builds on a worker thread, one build at a time
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            for table, columns in (("meta", "name TEXT PRIMARY KEY, value TEXT"),
                                   ("documents", "key TEXT PRIMARY KEY, value BLOB"),
                                   ("html", "key TEXT PRIMARY KEY, value BLOB"),
                                   ("manifests", "out TEXT PRIMARY KEY, value BLOB"),
                                   ("templates", "key TEXT PRIMARY KEY, value BLOB"),
                                   ("views", "owner TEXT PRIMARY KEY, fingerprint TEXT, html_key TEXT, value BLOB")):
                self.db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
            if self._meta("namespace") != self.namespace:
                for table in ("documents", "html", "manifests", "templates", "views", "meta"):
                    self.db.execute(f"DELETE FROM {table}")
                self._put_meta("namespace", self.namespace)
                self.db.commit()
            self._load_file_index()
            self._load_sort_keys()
            self._load_template_refs()
        except (OSError, sqlite3.Error, pickle.PickleError):
            self.db = None
