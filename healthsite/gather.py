"""The read and parse stages, incremental: which content files changed (by their status,
or what a watcher saw), their bytes, and each file's parse, from the cache where the
file and the snippets are unchanged, else made (in workers for a big batch)."""

from __future__ import annotations

import functools
import itertools
import operator
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .article import Article
from .cache import BuildCache, digest, unpack
from .config import Config
from .content import content_files, read_raw
from .files import settled, status_of
from .lint import ArticleChecks
from .problems import Problem
from .workers import ParseTask, Parsed, parse_files


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
              config: Config, read: tuple | None = None, light: bool = False) -> ParsedFiles:
    """Parsed articles, from the cache where the file (and the snippets) are unchanged. Where
    the files are the last call's (as many), only those whose key changed are looked up; where
    `read` (see `read_content`) says the reads are the last call's with a few places read
    again, only those keys are made and compared. `light` (a publish, which reads a body only
    for the article's own page): each article is held `without_body`, its body read back
    from its packed parse when that page is planned (`Article.whole`), and the cache keeps
    none in memory."""
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
    look_up = functools.partial(_light_document, cache) if light else cache.document
    missing = []
    for place in places:
        task = raws[place][1]
        found = look_up(keys[place])
        if found is None and task[0] is None:  # unchanged by its status (`read_files`), but its parse is not cached
            task, keys[place] = _read_now(task, keys[place], snippets_key, config, cache)
            found = look_up(keys[place])
        if found is None:
            missing.append((place, task))
        parsed[place] = found
    for (place, _), packed in zip(missing, parse_files([task for _, task in missing], snippets, jobs, cache.readability,
                                                       cache.sort_keys)):
        parsed[place] = unpack(packed)
        cache.put_document(keys[place], parsed[place], packed, in_memory=not light)
        if light:
            parsed[place] = _without_body(parsed[place], _packed_again(cache, keys[place], packed))
    if isinstance(places, range):
        cache.keep_only_documents(set(keys))
        files = ParsedFiles.of(parsed)
    else:  # only looked-up files' articles can have left; one may have moved to another place
        cache.forget_documents({last_keys[place] for place in places} - {keys[place] for place in places})
        if len(cache.documents) > len(keys):  # parses kept by a call that raised before it ended
            cache.keep_only_documents(set(keys))
        files = ParsedFiles.of(parsed, last, places)
    # (A light parse is no later parse's to splice into: its articles are not whole.)
    cache.last_parse = ([], None, None, "") if light else (keys, files, read[1] if read else None, snippets_key)
    return files


def _light_document(cache: BuildCache, key: str) -> Parsed | None:
    """`cache.document(key)` with its article `without_body` (see `parse_all`)."""
    packed = cache.packed_document(key)
    return _without_body(unpack(packed), _packed_again(cache, key, packed)) if packed else None


def _packed_again(cache: BuildCache, key: str, packed: bytes) -> Callable[[], bytes]:
    """The packed parse, when the article's page asks for its body: read again from the
    cache's file where there is one, so that a light article does not hold `packed` until
    then (60 MB at 10,000 articles); held where the cache has no file."""
    if cache.db is None:
        return lambda: packed

    def read() -> bytes:
        found = cache.packed_document(key)
        if found is None:  # only another healthsite clearing the same cache folder meanwhile
            raise RuntimeError("an article's parse left the cache during the build: build again")
        return found
    return read


def _without_body(parsed: Parsed, read_packed: Callable[[], bytes]) -> Parsed:
    article, problems, checks = parsed
    if article is None:
        return parsed
    document = article.document

    def whole() -> Article:
        # Read back with the very document the graph holds, as an article parsed whole has
        # it: a page made from both pickles as the same page (its fingerprint).
        article = unpack(read_packed())[0]
        object.__setattr__(article, "document", document)
        return article

    return article.without_body(whole), problems, checks


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
