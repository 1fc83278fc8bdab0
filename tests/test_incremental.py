"""Incremental and parallel builds give exactly the bytes of a cold, serial build;
a killed build leaves the published site whole; the cache never makes a build wrong."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from conftest import FIXTURES, REPO, TODAY_EPOCH, make_project, run_cli, snapshot
from healthsite import gather, outputs
from healthsite.cache import BuildCache, pack
from healthsite.config import load_config
from healthsite.pipeline import build_site, project_cache, publish

sys.path.insert(0, str(REPO / "scripts"))
from corpus import generate  # noqa: E402

WORDS = st.sampled_from("rest water sleep stretch warm cold nerve back leg neck".split())
SENTENCE = st.lists(WORDS, min_size=2, max_size=8).map(lambda words: " ".join(words).capitalize() + ".")


@pytest.fixture(autouse=True)
def same_day(monkeypatch):
    """This process builds on the day the command-line builds of the tests do."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)


def publish_anew(config, out: Path | None = None, **options):
    """A publish as a new `build` process makes it: the project's cache opened for it, and closed."""
    cache = project_cache(config)
    try:
        return publish(config, out, cache=cache, **options)
    finally:
        cache.close()


def cold_build(site: Path, out: Path, preview: bool = False):
    """A build with no cache and no earlier site: the reference every other build must equal."""
    shutil.rmtree(out.parent, ignore_errors=True)
    config, problems = load_config(site / "config.yaml")
    return publish(config, out, problems=problems, search=False, cache=BuildCache(), jobs=1, drafts=preview,
                   editor_pages=preview)


class IncrementalBuilds(RuleBasedStateMachine):
    """Random edits (text, titles, summaries, wiki links, entries), additions, renames,
    deletions and template and CSS changes; after each, the incremental build (one cache
    object, and the cache on disk) equals a cold build."""

    in_place = False  # True: the preview's write, file by file, instead of swapping folders
    preview = False  # True: the preview's build too (drafts, editor pages, the output folder remembered in memory)
    new_process = False  # True: each build starts from the cache on disk only, as a new `build` command does

    def __init__(self):
        super().__init__()
        self.root = Path(os.environ["INCREMENTAL_TMP"]) / f"run-{time.monotonic_ns()}"
        self.site = make_project(self.root / "site", FIXTURES / "good")
        self.out = self.root / "public" / "site"
        config, _ = load_config(self.site / "config.yaml")
        self.cache = project_cache(config)
        self.added = 0

    def articles(self) -> list[Path]:
        return sorted((self.site / "content/conditions").glob("*.md"))

    @initialize()
    def first_build(self):
        self.build()

    @rule(sentence=SENTENCE, which=st.integers(0, 10))
    def edit_article(self, sentence, which):
        article = self.articles()[which % len(self.articles())]
        article.write_text(article.read_text().replace("\n---\n", f"\n---\n{sentence}\n\n", 1))

    @rule(sentence=SENTENCE, which=st.integers(0, 10))
    def reword_last_line(self, sentence, which):
        """New words, no new line: the article keeps its shape, so the last graph is reused."""
        article = self.articles()[which % len(self.articles())]
        article.write_text(article.read_text().rstrip("\n") + f" {sentence}\n")

    @rule(words=SENTENCE, which=st.integers(0, 10))
    def retitle_article(self, words, which):
        """Every page that shows its title, links to it or ranks it changes."""
        self._replace(which, r"^title: .*$", f"title: {words.rstrip('.')}")

    @rule(words=SENTENCE, which=st.integers(0, 10))
    def change_summary(self, words, which):
        self._replace(which, r"^summary: .*$", f"summary: {words}")

    @rule(which=st.integers(0, 10), name=st.sampled_from(
        ["Dehydration", "Stress", "cause:stress", "Physical therapy", "Back spasms", "Leg cramps", "Muscle spasms", "Unknown"]))
    def add_wiki_link(self, which, name):
        self._replace(which, r"\n---\n", f"\n---\nSee [[{name}]].\n\n")

    @rule(which=st.integers(0, 10), name=st.sampled_from(["Dehydration", "Stress", "Poor posture", "Cause 1", "Leg cramps"]),
          sentence=SENTENCE)
    def add_cause(self, which, name, sentence):
        """Relations change: the cause's page, and the conditions ranked as related."""
        article = self.articles()[which % len(self.articles())]
        article.write_text(article.read_text() + f"\n## Causes\n\n- {name}: {sentence}\n")

    def _replace(self, which: int, pattern: str, replacement: str) -> None:
        article = self.articles()[which % len(self.articles())]
        article.write_text(re.sub(pattern, lambda _: replacement, article.read_text(), count=1, flags=re.M))

    @rule(sentence=SENTENCE)
    def add_article(self, sentence):
        self.added += 1
        (self.site / f"content/conditions/new-{self.added}.md").write_text(
            f"---\ntitle: New condition {self.added}\nsummary: {sentence}\nreviewed: 2026-01-01\n---\n{sentence}\n\n"
            f"## Causes\n\n- Dehydration: {sentence}\n- Cause {self.added}: {sentence}\n")

    @precondition(lambda self: len(self.articles()) > 1)
    @rule(which=st.integers(0, 10))
    def rename_article(self, which):
        article = self.articles()[which % len(self.articles())]
        article.rename(article.with_name(f"renamed-{time.monotonic_ns()}.md"))

    @precondition(lambda self: len(self.articles()) > 1)
    @rule(which=st.integers(0, 10))
    def delete_article(self, which):
        article = self.articles()[which % len(self.articles())]
        if "muscle-spasms" not in article.name:  # other files link to it
            article.unlink()

    @rule(words=SENTENCE)
    def change_template(self, words):
        base = self.site / "templates/base.html"
        base.write_text(base.read_text().replace("</footer>", f"<p>{words}</p></footer>", 1))

    @rule(words=SENTENCE)
    def change_cause_template(self, words):
        """A template of some pages only (cause.html): only those are made again."""
        cause = self.site / "templates/cause.html"
        cause.write_text(cause.read_text() + f"{{# {words} #}}\n")

    @rule(words=SENTENCE)
    def change_entry_template(self, words):
        """A template others extend (entry.html, by cause.html and treatment.html)."""
        entry = self.site / "templates/entry.html"
        entry.write_text(re.sub(r"<h1[^>]*>", f'<h1 title="{words}">', entry.read_text(), count=1))

    @rule()
    def change_css(self):
        _append(self.site / "static/style.css", "/* changed */\n")

    @rule(which=st.integers(0, 10))
    def include_snippet(self, which):
        self._replace(which, r"\n---\n", '\n---\n--8<-- "note"\n\n')

    @rule(sentence=SENTENCE)
    def change_snippet(self, sentence):
        """Every article's parse depends on the snippets: the preview reads unchanged files again."""
        (self.site / "content/snippets").mkdir(exist_ok=True)
        (self.site / "content/snippets/note.md").write_text(f"{sentence}\n")

    @rule(which=st.integers(0, 10))
    def toggle_draft(self, which):
        article = self.articles()[which % len(self.articles())]
        text = article.read_text()
        drafted = text.replace("\ndraft: true\n", "\n", 1) if "\ndraft: true\n" in text else text.replace("\n---\n", "\ndraft: true\n---\n", 1)
        article.write_text(drafted)

    @rule(words=SENTENCE)
    def change_site_title(self, words):
        config = self.site / "config.yaml"
        config.write_text(re.sub(r"(?m)^title: .*$", f"title: {words.rstrip('.')}", config.read_text(), count=1))

    @invariant()
    def equals_a_cold_build(self):
        if getattr(self, "out", None) is None:
            return
        incremental = self.build()
        reference = cold_build(self.site, self.root / "cold" / "site", self.preview)
        # Only a build with a site before it can say an address would disappear.
        assert [str(p) for p in incremental.problems if "published before" not in p.message] == [
            str(p) for p in reference.problems]
        if reference.written:
            assert snapshot(self.out) == snapshot(self.root / "cold" / "site")

    def build(self):
        config, problems = load_config(self.site / "config.yaml")
        if self.new_process:
            self.cache.close()
            self.cache = project_cache(config)
        return publish(config, self.out, problems=problems, search=False, cache=self.cache, jobs=1, in_place=self.in_place,
                       drafts=self.preview, editor_pages=self.preview, temporary=self.preview)

    def teardown(self):
        self.cache.close()
        shutil.rmtree(self.root, ignore_errors=True)


class InPlaceBuilds(IncrementalBuilds):
    in_place = True


class NewProcessBuilds(IncrementalBuilds):
    """Each build a new process's: files known by their status, pages by the plan index of
    the build before (see `files.SETTLED_NS`: every status trusted at once)."""

    new_process = True


class PreviewBuilds(IncrementalBuilds):
    in_place = preview = True


class SettledPreviewBuilds(PreviewBuilds):
    """The preview trusting every file's status at once (see `files.SETTLED_NS`), so that
    unchanged files are neither listed nor read again, as they are in real use."""


@pytest.mark.parametrize("machine", [IncrementalBuilds, InPlaceBuilds, NewProcessBuilds, PreviewBuilds, SettledPreviewBuilds],
                         ids=["swapped", "in-place", "new-process", "preview", "preview-settled"])
def test_incremental_builds_equal_cold_builds(machine, tmp_path, monkeypatch):
    monkeypatch.setenv("INCREMENTAL_TMP", str(tmp_path))
    if machine in (SettledPreviewBuilds, NewProcessBuilds):
        import healthsite.files
        monkeypatch.setattr(healthsite.files, "SETTLED_NS", 0)
    machine.TestCase.settings = settings(max_examples=int(os.environ.get("INCREMENTAL_EXAMPLES", 6)), stateful_step_count=4, deadline=None,
                                         suppress_health_check=list(HealthCheck))
    machine.TestCase().runTest()


@pytest.mark.parametrize("resident", [False, True], ids=["in-place", "preview"])
def test_the_preview_changes_only_the_files_an_edit_changes(tmp_path, resident):
    """(`resident`: as the preview builds, into a folder only it writes to, where the pages
    of the last render are taken as they were, not looked at again.)"""
    site = make_project(tmp_path / "site", FIXTURES / "good")
    out = tmp_path / "out"
    config, _ = load_config(site / "config.yaml")
    cache = project_cache(config)
    assert publish(config, out, search=False, cache=cache, in_place=True, temporary=resident).written
    # Every file is dated 1970: a file the update rewrites is dated now. (Inodes would not do:
    # the file system may give a replaced file's number to the next new file.)
    files = [path for path in out.rglob("*") if path.is_file()]
    for path in files:
        os.utime(path, ns=(0, 0))
    article = site / "content/conditions/muscle-spasms.md"
    article.write_text(article.read_text().replace("\n---\n", "\n---\nAn edit.\n\n", 1))
    build = publish(config, out, search=False, cache=cache, in_place=True, temporary=resident)
    changed = {path.relative_to(out).as_posix() for path in out.rglob("*")
               if path.is_file() and path.stat().st_mtime_ns != 0}
    assert "conditions/muscle-spasms/index.html" in changed and ".healthsite-output" in changed
    assert len(changed) < len(files) / 3, changed  # the page, pages that quote its summary, the feed: not the rest
    assert not list(out.rglob("*.healthsite-new"))
    cold_build(site, tmp_path / "cold" / "out")
    assert snapshot(out) == snapshot(tmp_path / "cold" / "out")
    assert build.rendered < 10


def test_a_preview_write_that_fails_midway_is_never_taken_for_a_build(tmp_path, monkeypatch):
    site = make_project(tmp_path / "site", FIXTURES / "good")
    out = tmp_path / "out"
    config, _ = load_config(site / "config.yaml")
    cache = project_cache(config)
    publish(config, out, search=False, cache=cache, in_place=True)
    article = site / "content/conditions/muscle-spasms.md"
    article.write_text(article.read_text().replace("\n---\n", "\n---\nAn edit.\n\n", 1))
    real_replace, calls = os.replace, []

    def failing_replace(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    failed = publish(config, out, search=False, cache=cache, in_place=True)
    assert not failed.written and "could not write the site" in str(failed.problems)
    assert "build: \n" in (out / ".healthsite-output").read_text()  # the folder names no build now
    monkeypatch.setattr(os, "replace", real_replace)
    assert publish(config, out, search=False, cache=cache, in_place=True).written
    cold_build(site, tmp_path / "cold" / "out")
    assert snapshot(out) == snapshot(tmp_path / "cold" / "out")


def test_a_second_process_starts_warm_and_renders_only_what_changed(tmp_path):
    site = make_project(tmp_path / "site", FIXTURES / "good")
    first = run_cli("build", "--no-search", cwd=site)
    assert first.returncode == 0, first.stderr
    again = run_cli("build", "--no-search", cwd=site)
    assert again.returncode == 0 and "nothing changed" in again.stdout
    article = site / "content/conditions/back-spasms.md"
    article.write_text(article.read_text().replace("\n---\n", "\n---\nA new first sentence.\n\n", 1))
    before = {p: p.stat().st_ino for p in (site / "public").rglob("*.html")}
    assert run_cli("build", "--no-search", cwd=site).returncode == 0
    after = {p: p.stat().st_ino for p in (site / "public").rglob("*.html")}
    changed = sorted(p.relative_to(site / "public").as_posix() for p in after if before.get(p) != after[p])
    assert changed == ["conditions/back-spasms/index.html"]  # every other page is the same file, linked
    assert "A new first sentence." in (site / "public/conditions/back-spasms/index.html").read_text()


def test_a_broken_or_foreign_cache_file_is_ignored(tmp_path):
    site = make_project(tmp_path / "site", FIXTURES / "good")
    (site / ".healthsite-cache").mkdir()
    (site / ".healthsite-cache/cache.sqlite").write_bytes(b"this is not a database" * 100)
    result = run_cli("build", "--no-search", cwd=site)
    assert result.returncode == 0, result.stderr
    cold_build(site, tmp_path / "cold/site")
    assert snapshot(site / "public") == snapshot(tmp_path / "cold/site")


def test_a_new_generator_version_starts_the_cache_afresh(tmp_path):
    cache = BuildCache(tmp_path, namespace="version one")
    cache.put_document("key", ("parsed",), pack(("parsed",)))
    cache.close()
    assert BuildCache(tmp_path, namespace="version one").document("key") == ("parsed",)
    assert BuildCache(tmp_path, namespace="version two").document("key") is None


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated site big enough for the process pool (250 articles)."""
    root = tmp_path_factory.mktemp("generated") / "site"
    generate(root, 250)
    return root


def test_a_parallel_build_equals_a_serial_one(generated, tmp_path):
    config, _ = load_config(generated / "config.yaml")
    serial = publish(config, tmp_path / "serial", search=False, cache=BuildCache(), jobs=1)
    parallel = publish(config, tmp_path / "parallel", search=False, cache=BuildCache(), jobs=2)
    assert serial.written and parallel.written and serial.rendered == parallel.rendered > 250
    assert snapshot(tmp_path / "serial") == snapshot(tmp_path / "parallel")


@pytest.mark.parametrize("kill_after", [0.3, 0.9, 1.6, 2.5])
def test_a_killed_build_leaves_the_published_site_complete(generated, tmp_path, kill_after):
    site = tmp_path / "site"
    shutil.copytree(generated, site)
    assert run_cli("build", "--no-search", cwd=site, timeout=120).returncode == 0
    published = snapshot(site / "public")
    with (site / "templates/base.html").open("a") as base:
        base.write("{# every page changes #}\n")
    cold_build(site, tmp_path / "cold/site")
    new = snapshot(tmp_path / "cold/site")
    build = subprocess.Popen([sys.executable, str(REPO / "build.py"), "build", "--no-search"], cwd=site,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(kill_after)
    os.killpg(build.pid, signal.SIGKILL)  # the build and its workers, wherever they are
    build.wait()
    if (site / "public").exists():
        assert snapshot(site / "public") in (published, new)  # the old site or the new one, whole
    else:  # killed between the two renames of a swap, where renameat2 is missing
        assert snapshot(site / ".public.old") == published
    again = run_cli("build", "--no-search", cwd=site, timeout=120)
    assert again.returncode == 0, again.stderr
    assert snapshot(site / "public") == new


def test_the_cycle_collector_waits_for_the_build_and_is_restored(tmp_path, monkeypatch):
    """A collection walks every live object (2 s at 10,000 articles): none may run mid-build."""
    import gc

    from healthsite import pipeline

    seen = []
    real_plan = pipeline.plan
    monkeypatch.setattr(pipeline, "plan", lambda *args, **kwargs: seen.append(gc.isenabled()) or real_plan(*args, **kwargs))
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")
    assert gc.isenabled()
    publish(config, tmp_path / "out", search=False, cache=BuildCache())
    assert seen == [False] and gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with pipeline.cycle_collection_paused(freeze_survivors=True):  # the preview's: survivors are left alone
            survivor = [object()]
        assert gc.get_freeze_count() > frozen and gc.isenabled() and survivor
    finally:
        gc.unfreeze()


def test_new_words_on_the_same_lines_reuse_the_graph_and_the_plan(tmp_path):
    """The preview's common case: text typed into a line. The graph is the last one with the
    new article in it, only the pages that show that article are planned again, and the
    output equals a cold build's."""
    site = make_project(tmp_path / "site", FIXTURES / "good")
    out = tmp_path / "out"
    config, _ = load_config(site / "config.yaml")
    cache = project_cache(config)
    first = publish(config, out, search=False, cache=cache, in_place=True, temporary=True)
    planned = dict(cache.plan_memo.pages)
    article = site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text().rstrip("\n") + " Typed words.\n")
    again = publish(config, out, search=False, cache=cache, in_place=True, temporary=True)
    assert again.site.relations is first.site.relations
    remade = {owner for owner, (page, _) in cache.plan_memo.pages.items() if page is not planned[owner][0]}
    assert ("page", ("condition", "leg-cramps")) in remade and len(remade) < len(planned) / 2, remade
    assert again.rendered <= 3
    assert "Typed words." in (out / "conditions/leg-cramps/index.html").read_text()
    cold_build(site, tmp_path / "cold" / "out")
    assert snapshot(out) == snapshot(tmp_path / "cold" / "out")


def test_the_preview_reads_only_the_files_whose_status_changed(tmp_path, monkeypatch):
    """A resident build (the preview's) reads a content file again only when its size, times
    or inode changed; a same-size edit is still seen; the output always equals a cold build."""
    import healthsite.files
    monkeypatch.setattr(healthsite.files, "SETTLED_NS", 0)  # trust every status at once: the test's files are all new
    read = []
    real_read_raw = gather.read_raw
    monkeypatch.setattr(gather, "read_raw", lambda path, rel, *a, **k: read.append(rel) or real_read_raw(path, rel, *a, **k))
    site = make_project(tmp_path / "site", FIXTURES / "good")
    out = tmp_path / "out"
    config, _ = load_config(site / "config.yaml")
    cache = project_cache(config)

    def preview_build():
        read.clear()
        build = publish(config, out, search=False, cache=cache, in_place=True, temporary=True)
        assert build.written, build.problems
        read_by_preview = sorted(read)
        cold_build(site, tmp_path / "cold" / "out")
        assert snapshot(out) == snapshot(tmp_path / "cold" / "out")
        return read_by_preview

    assert len(preview_build()) > 3  # the first build reads every file
    assert preview_build() == []
    article = site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text() + "\nTyped words.\n")
    assert preview_build() == ["content/conditions/leg-cramps.md"]
    text = article.read_text()
    stamp = article.stat().st_mtime_ns
    article.write_text(text.replace("Typed words.", "Typed wordz."))  # the same size
    os.utime(article, ns=(stamp, stamp))  # and the same modification time: the change time still differs
    assert preview_build() == ["content/conditions/leg-cramps.md"]
    assert "Typed wordz." in (out / "conditions/leg-cramps/index.html").read_text()
    (site / "content/conditions/calf-tightness.md").write_text(  # a new file: its folder's listing changed
        "---\ntitle: Calf tightness\nsummary: A tight calf.\nreviewed: 2026-01-01\n---\nA calf that feels tight.\n")
    assert preview_build() == ["content/conditions/calf-tightness.md"]
    (site / "content/conditions/calf-tightness.md").unlink()
    assert preview_build() == []
    assert not (out / "conditions/calf-tightness").exists()


def test_the_next_process_reads_only_the_files_whose_status_changed(tmp_path, monkeypatch):
    """The cache keeps each file's status (git's index, in effect): a build in a new process
    reads again only what changed since, and still equals a cold build."""
    import healthsite.files
    monkeypatch.setattr(healthsite.files, "SETTLED_NS", 0)
    read = []
    real_read_raw = gather.read_raw
    monkeypatch.setattr(gather, "read_raw", lambda path, rel, *a, **k: read.append(rel) or real_read_raw(path, rel, *a, **k))
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")

    def build_in_a_new_process():  # a fresh cache object on the same folder: all a new process has
        read.clear()
        build = publish_anew(config, search=False)
        assert build.written, [str(p) for p in build.problems if p.severity == "error"]
        read_by_build = sorted(read)
        cold_build(site, tmp_path / "cold" / "out")
        assert snapshot(site / "public") == snapshot(tmp_path / "cold" / "out")
        return read_by_build, build

    assert len(build_in_a_new_process()[0]) > 3
    files, build = build_in_a_new_process()
    assert files == [] and build.unchanged
    article = site / "content/conditions/leg-cramps.md"
    text = article.read_text()
    stamp = article.stat().st_mtime_ns
    article.write_text(text.replace("cramp", "crump", 1))  # the same size and modification time
    os.utime(article, ns=(stamp, stamp))
    files, build = build_in_a_new_process()
    assert files == ["content/conditions/leg-cramps.md"] and not build.unchanged
    added = site / "content/conditions/calf-tightness.md"
    added.write_text("---\ntitle: Calf tightness\nsummary: A tight calf.\nreviewed: 2026-01-01\n---\nA calf that feels tight.\n")
    assert build_in_a_new_process()[0] == ["content/conditions/calf-tightness.md"]
    added.unlink()
    assert build_in_a_new_process()[0] == []
    assert not (site / "public/conditions/calf-tightness").exists()
    assert "content/conditions/calf-tightness.md" not in project_cache(config).file_status  # not kept for ever


def test_a_new_process_plans_only_the_pages_whose_inputs_changed(tmp_path):
    """The plan of the build published last is kept with its manifest: a new process makes
    again only the pages of what an edit changed, and keeps the others as they were."""
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")

    def build_in_a_new_process():
        cache = project_cache(config)
        build = publish(config, search=False, cache=cache)
        cache.close()
        assert build.written, build.problems
        cold_build(site, tmp_path / "cold" / "out")
        assert snapshot(site / "public") == snapshot(tmp_path / "cold" / "out")
        assert cache.plan_memo is None  # let go: a one-off build keeps only the index of its plan
        assert build.manifest.plan(build.plan_index.key) is build.plan_index
        return build.planned, build

    made, _ = build_in_a_new_process()
    assert len(made) > 5  # the first build makes every page
    article = site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text() + "\nA new closing paragraph.\n")
    made, build = build_in_a_new_process()
    leg_cramps = ("condition", "leg-cramps")
    relations = build_site(config, search=False, cache=BuildCache()).site.relations  # a publish keeps no site
    named = {key for name in ("causes", "treatments") for key in relations.get((leg_cramps, name), ())}
    assert made == {("page", key) for key in {leg_cramps} | named}  # their pages quote its entries: made, found unchanged
    assert build.rendered == 1
    article.write_text(article.read_text().replace("title: Leg cramps", "title: Cramps in the legs"))
    made, build = build_in_a_new_process()
    assert ("page", ("condition", "leg-cramps")) in made and len(made) > 1  # pages that link to it show its title
    assert "Cramps in the legs" in (site / "public/index.html").read_text()


def test_a_new_process_sees_abbreviations_change_order(tmp_path, monkeypatch):
    """A page takes the site's first abbreviations it uses, in the order of the files that
    define them: a renamed file changes that order, and every page's plan with it."""
    import healthsite.files
    import healthsite.plan
    monkeypatch.setattr(healthsite.files, "SETTLED_NS", 0)
    monkeypatch.setattr(healthsite.plan, "ABBREVIATIONS_PER_PAGE", 2)
    site = make_project(tmp_path / "site", FIXTURES / "good")
    pages = site / "content/pages"
    for name, first in (("aaa-terms", 1), ("mmm-terms", 3)):
        (pages / f"{name}.md").write_text(f"---\ntitle: {name}\n---\nTerms.\n\n"
                                          f"*[KQ{first}]: Term {first}\n*[KQ{first + 1}]: Term {first + 1}\n")
    (pages / "user.md").write_text("---\ntitle: User\n---\nWords: KQ1 KQ2 KQ3 KQ4.\n")
    config, _ = load_config(site / "config.yaml")
    for step in range(2):
        if step:
            (pages / "aaa-terms.md").rename(pages / "zzz-terms.md")
        assert publish_anew(config, search=False).written
    cold_build(site, tmp_path / "cold" / "out")
    assert snapshot(site / "public") == snapshot(tmp_path / "cold" / "out")


def test_a_kept_page_changed_behind_the_builds_back_is_made_again(tmp_path, monkeypatch):
    """A page file the index says is there, but is not: the new process plans every page
    afresh, and keeps that plan for the next."""
    import healthsite.pipeline as pipeline
    plans = []  # whether each plan started from an index
    real_plan = pipeline.plan
    monkeypatch.setattr(pipeline, "plan", lambda *args, **kwargs: plans.append(args[6] is not None) or real_plan(*args, **kwargs))
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")
    article = site / "content/conditions/leg-cramps.md"
    for step in range(3):
        if step == 1:
            (site / "public/about/index.html").unlink()
        if step:
            article.write_text(article.read_text() + f"\nA new closing paragraph {step}.\n")
        assert publish_anew(config, search=False).written
    # The second build planned from the index, then afresh without it; the third from the index again.
    assert plans == [False, True, False, True]
    cold_build(site, tmp_path / "cold" / "out")
    assert snapshot(site / "public") == snapshot(tmp_path / "cold" / "out")


def test_a_manifest_unpacks_its_plan_only_for_the_same_settings():
    """A build with other settings (a changed site title) has no use for the last plan: it is not unpacked."""
    import pickle
    from healthsite.cache import Manifest
    from healthsite.planmemo import PlanIndex
    index = PlanIndex("settings one", {("cause", "x"): "digest"}, {}, {}, {})
    kept = Manifest("build", "inputs", {}, (), frozenset())
    kept.keep_plan(index)
    manifest = pickle.loads(pickle.dumps(kept))
    assert manifest.plan("settings two") is None and manifest._plan is None
    assert manifest.plan("settings one") == index


def test_a_large_value_packed_as_it_is_pickled_unpacks_as_packed_whole():
    """`pack_large` (the manifest's) streams the pickle into the compressor: what it gives
    unpacks to an equal value, shared objects still shared."""
    from healthsite.cache import pack_large, unpack
    pair = ("/causes/stress/", "causes/stress/index.html")
    value = {f"page-{n}": (pair, n, "x" * (n % 300)) for n in range(20_000)}  # more than one pickle frame
    back = unpack(pack_large(value))
    assert back == value and len({id(record[0]) for record in back.values()}) == 1


def test_the_manifest_holds_each_link_and_dependency_once(tmp_path):
    """Every page links to the same few pages and depends on the same few cards: the
    manifest holds one object for each, so pickle writes each once (37 MB of records at
    10,000 articles, 6 MB so)."""
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")
    cache = project_cache(config, enabled=False)
    assert publish(config, search=False, cache=cache).written
    manifest = cache.manifest(config.output_path.resolve())
    pairs = [pair for record in manifest.pages.values() for pair in record.links]
    assert len(pairs) > 2 * len(set(pairs))  # pages do share links
    assert len({id(pair) for pair in pairs}) == len(set(pairs))
    deps = [dep for _, page_deps in manifest.plan(manifest.plan_key).pages.values() for dep in page_deps]
    assert len(deps) > 2 * len(set(deps))
    assert len({id(dep) for dep in deps}) == len(set(deps))


def test_a_broken_file_index_is_no_index(tmp_path):
    """Statuses that cannot be read back are ignored: every file is read."""
    cache = BuildCache(tmp_path, namespace="one")
    cache.file_status["content/conditions/a.md"] = ((1, 2, 3, 4, 5, 6, 7), "key")
    cache.close()
    assert BuildCache(tmp_path, namespace="one").file_status == {"content/conditions/a.md": ((1, 2, 3, 4, 5, 6, 7), "key")}
    cache = BuildCache(tmp_path, namespace="one")
    cache.db.execute("UPDATE meta SET value = ? WHERE name = 'file index'", (b"not a pickle",))
    cache.db.commit()
    assert BuildCache(tmp_path, namespace="one").file_status == {}
    assert BuildCache(tmp_path, namespace="two").file_status == {}


def test_a_file_changed_moments_ago_is_read_again_whatever_its_status(tmp_path):
    """A status is remembered only once its change time is settled: two saves within one tick
    of the file system's clock could leave the same size and times."""
    from healthsite.files import SETTLED_NS
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")
    cache = project_cache(config)
    article = site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text() + "\nNew.\n")
    publish(config, tmp_path / "out", search=False, cache=cache, in_place=True, temporary=True)
    assert "content/conditions/leg-cramps.md" not in cache.file_status
    settled = {rel for rel, (status, _) in cache.file_status.items() if status[0] < time.time_ns() - SETTLED_NS}
    assert settled == set(cache.file_status)


def test_the_link_check_rechecks_pages_when_the_set_of_pages_changes(tmp_path):
    """The link check skips pages found clean before, but not once a page they link to is gone."""
    site = make_project(tmp_path / "site", FIXTURES / "good")
    out = tmp_path / "out"
    config, _ = load_config(site / "config.yaml")
    cache = project_cache(config)
    assert publish(config, out, search=False, cache=cache, in_place=True, temporary=True).ok
    assert cache.check_memo.clean  # the pages found clean are remembered
    page = site / "content/conditions/back-spasms.md"
    linker = site / "content/conditions/leg-cramps.md"
    linker.write_text(linker.read_text() + f"\n[Back spasms]({config.base_path}conditions/back-spasms/)\n")
    assert publish(config, out, search=False, cache=cache, in_place=True, temporary=True).ok
    page.unlink()
    broken = publish(config, out, search=False, cache=cache, in_place=True, temporary=True)
    assert any("broken link" in p.message and p.path == "content/conditions/leg-cramps.md" for p in broken.problems), broken.problems


def test_a_save_during_a_preview_build_never_caches_a_parse_under_the_old_bytes(tmp_path, monkeypatch):
    """A snippet change makes the preview read unchanged files again; a file saved while that
    build runs must not be cached under the key of the bytes it had (an undo would show the
    undone text, in the preview and in later `build`s)."""
    import healthsite.files
    import healthsite.pipeline as pipeline
    monkeypatch.setattr(healthsite.files, "SETTLED_NS", 0)
    site = make_project(tmp_path / "site", FIXTURES / "good")
    out = tmp_path / "out"
    config, _ = load_config(site / "config.yaml")
    cache = project_cache(config)
    article = site / "content/conditions/leg-cramps.md"
    before = article.read_text()
    (site / "content/snippets").mkdir(exist_ok=True)
    (site / "content/snippets/note.md").write_text("Snippet one.\n")

    def preview_build():
        return publish(config, out, search=False, cache=cache, in_place=True, temporary=True)

    preview_build()
    (site / "content/snippets/note.md").write_text("Snippet two.\n")  # every article's parse key changes
    real_parse_all = pipeline.parse_all

    def saved_midway(*args, **kwargs):
        article.write_text(before + "\nSaved midway.\n")
        return real_parse_all(*args, **kwargs)

    monkeypatch.setattr(pipeline, "parse_all", saved_midway)
    preview_build()
    monkeypatch.setattr(pipeline, "parse_all", real_parse_all)
    preview_build()
    article.write_text(before)  # undo
    assert preview_build().written
    cold_build(site, tmp_path / "cold" / "out")
    assert "Saved midway." not in (out / "conditions/leg-cramps/index.html").read_text()
    assert snapshot(out) == snapshot(tmp_path / "cold" / "out")


def test_card_pages_made_before_a_failed_plan_are_not_kept_past_a_card_change(tmp_path, monkeypatch):
    """A plan that raised after the memo saw a retitled article (the preview survives that)
    must not leave the next plan the pages made before the retitle."""
    import healthsite.plan as plan_module
    site = make_project(tmp_path / "site", FIXTURES / "good")
    out = tmp_path / "out"
    config, _ = load_config(site / "config.yaml")
    cache = project_cache(config)

    def preview_build():
        return publish(config, out, search=False, cache=cache, in_place=True, temporary=True, editor_pages=True)

    preview_build()
    article = site / "content/conditions/leg-cramps.md"
    article.write_text(re.sub(r"(?m)^title: .*$", "title: Cramp in the legs", article.read_text(), count=1))
    real_outline_index = plan_module._Planner._outline_index
    monkeypatch.setattr(plan_module._Planner, "_outline_index", lambda self: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        preview_build()
    monkeypatch.setattr(plan_module._Planner, "_outline_index", real_outline_index)
    assert preview_build().written
    assert "Cramp in the legs" in (out / "_outline/index.html").read_text()


def test_a_plan_that_raised_midway_through_an_edit_is_not_spliced_into(tmp_path, monkeypatch):
    """A same-shaped edit is planned by looking again only at the pages reading what changed.
    A plan that raised after the memo saw the edit (the condition page remade, its outline
    not) must not leave the next plan thinking the outline is up to date."""
    import healthsite.plan as plan_module
    build = CheckedBuilds(tmp_path, preview=True)
    build()
    article = build.site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text().replace("a link is not a name", "a link is never a name"))  # the outline shows it
    real_outline = plan_module._Planner._outline
    monkeypatch.setattr(plan_module._Planner, "_outline", lambda self, condition: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        publish(build.config, search=False, cache=build.cache, in_place=True, temporary=True, drafts=True, editor_pages=True)
    monkeypatch.setattr(plan_module._Planner, "_outline", real_outline)
    build()  # equal to a cold build
    assert "a link is never a name" in (build.site / "public/_outline/leg-cramps/index.html").read_text()
    article.write_text(article.read_text().replace("a link is never a name", "a link is no name"))
    build()
    assert build.cache.plan_memo.fresh is not None  # that edit took the shortcut, which a cold build agrees with


def test_a_review_date_edited_in_the_preview_moves_its_row_as_a_cold_build_orders_it(tmp_path):
    """The dashboard's rows after a same-shaped edit are the last rows with the edited
    article's made again and put in its place: held to a cold build's dashboard."""
    build = CheckedBuilds(tmp_path, preview=True)
    build()
    dashboard = build.site / "public/_review/index.html"
    article = build.site / "content/conditions/leg-cramps.md"
    for reviewed in ("2019-03-01", "2026-11-01", "2018-12-31"):
        article.write_text(re.sub(r"(?m)^reviewed: .*$", f"reviewed: {reviewed}", article.read_text(), count=1))
        build()  # equal to a cold build
        assert build.cache.plan_memo.fresh is not None  # the rows were spliced, not all made again
        assert reviewed in dashboard.read_text()


@pytest.mark.parametrize("preview", [False, True], ids=["new-process", "preview"])
def test_old_addresses_follow_edits_to_the_article_they_lead_to(tmp_path, preview):
    """`redirect_from` is part of an article's shape; a graph the memo reuses keeps the old
    addresses, answered by the edited article's new entity (its new title and summary)."""
    build = CheckedBuilds(tmp_path, preview)
    article = build.site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text().replace("reviewed:", "redirect_from: [/cramps/]\nreviewed:", 1))
    build()
    article.write_text(re.sub(r"(?m)^summary: .*$", "summary: A new summary.", article.read_text(), count=1))
    build()
    assert (build.site / "public/cramps/index.html").exists()
    article.write_text(article.read_text().replace("redirect_from: [/cramps/]", "redirect_from: [/cramp/]"))
    build()
    assert (build.site / "public/cramp/index.html").exists() and not (build.site / "public/cramps").exists()


def test_the_preview_checks_an_edited_article_again_and_keeps_the_others_problems(tmp_path):
    """An edit of the same shape checks only the edited article's entities again (the lint
    memo's site says which are new): the problems are a cold build's."""
    build = CheckedBuilds(tmp_path, preview=True)
    build()
    leg = build.site / "content/conditions/leg-cramps.md"
    leg.write_text(leg.read_text().replace("\n## ", "\nSee http://example.org/cramps for more.\n\n## ", 1))
    edited = build()
    cold = build_site(build.config, drafts=True, editor_pages=True, search=False, cache=BuildCache())
    assert edited.problems == cold.problems
    assert any("not https" in p.message and p.path.endswith("leg-cramps.md") for p in edited.problems)
    assert build.cache.lint_memo.site is edited.site and edited.site.update  # the memo's shortcut was taken

    # A link that needs a slash, found when its page changes, still reported when another does, then fixed.
    back = build.site / "content/conditions/back-spasms.md"
    slashless = "See [leg cramps](/conditions/leg-cramps) too.\n\n## "
    for article, old, new in ((back, "\n## ", "\n" + slashless), (leg, "for more.", "for more, again."),
                              (back, slashless, "")):
        article.write_text(article.read_text().replace(old, new, 1))
        result = build()
        cold = build_site(build.config, drafts=True, editor_pages=True, search=False, cache=BuildCache())
        assert result.problems == cold.problems
        assert any("trailing slash" in p.message for p in result.problems) == (slashless in back.read_text())


def test_the_preview_keeps_in_memory_only_the_articles_of_the_files_as_they_are(tmp_path):
    """Each edit's parse replaces the file's old one in memory (the parse looks up only the
    files whose key changed, and forgets only their old articles)."""
    build = CheckedBuilds(tmp_path, preview=True)
    build()
    held = len(build.cache.documents)
    leg = build.site / "content/conditions/leg-cramps.md"
    for sentence in ("One sentence.", "Another sentence."):
        leg.write_text(leg.read_text().replace("\n## ", f"\n{sentence}\n\n## ", 1))
        build()  # equal to a cold build
        assert len(build.cache.documents) == held
    from healthsite.gather import ParsedFiles
    spliced = build.cache.last_parse[1]
    assert [a.document.path for a in spliced.articles].count("content/conditions/leg-cramps.md") == 1
    whole = ParsedFiles.of(spliced.results)  # the checks and grades made from every file again
    assert (spliced.checks, spliced.grades, spliced.problems) == (whole.checks, whole.grades, whole.problems)


def test_a_parse_that_raised_midway_leaves_no_article_in_memory_for_good(tmp_path, monkeypatch):
    """A file parsed by a call that raised before it ended is kept in memory by that call; the
    next parse of the same files forgets it (found by a second read: it stayed)."""
    build = CheckedBuilds(tmp_path, preview=True)
    build()
    held = len(build.cache.documents)
    conditions = build.site / "content/conditions"
    for name in ("leg-cramps.md", "back-spasms.md"):
        (conditions / name).write_text((conditions / name).read_text().replace("\n## ", "\nFirst edit.\n\n## ", 1))
    real_parse_files = gather.parse_files

    def one_then_raise(*args, **kwargs):
        results = real_parse_files(*args, **kwargs)
        yield next(results)
        raise RuntimeError("a worker died")

    monkeypatch.setattr(gather, "parse_files", one_then_raise)
    with pytest.raises(RuntimeError):
        build()
    monkeypatch.setattr(gather, "parse_files", real_parse_files)
    for name in ("leg-cramps.md", "back-spasms.md"):
        (conditions / name).write_text((conditions / name).read_text().replace("First edit.", "Second edit."))
    build()  # equal to a cold build
    assert len(build.cache.documents) == held


def _watched_build(build: CheckedBuilds, *changed: str, checked: bool = True):
    """A preview build told by its watcher that only these files changed (`checked`: and
    held to a cold build's bytes)."""
    build.cache.watched = set(changed)
    result = publish(build.config, search=False, cache=build.cache, in_place=True, temporary=True, drafts=True,
                     editor_pages=True)
    assert result.written, [p for p in result.problems if p.severity == "error"]
    if checked:
        build.check()
    return result


def test_the_preview_reads_only_the_files_its_watcher_names_and_then_finds_what_it_missed(tmp_path, monkeypatch):
    """Told what changed, a preview build looks at no other content file; a change the
    watcher missed (it can drop events) is found by `unseen_changes` once the browsers
    reload, and built next. Files added and removed are listed anew."""
    monkeypatch.setattr(gather, "settled", lambda status: True)  # the fixture's files were all written just now
    build = CheckedBuilds(tmp_path, preview=True)
    build()
    looked: list[Path] = []
    real_status_of = gather.status_of
    monkeypatch.setattr(gather, "status_of", lambda path: looked.append(path) or real_status_of(path))
    conditions = build.site / "content/conditions"
    leg, back = conditions / "leg-cramps.md", conditions / "back-spasms.md"
    leg.write_text(leg.read_text().replace("a link is not a name", "a link is never a name"))
    _watched_build(build, "content/conditions/leg-cramps.md", "templates/not-content.html", checked=False)
    assert [path.name for path in looked] == ["leg-cramps.md"]
    build.check()

    back.write_text(back.read_text().replace("\n## ", "\nMissed by the watcher.\n\n## ", 1))
    _watched_build(build, checked=False)
    assert "Missed by the watcher." not in (build.site / "public/conditions/back-spasms/index.html").read_text()
    missed = gather.unseen_changes(build.config, build.cache)
    assert missed == {"content/conditions/back-spasms.md"}
    _watched_build(build, *missed)
    assert "Missed by the watcher." in (build.site / "public/conditions/back-spasms/index.html").read_text()
    assert gather.unseen_changes(build.config, build.cache) == set()

    added = conditions / "added-article.md"
    added.write_text("---\ntitle: Added article\nsummary: Fixture text.\nreviewed: 2026-01-10\n---\nFixture text.\n")
    _watched_build(build, "content/conditions/added-article.md")
    assert (build.site / "public/conditions/added-article/index.html").exists()
    added.unlink()
    _watched_build(build, "content/conditions/added-article.md")
    assert not (build.site / "public/conditions/added-article").exists()


def test_the_previews_checks_and_write_look_only_at_the_pages_an_edit_made_again(tmp_path, monkeypatch):
    """After an edit, the preview's link and media checks look at the pages made again (and
    the static files') only, and its write is handed only those and the site-wide files;
    what they find, and the files written, are still a cold build's."""
    import healthsite.pipeline as pipeline
    looked, handed = [], []
    real_offsite, real_update = pipeline.offsite_media, pipeline.update_site
    monkeypatch.setattr(pipeline, "offsite_media", lambda records, outputs, config, look_at=None: looked.append(
        len(records) if look_at is None else len(look_at)) or real_offsite(records, outputs, config, look_at))
    monkeypatch.setattr(pipeline, "update_site", lambda outputs, *args: handed.append(len(outputs)) or real_update(outputs, *args))
    build = CheckedBuilds(tmp_path, preview=True)
    first = build()
    pages = len(first.outputs)
    back = build.site / "content/conditions/back-spasms.md"
    leg = build.site / "content/conditions/leg-cramps.md"
    slashless = "See [leg cramps](/conditions/leg-cramps) too.\n\n## "
    for article, old, new in ((back, "\n## ", "\n" + slashless), (leg, "\n## ", "\nAn edit.\n\n## "),
                              (back, slashless, "")):
        article.write_text(article.read_text().replace(old, new, 1))
        mark = len(looked)
        result = build()  # held to a cold build's bytes
        cold = pipeline.build_site(build.config, drafts=True, editor_pages=True, search=False, cache=BuildCache())
        assert result.problems == cold.problems
        assert any("trailing slash" in p.message for p in result.problems) == (slashless in back.read_text())
        assert looked[mark] < looked[0] and handed[-1] < pages, (looked, handed, pages)  # not every page


def test_a_watched_build_reads_and_parses_only_the_named_files_even_after_a_parse_that_raised(tmp_path, monkeypatch):
    """A watched build starts from the last read and parse with the named files' places
    changed, not from every file; where the parse of the read it would start from raised,
    the next parse compares every file's key (an edit read then is not lost)."""
    monkeypatch.setattr(gather, "settled", lambda status: True)  # the fixture's files were all written just now
    build = CheckedBuilds(tmp_path, preview=True)
    build()
    _watched_build(build)
    listed: list[int] = []
    real_read_files = gather.read_files
    monkeypatch.setattr(gather, "read_files", lambda files, config, problems, seen, watched: (
        seen is build.cache.file_status and listed.append(len(files))) or real_read_files(files, config, problems, seen, watched))
    conditions = build.site / "content/conditions"
    leg, back = conditions / "leg-cramps.md", conditions / "back-spasms.md"
    leg.write_text(leg.read_text().replace("\n## ", "\nRead by a build whose parse raised.\n\n## ", 1))
    real_parse_files = gather.parse_files
    monkeypatch.setattr(gather, "parse_files", lambda *args: iter([1 / 0]))
    with pytest.raises(ZeroDivisionError):
        _watched_build(build, "content/conditions/leg-cramps.md")
    monkeypatch.setattr(gather, "parse_files", real_parse_files)
    back.write_text(back.read_text().replace("\n## ", "\nA later edit.\n\n## ", 1))
    _watched_build(build, "content/conditions/back-spasms.md")  # held to a cold build's bytes
    assert "Read by a build whose parse raised." in (build.site / "public/conditions/leg-cramps/index.html").read_text()
    back.write_text(back.read_text().replace("A later edit.", "A last edit.\n\n# A level-1 heading"))
    result = _watched_build(build, "content/conditions/back-spasms.md")
    assert listed == [], listed  # no preview build looked at every file
    assert "A last edit." in (build.site / "public/conditions/back-spasms/index.html").read_text()
    assert any("level-1 heading" in p.message for p in result.problems)  # the file's new problems, not its last ones


def test_a_watched_build_still_reads_every_time_a_link_and_a_file_whose_status_it_forgot(tmp_path, monkeypatch):
    """No status is kept for a link (what it leads to can change unseen), nor for a file read
    while its status was unsettled: a watched build reads them again whatever it was told
    (found by a second read: the build that started from the last read kept their old text)."""
    unsettled: set[str] = set()
    monkeypatch.setattr(gather, "settled", lambda status: status not in unsettled)
    build = CheckedBuilds(tmp_path, preview=True)
    (build.site / "notes").mkdir()
    notes = build.site / "notes/leg.md"
    leg = build.site / "content/conditions/leg-cramps.md"
    notes.write_text(leg.read_text())
    leg.unlink()
    leg.symlink_to("../../notes/leg.md")
    back = build.site / "content/conditions/back-spasms.md"
    build()
    notes.write_text(notes.read_text().replace("\n## ", "\nEdited where the link leads.\n\n## ", 1))
    _watched_build(build)  # told of nothing: the watcher does not see notes/
    assert "Edited where the link leads." in (build.site / "public/conditions/leg-cramps/index.html").read_text()

    back.write_text(back.read_text().replace("\n## ", "\nSaved a moment ago.\n\n## ", 1))
    unsettled.add(gather._read_status(back, build.config))
    _watched_build(build, "content/conditions/back-spasms.md")
    back.write_text(back.read_text().replace("Saved a moment ago.", "Saved again, its event dropped."))
    _watched_build(build)
    assert "Saved again, its event dropped." in (build.site / "public/conditions/back-spasms/index.html").read_text()


def test_the_preview_indexes_who_reads_what_once_its_first_build_is_done(tmp_path):
    """So that the first save does not wait for it (a second and a half at 10,000 articles)."""
    from healthsite.preview import Preview
    site = make_project(tmp_path / "site", FIXTURES / "good")
    preview = Preview(site / "config.yaml", "127.0.0.1", 8000, tmp_path / "out")
    preview.rebuild()
    assert preview.cache.plan_memo.dependents


def test_a_content_folder_swapped_in_whole_is_read_whole(tmp_path, monkeypatch):
    """Moving a folder in is one event naming the folder, none for the files in it: a watched
    build then looks at every file (found by a hostile review: it trusted the old ones)."""
    monkeypatch.setattr(gather, "settled", lambda status: True)
    build = CheckedBuilds(tmp_path, preview=True)
    build()
    shutil.copytree(build.site / "content", build.site / "content.new")
    back = build.site / "content.new/conditions/back-spasms.md"
    back.write_text(back.read_text().replace("\n## ", "\nIn the folder moved in.\n\n## ", 1))
    (build.site / "content").rename(build.site / "content.old")
    (build.site / "content.new").rename(build.site / "content")
    _watched_build(build, "content", "content.new")
    assert "In the folder moved in." in (build.site / "public/conditions/back-spasms/index.html").read_text()


def test_the_watcher_names_a_link_as_itself_not_as_what_it_leads_to(tmp_path):
    from tornado import ioloop

    from healthsite.watch import Watcher
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes/leg.md").write_text("text")
    (tmp_path / "content/conditions").mkdir(parents=True)
    link = tmp_path / "content/conditions/leg-cramps.md"
    link.symlink_to("../../notes/leg.md")
    watcher = Watcher(tmp_path, ioloop.IOLoop.current(), None)
    assert watcher._relevant(str(link)) == "content/conditions/leg-cramps.md"
    assert watcher._relevant(str(tmp_path / "notes/leg.md")) is None


def test_a_check_that_raised_midway_leaves_the_next_to_check_every_article(tmp_path, monkeypatch):
    """The lint memo names the site it checked only once the check ended (found by a hostile
    review: a check that raised after an edit lost that article's warnings for good)."""
    import healthsite.lint as lint_module
    from healthsite.pipeline import build_site
    build = CheckedBuilds(tmp_path, preview=True)
    build()
    leg = build.site / "content/conditions/leg-cramps.md"
    leg.write_text(leg.read_text().replace("\n## ", "\nSee http://example.org/cramps for more.\n\n## ", 1))
    real_checks = lint_module._condition_checks
    monkeypatch.setattr(lint_module, "_condition_checks", lambda *args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        build()
    monkeypatch.setattr(lint_module, "_condition_checks", real_checks)
    back = build.site / "content/conditions/back-spasms.md"
    back.write_text(back.read_text().replace("\n## ", "\nAnother edit.\n\n## ", 1))
    result = build()
    assert result.problems == build_site(build.config, drafts=True, editor_pages=True, search=False,
                                         cache=BuildCache()).problems


def test_files_named_to_a_preview_build_that_raised_are_read_by_the_next(tmp_path, monkeypatch):
    """A rebuild that raised before reading keeps the files it was told of for the next; and
    the first build, which compares every file's status, must end before any is trusted."""
    import healthsite.pipeline as pipeline
    from healthsite.preview import Preview
    monkeypatch.setattr(gather, "settled", lambda status: True)
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")
    earlier = project_cache(config)  # a `build` before the preview started: each file's status, on disk
    publish(config, search=False, cache=earlier)
    earlier.close()
    preview = Preview(site / "config.yaml", "127.0.0.1", 8000, tmp_path / "out")
    real_snippets = pipeline.read_snippets
    monkeypatch.setattr(pipeline, "read_snippets", lambda config: 1 / 0)  # before the files are read
    with pytest.raises(ZeroDivisionError):
        preview.rebuild()
    monkeypatch.setattr(pipeline, "read_snippets", real_snippets)
    leg, back = site / "content/conditions/leg-cramps.md", site / "content/conditions/back-spasms.md"
    back.write_text(back.read_text().replace("\n## ", "\nEdited before the preview read anything.\n\n## ", 1))
    preview.rebuild(["content/conditions/leg-cramps.md"])  # no status compared yet: every file read
    assert "Edited before the preview read anything." in (tmp_path / "out/conditions/back-spasms/index.html").read_text()
    leg.write_text(leg.read_text().replace("a link is not a name", "a link is never a name"))
    monkeypatch.setattr(pipeline, "read_snippets", lambda config: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        preview.rebuild(["content/conditions/leg-cramps.md"])
    monkeypatch.setattr(pipeline, "read_snippets", real_snippets)
    preview.rebuild(["content/conditions/back-spasms.md"])
    assert "a link is never a name" in (tmp_path / "out/_outline/leg-cramps/index.html").read_text()


def test_a_file_read_while_its_status_was_unsettled_is_not_trusted_by_a_watched_build(tmp_path, monkeypatch):
    """A file saved twice within the file system's clock tick can keep its status, so a
    file read just after a save has its status forgotten, not left at the older read's:
    a watched build that trusts the statuses it knows would show the older text."""
    monkeypatch.setattr(gather, "settled", lambda status: True)
    build = CheckedBuilds(tmp_path, preview=True)
    build()
    leg = build.site / "content/conditions/leg-cramps.md"
    leg.write_text(leg.read_text().replace("a link is not a name", "a link is never a name"))
    monkeypatch.setattr(gather, "settled", lambda status: False)  # saved just now
    _watched_build(build, "content/conditions/leg-cramps.md")
    monkeypatch.setattr(gather, "settled", lambda status: True)
    _watched_build(build, "content/conditions/back-spasms.md")  # another file saved: leg-cramps.md as read last
    assert "a link is never a name" in (build.site / "public/conditions/leg-cramps/index.html").read_text()


def test_lines_typed_above_the_links_reuse_the_graph_and_move_its_problems(tmp_path):
    """A new paragraph moves every link and entry below it: the graph is still the last one,
    and a problem it found (an unknown link) names the link's new line, as a cold build does."""
    site = make_project(tmp_path / "site", FIXTURES / "good")
    out = tmp_path / "out"
    config, _ = load_config(site / "config.yaml")
    cache = project_cache(config)
    article = site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text().rstrip("\n") + "\n\nSee [[no such page]].\n")
    first = build_site_with(config, out, cache)
    unknown = [p for p in first.problems if "no such page" in p.message]
    head, _, body = article.read_text().partition("\n---\n")
    article.write_text(f"{head}\n---\nA new first paragraph.\n\nAnd another.\n\n{body}")
    again = build_site_with(config, out, cache)
    assert again.site.relations is first.site.relations
    moved = [p for p in again.problems if "no such page" in p.message]
    assert [p.line for p in moved] == [p.line + 4 for p in unknown] and moved
    cold = build_site_with(config, tmp_path / "cold", BuildCache())
    assert again.problems == cold.problems


def build_site_with(config, out, cache):
    from healthsite.pipeline import build_site
    return build_site(config, search=False, out=out, cache=cache, editor_pages=True, drafts=True)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def _style_url(site: Path) -> str:
    return "/static/style.css?v=" + hashlib.sha256((site / "static/style.css").read_bytes()).hexdigest()[:10]


def _restyle(site: Path) -> None:
    _append(site / "static/style.css", "/* a new rule */\n")


class CheckedBuilds:
    """Builds of a copy of the good fixture, each as a new `build` process makes it (a fresh
    cache object on the cache on disk) or as the preview does (one cache, written in place),
    and each held to the bytes of a cold build."""

    def __init__(self, tmp_path: Path, preview: bool):
        self.tmp_path, self.preview = tmp_path, preview
        self.site = make_project(tmp_path / "site", FIXTURES / "good")
        self.config, _ = load_config(self.site / "config.yaml")
        self.cache = project_cache(self.config)

    def __call__(self):
        if not self.preview:
            self.cache.close()
            self.cache = project_cache(self.config)
        preview = self.preview
        result = publish(self.config, search=False, cache=self.cache, in_place=preview, temporary=preview, drafts=preview,
                         editor_pages=preview)
        assert result.written, result.problems
        self.check()
        self.last = result
        return result

    def check(self):
        cold_build(self.site, self.tmp_path / "cold" / "out", self.preview)
        assert snapshot(self.site / "public") == snapshot(self.tmp_path / "cold" / "out")


@pytest.mark.parametrize("preview", [False, True], ids=["new-process", "preview"])
def test_a_css_change_swaps_the_new_url_into_each_page_without_rendering(tmp_path, preview):
    """Every page holds the style sheet's versioned URL, so a CSS change changes every page:
    the published file with the new URL swapped in, not a page planned and rendered again."""
    build = CheckedBuilds(tmp_path, preview)
    site = build.site
    build()
    old_url = re.search(r'href="(/static/style\.css\?v=\w+)"', (site / "public/index.html").read_text())[1]
    _restyle(site)
    restyled = build()
    assert restyled.rendered == 0
    if not preview:
        assert restyled.planned == frozenset() and restyled.plan_index.pages  # nothing planned again
    pages = list((site / "public").rglob("*.html"))
    assert len(pages) > 10 and not any(old_url in page.read_text() for page in pages)
    new_url = _style_url(site)
    links = restyled.manifest.pages["index.html"].links
    assert (new_url, "static/style.css") in links and not any(href == old_url for href, _ in links)
    inodes = {page: page.stat().st_ino for page in pages}
    assert build().rendered == 0
    assert inodes == {page: page.stat().st_ino for page in pages}  # the next build writes nothing again


def test_a_page_holding_a_pasted_asset_url_is_rendered_again(tmp_path):
    """An editor's copy of the style sheet's URL is theirs: it stays as written when the
    sheet changes, so that page is rendered again rather than given the new URL."""
    site = make_project(tmp_path / "site", FIXTURES / "good")
    pasted = _style_url(site)
    _append(site / "content/conditions/leg-cramps.md", f"\nThe [old style sheet]({pasted}).\n")
    assert run_cli("build", "--no-search", cwd=site).returncode == 0
    _restyle(site)
    config, _ = load_config(site / "config.yaml")
    build = publish_anew(config, search=False)
    assert build.written and build.rendered == 1
    assert pasted in (site / "public/conditions/leg-cramps/index.html").read_text()
    cold_build(site, tmp_path / "cold" / "out")
    assert snapshot(site / "public") == snapshot(tmp_path / "cold" / "out")


def test_a_page_using_a_static_file_that_is_gone_is_rendered_again(tmp_path):
    """...and reports what a cold build reports: the template asks for a file there is not."""
    site = make_project(tmp_path / "site", FIXTURES / "good")
    assert run_cli("build", "--no-search", cwd=site).returncode == 0
    (site / "static/favicon.svg").unlink()
    config, _ = load_config(site / "config.yaml")
    build = publish_anew(config, search=False)
    cold = cold_build(site, tmp_path / "cold" / "out")
    assert not build.written and not cold.written
    assert [str(p) for p in build.problems] == [str(p) for p in cold.problems]
    assert any("no file static/favicon.svg" in p.message for p in build.problems)


def test_a_new_process_compiles_only_the_templates_that_changed(tmp_path, monkeypatch):
    """Nor parses any other: what each template extends or includes (its key's part) is
    kept in the cache by the template's digest, as its compiled code is."""
    import jinja2
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")
    compiled: list[str] = []
    parsed: set[str] = set()
    real_compile, real_parse = jinja2.Environment.compile, jinja2.Environment._parse

    def compile_counted(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return real_compile(self, source, name, filename, *args, **kwargs)

    def parse_counted(self, source, name, filename):
        parsed.add(name)
        return real_parse(self, source, name, filename)

    monkeypatch.setattr(jinja2.Environment, "compile", compile_counted)
    monkeypatch.setattr(jinja2.Environment, "_parse", parse_counted)

    def build_in_a_new_process():
        compiled.clear(), parsed.clear()
        build = publish_anew(config, search=False)
        assert build.written, build.problems
        return sorted(compiled), sorted(parsed)

    made = build_in_a_new_process()
    assert "base.html" in made[0] and "base.html" in made[1] and "_macros.html" in made[1]
    article = site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text() + "\nA new closing paragraph.\n")
    assert build_in_a_new_process() == ([], [])  # each from the cache
    cause = site / "templates/cause.html"
    cause.write_text(cause.read_text() + "{# changed #}\n")
    assert build_in_a_new_process() == (["cause.html"], ["cause.html"])
    cold_build(site, tmp_path / "cold" / "out")
    assert snapshot(site / "public") == snapshot(tmp_path / "cold" / "out")


def test_a_new_process_sorts_known_names_without_loading_the_collator(tmp_path, monkeypatch):
    """The collator takes a fifth of a second to load: a site whose names are ASCII never
    loads it, not even for a cold build (their keys come from the collator's weights of the
    ASCII characters), and the keys of the names already seen are in the cache, so an edit
    that brings no new name never loads it, nor a template change, which makes the A to Z
    lists again (their letters are ASCII capitals)."""
    import healthsite.slugs
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")

    def no_collator():
        raise AssertionError("the collator was loaded")

    with monkeypatch.context() as patched:
        patched.setattr(healthsite.slugs, "_collator", no_collator)
        assert publish_anew(config, search=False, jobs=1).written
    article = site / "content/conditions/leg-cramps.md"
    base = site / "templates/base.html"

    for change in (lambda: article.write_text(article.read_text() + "\nA new closing paragraph.\n"),
                   lambda: base.write_text(base.read_text() + "{# changed #}\n")):
        change()
        with monkeypatch.context() as patched:
            patched.setattr(healthsite.slugs, "_collator", no_collator)
            build = publish_anew(config, search=False, jobs=1)
        assert build.written and build.rendered >= 1
        cold_build(site, tmp_path / "cold" / "out")
        assert snapshot(site / "public") == snapshot(tmp_path / "cold" / "out")
    assert build.rendered == build.page_count  # base.html: every page


def test_a_z_letters_other_than_ascii_capitals_sort_as_the_collator_sorts():
    from types import SimpleNamespace

    from healthsite.plan import az_groups
    from healthsite.slugs import sort_key
    names = ["Zinc", "Übermüdung", "5-HT", "Ästhetik", "Öl", "apple", "Жар", "Éclair", "Bee"]
    letters = [letter for letter, _ in az_groups([SimpleNamespace(title=name) for name in names])]
    assert letters == sorted(set(letters) - {"#"}, key=sort_key) + ["#"]
    assert letters[:5] == ["A", "B", "E", "O", "U"]  # accents folded to their letters
    ascii_only = [letter for letter, _ in az_groups([SimpleNamespace(title=n) for n in ("beta", "Alpha", "9 lives", "Zed")])]
    assert ascii_only == ["A", "B", "Z", "#"]


def test_a_new_process_renders_a_changed_templates_pages_from_their_stored_views(tmp_path):
    """A page's view never reads a template: after a template change a new process renders
    that template's pages from the views the build before stored, planning none of them
    again, but a page whose article changed too is planned again. A view not stored (a
    cache that lost it) is planned again as well."""
    import sqlite3
    build = CheckedBuilds(tmp_path, preview=False)
    build()
    cause, condition = build.site / "templates/cause.html", build.site / "templates/condition.html"
    cause.write_text(cause.read_text() + "{# changed #}\n")
    changed = build()
    causes = {owner for owner, (page, _) in changed.plan_index.pages.items() if page.template == "cause.html"}
    assert causes and changed.rendered == len(causes)
    assert changed.planned == frozenset()  # each cause page rendered from its stored view

    article = build.site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text() + "\nA new closing paragraph.\n")
    condition.write_text(condition.read_text().replace("<h1>", '<h1 class="changed">', 1))
    changed = build()
    conditions = {owner for owner, (page, _) in changed.plan_index.pages.items() if page.template == "condition.html"}
    leg_cramps = ("page", ("condition", "leg-cramps"))
    assert leg_cramps in conditions and len(conditions) > 1 and changed.rendered >= len(conditions)
    assert leg_cramps in changed.planned and not (conditions - {leg_cramps}) & changed.planned
    for owner in conditions:
        page = changed.plan_index.pages[owner][0].path
        assert '<h1 class="changed">' in (build.site / "public" / page).read_text()

    build.cache.close()
    with sqlite3.connect(build.cache.path) as db:
        db.execute("DELETE FROM views WHERE owner = ?", (repr(leg_cramps),))
    condition.write_text(condition.read_text() + "{# again #}\n")
    changed = build()
    assert leg_cramps in changed.planned and not (conditions - {leg_cramps}) & changed.planned


def test_a_publish_lets_go_of_the_articles_before_it_renders(tmp_path, monkeypatch):
    """A publish needs only the files: once its plan is final (no kept page that could send
    it back to plan again), the parsed articles are not held through the render; with kept
    pages, they are let go after it. `check` and the preview keep them."""
    import gc

    from healthsite import pipeline
    from healthsite.article import Article
    held: list[int] = []
    real_render_site = pipeline.render_site

    def counted(*args, **kwargs):
        gc.collect()  # what earlier builds in this process left in cycles: only what is reachable counts
        held.append(sum(1 for value in gc.get_objects() if type(value) is Article))
        return real_render_site(*args, **kwargs)

    monkeypatch.setattr(pipeline, "render_site", counted)
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")

    def one_off():
        build = publish_anew(config, search=False)
        assert build.written, build.problems
        return build

    assert one_off().site is None and held[-1] == 0  # cold: every page planned
    assert pipeline.build_site(config, search=False, cache=project_cache(config)).site and held[-1] > 0  # `check`
    article = site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text() + "\nA new closing paragraph.\n")
    assert one_off().site is None and held[-1] > 0  # kept pages: held through the render (a StalePlan would plan again from them)
    base = site / "templates/base.html"
    base.write_text(base.read_text() + "{# changed #}\n")
    assert one_off().site is None and held[-1] == 0  # every page made again or taken as stored
    cold_build(site, tmp_path / "cold" / "out")
    assert snapshot(site / "public") == snapshot(tmp_path / "cold" / "out")
    preview = publish(config, tmp_path / "preview", search=False, cache=project_cache(config), in_place=True, temporary=True)
    assert preview.site and held[-1] > 0
    # A publish that stops at a broken template keeps no site either: its light articles
    # would read their bodies from a cache closed by then.
    base.write_text(base.read_text() + "{% if %}\n")
    broken = publish_anew(config, search=False)
    assert not broken.written and broken.problems and broken.site is None
    assert pipeline.build_site(config, search=False, cache=BuildCache()).site  # `check` keeps it


def test_a_publish_never_holds_a_conditions_body_but_for_its_own_page(tmp_path, monkeypatch):
    """A publish holds each article without its body from the parse on (the graph and the
    other pages read only its front matter, entries, links and anchors), reads the body back
    from its packed parse for its own page, and lets it go after; its pages are the very
    pages (the same fingerprints, the same bytes) of a build holding every article whole."""
    import gc

    from healthsite import pipeline
    from healthsite import plan as plan_module
    from healthsite.article import WITHHELD, Article
    seen: list[tuple[int, int]] = []  # (condition articles reachable, those whole), at the graph and after the conditions
    packed: list[int] = []  # of those, the ones with a way back to the body (its packed parse)
    in_memory: list[int] = []  # ... held in memory, not read from the cache's file

    def count():
        gc.collect()
        held = [value for value in gc.get_objects() if type(value) is Article and value.document.kind == "condition"]
        seen.append((len(held), sum(value.sections is not WITHHELD for value in held)))
        packed.append(sum(bool(value.__dict__.get("_whole")) for value in held))
        in_memory.append(sum(_holds_bytes(value.__dict__.get("_whole")) for value in held))

    real_build_graph, real_entry_page = pipeline.build_graph, plan_module._Planner._entry_page

    def graph_counted(*args, **kwargs):
        count()
        return real_build_graph(*args, **kwargs)

    def entry_page_counted(self, entity):
        if len(seen) == 1:
            count()
        return real_entry_page(self, entity)

    monkeypatch.setattr(pipeline, "build_graph", graph_counted)
    monkeypatch.setattr(plan_module._Planner, "_entry_page", entry_page_counted)
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")
    checked = pipeline.build_site(config, search=False, cache=BuildCache())  # `check`: every article kept whole
    whole = {output.path: output.data for output in checked.outputs if output.path.endswith(".html")}
    fingerprints = {owner: page.fingerprint for owner, (page, _) in checked.plan_index.pages.items()}
    assert seen[0][0] == seen[0][1] > 3 and seen[1][0] == seen[1][1]
    del checked
    seen.clear()
    published = publish(config, search=False, cache=BuildCache())
    assert published.written, published.problems
    conditions = [path for path in whole if path.startswith("conditions/") and path.count("/") == 2]
    assert len(conditions) >= 3 and seen[1] == (len(conditions), 0)  # none whole after the plan's conditions
    assert seen[0][0] > len(conditions) and seen[0][1] == 0  # nor at the graph (a draft's too)
    assert packed[-2:] == [seen[0][0], 0]  # each packed parse held until its page is made, then let go
    assert in_memory[-2] == seen[0][0]  # in memory: this cache has no file
    assert {owner: page.fingerprint for owner, (page, _) in published.plan_index.pages.items()} == fingerprints
    assert {path: data for path, data in snapshot(site / "public").items() if path in whole} == whole

    # The next day, the published build's plan is of no use (every page may show the day):
    # its articles too are held without their bodies, each read back (from the cache's
    # file, as a new process's) for its own page only.
    read_whole: list[str] = []
    real_whole = Article.whole
    monkeypatch.setattr(Article, "whole", lambda self: read_whole.append(self.document.path) or real_whole(self))
    assert publish_anew(config, search=False).written
    seen.clear()
    read_whole.clear()
    in_memory.clear()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(TODAY_EPOCH) + 86_400))
    next_day = publish_anew(config, search=False)
    assert next_day.written and next_day.rendered == next_day.page_count
    assert seen[0][0] > len(conditions) and seen[0][1] == 0 and seen[1] == (len(conditions), 0)
    assert len(read_whole) == len(set(read_whole)) >= len(conditions)  # each once
    assert in_memory[-2:] == [0, 0]  # read back from the cache's file, not held
    cold_build(site, tmp_path / "cold" / "out")
    assert snapshot(site / "public") == snapshot(tmp_path / "cold" / "out")

    # An edit, planned from the published build's plan: of the conditions, only the edited one
    # is read whole (the cause pages planned again read their own content files' bodies).
    edited = site / "content/conditions/leg-cramps.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("\n## ", "\nAn edit.\n\n## ", 1), encoding="utf-8")
    seen.clear()
    read_whole.clear()
    after_edit = publish_anew(config, search=False)
    assert after_edit.written and 0 < after_edit.rendered < after_edit.page_count
    assert seen[0][0] > len(conditions) and seen[0][1] == 0
    assert [path for path in read_whole if path.startswith("content/conditions/")] == [edited.relative_to(site).as_posix()]
    cold_build(site, tmp_path / "cold" / "out")
    assert snapshot(site / "public") == snapshot(tmp_path / "cold" / "out")


def test_a_light_article_whose_parse_left_the_cache_file_says_so(tmp_path):
    """Another healthsite clearing the cache folder during a build: the body cannot be read
    back, and the build stops with a message (before it writes anything), never a wrong page."""
    from healthsite.gather import _packed_again
    cache = BuildCache(tmp_path / "cache")
    cache.put_document("key", None, b"packed", in_memory=False)
    read = _packed_again(cache, "key", b"packed")
    assert read() == b"packed" and not _holds_bytes(read)
    cache.db.execute("DELETE FROM documents")
    with pytest.raises(RuntimeError, match="left the cache"):
        read()
    cache.close()


def _holds_bytes(function) -> bool:
    """Whether a function, or one it closes over, holds bytes."""
    cells = [cell.cell_contents for cell in getattr(function, "__closure__", None) or ()]
    return any(type(value) is bytes or (callable(value) and _holds_bytes(value)) for value in cells)


def test_planned_and_rendered_pages_wait_in_temporary_files_not_in_memory(tmp_path, monkeypatch):
    """A one-off build holds each page it planned, until it is rendered, and each page it
    rendered, until it is written, as a place in a temporary file with no name; where such
    a file cannot take a page (a full disk), the build holds the rest in memory and
    publishes the same site."""
    from healthsite.cache import Spooled
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")
    build = publish(config, search=False, cache=BuildCache())
    assert build.written, build.problems
    rendered = [output for output in build.outputs if output.packed]
    assert len(rendered) == build.rendered > 10 and all(type(output.body) is Spooled for output in rendered)
    assert not any(type(output.body) is bytes for output in build.outputs if output.path.endswith(".html"))
    first = snapshot(site / "public")
    assert all(first[output.path] == output.data for output in rendered)

    real_pwrite = os.pwrite
    for full in ("plan", "render"):  # the first file made is the plan's, the second the render's
        files: dict[int, int] = {}  # writes into each file, by its descriptor

        def full_after_three(fd, data, offset):
            taken = files.setdefault(fd, 0)
            if taken == 3 and list(files).index(fd) == ("plan", "render").index(full):
                raise OSError(28, "No space left on device")
            files[fd] = taken + 1
            return real_pwrite(fd, data, offset)

        with monkeypatch.context() as patched:
            patched.setattr("healthsite.cache.os.pwrite", full_after_three)
            again = publish(config, tmp_path / full, search=False, cache=BuildCache())
        assert again.written, again.problems
        assert len(files) == 2 and min(files.values()) == 3  # the full one took three
        bodies = [type(output.body) for output in again.outputs if output.packed]
        assert bodies.count(Spooled) == (3 if full == "render" else len(bodies))
        assert snapshot(tmp_path / full) == first

    # With a cache folder, the files are made there: the system's temporary folder is memory on many systems.
    import tempfile
    folders, real_temporary_file = [], tempfile.TemporaryFile

    def recorded(*args, dir=None, **kwargs):
        folders.append(dir)
        return real_temporary_file(*args, dir=dir, **kwargs)

    monkeypatch.setattr("healthsite.cache.tempfile.TemporaryFile", recorded)
    assert publish_anew(config, tmp_path / "cached", search=False).written
    assert folders == [site / ".healthsite-cache"] * 2 and snapshot(tmp_path / "cached") == first

    # A template change: the pages taken as their views were stored wait in the file too.
    from healthsite import pipeline
    from healthsite.plan import PackedPage
    real_render_site, planned = pipeline.render_site, []
    monkeypatch.setattr(pipeline, "render_site", lambda pages, *rest: planned.extend(pages) or real_render_site(pages, *rest))
    template = site / "templates/cause.html"
    template.write_text(template.read_text() + "{# changed #}\n")
    after = publish_anew(config, tmp_path / "cached", search=False)
    packed = [page for page in planned if isinstance(page, PackedPage)]
    assert after.written and len(packed) == after.rendered > 3 and after.planned == frozenset()  # none planned: all stored
    assert all(type(page.packed) is Spooled for page in packed)


def test_a_stored_view_is_taken_only_with_the_fingerprint_the_index_names(tmp_path):
    """`check` plans an edit, and stores its view, that is then undone: the published
    build's index names the page as it was, so after a template change that page is
    planned again, not taken from the view of the edit that never was published."""
    from healthsite.pipeline import build_site
    build = CheckedBuilds(tmp_path, preview=False)
    build()
    article = build.site / "content/conditions/leg-cramps.md"
    before = article.read_text()
    article.write_text(before + "\nAn edit that is checked, then undone.\n")
    build.cache.close()
    cache = project_cache(build.config)
    assert build_site(build.config, search=False, cache=cache).ok  # as `check` does: nothing is written
    cache.close()
    article.write_text(before)
    condition = build.site / "templates/condition.html"
    condition.write_text(condition.read_text() + "{# changed #}\n")
    changed = build()  # equal to a cold build
    assert ("page", ("condition", "leg-cramps")) in changed.planned and len(changed.planned) == 1


def test_the_cache_keeps_the_views_of_the_last_plans_pages_only(tmp_path):
    """A deleted article's pages' views go from the cache with it (one row a page)."""
    import sqlite3
    build = CheckedBuilds(tmp_path, preview=False)

    def views():
        with sqlite3.connect(build.cache.path) as db:
            return {row[0] for row in db.execute("SELECT owner FROM views")}

    first = build()
    assert views() == {repr(owner) for owner in first.plan_index.pages}
    copy = build.site / "content/conditions/leg-cramps-again.md"
    copy.write_text((build.site / "content/conditions/leg-cramps.md").read_text()
                    .replace("title: Leg cramps", "title: Leg cramps again").replace("aliases: [night cramps, charley horse]", ""))
    grown = build()
    assert repr(("page", ("condition", "leg-cramps-again"))) in views() == {repr(owner) for owner in grown.plan_index.pages}
    copy.unlink()
    build()
    assert views() == {repr(owner) for owner in first.plan_index.pages}


@pytest.mark.parametrize("preview", [False, True], ids=["new-process", "preview"])
def test_a_template_change_makes_again_only_the_pages_of_that_template(tmp_path, preview):
    """A page depends on its own template and what that extends, includes or imports:
    changing cause.html renders the cause pages, not every page; changing entry.html (which
    cause.html and treatment.html extend) renders both; base.html, every page."""
    build = CheckedBuilds(tmp_path, preview)

    def count(*templates):
        planned = build.cache.plan_memo.pages if preview else build.last.plan_index.pages
        return sum(1 for page, _ in planned.values() if page.template in templates)

    build()
    for name, expected in (("cause.html", ("cause.html",)), ("entry.html", ("cause.html", "treatment.html"))):
        template = build.site / "templates" / name
        template.write_text(template.read_text().replace("<h1>", '<h1 class="changed">', 1) + "{# changed #}\n")
        changed = build()
        assert 0 < changed.rendered == count(*expected), name
    base = build.site / "templates/base.html"
    base.write_text(base.read_text() + "{# changed #}\n")
    assert build().rendered > count("cause.html", "treatment.html", "condition.html")


def test_a_templates_references_are_kept_only_under_the_digest_of_the_text_parsed(tmp_path):
    """The templates' digests are taken when the build starts and each is parsed later: a
    file saved in between has its references worked out, but not kept under the digest of
    the text it replaced (which would hold them wrongly once the file was that text again)."""
    from healthsite.cache import digest
    from healthsite.render import template_environment, template_keys
    (tmp_path / "page.html").write_text('{% include "a.html" %}')
    (tmp_path / "a.html").write_text("a")
    env = template_environment(tmp_path)
    older, now, plain = digest(b'{% include "b.html" %}'), digest(b'{% include "a.html" %}'), digest(b"a")
    known: dict = {}
    stale = template_keys(env, {"page.html": older, "a.html": plain}, known)
    assert older not in known and known[plain] == frozenset()
    assert template_keys(env, {"page.html": now, "a.html": plain}, known) != stale
    assert known[now] == frozenset({"a.html"})
    known[now] = frozenset()  # what is kept is what is used: the text is not parsed again
    assert template_keys(env, {"page.html": now, "a.html": "other"}, known)["page.html"] == digest(f"page.html:{now}")


def test_a_template_saved_while_a_build_reads_the_templates_is_parsed_again_by_the_next(tmp_path, monkeypatch):
    """The build takes each template's digest, then parses it: a template saved in between
    is parsed with its new text, and its references kept by no digest (the next build,
    which sees the new digest, parses it again)."""
    from healthsite import pipeline
    from healthsite.cache import digest
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")
    real_check_templates = pipeline.check_templates
    older = digest(b"{# the text before the save #}")

    def taken_before_a_save(config):
        digests, problems = real_check_templates(config)
        return [(path, older if path == "templates/condition.html" else value) for path, value in digests], problems

    monkeypatch.setattr(pipeline, "check_templates", taken_before_a_save)
    cache = project_cache(config)
    assert publish(config, search=False, cache=cache).written
    assert older not in cache.template_refs and len(cache.template_refs) > 1
    cache.close()
    monkeypatch.setattr(pipeline, "check_templates", real_check_templates)
    assert publish_anew(config, search=False).rendered > 0  # condition.html's digest is new to it
    cold_build(site, tmp_path / "cold" / "out")
    assert snapshot(site / "public") == snapshot(tmp_path / "cold" / "out")


def test_a_templates_key_covers_what_it_extends_includes_and_imports(tmp_path):
    from healthsite.render import template_environment, template_keys
    files = {"base.html": "{% block main %}{% endblock %}", "macros.html": "{% macro m() %}m{% endmacro %}",
             "page.html": '{% extends "base.html" %}{% import "macros.html" as x %}{% block main %}{{ x.m() }}{% endblock %}',
             "other.html": '{% include "gone.html" ignore missing %}', "any.html": "{% include name %}",
             "alone.html": "plain"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    env = template_environment(tmp_path)

    def keys(**versions):  # a file's digest stands for its text: equal digests, equal texts
        return template_keys(env, {name: f"{text}|{versions.get(name.split('.')[0], 'v1')}" for name, text in files.items()})

    first = keys()
    changed = {name for name, key in keys(macros="v2").items() if key != first[name]}
    assert changed == {"macros.html", "page.html", "any.html"}  # a variable name: every template
    assert {name for name, key in keys(base="v2").items() if key != first[name]} == {"base.html", "page.html", "any.html"}
    (tmp_path / "gone.html").write_text("here now")
    files["gone.html"] = ""
    assert keys()["other.html"] != first["other.html"]  # the file it asked for appeared


def _pasted_then_style_reverted(site: Path):
    """An editor pastes the sheet's URL; the sheet changes, changes back, changes again."""
    original = (site / "static/style.css").read_text()
    _append(site / "content/conditions/leg-cramps.md", f"\nSee [the style sheet]({_style_url(site)}) for print.\n")
    yield
    _append(site / "static/style.css", "/* one */\n")
    yield
    (site / "static/style.css").write_text(original)  # the pasted URL is the current one again
    yield
    _append(site / "static/style.css", "/* two */\n")
    yield


def _asset_kept_by_an_imported_module(site: Path):
    """Jinja builds an imported template once per environment: its asset() runs for one page only."""
    shutil.copy(site / "static/favicon.svg", site / "static/touch.svg")
    (site / "templates/_assets.html").write_text("{% set touch = asset('touch.svg') %}\n")
    _append(site / "templates/page.html", '{% import "_assets.html" as assets %}'
            '{% block head %}<link rel="apple-touch-icon" href="{{ assets.touch }}">{% endblock %}\n')
    yield
    _append(site / "static/touch.svg", "<!-- two -->\n")
    yield


def _one_url_inside_another(site: Path):
    """static/a/static/zz.css's URL holds static/zz.css's; a new version of one may equal the other's old."""
    (site / "static/a/static").mkdir(parents=True)
    (site / "static/zz.css").write_text("one")
    (site / "static/a/static/zz.css").write_text("two")
    base = site / "templates/base.html"
    base.write_text(base.read_text().replace("</head>", '<link rel="stylesheet" href="{{ asset(\'a/static/zz.css\') }}">'
                                             '<link rel="stylesheet" href="{{ asset(\'zz.css\') }}">\n</head>', 1))
    yield
    (site / "static/a/static/zz.css").write_text("one")
    (site / "static/zz.css").write_text("three")
    yield


def _include_by_another_name(site: Path):
    """`./extra.html` is extra.html to the loader, and so to the template's key."""
    (site / "templates/extra.html").write_text('<meta name="p" content="1">\n')
    cause = site / "templates/cause.html"
    cause.write_text(cause.read_text().replace('{% extends "entry.html" %}',
                                               '{% extends "entry.html" %}{% block head %}{% include "./extra.html" %}{% endblock %}', 1))
    yield
    (site / "templates/extra.html").write_text('<meta name="p" content="2">\n')
    yield


@pytest.mark.parametrize("scenario", [_pasted_then_style_reverted, _asset_kept_by_an_imported_module, _one_url_inside_another,
                                      _include_by_another_name])
@pytest.mark.parametrize("preview", [False, True], ids=["new-process", "preview"])
def test_asset_and_template_changes_in_hostile_orders_equal_cold_builds(tmp_path, preview, scenario):
    """Found by a hostile review: each step's build equals a cold build."""
    build = CheckedBuilds(tmp_path, preview)
    for _ in scenario(build.site):
        build()


@pytest.mark.parametrize("resident", [False, True], ids=["one-off", "preview"])
def test_a_one_off_build_lets_each_page_go_once_it_is_rendered(tmp_path, monkeypatch, resident):
    """A page's view data is most of a plan's memory: a one-off build (`build`, `check`)
    holds each page only until it is rendered, not to the end of the build. The preview
    keeps its plan, to plan the next edit from."""
    import weakref
    import healthsite.pipeline as pipeline
    from healthsite.plan import PackedPage
    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")
    real, alive = outputs.render_pages, []

    def watched(tasks, *args):
        pages = [weakref.ref(page) for page, _ in tasks]
        results = real(tasks, *args)
        del tasks
        for done, result in enumerate(results):
            # Of the pages rendered before the last one (the caller's loop still names that one):
            alive.append(sum(1 for page in pages[:max(0, done - 1)] if page() is not None))
            yield result

    monkeypatch.setattr(outputs, "render_pages", watched)
    real_plan, planned = pipeline.plan, []

    def plan(*args, **kwargs):
        pages = real_plan(*args, **kwargs)
        planned.extend((type(page), page.path) for page in pages)  # not the pages: they would outlive the render
        return pages

    monkeypatch.setattr(pipeline, "plan", plan)
    cache = project_cache(config)
    build = pipeline.build_site(config, search=False, cache=cache, resident=resident)
    assert build.ok and build.rendered > 10 and len(alive) == build.rendered
    packed = [path for kind, path in planned if kind is PackedPage]
    if resident:
        assert alive[-1] == build.rendered - 2 and cache.plan_memo.pages and not packed
    else:
        assert not any(alive) and cache.plan_memo is None
        assert len(packed) > 10 and "conditions/leg-cramps/index.html" in packed and "index.html" not in packed
        assert build.planned == build.plan_index.pages.keys()


def test_packed_pages_have_the_same_fingerprints_in_every_process(tmp_path):
    """A one-off build's page fingerprint is a digest of the page as pickled: a new process
    (another hash seed, its articles read from the cache, not parsed) must give the same
    ones, or it would render again pages that did not change."""
    site = make_project(tmp_path / "site", FIXTURES / "good")
    script = ("import sys; from pathlib import Path; from healthsite.config import load_config; from healthsite.pipeline import build_site, project_cache;"
              "config, _ = load_config(Path(sys.argv[1])); cache = project_cache(config);"
              "build = build_site(config, search=False, cache=cache); cache.close();"
              "print(sorted((page.path, page.fingerprint) for page, _ in build.plan_index.pages.values()))")
    printed = []
    for seed in ("1", "2"):  # the second reads every article from the cache the first left
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": TODAY_EPOCH}
        done = subprocess.run([sys.executable, "-c", script, str(site / "config.yaml")], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        printed.append(done.stdout)
    assert printed[0] == printed[1] and printed[0].count("index.html") > 10
