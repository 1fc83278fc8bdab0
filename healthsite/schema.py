"""Safe YAML with line numbers, and the typed field checks shared by config and
front matter.

Only YAML's safe subset is ever constructed: tags such as `!!python/object` are
refused. Dates are left as text by the loader and checked here, so a bad date
is reported with its line instead of crashing inside PyYAML.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

import yaml


class SchemaError(Exception):
    """A problem at a line of the YAML (1-based, counted in the whole file)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _Loader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp type (we parse dates ourselves)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Mapping:
    values: dict[str, Any]
    lines: dict[str, int]  # key -> line of the key, in the whole file
    start_line: int  # line of the mapping's first line


def load_mapping(text: str, first_line: int = 1) -> Mapping:
    """Parse `text` (which starts at line `first_line` of its file) as a YAML mapping."""
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return Mapping({}, {}, first_line)
        if not isinstance(node, yaml.MappingNode):
            raise SchemaError(first_line + node.start_mark.line, "front matter must be a mapping of `key: value` lines")
        lines: dict[str, int] = {}
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = first_line + key_node.start_mark.line
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


def date(value: Any) -> dt.date:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"must be a real date written YYYY-MM-DD, not `{value}`")


def text_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError("must be a list of text")
    return tuple(text(item) for item in value)


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slug_list(value: Any) -> tuple[str, ...]:
    items = text_list(value)
    for item in items:
        if not SLUG_RE.match(item):
            raise ValueError(f"must list slugs (lowercase letters, digits and hyphens), not `{item}`")
    return items


def positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("must be a whole number above 0")
    return value


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number")
    return float(value)


def http_url(value: Any) -> str:
    url = text(value)
    if not re.match(r"^https?://[^\s/]+", url):
        raise ValueError(f"must be an http(s) URL, not `{url}`")
    return url


def months(value: Any) -> int:
    """`3 years`, `18 months` or a bare number of years -> months."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value * 12
    match = re.fullmatch(r"\s*(\d+)\s*(years?|months?)\s*", str(value))
    if not match or int(match[1]) == 0:
        raise ValueError(f"must be like `3 years` or `18 months`, not `{value}`")
    amount = int(match[1])
    return amount * 12 if match[2].startswith("year") else amount


Check = Callable[[Any], Any]


def add_months(day: dt.date, count: int) -> dt.date:
    month_index = day.month - 1 + count
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (day.day, 30, 29, 28):  # 31 Jan + 1 month -> 28/29 Feb
        try:
            return dt.date(year, month, last_day)
        except ValueError:
            continue
    raise AssertionError("unreachable")
