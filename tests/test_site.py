"""Whole-site tests on fixture sites: the good one in every entry form, and one
broken site per kind of mistake, each built by the real command line."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from conftest import FIXTURES, built_site, make_project, run_cli, snapshot

BROKEN = sorted(p.name for p in (FIXTURES / "broken").iterdir() if p.is_dir())


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids, self.text, self.headings = [], set(), [], []
        self._heading = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name):
                self.links.append(attrs[name])
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [tag, ""]

    def handle_endtag(self, tag):
        if self._heading and tag == self._heading[0]:
            self.headings.append((self._heading[0], self._heading[1].strip()))
            self._heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self._heading:
            self._heading[1] += data


def parse_page(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def internal_links(out: Path, base: str = "/"):
    """(page, link) for every root-relative link in every page of the output."""
    for page in sorted(out.rglob("*.html")):
        for link in parse_page(page).links:
            if not urlsplit(link).scheme and not link.startswith("//"):
                yield page, link


def resolve(out: Path, link: str, base: str = "/") -> tuple[Path | None, str]:
    url, fragment = urldefrag(link)
    path = urlsplit(url).path
    assert path.startswith(base), f"{link} is not under the base path {base}"
    target = out / path[len(base):]
    if path.endswith("/"):
        target = target / "index.html"
    return (target if target.is_file() else None), fragment


def assert_all_links_resolve(out: Path, base: str = "/") -> int:
    count = 0
    for page, link in internal_links(out, base):
        if link.startswith("#"):
            target, fragment = page, link[1:]
        else:
            target, fragment = resolve(out, link, base)
        assert target, f"{page.relative_to(out)} links to {link}, which does not exist"
        if fragment:
            assert fragment in parse_page(target).ids, f"{page.relative_to(out)} links to #{fragment}, missing in {target}"
        count += 1
    return count


# An entry's name links to its page: in a list item, or as the heading of a `###` entry.
ENTRY_LINK = r'<(?:li class="entry">(?:<p>)?(?:<strong>)?|h\d class="entry-name">)<a href="(/(causes|treatments)/[a-z-]+/)">([^<]+)</a>'


@pytest.fixture
def built(good_site) -> Path:
    result = run_cli("build", cwd=good_site)
    assert result.returncode == 0, result.stderr
    return good_site / "public"


def test_seed_condition_lists_its_nine_causes_and_six_treatments(project):
    assert run_cli("build", cwd=project).returncode == 0
    page = project / "public/conditions/muscle-spasms/index.html"
    html = page.read_text()
    causes = ["Dehydration", "Electrolyte imbalances", "Muscle fatigue", "Nerve damage", "Medications",
              "Medical conditions", "Poor posture", "Stress", "Aging"]
    treatments = ["Stretching and massaging", "Heat or cold therapy", "Medications",
                  "Hydration and electrolyte replacement", "Physical therapy", "Botulinum toxin injections"]
    entries = re.findall(ENTRY_LINK, html)
    assert [name for _, kind, name in entries if kind == "causes"] == causes
    assert [name for _, kind, name in entries if kind == "treatments"] == treatments
    for href, _, name in entries:
        target = project / "public" / href.strip("/") / "index.html"
        assert target.is_file() and f"<h1>{name}</h1>" in target.read_text()
    for fragment in ("Post a Comment", "Previous Post", "Muscle Spasms - Causes &amp; Treatment"):
        assert fragment not in html


def test_every_internal_link_resolves(built):
    assert assert_all_links_resolve(built) > 100


def test_every_page_has_lang_title_description_and_one_h1(built):
    for page in built.rglob("*.html"):
        html = page.read_text()
        assert re.search(r'<html lang="en-GB">', html), page
        assert re.search(r"<title>[^<]+</title>", html), page
        assert re.search(r'<meta name="description" content="[^"]+"[^>]*>', html), page
        assert [tag for tag, _ in parse_page(page).headings].count("h1") == 1, page


def test_required_urls_exist(built):
    for rel in ("index.html", "causes/index.html", "treatments/index.html", "conditions/index.html", "404.html",
                "sitemap.xml", "feed.xml", "robots.txt", "about/index.html", "medical-disclaimer/index.html",
                "conditions/leg-cramps/index.html", "causes/night-time-posture/index.html", "treatments/massage-chairs/index.html"):
        assert (built / rel).is_file(), rel


def test_new_articles_merge_into_shared_cause_and_treatment_pages(built):
    dehydration = (built / "causes/dehydration/index.html").read_text()
    # a cause with its own file shows the file's text ...
    assert "This is the cause's own page text (fixture)." in dehydration
    assert "Not drinking enough fluid (fixture text)." not in dehydration
    for slug in ("leg-cramps", "muscle-spasms"):
        assert f'href="/conditions/{slug}/"' in dehydration
    # ... one without shows each condition's description under the condition's name
    fatigue = (built / "causes/muscle-fatigue/index.html").read_text()
    assert re.search(r"Leg cramps</a></h3>\s*<p>Overusing the leg muscles \(fixture text\).</p>", fatigue)
    assert re.search(r"Muscle spasms</a></h3>\s*<p>Overuse or exhaustion of muscles", fatigue)
    heat = (built / "treatments/heat-or-cold-therapy/index.html").read_text()
    for slug in ("leg-cramps", "muscle-spasms", "back-spasms"):
        assert f'href="/conditions/{slug}/"' in heat


def test_entries_of_every_form_are_found(built):
    cramps = (built / "conditions/leg-cramps/index.html").read_text()
    names = [name for _, _, name in re.findall(ENTRY_LINK, cramps)]
    assert names == ["Dehydration", "Muscle fatigue", "Night-time posture", "Nerve damage",
                     "Stretching and massaging", "Heat or cold therapy"]
    assert "<li>a nested point</li>" in cramps and "A second paragraph about nerve damage." in cramps
    assert "The description goes on here." in cramps
    back = (built / "conditions/back-spasms/index.html").read_text()
    assert [name for _, _, name in re.findall(ENTRY_LINK, back)] == [
        "Poor posture", "Stress", "Physical therapy", "Heat or cold therapy", "Massage chairs"]
    assert "A deeper heading stays in the description" in back


def test_relations_from_links_and_front_matter(built):
    posture = (built / "causes/poor-posture/index.html").read_text()
    assert 'href="/treatments/massage-chairs/"' in posture  # treatment description links to the cause
    assert 'href="/conditions/back-spasms/#everyday-habits"' in posture  # forced prevention section
    fatigue = (built / "causes/muscle-fatigue/index.html").read_text()
    assert 'href="/treatments/physical-therapy/"' in fatigue  # `causes:` in the treatment's front matter
    hydration = (built / "treatments/hydration-and-electrolyte-replacement/index.html").read_text()
    assert 'href="/causes/dehydration/"' in hydration


def test_drafts_only_with_the_flag(good_site):
    assert run_cli("build", cwd=good_site).returncode == 0
    assert not (good_site / "public/conditions/hidden-draft").exists()
    assert run_cli("build", "--drafts", cwd=good_site).returncode == 0
    assert (good_site / "public/conditions/hidden-draft/index.html").is_file()


def test_two_builds_are_byte_identical(good_site, tmp_path):
    assert run_cli("build", "--out", str(tmp_path / "a"), cwd=good_site).returncode == 0
    assert run_cli("build", "--out", str(tmp_path / "b"), cwd=good_site).returncode == 0
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_base_path_is_honoured(good_site):
    config = good_site / "config.yaml"
    config.write_text(config.read_text().replace("base_url: http://127.0.0.1:8000/", "base_url: https://example.org/health/"))
    assert run_cli("build", cwd=good_site).returncode == 0
    out = good_site / "public"
    assert assert_all_links_resolve(out, base="/health/") > 100
    assert 'href="/health/causes/dehydration/"' in (out / "conditions/leg-cramps/index.html").read_text()
    assert "<loc>https://example.org/health/conditions/leg-cramps/</loc>" in (out / "sitemap.xml").read_text()


@pytest.mark.parametrize("case", BROKEN)
def test_broken_site_fails_with_path_and_line_and_keeps_output(case, tmp_path):
    site = make_project(tmp_path / "site", FIXTURES / "good")
    assert run_cli("build", cwd=site).returncode == 0
    before = snapshot(site / "public")
    make_project(site, FIXTURES / "broken" / case)
    result = run_cli("build", cwd=site)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for expected in (FIXTURES / "broken" / case / "expected.txt").read_text().splitlines():
        assert expected in result.stderr, f"expected {expected!r} in:\n{result.stderr}"
    assert snapshot(site / "public") == before
    assert not list(site.glob(".public*")), "staging folder left behind"
    assert not (site / "PWNED").exists()
    check = run_cli("check", cwd=site)
    assert check.returncode == 1 and expected in check.stdout


def test_all_problems_are_listed_in_one_run_sorted(tmp_path):
    overlays = [FIXTURES / "broken" / case for case in ("bad-file-name", "template-syntax", "unknown-slug")]
    site = make_project(tmp_path / "site", FIXTURES / "good", *overlays, {"content/pages/x.md": "---\ntitle: X\n---\n[[nowhere]]\n"})
    result = run_cli("check", cwd=site)
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert len(errors) == 4, result.stdout
    assert errors == sorted(errors, key=lambda line: (line.split(":")[0], int(line.split(":")[1])))


def test_unknown_key_is_a_warning_and_the_build_succeeds(good_site):
    article = good_site / "content/conditions/leg-cramps.md"
    article.write_text(article.read_text().replace("reviewer:", "reviwed: 2026-01-01\nreviewer:"))
    result = run_cli("build", cwd=good_site)
    assert result.returncode == 0
    assert "content/conditions/leg-cramps.md:5: warning: unknown front matter key `reviwed` (did you mean `reviewed`?)" in result.stderr


def test_headings_never_skip_a_level(built):
    for page in built.rglob("*.html"):
        levels = [int(tag[1]) for tag, _ in parse_page(page).headings]
        assert levels[0] == 1, page
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{page.relative_to(built)}: h{before} followed by h{after}"


def test_a_condition_that_is_also_a_cause_is_one_page(tmp_path):
    """Adding a Dehydration article breaks no other article; the old cause URL redirects."""
    site = make_project(tmp_path / "site", {"content/conditions/dehydration.md": (
        "---\ntitle: Dehydration\nsummary: Losing more fluid than you take in.\nreviewed: 2026-11-20\n---\n"
        "Losing more fluid than you take in.\n\n## Call 999 if:\n\n- you are confused\n")})
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "ambiguous" not in result.stderr
    public = site / "public"
    spasms = (public / "conditions/muscle-spasms/index.html").read_text()
    assert '<li class="entry"><p><a href="/conditions/dehydration/">Dehydration</a>: When your body' in spasms
    dehydration = (public / "conditions/dehydration/index.html").read_text()
    assert re.search(r'Dehydration can lead to:</p><ul class="links">\s*<li><a href="/conditions/muscle-spasms/">', dehydration)
    moved = (public / "causes/dehydration/index.html").read_text()
    assert '<meta http-equiv="refresh" content="0; url=/conditions/dehydration/">' in moved
    assert "causes/dehydration" not in (public / "sitemap.xml").read_text()
    assert assert_all_links_resolve(public) > 20


def test_preview_outline_and_review_pages_are_never_published(tmp_path):
    from healthsite.config import load_config
    from healthsite.pipeline import publish

    site = make_project(tmp_path / "site")
    config, _ = load_config(site / "config.yaml")
    preview = publish(config, tmp_path / "preview", drafts=True, search=False, editor_pages=True)
    assert preview.ok
    outline = (tmp_path / "preview/_outline/muscle-spasms/index.html").read_text()
    assert "<td>cause</td>" in outline and "Dehydration" in outline and "get-help (gp: non-urgent advice)" in outline
    assert 'href="/_outline/muscle-spasms/"' in (tmp_path / "preview/_outline/index.html").read_text()
    review = (tmp_path / "preview/_review/index.html").read_text()
    assert re.search(r"<td>current</td><td>2029-11-24</td><td>2026-11-24</td>.*Muscle spasms", review, re.S)
    assert run_cli("build", "--no-search", cwd=site).returncode == 0
    assert not (site / "public/_outline").exists() and not (site / "public/_review").exists()


def test_house_style_fixtures_render_cards_lists_and_abbreviations(tmp_path):
    site = make_project(tmp_path / "site", {f"content/conditions/{p.stem}.md": p.read_text()
                                            for p in (FIXTURES / "styles").glob("*.md")})
    result = run_cli("build", "--no-search", cwd=site)
    assert result.returncode == 0, result.stderr
    nhs = (site / "public/conditions/nhs/index.html").read_text()
    cards = re.findall(r'<section class="care-card care-card-(\w+)" data-urgency="(\w+)"', nhs)
    assert cards == [("gp", "gp"), ("urgent", "urgent"), ("emergency", "emergency")]
    assert "Non-urgent advice: Non-urgent advice" not in nhs  # the heading says it already
    assert '<abbr title="Accident and Emergency">A&amp;E</abbr>' in nhs
    assert '<ul class="entries entries-dont">' in nhs
    assert re.search(r'<li class="entry"><a href="/treatments/dont-rub-your-eyes/">rub your eyes</a></li>', nhs)
    nih = (site / "public/conditions/nih/index.html").read_text()
    assert re.search(r'<li class="entry"><p><a href="/treatments/sclerotherapy/">Sclerotherapy</a>\. The doctor injects', nih)
    guide = (site / "public/conditions/guide/index.html").read_text()
    assert re.search(r'<div class="care-card care-card-emergency" data-urgency="emergency">\s*<p class="care-card-heading">'
                     r'<span class="care-card-label">Immediate action required:</span> Call 999 if:</p>', guide)
    assert assert_all_links_resolve(site / "public") > 50


def test_lists_nested_by_two_spaces_render_nested(tmp_path):
    from healthsite.markup import Markup

    markup = Markup()
    html = markup.html("- Medicines from a pharmacist:\n  - Paracetamol\n  - Ibuprofen\n- Rest")
    assert re.search(r"<li>Medicines from a pharmacist:<ul>\s*<li>Paracetamol</li>\s*<li>Ibuprofen</li>\s*</ul>", html)
    assert re.search(r"<li>a<ul>\s*<li>four</li>", markup.html("- a\n    - four\n- b"))  # four spaces still nest


def test_a_list_right_after_a_line_of_text_is_a_list(tmp_path):
    from healthsite.markup import Markup

    html = Markup().html("Risk factors include\n- older age\n- pregnancy\n\n```\ntext\n- not a list\n```")
    assert re.search(r"<p>Risk factors include</p>\s*<ul>\s*<li>older age</li>", html)
    assert "- not a list" in html


def test_footnotes_link_both_ways_across_sections(tmp_path):
    public = built_site(tmp_path / "site", {"content/conditions/notes.md": (
        "---\ntitle: Notes\nsummary: A fixture with notes.\nreviewed: 2026-11-20\n---\nCramps are common.[^common]\n\n"
        "## Causes\n\n- Dehydration: it matters.[^fluids] Very common.[^common]\n\n## When to see a doctor\n\nSee a GP.\n\n"
        "[^common]: Most adults have one now and then.\n[^fluids]: About two litres a day.\n")}, args=("--no-search",))
    html = (public / "conditions/notes/index.html").read_text()
    refs = re.findall(r'<a class="footnote-ref" href="#(fn:\w+)" id="(fnref\d*:\w+)">(\d)</a>', html)
    assert refs == [("fn:common", "fnref:common", "1"), ("fn:fluids", "fnref:fluids", "2"), ("fn:common", "fnref2:common", "1")]
    for target, back, _ in refs:
        assert f'id="{target}"' in html and f'href="#{back}"' in html  # every note and every way back exists
    assert assert_all_links_resolve(public) > 10


def test_redirect_from_and_addresses_that_would_disappear(tmp_path):
    site = make_project(tmp_path / "site")
    assert run_cli("build", "--no-search", cwd=site).returncode == 0
    published = (site / "public/.healthsite-published").read_text().split()
    assert "/causes/poor-posture/" in published and "/conditions/muscle-spasms/" in published
    article = site / "content/conditions/muscle-spasms.md"
    article.write_text(article.read_text().replace("7. Poor posture:", "7. Bad posture:").replace("[[poor posture|", "[[bad posture|"))
    moved = run_cli("build", "--no-search", cwd=site)
    assert moved.returncode == 0  # a warning, not an error: the editor decides
    assert ("content/conditions/muscle-spasms.md:1: warning: the address /causes/poor-posture/ was published before and would "
            "disappear: add `redirect_from: [/causes/poor-posture/]` to the file that replaces it") in moved.stderr
    (site / "content/causes").mkdir()
    (site / "content/causes/bad-posture.md").write_text("---\ntitle: Bad posture\nredirect_from: [/causes/poor-posture/]\n---\nText.\n")
    fixed = run_cli("build", "--no-search", cwd=site)
    assert fixed.returncode == 0 and "would disappear" not in fixed.stderr
    assert "/causes/poor-posture/ /causes/bad-posture/ 301" in (site / "public/_redirects").read_text()
    page = (site / "public/causes/poor-posture/index.html").read_text()
    assert '<meta http-equiv="refresh" content="0; url=/causes/bad-posture/">' in page and 'href="/causes/bad-posture/"' in page


def test_redirect_from_must_be_an_address(tmp_path):
    site = make_project(tmp_path / "site", {"content/pages/old.md": "---\ntitle: Old\nredirect_from: [old-page]\n---\nx\n"})
    result = run_cli("check", cwd=site)
    assert result.returncode == 1
    assert "content/pages/old.md:3: error: `redirect_from` must list old addresses like `/old-name/`" in result.stdout
    clash = make_project(tmp_path / "clash", {"content/pages/old.md": "---\ntitle: Old\nredirect_from: [/about/]\n---\nx\n"})
    assert "two pages would be written to" in run_cli("check", cwd=clash).stdout


def test_a_broken_link_in_an_entry_is_reported_once_at_its_line(tmp_path):
    site = make_project(tmp_path / "site")
    article = site / "content/conditions/muscle-spasms.md"
    article.write_text(article.read_text().replace("9. Aging: As we age,", "9. Aging: As we [age](/nope/),"))
    result = run_cli("check", cwd=site)
    broken = [line for line in result.stdout.splitlines() if "/nope/" in line]
    assert broken == ["content/conditions/muscle-spasms.md:36: error: broken link `/nope/`: no page at that address"]


def test_a_snippet_is_shared_by_articles_and_is_not_a_page(tmp_path):
    public = built_site(tmp_path / "site", {
        "content/snippets/emergency.md": "## Call 999 if:\n\n- you have chest pain\n",
        "content/conditions/one.md": '---\ntitle: One\nsummary: First.\nreviewed: 2026-11-20\n---\nFirst.\n\n--8<-- "emergency"\n',
        "content/conditions/two.md": '---\ntitle: Two\nsummary: Second.\nreviewed: 2026-11-20\n---\nSecond.\n\n--8<-- "emergency"\n',
    }, args=("--no-search",))
    for slug in ("one", "two"):
        assert re.search(r'data-urgency="emergency"[^>]*>\s*<h2[^>]*>.*Call 999 if:', (public / f"conditions/{slug}/index.html").read_text())
    assert not (public / "snippets").exists()


def test_glossary_lists_the_abbreviations_and_headings_render_their_markup(tmp_path):
    public = built_site(tmp_path / "site", {"content/conditions/tired-eyes.md": (FIXTURES / "styles/nhs.md").read_text(),
                                            "content/conditions/marked.md": (
        "---\ntitle: Marked\nsummary: A fixture.\nreviewed: 2026-11-20\n---\nText.\n\n## When *not* to see a GP\n\nText.\n")},
                        args=("--no-search",))
    glossary = (public / "glossary/index.html").read_text()
    assert '<dt><abbr title="Accident and Emergency">A&amp;E</abbr></dt>' in glossary
    assert 'href="/glossary/"' in (public / "index.html").read_text()
    marked = (public / "conditions/marked/index.html").read_text()
    assert re.search(r"<h2 [^>]*>(?:<span[^>]*>[^<]*</span> )?When <em>not</em> to see a GP</h2>", marked)
    assert "*not*" not in marked.split("<main", 1)[1]
