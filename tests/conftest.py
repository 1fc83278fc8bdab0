"""Shared helpers: a project in a temporary folder, made from the repository's
own site (config, content, templates, static) with a fixture folder laid over it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SITE_PARTS = ("config.yaml", "content", "templates", "static")


def make_project(folder: Path, *overlays: Path | dict, seed: bool = True) -> Path:
    """Copy the repo's site into `folder`, then each overlay (a fixture folder or {path: text})."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in SITE_PARTS:
        source = REPO / name
        if name == "content" and not seed:
            (folder / "content").mkdir(exist_ok=True)
        elif source.is_dir():
            shutil.copytree(source, folder / name, dirs_exist_ok=True)
        elif source.exists():
            shutil.copy2(source, folder / name)
    for overlay in overlays:
        if isinstance(overlay, dict):
            for rel, text in overlay.items():
                target = folder / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(text if isinstance(text, bytes) else text.encode())
        else:
            shutil.copytree(overlay, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt"))
    return folder


TODAY_EPOCH = "1795478400"  # 2026-11-24: review dates are judged against a fixed day unless a test sets another


def run_cli(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {"SOURCE_DATE_EPOCH": TODAY_EPOCH, **os.environ, "PYTHONPATH": str(REPO)}
    env.pop("HEALTHSITE_DEBUG", None)
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def built_site(folder: Path, *overlays: Path | dict, args: tuple[str, ...] = ()) -> Path:
    """A project made from the repo's site and the overlays, built; its output folder."""
    make_project(folder, *overlays)
    result = run_cli("build", *args, cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "public"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below folder and its bytes, to compare builds."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path) -> Path:
    """The repository's own site, copied."""
    return make_project(tmp_path / "site")


@pytest.fixture
def good_site(tmp_path) -> Path:
    """The seed site plus the fixture articles written in every entry form."""
    return make_project(tmp_path / "site", FIXTURES / "good")


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, driven by Playwright, shared by the browser tests."""
    from browser import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
