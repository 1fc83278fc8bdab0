"""Hardening, second round (issue 11): input that used to crash the build, exhaust it,
leak a file or lose one silently. Each must now be `path:line: error: ...` and exit 1
(2 for a refused output folder), in bounded time, with nothing published."""

from __future__ import annotations

import html
import os
import re
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, make_project, run_cli, snapshot

from healthsite.config import load_config
from healthsite.markup import Markup
from healthsite.pipeline import build_site

ARTICLE = "---\ntitle: Cramps\nsummary: A fixture.\nreviewed: 2026-01-01\n---\n"
BOMB = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))


def fails_with(site: Path, *expected: str, timeout: float = 60, code: int = 1) -> str:
    """Run `build`; it must fail with `code` and print each expected text, and no traceback."""
    result = run_cli("build", cwd=site, timeout=timeout)
    assert result.returncode == code, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    return result.stderr


@pytest.fixture
def site(tmp_path) -> Path:
    return make_project(tmp_path / "site", FIXTURES / "good")


# --- crashes


def test_dangling_symlink_and_symlink_loop_in_content(site):
    (site / "content/conditions/gone.md").symlink_to(site / "content/conditions/nowhere.md")
    (site / "content/conditions/loop.md").symlink_to(site / "content/conditions/loop.md")
    fails_with(site, "content/conditions/gone.md:0: error: is a link to a file that does not exist",
               "content/conditions/loop.md:0: error: is a link that cannot be followed")


def test_unreadable_file(site, monkeypatch):
    real_open = os.open

    def denied(path, *args, **kwargs):
        if str(path).endswith("leg-cramps.md"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)  # as a non-root user would find a chmod 000 file
    config, problems = load_config(site / "config.yaml")
    build = build_site(config, problems=problems, search=False)
    assert "content/conditions/leg-cramps.md:0: error: cannot be read: Permission denied" in map(str, build.problems)


def test_far_review_dates_and_intervals(site):
    article = site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text().replace("reviewed: 2026-01-10", "reviewed: 9997-01-10"))
    fails_with(site, "content/conditions/leg-cramps.md:4: error: `reviewed` must be a date between 1900 and 2999")
    article.write_text(article.read_text().replace("reviewed: 9997-01-10", "reviewed: 2026-01-10"))
    (site / "config.yaml").write_text("review_interval: 100000 years\n")
    fails_with(site, "error: `review_interval` must be at most 100 years")


def test_add_months_saturates_instead_of_crashing():
    import datetime as dt

    from healthsite.schema import add_months

    assert add_months(dt.date(9997, 1, 1), 36) == dt.date.max
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 12, 31), 2) == dt.date(2026, 2, 28)


@pytest.mark.parametrize("body", ["".join("    " * i + "- item\n" for i in range(490)), "- " * 493 + "x\n", "> " * 493 + "x\n"])
def test_deep_markdown_nesting_is_an_error(site, body):
    (site / "content/conditions/deep.md").write_text(ARTICLE + body)
    stderr = fails_with(site, "content/conditions/deep.md:")
    assert re.search(r"deep\.md:\d+: error: lists or quotes nested more than 30 levels deep", stderr), stderr


def test_deep_yaml_nesting_is_an_error(site):
    (site / "content/conditions/deep.md").write_text(ARTICLE.replace("title: Cramps", "title: " + "[" * 494 + "]" * 494))
    fails_with(site, "content/conditions/deep.md:2: error: invalid YAML: nested more than 20 levels deep")


@pytest.mark.parametrize("base_url", ['"http://[::1/"', '"https://example.org/\\nDisallow: /"', '"http://example.org:99999/"'])
def test_bad_base_url_is_a_config_error(site, base_url):
    (site / "config.yaml").write_text(f"base_url: {base_url}\n")
    fails_with(site, "config.yaml:1: error: `base_url` must be an http(s) URL")
    assert not (site / "public").exists()


def test_config_that_is_a_folder(site):
    (site / "config.yaml").unlink()
    (site / "config.yaml").mkdir()
    fails_with(site, "config.yaml:0: error: cannot be read")


def test_template_that_is_not_utf8(site):
    template = site / "templates/page.html"
    template.write_bytes(template.read_bytes() + b"\n<p>caf\xff</p>\n")
    lines = template.read_bytes().count(b"\n")
    fails_with(site, f"templates/page.html:{lines}: error: not valid UTF-8 text")


def test_editor_swap_files_and_binary_static_html_are_not_templates_or_pages(site):
    (site / "templates/.base.html.swp").write_bytes(b"b0VIM 9.0\xff\xfe\x00")
    (site / "static/index.html").write_bytes(b"\x80 <a href=\"/nowhere/\">\xff</a>")  # a static file, published as it is
    result = run_cli("build", "--no-search", cwd=site)
    assert "internal error" not in result.stderr
    assert "static/index.html:0: error: broken link `/nowhere/`" in result.stderr and result.returncode == 1


def test_file_name_that_is_not_utf8_is_printed_safely(site):
    (site / "content/conditions").joinpath(os.fsdecode(b"caf\xe9.md")).write_text(ARTICLE)
    result = run_cli("check", cwd=site)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    import subprocess
    import sys

    from conftest import REPO
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "check"], cwd=site, capture_output=True, timeout=60,
                            env={**env, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "1795478400"})
    assert result.returncode == 1, result.stderr
    assert b"content/conditions/caf\\xe9.md:0: error: bad file name" in result.stdout
    assert b"internal error" not in result.stderr


def test_control_characters_never_reach_the_terminal(site):
    (site / "content/conditions/esc.md").write_text(ARTICLE.replace("title:", "\"\\e[2Jevil\\a\": 1\ntitle:"))
    result = run_cli("check", cwd=site)
    assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout
    assert "unknown front matter key `\\x1b[2Jevil\\x07`" in result.stdout


def test_newline_in_a_file_name_is_a_bad_name(site):
    (site / "content/conditions/cramps\n.md").write_text(ARTICLE)
    fails_with(site, "content/conditions/cramps\\n.md:0: error: bad file name")


# --- exhaustion


@pytest.mark.parametrize("where", ["reviewed", "key", "config"])
def test_yaml_anchor_bomb_fails_fast(site, where):
    if where == "config":
        (site / "config.yaml").write_text(BOMB + "title: *a9\n")
    else:
        use = "reviewed: *a9\n" if where == "reviewed" else "? *a9\n: 1\n"
        (site / "content/conditions/bomb.md").write_text("---\ntitle: Bomb\nsummary: S.\n" + BOMB + use + "---\nText.\n")
    start = time.monotonic()
    stderr = fails_with(site, "more than 10,000 values once aliases (`*name`) are expanded", timeout=30)
    assert time.monotonic() - start < 5
    assert ("config.yaml:" if where == "config" else "content/conditions/bomb.md:") in stderr


def test_recursive_alias_and_unhashable_keys(site):
    (site / "content/conditions/self.md").write_text("---\ntitle: &a [*a]\nsummary: S.\nreviewed: 2026-01-01\n---\n")
    fails_with(site, "content/conditions/self.md:2: error: invalid YAML: an alias refers to the value that contains it")


@pytest.mark.parametrize("text, count", [("[" * 30_000, "30,000"), ("[a](" * 8_000, "8,000"), ("<http://a" * 8_000, "8,000"),
                                         ("[^" * 8_000, "8,000")])
def test_open_brackets_fail_fast(site, text, count):
    """Python-Markdown scans to the paragraph's end for each one: minutes, not seconds."""
    (site / "content/conditions/brackets.md").write_text(ARTICLE + "Intro.\n\n" + text + "\n")
    start = time.monotonic()
    fails_with(site, f"content/conditions/brackets.md:8: error: {count} brackets (`[`, `(` or `<`) left open or nested in one paragraph",
               timeout=60)
    assert time.monotonic() - start < 15


def test_thousands_of_abbreviations_fail_fast(site):
    (site / "content/conditions/abbr.md").write_text(ARTICLE + "*[a]: b\n" * 20_000)
    start = time.monotonic()
    fails_with(site, "content/conditions/abbr.md:106: error: more than 100 abbreviations (`*[ABC]: ...`) in one file", timeout=60)
    assert time.monotonic() - start < 15


@pytest.mark.parametrize("text", ["*a" * 100_000, "a*" * 100_000, '<div markdown="1">' * 30_000])
def test_long_paragraphs_full_of_markup_fail_fast(site, text):
    (site / "content/conditions/dense.md").write_text(ARTICLE + "Intro.\n\n" + text + "\n")
    start = time.monotonic()
    fails_with(site, "content/conditions/dense.md:8: error: a paragraph of", "split it into shorter paragraphs", timeout=120)
    assert time.monotonic() - start < 15


def test_ordinary_brackets_and_lists_pass(site):
    text = ARTICLE + "\n\n".join(["See [[dehydration]] and [a link](https://example.org) [1] [x] " * 20] * 200) + "\n"
    text += "".join("    " * i + "- level\n" for i in range(6))
    (site / "content/conditions/fine.md").write_text(text)
    result = run_cli("check", cwd=site)
    assert result.returncode == 0 and "fine.md" in result.stdout, result.stdout  # warnings only
    assert not [line for line in result.stdout.splitlines() if "fine.md" in line and ": error:" in line], result.stdout


def test_fifo_in_content_does_not_hang(site):
    os.mkfifo(site / "content/conditions/pipe.md")
    os.mkfifo(site / "static/pipe.css")
    fails_with(site, "content/conditions/pipe.md:0: error: is not a regular file",
               "static/pipe.css:0: error: is not a regular file", timeout=30)


def test_file_size_limit_has_a_ceiling_and_big_files_are_not_read_whole(site):
    (site / "config.yaml").write_text("max_file_size: 100000000\n")
    fails_with(site, "config.yaml:1: error: `max_file_size` must be at most 5,000,000")
    (site / "config.yaml").write_text("max_file_size: 5000000\n")
    (site / "content/conditions/big.md").write_text(ARTICLE + "word " * 1_000_000)
    fails_with(site, f"content/conditions/big.md:0: error: file is {len(ARTICLE) + 5_000_000:,} bytes, over the limit of 5,000,000")


# --- leaks and silent losses


def test_static_link_out_of_the_project_is_not_published(site):
    (site / "static/passwd.txt").symlink_to("/etc/passwd")
    fails_with(site, "static/passwd.txt:0: error: is a link to a file outside the project")
    assert not (site / "public").exists()
    (site / "static/passwd.txt").unlink()
    (site / "static/inside.css").symlink_to(site / "static/style.css")  # a link within the project is fine
    assert run_cli("build", "--no-search", cwd=site).returncode == 0


def test_linked_or_unreadable_content_folder_is_reported(site, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    (site / "content/causes").rename(elsewhere)
    (site / "content/causes").symlink_to(elsewhere)
    fails_with(site, "content/causes:0: error: is a link to a folder")
    (site / "content/causes").unlink()
    elsewhere.rename(site / "content/causes")
    (site / "content").rename(tmp_path / "content")
    (site / "content").symlink_to(tmp_path / "content")
    fails_with(site, "content:0: error: is a link to a folder")
    (site / "content").unlink()
    (tmp_path / "content").rename(site / "content")

    real_scandir = os.scandir

    def denied(path="."):
        if str(path).endswith("content/causes"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    config, problems = load_config(site / "config.yaml")
    build = build_site(config, problems=problems, search=False)
    assert "content/causes:0: error: cannot be read: Permission denied" in map(str, build.problems)


def test_images_from_other_hosts_are_errors_unless_allowed(site):
    (site / "content/pages/tracked.md").write_text("---\ntitle: Tracked\n---\nText.\n\n![A pixel](https://tracker.example/p.png)\n"
                                                   '<img src="//cdn.example/q.png" alt="q">\n')
    fails_with(site, "content/pages/tracked.md:6: error: image or media from another website `https://tracker.example/p.png`",
               "content/pages/tracked.md:7: error: image or media from another website `//cdn.example/q.png`",
               "add `tracker.example` to allowed_media_hosts")
    (site / "config.yaml").write_text((site / "config.yaml").read_text() + "allowed_media_hosts: [tracker.example, cdn.example]\n")
    assert run_cli("build", "--no-search", cwd=site).returncode == 0
    page = html.unescape((site / "public/tracked/index.html").read_text())
    assert "img-src 'self' https://tracker.example https://cdn.example;" in page
    (site / "config.yaml").write_text("allowed_media_hosts: [https://tracker.example/]\n")
    fails_with(site, "config.yaml:1: error: `allowed_media_hosts` must list host names")


@pytest.mark.parametrize("url, host", [
    ("https://tracker.example/p.png", "tracker.example"), ("//cdn.example/q.png", "cdn.example"),
    ("HTTPS://Tracker.Example/p.png", "tracker.example"), ("\\\\tracker.example/p.png", "tracker.example"),
    ("/\\tracker.example/p.png", "tracker.example"), ("/&#9;/tracker.example/p.png", "tracker.example"),
    (" //tracker.example/p.png", "tracker.example"), ("https:tracker.example/p.png", "(no host)"),
    ("/static/calf.png", None), ("calf.png", None), ("../static/calf.png", None),
])
def test_where_an_image_loads_from_is_read_as_a_browser_reads_it(url, host):
    from healthsite.render import url_host

    assert url_host(url) == host


def test_raw_html_cannot_forge_classes_ids_or_data_attributes():
    markup = Markup()
    forged = markup.html('<p class="callout callout-urgent" id="main">Go to A&E now</p>\n\n'
                         '<div class="care-card care-card--emergency" data-urgency="emergency">x</div>\n\n'
                         "Text {: .callout-urgent #review }")
    assert "class=" not in forged and "id=" not in forged and "data-" not in forged, forged
    kept = markup.html("Note[^1]\n\n[^1]: Source.\n\n```python\nx = 1\n```\n")
    assert 'class="footnote-ref"' in kept and 'id="fn:1"' in kept and 'class="language-python"' in kept


def test_only_plain_yaml_values(site):
    (site / "content/conditions/tags.md").write_text(ARTICLE.replace("title: Cramps", "title: !!binary aGVsbG8=\naliases: !!set {a, b}"))
    fails_with(site, "content/conditions/tags.md:2: error: invalid YAML: tag `!!binary` is not allowed")


def test_nan_reading_grade_is_refused(site):
    (site / "config.yaml").write_text("reading_grade: .nan\n")
    fails_with(site, "config.yaml:1: error: `reading_grade` must be a number")


# --- the output folder


def test_users_own_dot_folders_next_to_the_output_are_never_removed(site, tmp_path):
    parent = tmp_path / "x"
    for name in (".site.old", ".site.staging"):
        (parent / name).mkdir(parents=True)
        (parent / name / "mine.txt").write_text("the user's own file")
    (site / "config.yaml").write_text(f"output_dir: {parent / 'site'}\n")
    fails_with(site, f"{parent / '.site.staging'}, where the build keeps a copy of the site while swapping, is not empty", code=2)
    assert (parent / ".site.old/mine.txt").is_file() and (parent / ".site.staging/mine.txt").is_file()


def test_a_build_killed_between_the_renames_is_undone_by_the_next(site):
    assert run_cli("build", "--no-search", cwd=site).returncode == 0
    before = snapshot(site / "public")
    (site / "public").rename(site / ".public.old")  # the state a kill between the two renames leaves
    article = site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text().replace("reviewed: 2026-01-10", "reviewed: someday"))
    fails_with(site, "the published site was not changed")
    assert snapshot(site / "public") == before and not (site / ".public.old").exists()


def test_the_site_is_never_missing_during_a_swap(tmp_path, monkeypatch):
    """The preview answers requests while it swaps: between two renames a reader found no
    site at all (a 404, or a 500 when the file went between check and read)."""
    from healthsite.render import Output
    from healthsite.write import write_site

    out = tmp_path / "public"
    write_site([Output("index.html", b"old", "x")], out)
    found_by_a_reader = []
    real_rename = Path.rename

    def rename_then_look(self, target):
        result = real_rename(self, target)
        found_by_a_reader.append((out / "index.html").is_file())
        return result

    monkeypatch.setattr(Path, "rename", rename_then_look)
    write_site([Output("index.html", b"new", "x")], out)
    assert all(found_by_a_reader) and (out / "index.html").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.staging", "public"]  # the site before, kept
    assert (tmp_path / ".public.staging/index.html").read_bytes() == b"old"


# --- defence in depth


def test_every_page_has_the_content_security_policy_and_headers_file_matches(site):
    assert run_cli("build", "--no-search", cwd=site).returncode == 0
    config, _ = load_config(site / "config.yaml")
    policy = config.content_security_policy
    assert "script-src 'self' 'wasm-unsafe-eval';" in policy and "'unsafe-inline'" not in policy
    for page in (site / "public").rglob("*.html"):
        head = page.read_text().split("</head>")[0]
        assert f'<meta http-equiv="Content-Security-Policy" content="{policy.replace(chr(39), "&#39;")}">' in head, page
    headers = (site / "public/_headers").read_text()
    assert headers.startswith("/*\n") and f"Content-Security-Policy: {policy}; frame-ancestors 'none'" in headers
    for header in ("X-Content-Type-Options: nosniff", "X-Frame-Options: DENY", "Referrer-Policy: no-referrer"):
        assert header in headers
