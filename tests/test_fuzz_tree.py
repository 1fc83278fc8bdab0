"""Random project trees (issue 11): odd and undecodable file names, random bytes,
symlinks that dangle, loop or leave the project, FIFOs, folders named `x.md`,
deep nesting, far dates. Whatever the tree, the build ends in bounded time with
problems that name a file, or a site that holds nothing from outside the project.

`make test` runs a few dozen examples; for an occasional long run:
`HEALTHSITE_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/test_fuzz_tree.py`.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from conftest import REPO, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthsite.config import load_config
from healthsite.pipeline import publish

EXAMPLES = int(os.environ.get("HEALTHSITE_FUZZ_EXAMPLES", "60"))
OUTSIDE = Path("/etc/passwd")

odd_names = st.one_of(
    st.sampled_from(["leg-cramps.md", "x.md", "a..b.md", "cramps\n.md", "Leg Cramps.md", ".hidden.md", "backup.md~", "notes.txt",
                     "-.md", "\u00e9.md", "a" * 200 + ".md", "con.md", "\x1b[2J.md", "style.css", "index.html"]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"), min_size=1, max_size=16)
      .filter(lambda t: t not in (".", "..")).map(lambda t: t + ".md"),
    st.binary(min_size=1, max_size=10).map(lambda b: b.replace(b"/", b"_").replace(b"\0", b"_"))
      .map(lambda b: os.fsdecode(b + b".md")),  # bytes that are not UTF-8
)
years = st.sampled_from([1, 1899, 1900, 2026, 2999, 3000, 9997, 9999])
articles = st.builds(
    lambda title, year, next_year, body: (f"---\ntitle: {title!r}\nsummary: S.\nreviewed: {year:04d}-01-31\n"
                                          f"next_review: {next_year:04d}-12-31\n---\n{body}\n").encode(),
    st.text(max_size=20), years, years,
    st.one_of(
        st.text(max_size=200),
        st.integers(0, 600).map(lambda n: "- " * n + "x"),
        st.integers(0, 600).map(lambda n: "".join("    " * i + "- item\n" for i in range(n))),
        st.integers(0, 40_000).map(lambda n: "[" * n),
        st.sampled_from(["## Causes\n\n1. Dehydration: text\n", "![p](https://tracker.example/p.png)",
                         '<p class="callout callout-urgent" id="main">x</p>', "[[nowhere]]"]),
    ),
)
file_bytes = st.one_of(articles, st.binary(max_size=300), st.just(b""), st.just(b"---\n" + b"a: [" * 600 + b"\n---\n"))
# A node is ("file", bytes), ("dir", {name: node}), ("link", target) or ("fifo", None).
link_targets = st.sampled_from(["dangling", "loop", "outside", "sibling", "parent"])
nodes = st.recursive(
    st.one_of(st.tuples(st.just("file"), file_bytes), st.tuples(st.just("link"), link_targets), st.tuples(st.just("fifo"), st.none())),
    lambda children: st.tuples(st.just("dir"), st.dictionaries(odd_names, children, max_size=4)),
    max_leaves=12,
)
trees = st.dictionaries(st.sampled_from(["content/conditions", "content/causes", "content/pages", "content", "static", "templates"]),
                        st.dictionaries(odd_names, nodes, max_size=4), max_size=4)
configs = st.one_of(st.just(""), st.sampled_from(["review_interval: 100000 years\n", "review_interval: 1200 months\n",
                                                 "max_file_size: 5000000\n", "reading_grade: .nan\n", "base_url: 'http://[::1/'\n"]))


def make(folder: Path, name: str, node) -> None:
    path = folder / name
    kind, value = node
    try:
        if kind == "file":
            path.write_bytes(value)
        elif kind == "dir":
            path.mkdir(exist_ok=True)
            for child, child_node in value.items():
                make(path, child, child_node)
        elif kind == "fifo":
            os.mkfifo(path)
        else:
            target = {"dangling": folder / "no-such-file", "loop": path, "outside": OUTSIDE,
                      "sibling": folder / "leg-cramps.md", "parent": folder}[value]
            path.symlink_to(target)
    except (FileExistsError, IsADirectoryError, NotADirectoryError, OSError):
        pass  # a name the tree already used, or one the file system refuses: the tree is just smaller


def hung(*_):
    raise TimeoutError("the build hung")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(tree=trees, config_text=configs, drafts=st.booleans())
def test_random_trees_never_crash_hang_or_leak(tree, config_text, drafts):
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        for part in ("templates", "static"):
            shutil.copytree(REPO / part, site / part)
        (site / "content/conditions").mkdir(parents=True)
        (site / "config.yaml").write_text(config_text)
        for folder, children in tree.items():
            (site / folder).mkdir(parents=True, exist_ok=True)
            for name, node in children.items():
                make(site / folder, name, node)
        out = site / "public"
        out.mkdir()
        (out / ".healthsite-output").write_text("")
        (out / "old.html").write_text("previous site")
        before = snapshot(out)

        start = time.monotonic()
        signal.signal(signal.SIGALRM, hung)
        signal.alarm(30)  # a hang (a FIFO read, say) fails the test instead of stalling the suite
        try:
            config, problems = load_config(site / "config.yaml")
            build = publish(config, out, drafts=drafts, problems=problems, search=False)
        finally:
            signal.alarm(0)
        assert time.monotonic() - start < 20

        for problem in build.problems:
            assert problem.path and problem.line >= 0 and problem.message
            assert str(problem).isprintable() and "\x1b" not in str(problem)
        if build.written:
            secret = OUTSIDE.read_bytes()
            assert not [p for p in out.rglob("*") if p.is_file() and p.read_bytes() == secret]
            assert not [o.path for o in build.outputs if "tracker.example" in o.data.decode("utf-8", "replace")
                        and o.path.endswith(".html")]
        else:
            assert not build.ok and snapshot(out) == before
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["site"]
