"""Findable and machine-readable: JSON-LD (expanded with pyld), sitemap, Atom
feed, robots.txt, canonical and Open Graph meta, and the review policy."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import FIXTURES, make_project, run_cli
from pyld import jsonld

S = "https://schema.org/"
ORIGIN = "http://127.0.0.1:8000"


def offline_loader(url, options=None):
    """schema.org's context, reduced to its vocabulary: the tests never go online."""
    assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": {"@vocab": S}}}


jsonld.set_document_loader(offline_loader)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    site = make_project(tmp_path_factory.mktemp("findable") / "site", FIXTURES / "good", {
        "content/treatments/botulinum-toxin-injections.md": "---\ntitle: Botulinum toxin injections\nsummary: \"A title test </script><script>alert(1)</script>\"\n---\nText.\n"})
    result = run_cli("build", cwd=site)
    assert result.returncode == 0, result.stderr
    return site / "public"


def blocks(page: Path) -> list[dict]:
    html = page.read_text()
    return [json.loads(raw) for raw in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


@pytest.fixture(scope="module")
def graph(out) -> dict[str, dict]:
    """Every JSON-LD node of the site, flattened and merged by @id."""
    nodes: dict[str, dict] = {}
    for page in out.rglob("*.html"):
        found = blocks(page)
        assert len(found) == 1, page
        for node in local_blank_nodes(jsonld.flatten(found[0]), page.parent.name):
            merged = nodes.setdefault(node["@id"], {})
            for key, value in node.items():
                merged.setdefault(key, [])
                if key != "@id":
                    merged[key] += [v for v in value if v not in merged[key]]
    return nodes


def local_blank_nodes(data, scope: str):
    """Blank node ids (`_:b0`) are per page: make them unique before merging pages."""
    if isinstance(data, list):
        return [local_blank_nodes(item, scope) for item in data]
    if isinstance(data, dict):
        return {k: (f"_:{scope}-{v[2:]}" if k == "@id" and v.startswith("_:") else local_blank_nodes(v, scope)) for k, v in data.items()}
    return data


def ids(node: dict, prop: str) -> set[str]:
    return {v["@id"] for v in node.get(S + prop, [])}


def value(node: dict, prop: str):
    return node[S + prop][0]["@value"]


def test_condition_page_is_a_medical_web_page_about_a_condition(graph):
    url = f"{ORIGIN}/conditions/leg-cramps/"
    page, condition = graph[url + "#page"], graph[url + "#condition"]
    assert page["@type"] == [S + "MedicalWebPage"]
    assert ids(page, "about") == {url + "#condition"}
    assert value(page, "lastReviewed") == "2026-01-10"
    reviewer = graph[next(iter(ids(page, "reviewedBy")))]
    assert value(reviewer, "name") == "Fixture Reviewer"
    audience = graph[next(iter(ids(page, "audience")))]
    assert value(audience, "audienceType") == "Patient"
    assert condition["@type"] == [S + "MedicalCondition"]
    assert {v["@value"] for v in condition[S + "alternateName"]} == {"night cramps", "charley horse"}
    assert ids(condition, "cause") == {f"{ORIGIN}/causes/{s}/#cause" for s in ("dehydration", "muscle-fatigue", "night-time-posture", "nerve-damage")}
    assert ids(condition, "possibleTreatment") == {f"{ORIGIN}/treatments/{s}/#treatment" for s in ("stretching-and-massaging", "heat-or-cold-therapy")}


def test_every_linked_id_is_typed_on_its_own_page(graph):
    for node_id, node in graph.items():
        for prop in ("cause", "possibleTreatment", "causeOf"):
            for target in ids(node, prop):
                assert target in graph and graph[target].get("@type"), f"{node_id} -> {prop} -> {target}"
    assert graph[f"{ORIGIN}/causes/dehydration/#cause"]["@type"] == [S + "MedicalCause"]
    assert graph[f"{ORIGIN}/treatments/massage-chairs/#treatment"]["@type"] == [S + "MedicalTherapy"]
    # treatment pages say which conditions they treat, as the reverse of possibleTreatment
    assert f"{ORIGIN}/treatments/massage-chairs/#treatment" in ids(graph[f"{ORIGIN}/conditions/back-spasms/#condition"], "possibleTreatment")
    assert ids(graph[f"{ORIGIN}/causes/poor-posture/#cause"], "causeOf") >= {f"{ORIGIN}/conditions/back-spasms/#condition"}


def test_prevention_and_symptoms(graph):
    back = graph[f"{ORIGIN}/conditions/back-spasms/#condition"]
    prevention = [graph[i] for i in ids(back, "primaryPrevention")]
    assert [value(p, "name") for p in prevention] == ["Everyday habits"]
    assert prevention[0]["@type"] == [S + "MedicalTherapy"]
    symptoms = [value(graph[i], "name") for i in ids(back, "signOrSymptom")]
    assert symptoms == ["Plain list item in a symptoms section"]


def test_a_title_cannot_break_out_of_the_script_element(out):
    page = out / "treatments/botulinum-toxin-injections/index.html"
    html = page.read_text()
    assert html.count("<script") == html.count("</script>") == 1
    assert "A title test </script><script>alert(1)</script>" in json.dumps(blocks(page)[0], ensure_ascii=False)


def test_every_page_has_canonical_open_graph_and_description(out):
    for page in out.rglob("*.html"):
        html = page.read_text()
        rel = page.relative_to(out).as_posix()
        expected = f"{ORIGIN}/" + ("404.html" if rel == "404.html" else rel.removesuffix("index.html"))
        assert f'<link rel="canonical" href="{expected}">' in html, rel
        for prop in ("og:title", "og:description", "og:url", "og:type", "og:site_name"):
            assert re.search(rf'<meta property="{prop}" content="[^"]+">', html), (rel, prop)
        assert re.search(r'<meta name="description" content="[^"]+"[^>]*>', html), rel


def test_sitemap_lists_exactly_the_pages_that_exist(out):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
            for u in ET.parse(out / "sitemap.xml").getroot().findall("s:url", ns)}
    pages = {f"{ORIGIN}/" + p.relative_to(out).as_posix().removesuffix("index.html") for p in out.rglob("index.html")}
    assert set(urls) == pages
    assert urls[f"{ORIGIN}/conditions/leg-cramps/"] == "2026-01-10"
    assert f"Sitemap: {ORIGIN}/sitemap.xml" in (out / "robots.txt").read_text()


def test_feed_is_valid_atom_of_conditions_newest_review_first(out):
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.parse(out / "feed.xml").getroot()
    assert root.tag == atom + "feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(atom + required) is not None, required
    assert root.find(f"{atom}link[@rel='self']").get("href") == f"{ORIGIN}/feed.xml"
    entries = root.findall(atom + "entry")
    links = [e.find(atom + "link").get("href") for e in entries]
    assert links == [f"{ORIGIN}/conditions/{s}/" for s in ("muscle-spasms", "leg-cramps", "back-spasms")]
    for entry, link in zip(entries, links):
        assert entry.findtext(atom + "id") == link
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", entry.findtext(atom + "updated"))
        assert entry.findtext(atom + "title") and entry.findtext(atom + "summary")
        assert (out / link.removeprefix(ORIGIN + "/") / "index.html").is_file()
    updated = [e.findtext(atom + "updated") for e in entries]
    assert updated == sorted(updated, reverse=True) and root.findtext(atom + "updated") == updated[0]


def test_search_index_is_built_last_and_can_be_skipped(out, tmp_path):
    assert (out / "pagefind/pagefind.js").is_file()
    site = make_project(tmp_path / "site")
    assert run_cli("build", "--no-search", cwd=site).returncode == 0
    assert not (site / "public/pagefind").exists()
    assert "Search is not available here" in (site / "public/search/index.html").read_text()


def test_review_policy_notice_and_warning(tmp_path):
    site = make_project(tmp_path / "site", FIXTURES / "good")
    env_day = "1893456000"  # 2030-01-01: every fixture review is past due by then
    os.environ["SOURCE_DATE_EPOCH"] = env_day
    try:
        result = run_cli("build", cwd=site)
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    assert result.returncode == 0
    assert "content/conditions/back-spasms.md:5: warning: review was due on 2027-06-01" in result.stderr
    assert "content/conditions/leg-cramps.md:4: warning: review was due on 2029-01-10" in result.stderr
    page = (site / "public/conditions/back-spasms/index.html").read_text()
    assert "This page is due for review." in page and "<time datetime=\"2027-06-01\">1 June 2027</time>" in page
    assert run_cli("build", cwd=site).returncode == 0  # today (2026): leg cramps is not due yet
    assert "This page is due for review." not in (site / "public/conditions/leg-cramps/index.html").read_text()
