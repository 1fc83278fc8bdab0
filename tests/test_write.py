"""Writing: staging and swap, refusal of foreign folders, clashes, feed and sitemap."""

import datetime as dt
import os
import shutil
import xml.etree.ElementTree as ET

import pytest

from healthsite.config import Config
from healthsite.cache import PageRecord
from healthsite.plan import PageInfo
from healthsite.render import Output, Published, page_links
from healthsite.write import MARKER, feed, refuse_output, sitemap, url_clashes, write_site


def test_write_swaps_in_a_complete_folder(tmp_path):
    out = tmp_path / "public"
    write_site([Output("a/index.html", b"one", "x")], out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]
    write_site([Output("b/index.html", b"two", "x")], out)
    assert (out / "b/index.html").read_bytes() == b"two"
    assert not (out / "a").exists() and (out / MARKER).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.staging", "public"]  # the site before, kept
    assert (tmp_path / ".public.staging/a/index.html").read_bytes() == b"one"


def tree(folder):
    return sorted((p.relative_to(folder).as_posix(), p.is_dir() or p.read_bytes()) for p in folder.rglob("*")
                  if p.name != MARKER)


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two renames"])
def test_the_next_write_changes_only_what_differs_in_the_kept_site(tmp_path, monkeypatch, exchange):
    """The staging folder keeps the site before; the next build changes there only what
    differs, never writing through to a published file, and ends with what a fresh write makes."""
    if not exchange:  # a system without renameat2: the old site goes aside, then comes back as the staging folder
        monkeypatch.setattr("healthsite.write._exchange", lambda a, b: False)
    out, staging = tmp_path / "public", tmp_path / ".public.staging"
    write_site([Output("a/index.html", b"one", "x"), Output("b/index.html", b"two", "x")], out)
    first_a = (out / "a/index.html").stat().st_ino
    outputs = [Output("a/index.html", Published(str(out / "a/index.html")), "x"), Output("b/index.html", b"TWO", "x"),
               Output("c/d/index.html", b"three", "x")]
    write_site(outputs, out)
    assert (staging / "b/index.html").read_bytes() == b"two"  # the published file was replaced, never written to
    second_b = (out / "b/index.html").stat().st_ino
    outputs = [Output("a/index.html", Published(str(out / "a/index.html")), "x"),
               Output("b/index.html", Published(str(out / "b/index.html")), "x"), Output("e/index.html", b"four", "x")]
    write_site(outputs, out)
    assert (out / "a/index.html").stat().st_ino == first_a  # one file all along
    assert (out / "b/index.html").stat().st_ino == second_b
    assert (staging / "c/d/index.html").read_bytes() == b"three"  # the site before is as it was
    write_site([Output("a/index.html", b"one", "x"), Output("b/index.html", b"TWO", "x"), Output("e/index.html", b"four", "x")],
               tmp_path / "fresh")
    assert tree(out) == tree(tmp_path / "fresh")  # no page, and no folder, left of c/d/


def test_a_file_in_the_kept_site_is_never_written_into(tmp_path):
    """Any file already in the staging folder may be a hard link to a published page (a
    leftover marker or temporary file too): the build makes new files, never writes into one."""
    out, staging = tmp_path / "public", tmp_path / ".public.staging"
    write_site([Output("a/index.html", b"one", "x")], out)
    write_site([Output("a/index.html", Published(str(out / "a/index.html")), "x"), Output("b.html", b"two", "x")], out)
    witness = tmp_path / "witness"
    os.link(out / "a/index.html", witness)  # the published page's very inode
    for name in (MARKER + ".new", "a/.index.html.healthsite-new", ".b.html.healthsite-new"):
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        os.link(out / "a/index.html", staging / name)
    write_site([Output("a/index.html", Published(str(out / "a/index.html")), "x"), Output("b.html", b"three", "x")], out)
    assert witness.read_bytes() == b"one" and (out / "a/index.html").read_bytes() == b"one"
    assert (out / "b.html").read_bytes() == b"three"


def test_a_kept_site_holding_links_is_written_afresh(tmp_path):
    """Only what a build makes is written into: a link planted in the staging folder is never followed."""
    out, staging, elsewhere = tmp_path / "public", tmp_path / ".public.staging", tmp_path / "elsewhere"
    write_site([Output("a/index.html", b"one", "x")], out)
    write_site([Output("a/index.html", b"two", "x")], out)
    elsewhere.mkdir()
    shutil.rmtree(staging / "a")
    (staging / "a").symlink_to(elsewhere)
    write_site([Output("a/index.html", b"three", "x")], out)
    assert (out / "a/index.html").read_bytes() == b"three"
    assert list(elsewhere.iterdir()) == []


def test_a_failed_write_leaves_the_old_folder(tmp_path):
    out = tmp_path / "public"
    write_site([Output("index.html", b"old", "x")], out)
    with pytest.raises(OSError):
        write_site([Output("index.html", b"new", "x"), Output("../../escape.html", b"bad", "x")], out)
    assert (out / "index.html").read_bytes() == b"old"
    assert not (tmp_path / "escape.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_refuse_output(tmp_path):
    config = Config(root=tmp_path)
    (tmp_path / "content").mkdir()
    assert refuse_output(config, tmp_path)
    assert refuse_output(config, tmp_path.parent)
    assert refuse_output(config, tmp_path / "content" / "x")
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos/cat.jpg").write_bytes(b"x")
    assert "not empty" in refuse_output(config, tmp_path / "photos")
    (tmp_path / "photos/cat.jpg").unlink()
    assert refuse_output(config, tmp_path / "photos") is None  # empty is fine
    assert refuse_output(config, tmp_path / "new") is None


def test_url_clashes_name_both_sources():
    problems = url_clashes([Output("causes/index.html", b"", ""), Output("Causes/index.html", b"", "content/pages/causes.md")])
    assert len(problems) == 1 and problems[0].path == "content/pages/causes.md"


def test_the_clash_check_is_skipped_only_for_the_same_files_that_clashed_nowhere():
    from healthsite.write import CheckMemo
    memo = CheckMemo()
    files = [Output("causes/index.html", b"", "content/causes/a.md"), Output("index.html", b"", "")]
    assert memo.url_clashes_of(files) == []
    clash = Output("Causes/index.html", b"", "content/pages/causes.md")
    assert len(memo.url_clashes_of(files + [clash])) == 1
    other = Output("Causes/index.html", b"", "content/pages/other.md")  # the same files, another source
    assert [p.path for p in memo.url_clashes_of(files + [other])] == ["content/pages/other.md"]
    assert memo.url_clashes_of(files) == []


def test_the_checks_take_a_renders_splice_only_where_they_ended_on_the_render_it_spliced_into():
    from healthsite.outputs import RenderChanges
    from healthsite.write import CheckMemo
    memo = CheckMemo()
    before, after = {"a/index.html": PageRecord("k", 1, (), ())}, {"a/index.html": PageRecord("k2", 1, (), ())}
    assert memo.begin(RenderChanges(before, [0])) is None  # it never checked `before`
    memo.end(before, before)
    assert memo.begin(None) is None  # a render that made every page
    memo.end(before, before)
    assert memo.begin(RenderChanges(before, [0])) == [0]
    assert memo.begin(RenderChanges(after, [0])) is None  # the last checks did not end
    memo.end(after, after)
    assert memo.begin(RenderChanges(before, [0])) is None  # it last checked another render


PAGES = [
    PageInfo("", "home", "Home", "", None),
    PageInfo("conditions/a/", "condition", "A <&> B", "Sum", dt.date(2025, 1, 1)),
    PageInfo("conditions/b/", "condition", "B", "Sum", dt.date(2026, 1, 1)),
]


def test_sitemap_has_absolute_urls_and_lastmod():
    root = ET.fromstring(sitemap(Config(base_url="https://example.org/health/"), PAGES))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [u.findtext("s:loc", namespaces=ns) for u in root.findall("s:url", ns)]
    assert locs == ["https://example.org/health/", "https://example.org/health/conditions/a/", "https://example.org/health/conditions/b/"]
    assert root.findall("s:url", ns)[1].findtext("s:lastmod", namespaces=ns) == "2025-01-01"


def test_feed_is_atom_newest_review_first_and_escaped():
    data = feed(Config(), PAGES)
    root = ET.fromstring(data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert titles == ["B", "A <&> B"]
    assert root.findtext("a:updated", namespaces=ns) == "2026-01-01T00:00:00Z"
    assert b"A &lt;&amp;&gt; B" in data


def _links_of(outputs, config):
    """The links each page records as it is rendered."""
    base = config.base_path
    return {o.path: PageRecord("", 0, page_links(o.data.decode(), base + o.path.removesuffix("index.html"), base), ())
            for o in outputs if o.path.endswith(".html")}


def broken_links(outputs, config):
    from healthsite.write import broken_links as check
    return check(_links_of(outputs, config), outputs, config)


def test_broken_links_are_found_in_the_pages_with_their_source(tmp_path):

    (tmp_path / "content/pages").mkdir(parents=True)
    (tmp_path / "content/pages/a.md").write_text("---\ntitle: A\n---\nSee [b](../b/)\nand [gone](/gone/) or [c](/c).\n")
    page = b'<a href="/">home</a> <a href="../b/">b</a> <a href="/gone/">gone</a> <a href="/c">c</a> <a href="https://x.org/">x</a> <a href="#top">t</a> <img src="/static/i.png" alt="i">'
    outputs = [Output("index.html", b"", ""), Output("a/index.html", page, "content/pages/a.md"),
               Output("b/index.html", b"", ""), Output("c/index.html", b"", ""), Output("static/i.png", b"", "")]
    problems = broken_links(outputs, Config(root=tmp_path))
    assert [(p.line, p.severity, p.message) for p in problems] == [
        (5, "error", "broken link `/gone/`: no page at that address"),
        (5, "warning", "link `/c` needs a trailing slash: write `/c/`"),
    ]
    anchored = [Output("a/index.html", b'<a href="/c#causes">c</a>', "content/pages/a.md"), Output("c/index.html", b"", "")]
    assert broken_links(anchored, Config(root=tmp_path))[0].message == "link `/c#causes` needs a trailing slash: write `/c/#causes`"
    published = broken_links(outputs, Config(root=tmp_path, base_url="https://example.org/health/"))
    assert "broken link `/`" in published[0].message  # skips the base path: broken once published


def test_links_from_the_root_resolve_once_for_every_page():
    """A root-relative link asks for the same file from any page, so its target is found once."""
    hrefs = ["/", "/causes/a/", "/x/../b/", "/&#47;evil.example/", "/health/c/#x", "../up/", "d/", "#top", "//cdn.example/s.js",
             "/static/style.css?v=0123456789"]
    text = " ".join(f'<a href="{href}">l</a>' for href in hrefs)
    known: dict[str, str | None] = {}
    for base in ("/", "/health/"):
        known.clear()
        for page_url in (f"{base}conditions/a/", f"{base}", f"{base}causes/b/"):
            assert page_links(text, page_url, base, known) == page_links(text, page_url, base)
    assert known and all(href.startswith("/") for href in known)


def test_a_folder_is_removed_with_its_marker_last(tmp_path, monkeypatch):
    """A build killed while removing the last site leaves a folder still marked as its own."""
    from pathlib import Path

    from healthsite.write import ours, remove_ours

    folder = tmp_path / ".public.staging"
    (folder / "a").mkdir(parents=True)
    (folder / "a/index.html").write_text("x")
    (folder / "b.html").write_text("y")
    (folder / MARKER).write_text("ours")
    removed = []
    real_unlink = Path.unlink

    def killed_after_one(self, missing_ok=False):
        removed.append(self.name)
        if len(removed) > 1:
            raise KeyboardInterrupt  # the kill
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        remove_ours(folder)
    monkeypatch.undo()
    assert MARKER not in removed[:1] and ours(folder)  # the next build may still clear it
    remove_ours(folder)
    assert not folder.exists()
