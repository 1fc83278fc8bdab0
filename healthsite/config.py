"""Site settings: a typed, validated dataclass read from config.yaml.

Each setting is declared once, with its default, its check and a line of help,
so the reader of this file sees every key the site understands.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import schema
from .problems import Problem, error, warning


def setting(default: Any, check: schema.Check, help: str):
    return field(default=default, metadata={"check": check, "help": help})


@dataclass(frozen=True)
class Config:
    root: Path = field(default=Path("."), metadata={"internal": True})
    path: str = field(default="config.yaml", metadata={"internal": True})

    title: str = setting("Health information", schema.text, "site name, shown in every page header")
    description: str = setting("", schema.text, "one sentence about the site, for the home page")
    base_url: str = setting("http://127.0.0.1:8000/", schema.http_url, "where the site is published")
    language: str = setting("en-GB", schema.text, "the `lang` of every page")
    output_dir: str = setting("public", schema.text, "where `build` writes the site")
    review_interval: int = setting(36, schema.months, "default time to the next review: `3 years`, `18 months`")
    max_file_size: int = setting(2_000_000, schema.positive_int, "largest content file accepted, in bytes")
    reading_grade: float = setting(9.0, schema.number, "reading grade above which `check` warns")
    emergency_number: str = setting("999", schema.text, "the emergency phone number readers are told to call")

    @property
    def base_path(self) -> str:
        """The path part of base_url, always with a trailing slash: `/` or `/health/`."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def site_origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def output_path(self) -> Path:
        return (self.root / self.output_dir).resolve()


SETTINGS = {f.name: f for f in dataclasses.fields(Config) if not f.metadata.get("internal")}


def load_config(path: Path) -> tuple[Config, list[Problem]]:
    """Read config.yaml. A missing file gives the defaults; every bad key is reported."""
    root = path.resolve().parent
    rel = path.name
    if not path.exists():
        return Config(root=root, path=rel), []
    try:
        mapping = schema.load_mapping(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return Config(root=root, path=rel), [error(rel, 1, "not valid UTF-8 text")]
    except schema.SchemaError as exc:
        return Config(root=root, path=rel), [error(rel, exc.line, exc.message)]
    values, problems = {}, []
    for key, value in mapping.values.items():
        line = mapping.lines.get(key, 1)
        if key not in SETTINGS:
            problems.append(warning(rel, line, f"unknown setting `{key}` (known: {', '.join(SETTINGS)})"))
            continue
        try:
            values[key] = SETTINGS[key].metadata["check"](value)
        except ValueError as exc:
            problems.append(error(rel, line, f"`{key}` {exc}"))
    return Config(root=root, path=rel, **values), problems
