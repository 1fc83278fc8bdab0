"""The page plan: pages as values, and a home page and A to Z lists that stay small."""

from __future__ import annotations

import re

from conftest import FIXTURES, make_project
from healthsite import plan as plan_module
from healthsite.cache import BuildCache, Spool
from healthsite.config import load_config
from healthsite.pipeline import build_site
from healthsite.plan import Md, plan
from healthsite.planmemo import PlanMemo


def build(site, monkeypatch, **limits):
    for name, value in limits.items():
        monkeypatch.setattr(plan_module, name, value)
    config, problems = load_config(site / "config.yaml")
    result = build_site(config, problems=problems, search=False, cache=BuildCache())
    assert result.ok, [str(p) for p in result.problems]
    return result, {o.path: o.data.decode() for o in result.outputs if o.path.endswith(".html")}


def test_long_lists_become_a_page_per_letter_and_the_home_page_stays_bounded(tmp_path, monkeypatch):
    site = make_project(tmp_path / "site", FIXTURES / "good")
    result, pages = build(site, monkeypatch, INDEX_SPLIT=2, HOME_CONDITIONS=1, HOME_LIST_LIMIT=2)
    causes = [e for e in result.site.all("cause")]
    letters = sorted({e.title[0].lower() for e in causes})
    assert all(f"causes/{letter}/index.html" in pages for letter in letters)
    for entity in causes:  # each cause is listed on its letter's page, and only there
        listed = [path for path in pages if path.startswith("causes/") and path.count("/") == 2
                  and f'href="/{entity.path}"' in pages[path] and len(path.split("/")[1]) == 1]
        assert listed == [f"causes/{entity.title[0].lower()}/index.html"], entity.title
    index = pages["causes/index.html"]
    assert f'href="/causes/{letters[0]}/"' in index and 'class="az-group"' not in index
    home = pages["index.html"]
    assert len(re.findall(r'<li class="card">', home)) == 1
    assert 'href="/conditions/">All ' in home and f'href="/causes/{letters[0]}/"' in home


def test_small_lists_stay_on_one_page(tmp_path, monkeypatch):
    site = make_project(tmp_path / "site", FIXTURES / "good")
    result, pages = build(site, monkeypatch)
    assert not [path for path in pages if re.fullmatch(r"causes/[a-z0-9-]{1,3}/index.html", path)]
    assert all(f'href="/{e.path}"' in pages["index.html"] for e in result.site.all("cause"))


def test_a_page_is_a_value_with_its_markdown_unconverted(tmp_path, monkeypatch):
    site = make_project(tmp_path / "site", FIXTURES / "good")
    result, _ = build(site, monkeypatch)
    config, _ = load_config(site / "config.yaml")
    import datetime as dt
    pages = plan(result.site, config, dt.date(2026, 11, 24))
    again = plan(result.site, config, dt.date(2026, 11, 24))
    assert [repr(p) for p in pages] == [repr(p) for p in again]  # the same site, the same plan
    condition = next(p for p in pages if p.path == "conditions/muscle-spasms/index.html")
    assert "[[dehydration]]" in " ".join(condition.markdown)  # converted only when rendered
    assert dict(condition.text.links)["dehydration"] == "/causes/dehydration/"
    assert any(isinstance(part["html"], Md) for part in condition.view.overview)


def test_no_page_grows_with_the_number_of_articles_but_the_lists_of_them(tmp_path):
    """Pages other than the A to Z lists, the home page, the review dashboard and the
    outline index stay the same size as the site grows: a page that listed every article
    would make the whole build grow with the square of the number of articles."""
    import datetime as dt
    import sys
    from conftest import REPO
    sys.path.insert(0, str(REPO / "scripts"))
    from corpus import generate

    def sizes(count: int) -> dict[str, int]:
        root = tmp_path / str(count)
        generate(root, count)
        config, problems = load_config(root / "config.yaml")
        site = build_site(config, problems=problems, search=False, cache=BuildCache()).site
        return {p.path: len(repr(p)) for p in plan(site, config, dt.date(2026, 11, 24), editor_pages=True)}

    small, big = sizes(8), sizes(40)
    lists = re.compile(r"(?:index|search|404)\.html|(?:conditions|causes|treatments|_outline|_review)/index\.html")
    grown = {path: (small[path], big[path]) for path in small
             if path in big and not lists.fullmatch(path) and big[path] > small[path] * 1.5 and path.startswith(("_", "conditions/"))}
    assert not grown, grown
    assert any(path.startswith("_outline/condition-") for path in small)


def test_a_one_off_plan_packs_each_entity_page_until_it_is_rendered(tmp_path, monkeypatch):
    """A one-off build plans once and renders each page once: its entity pages are held
    packed, with what the build reads before rendering (path, info, keys) as the page's."""
    import datetime as dt
    import pickle

    from healthsite.cache import Spooled
    from healthsite.plan import PackedPage, Page
    site = make_project(tmp_path / "site", FIXTURES / "good")
    result, _ = build(site, monkeypatch)
    config, _ = load_config(site / "config.yaml")
    pages = plan(result.site, config, dt.date(2026, 11, 24))
    packed = plan(result.site, config, dt.date(2026, 11, 24), spool=Spool())
    assert len(packed) == len(pages) and not any(isinstance(p, PackedPage) for p in pages)
    entity_paths = {e.path + "index.html" for kind in ("condition", "cause", "treatment", "page") for e in result.site.all(kind)}
    assert {p.path for p in packed if isinstance(p, PackedPage)} == entity_paths
    again = plan(result.site, config, dt.date(2026, 11, 24), spool=Spool())
    for page, held, held_again in zip(pages, packed, again):
        if isinstance(held, PackedPage):
            assert (held.path, held.template, held.info, held.source) == (page.path, page.template, page.info, page.source)
            assert held.html_key == page.html_key
            assert held.unpacked() == page and type(held.unpacked()) is Page
            assert held.fingerprint == held_again.fingerprint  # equal pages, equal fingerprints
            assert type(held.packed) is Spooled  # waiting in a temporary file, not in memory
            sent = pickle.loads(pickle.dumps(held))  # to a render worker: the bytes go along
            assert type(sent.packed) is bytes and sent.unpacked() == page
        else:
            assert held == page
    fingerprints = {p.fingerprint for p in packed if isinstance(p, PackedPage)}
    assert len(fingerprints) == len(entity_paths)  # different pages, different fingerprints


def test_a_memo_remakes_only_the_pages_whose_inputs_changed(tmp_path):
    """The preview's incremental plan: equal to a fresh plan, and pages of entities whose
    inputs did not change are the last plan's very values (so they are not made or hashed again)."""
    import datetime as dt

    from healthsite.planmemo import PlanMemo

    site = make_project(tmp_path / "site", FIXTURES / "good")
    config, _ = load_config(site / "config.yaml")
    cache, memo, day = BuildCache(), PlanMemo(), dt.date(2026, 11, 24)

    def plans():
        built = build_site(config, search=False, cache=cache)
        return ({p.path: p for p in plan(built.site, config, day, memo=memo)},
                {p.path: p for p in plan(built.site, config, day)})

    first, _ = plans()
    back = site / "content/conditions/back-spasms.md"
    back.write_text(back.read_text().replace("\n---\n", "\n---\nA new first line.\n\n", 1))
    again, fresh = plans()
    assert again == fresh
    assert again["conditions/back-spasms/index.html"] is not first["conditions/back-spasms/index.html"]
    assert again["conditions/leg-cramps/index.html"] is first["conditions/leg-cramps/index.html"]
    assert again["about/index.html"] is first["about/index.html"]
    kept = sum(again[path] is first[path] for path in again)
    assert kept >= len(again) / 2, kept  # those of entities the edited article names are made again

    cause = site / "content/causes/dehydration.md"  # a new title: every page showing it is made again
    cause.write_text(re.sub(r"^title: .*$", "title: Not drinking enough", cause.read_text(), count=1, flags=re.M))
    third, fresh = plans()
    assert third == fresh
    showing = [path for path, page in third.items() if "Not drinking enough" in repr(page.view)]
    assert "conditions/muscle-spasms/index.html" in showing
    assert all(third[path] is not again[path] for path in showing if path in again)


def test_related_conditions_are_those_sharing_the_most_causes_and_treatments(tmp_path):
    """Each condition page lists the five conditions sharing the most causes and treatments
    with it, ties A to Z by slug: held to a plain count over the graph's relations."""
    import sys
    from collections import Counter
    from conftest import REPO
    sys.path.insert(0, str(REPO / "scripts"))
    from corpus import generate

    generate(tmp_path / "site", 60)
    config, _ = load_config(tmp_path / "site" / "config.yaml")
    build = build_site(config, search=False, cache=BuildCache(), out=tmp_path / "out")
    site, checked = build.site, 0
    for page in plan(site, config, build_day(), grades=build.grades):
        if page.template != "condition.html":
            continue
        key = (page.view.entity.kind, page.view.entity.slug)
        shared = Counter(other for relation in ("causes", "treatments") for thing in site.relations.get((key, relation), ())
                         for other in site.relations.get((thing, "conditions"), ()) if other != key)
        expected = [slug for (_, slug), _ in sorted(shared.items(), key=lambda item: (-item[1], item[0][1]))[:5]]
        assert [ref.slug for ref in page.view.related] == expected
        checked += bool(expected)
    assert checked > 50


def build_day():
    import datetime as dt
    return dt.date(2026, 6, 1)


def test_the_review_dashboard_is_paged_so_a_changed_row_makes_one_page_again(tmp_path, monkeypatch):
    """Past REVIEW_PAGE_ROWS rows the dashboard is split into pages, linked to each other,
    the rows in order; a row that changes (a reading grade) changes one page only."""
    import datetime as dt

    from conftest import REPO
    from healthsite.review import review_rows

    monkeypatch.syspath_prepend(str(REPO / "scripts"))
    from corpus import generate

    monkeypatch.setattr(plan_module, "REVIEW_PAGE_ROWS", 3)
    root = tmp_path / "site"
    generate(root, 8)
    config, problems = load_config(root / "config.yaml")
    build = build_site(config, problems=problems, search=False, cache=BuildCache())
    day = dt.date(2026, 11, 24)

    def dashboard(grades):
        return [p for p in plan(build.site, config, day, editor_pages=True, grades=grades) if p.info.kind == "review"]

    pages = dashboard(build.grades)
    assert [p.path for p in pages] == ["_review/index.html", "_review/2/index.html", "_review/3/index.html"]
    assert [len(p.view.rows) for p in pages] == [3, 3, 2] and [p.view.first for p in pages] == [1, 4, 7]
    assert all(p.view.pages == (("1", "/_review/"), ("2", "/_review/2/"), ("3", "/_review/3/")) for p in pages)
    every_row = [row for p in pages for row in p.view.rows]
    assert every_row == review_rows(build.site, config.review_interval, day, grades=build.grades)
    regraded = dict(build.grades, **{every_row[4].path: 99.0})  # a row on the second page
    changed = [a.path for a, b in zip(pages, dashboard(regraded)) if a.fingerprint != b.fingerprint]
    assert changed == ["_review/2/index.html"]
    memo = PlanMemo()  # as the preview plans: a page of the same rows is the last plan's page, not made again
    before = [p for p in plan(build.site, config, day, True, build.grades, memo) if p.info.kind == "review"]
    after = [p for p in plan(build.site, config, day, True, regraded, memo) if p.info.kind == "review"]
    assert [a is b for a, b in zip(before, after)] == [True, False, True]
    assert [p.fingerprint for p in after] == [p.fingerprint for p in dashboard(regraded)]


def test_the_pages_dependencies_are_held_once_each_and_the_index_keeps_the_plans_sets(tmp_path, monkeypatch):
    """Thousands of pages read the same few inputs: each distinct dependency is one object
    across the plan, and the index for the next process keeps each planned page's set as it
    is (at 10,000 articles, 600,000 dependencies, 28,000 distinct)."""
    import datetime as dt
    site = make_project(tmp_path / "site", FIXTURES / "good")
    result, _ = build(site, monkeypatch)
    config, _ = load_config(site / "config.yaml")
    memo = PlanMemo()
    plan(result.site, config, dt.date(2026, 11, 24), memo=memo, spool=Spool())
    held = [dep for _, deps in memo.pages.values() for dep in deps]
    assert len(held) > 2 * len(set(held)) and len({id(dep) for dep in held}) == len(set(held))
    index = memo.index()
    assert index.pages.keys() == memo.pages.keys()
    assert all(index.pages[owner][1] is deps for owner, (_, deps) in memo.pages.items())
