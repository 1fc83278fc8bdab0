"""Hostile and random input: sanitised HTML, escaped text, no traceback, no
partial output, and never a file written outside the output folder."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import yaml
from conftest import make_project, run_cli, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthsite.config import load_config
from healthsite.pipeline import publish

HOSTILE = """---
title: "Cramps <script>alert('title')</script> & \\"quotes\\""
summary: "A summary with <b>tags</b> & </script><script>alert(1)</script>"
reviewed: 2026-01-01
sources:
  - title: "<img src=x onerror=alert(2)>"
    url: https://example.org/?a=1&b=<2>
---
Raw HTML: <script>alert(3)</script> <img src="/static/favicon.svg" alt="x" onerror="alert(4)">
<a href="javascript:alert(5)">js link</a> <a href="data:text/html,<script>alert(6)</script>">data link</a>
<iframe src="https://evil.example"></iframe> <object data="evil.swf"></object>
<style>body { display: none }</style>
<form action="https://evil.example"><input name="card"></form>
<div onclick="alert(7)" style="position:fixed">click</div>

[markdown js](javascript:alert(8)) and [external](https://example.org/page) and [[dehydration]].

## Causes

1. Dehydration: <svg onload="alert(9)"></svg> fine text.

## When to see a doctor

See a doctor.
"""


def test_hostile_article_is_sanitised_and_escaped_everywhere(tmp_path):
    site = make_project(tmp_path / "site", {"content/conditions/hostile.md": HOSTILE})
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    out = site / "public"
    page = (out / "conditions/hostile/index.html").read_text()
    body = page.split("<main", 1)[1]
    for forbidden in ("<script", "<iframe", "<object", "<style", "<form", "<input", "<svg", "position:fixed"):
        assert forbidden not in body.lower(), forbidden
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", page), "an event-handler attribute survived"
    assert not re.search(r"(href|src)\s*=\s*[\"']?\s*(javascript|data):", page, re.I)
    assert "&lt;img src=x onerror=alert(2)&gt;" in page  # shown as text, harmless
    assert "<title>Cramps &lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; &amp; &#34;quotes&#34; |" in page
    assert '<a rel="noopener noreferrer" href="https://example.org/page">external</a>' in page
    assert '<a href="/causes/dehydration/">dehydration</a>' in page  # internal links get no rel
    head = page.split("</head>")[0]
    assert head.count("<script") == head.count("</script>") == 1  # the JSON-LD block, not broken out of
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in head
    feed = (out / "feed.xml").read_text()
    assert "&lt;/script&gt;&lt;script&gt;" in feed and "<script" not in feed


def test_pages_run_no_script_and_load_nothing_from_other_hosts(tmp_path):
    site = make_project(tmp_path / "site")
    assert run_cli("build", cwd=site).returncode == 0
    for page in (site / "public").rglob("*.html"):
        html = page.read_text()
        scripts = re.findall(r"<script([^>]*)>", html)
        allowed = [' type="application/ld+json"'] + ([' src="/static/search.js?v='] if page.parent.name == "search" else [])
        assert all(any(attrs.startswith(a) for a in allowed) for attrs in scripts), (page, scripts)
        loaded = re.findall(r'\ssrc="([^"]*)"', html) + re.findall(r'<link rel="(?:stylesheet|icon|preload)"[^>]*href="([^"]*)"', html)
        assert loaded and not [url for url in loaded if re.match(r"(https?:)?//", url)], page


def test_paths_never_leave_the_output_folder(tmp_path):
    evil = {
        "content/conditions/escape.md": "---\ntitle: ../../escape\nsummary: S.\nreviewed: 2026-01-01\naliases: ['../../../etc/passwd']\n---\n"
                                         "## Causes\n\n1. ../../../outside: text\n2. **..\\\\..\\\\win**: text\n\n## Treatment\n\n- /etc/passwd: text\n",
        "content/causes/a..b.md": "---\ntitle: dots\n---\n",
    }
    site = make_project(tmp_path / "site", evil)
    result = run_cli("build", cwd=site)
    assert "content/causes/a..b.md:0: error: bad file name" in result.stderr
    (site / "content/causes/a..b.md").unlink()
    assert run_cli("build", cwd=site).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert sorted(p.name for p in site.iterdir()) == sorted([".healthsite-cache", "config.yaml", "content", "templates", "static", "public"])
    out = site / "public"
    assert (out / "causes/outside/index.html").is_file() and (out / "treatments/etc-passwd/index.html").is_file()
    for config_out in ("../elsewhere/..", ".", "content/..", "static"):
        (site / "config.yaml").write_text(f"output_dir: {config_out}\n")
        assert run_cli("build", cwd=site).returncode == 2, config_out


# --- random input

yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30) | st.dates().map(str),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
front_matter = st.one_of(
    st.dictionaries(st.sampled_from(["title", "summary", "reviewed", "next_review", "aliases", "sources", "draft", "reviewer", "x"]),
                    yaml_values, max_size=8).map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    st.text(max_size=200),
)
line = st.one_of(
    st.text(max_size=80),
    st.builds(lambda t: "## " + t, st.text(max_size=30)),
    st.builds(lambda t: "### " + t, st.text(max_size=30)),
    st.builds(lambda a, b: f"1. {a}: {b}", st.text(max_size=20), st.text(max_size=40)),
    st.builds(lambda a, b: f"{a}- **{b}**", st.sampled_from(["", "  ", "1", "\t"]), st.text(max_size=20)),
    st.sampled_from(["```", "---", "## Causes", "## Treatments", "## When to see a doctor", "[[dehydration]]", "[[", "]]",
                     "<script>alert(1)</script>", "{: .causes }", "* * *", "1)", "- ", "x" * 5000]),
)
body = st.lists(line, max_size=25).map("\n".join)


@settings(max_examples=int(os.environ.get("HEALTHSITE_FUZZ_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(meta=front_matter, text=body, draft_free=st.booleans())
def test_random_articles_build_or_report_problems_never_crash(meta, text, draft_free):
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        shutil.copytree(Path(__file__).resolve().parent.parent / "templates", site / "templates")
        shutil.copytree(Path(__file__).resolve().parent.parent / "static", site / "static")
        (site / "content/conditions").mkdir(parents=True)
        (site / "content/conditions/random.md").write_text(f"---\n{meta}\n---\n{text}\n", encoding="utf-8")
        config, problems = load_config(site / "config.yaml")
        out = site / "public"
        out.mkdir()
        (out / ".healthsite-output").write_text("")
        (out / "old.html").write_text("previous site")
        before = snapshot(out)
        build = publish(config, out, drafts=draft_free, problems=problems)
        for problem in build.problems:
            assert problem.path and problem.line >= 0 and problem.message
        if build.written:
            assert (out / "index.html").is_file() and not (out / "old.html").exists()
        else:
            assert not build.ok and snapshot(out) == before
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["site"]
