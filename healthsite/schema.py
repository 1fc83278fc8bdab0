"""Safe YAML with line numbers, and the typed field checks shared by config and
front matter.

Only plain YAML values are ever constructed: tags such as `!!python/object`,
`!!binary` or `!!set` are refused. Dates are left as text by the loader and
checked here, so a bad date is reported with its line instead of crashing
inside PyYAML. PyYAML itself has no limits, so we set them: nesting depth
(its composer recurses) and the size of the document once aliases are
expanded (a 1 KB "billion laughs" anchor bomb would otherwise take gigabytes).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

import yaml


class SchemaError(Exception):
    """A problem at a line of the YAML (1-based, counted in the whole file)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


MAX_DEPTH = 20  # front matter is a few levels deep; PyYAML's composer recurses without a limit
MAX_NODES = 10_000  # values in a document once aliases are expanded


class _Loader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp type (we parse dates ourselves),
    without binary, set, ordered-map and pairs values, and with a nesting limit."""

    depth = 0

    def compose_node(self, parent, index):
        if self.depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                              self.peek_event().start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_REFUSED_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("binary", "timestamp", "omap", "pairs", "set")}
_Loader.yaml_constructors = {tag: f for tag, f in yaml.SafeLoader.yaml_constructors.items() if tag not in _REFUSED_TAGS}


class _FastLoader(yaml.CSafeLoader if yaml.__with_libyaml__ else _Loader):
    """The same values from libyaml, ten times faster: for front matter that `_plain_yaml`
    shows has no aliases, tags or flow collections and cannot nest deeply (libyaml's
    composer has no depth limit either). Anything else, and any error, goes to `_Loader`."""


_FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
_FastLoader.yaml_constructors = _Loader.yaml_constructors
_NOT_PLAIN = re.compile(r"[&*!\[\]{}]|^ {7,}|(?:- .*){3}", re.M)


def _plain_yaml(text: str) -> bool:
    """No anchor, alias, tag or flow collection, and shallow: indented at most 6 spaces, and
    at most two `- ` on a line, so nothing nests more than 16 levels (each level needs more
    indentation or another `- `)."""
    return not _NOT_PLAIN.search(text) and not yaml.reader.Reader.NON_PRINTABLE.search(text) and "\t" not in text


def _check_size(node: yaml.Node) -> None:
    """Refuse a document that is too big once its aliases are expanded, or refers to itself.

    Aliases share nodes, so sizes are memoised per node: this takes time linear in the
    text, not in the expansion."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, path: frozenset) -> int:
        if id(node) in path:
            raise yaml.composer.ComposerError(None, None, "an alias refers to the value that contains it", node.start_mark)
        if id(node) not in sizes:
            children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else (
                node.value if isinstance(node, yaml.SequenceNode) else [])
            total = 1 + sum(size(child, path | {id(node)}) for child in children)
            if total > MAX_NODES:
                raise yaml.composer.ComposerError(None, None, f"more than {MAX_NODES:,} values once aliases (`*name`) are expanded",
                                                  node.start_mark)
            sizes[id(node)] = total
        return sizes[id(node)]

    size(node, frozenset())


@dataclass(frozen=True)
class Mapping:
    values: dict[str, Any]
    lines: dict[str, int]  # key -> line of the key, in the whole file
    start_line: int  # line of the mapping's first line


def load_mapping(text: str, first_line: int = 1) -> Mapping:
    """Parse `text` (which starts at line `first_line` of its file) as a YAML mapping."""
    if yaml.__with_libyaml__ and _plain_yaml(text):
        try:
            return _load_mapping(text, first_line, _FastLoader)
        except SchemaError:
            pass  # the pure-Python loader words the error
    return _load_mapping(text, first_line, _Loader)


def _load_mapping(text: str, first_line: int, loader_class: type) -> Mapping:
    loader = None
    try:
        loader = loader_class(text)
        node = loader.get_single_node()
        if node is None:
            return Mapping({}, {}, first_line)
        if not isinstance(node, yaml.MappingNode):
            raise SchemaError(first_line + node.start_mark.line, "front matter must be a mapping of `key: value` lines")
        _check_size(node)
        lines: dict[str, int] = {}
        for key_node, _ in node.value:
            line = first_line + key_node.start_mark.line
            if not isinstance(key_node, yaml.ScalarNode):
                raise SchemaError(line, "a key must be a plain name, not a list or mapping")
            key = key_node.value
            if key in lines:
                raise SchemaError(line, f"duplicate key `{key}` (first at line {lines[key]})")
            lines[key] = line
        values = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        raise SchemaError(line, "invalid YAML: " + _yaml_message(exc)) from None
    except yaml.reader.ReaderError as exc:
        line = first_line + text[: exc.position].count("\n")
        raise SchemaError(line, f"invalid YAML: character {exc.character!r} is not allowed in YAML") from None
    except yaml.YAMLError as exc:
        raise SchemaError(first_line, f"invalid YAML: {exc}") from None
    except ValueError as exc:  # from Python itself, e.g. an integer of 5,000 digits
        raise SchemaError(first_line, f"invalid YAML: {exc}") from None
    finally:
        if loader:
            loader.dispose()
    return Mapping({str(k): v for k, v in values.items()}, lines, first_line)


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [exc.context, exc.problem]
    text = ", ".join(p for p in parts if p)
    tag = re.search(r"constructor for the tag '([^']+)'", text)
    if tag:
        name = tag[1].replace("tag:yaml.org,2002:", "!!")
        return f"tag `{name}` is not allowed (only plain YAML values are)"
    if re.search(r"mapping values are not allowed|expected <block end>|found unexpected ':'|could not find expected ':'", text):
        # The usual cause: a value with a colon or quotes in it. YAML reads it as another key.
        return f"{text}: if the value has a `:` or quotes in it, put the whole value in quotes, e.g. `title: \"Leg cramps: at night\"`"
    return text or "syntax error"


# --- field checks: each takes a YAML value and returns the clean value or raises ValueError


def text(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise ValueError("must be text")
    result = str(value).strip()
    if not result:
        raise ValueError("must not be empty")
    return result


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


YEARS = range(1900, 3000)  # a review date outside these is a typo (and 9999 + 3 years has no date)


def date(value: Any) -> dt.date:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            if day.year in YEARS:
                return day
            raise ValueError(f"must be a date between {YEARS.start} and {YEARS.stop - 1}, not `{value}`")
    raise ValueError(f"must be a real date written YYYY-MM-DD, not `{value}`")


def text_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError("must be a list of text")
    return tuple(text(item) for item in value)


REDIRECT_PATH = re.compile(r"^/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*/)+\Z")


def _list_matching(value: Any, pattern: re.Pattern, what: str) -> tuple[str, ...]:
    """A list of text whose every item matches pattern; `what` says what it must list."""
    items = text_list(value)
    for item in items:
        if not pattern.match(item):
            raise ValueError(f"must list {what}, not `{item}`")
    return items


def redirect_paths(value: Any) -> tuple[str, ...]:
    """Old addresses of a page: `/old/path/`, root-relative, ending in a slash."""
    return _list_matching(value, REDIRECT_PATH, "old addresses like `/old-name/`, starting and ending with `/`")


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")  # \Z: `$` would let a final newline through


def slug_list(value: Any) -> tuple[str, ...]:
    return _list_matching(value, SLUG_RE, "slugs (lowercase letters, digits and hyphens)")


def positive_int(value: Any, limit: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("must be a whole number above 0")
    if limit is not None and value > limit:
        raise ValueError(f"must be at most {limit:,}")
    return value


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("must be a number")  # .nan would switch a `>` check off, .inf too
    return float(value)


def http_url(value: Any) -> str:
    """An absolute http(s) URL with a host, and nothing that could end a line or a header."""
    url = text(value)
    try:
        parts = urlsplit(url)
        parts.port  # raises ValueError for a port that is not a number in range
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and url.startswith(parts.scheme + "://")
    except ValueError:
        ok = False
    if not ok or not url.isprintable() or re.search(r"\s", url):
        raise ValueError(f"must be an http(s) URL, not `{url}`")
    return url


def host_list(value: Any) -> tuple[str, ...]:
    """Host names such as `images.example.org` (no scheme, path or port)."""
    hosts = text_list(value)
    for host in hosts:
        if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+", host):
            raise ValueError(f"must list host names in lowercase, like `images.example.org`, not `{host}`")
    return hosts


MAX_MONTHS = 100 * 12


def months(value: Any) -> int:
    """`3 years`, `18 months` or a bare number of years -> months (at most 100 years)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        result = value * 12
    else:
        match = re.fullmatch(r"\s*(\d{1,9})\s*(years?|months?)\s*", str(value))
        if not match or int(match[1]) == 0:
            raise ValueError(f"must be like `3 years` or `18 months`, not `{value}`")
        result = int(match[1]) * 12 if match[2].startswith("year") else int(match[1])
    if result > MAX_MONTHS:
        raise ValueError("must be at most 100 years")
    return result


Check = Callable[[Any], Any]


def add_months(day: dt.date, count: int) -> dt.date:
    """`day` plus `count` months; past the last date Python knows (9999-12-31), that date."""
    month_index = day.month - 1 + count
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if year > dt.MAXYEAR:
        return dt.date.max
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))  # 31 Jan + 1 month -> 28/29 Feb
