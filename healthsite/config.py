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
from .files import read_bytes
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
    max_file_size: int = setting(2_000_000, lambda value: schema.positive_int(value, MAX_FILE_SIZE),
                                 "largest content file accepted, in bytes (at most 5,000,000)")
    reading_grade: float = setting(9.0, schema.number, "reading grade above which `check` warns")
    emergency_number: str = setting("999", schema.text, "the emergency phone number readers are told to call")
    emergency_department: str = setting("A&E", schema.text, "where readers are told to go in an emergency")
    allowed_media_hosts: tuple[str, ...] = setting((), schema.host_list,
                                                   "other websites pages may show images, audio and video from")

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

    @property
    def content_security_policy(self) -> str:
        """What a page may load: its own scripts, styles, fonts and data, and images
        and media from the site or from the hosts in allowed_media_hosts."""
        media = " ".join(["'self'", *(f"https://{host}" for host in self.allowed_media_hosts)])
        # Pagefind's search compiles its WebAssembly in the browser: 'wasm-unsafe-eval' allows
        # that and no JavaScript eval. 'self' also covers the preview's reload socket.
        return (f"default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src {media}; "
                f"media-src {media}; object-src 'none'; base-uri 'self'; form-action 'self'")


MAX_CONFIG_SIZE = 100_000
MAX_FILE_SIZE = 5_000_000  # Markdown takes seconds per megabyte: a limit on the limit keeps a build bounded

SETTINGS = {f.name: f for f in dataclasses.fields(Config) if not f.metadata.get("internal")}


def load_config(path: Path) -> tuple[Config, list[Problem]]:
    """Read config.yaml. A missing file gives the defaults; every bad key is reported."""
    root = path.resolve().parent
    rel = path.name
    if not path.exists():
        return Config(root=root, path=rel), []
    try:
        raw = read_bytes(path, MAX_CONFIG_SIZE)
        if len(raw) > MAX_CONFIG_SIZE:
            return Config(root=root, path=rel), [error(rel, 0, f"is over {MAX_CONFIG_SIZE:,} bytes: it cannot be the site's settings")]
        mapping = schema.load_mapping(raw.decode("utf-8"))
    except OSError as exc:  # a folder, a FIFO, a file we may not read
        return Config(root=root, path=rel), [error(rel, 0, f"cannot be read: {exc.strerror or exc}")]
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
