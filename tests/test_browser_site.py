"""The reader's site in a real browser (Debian's chromium via Playwright):
clean loads with no request to another host, axe-core in light and dark,
the Nu HTML Checker, no horizontal scrolling, the skip link, print styles."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser import ARTIFACTS, serve_folder
from conftest import FIXTURES, REPO, built_site
from playwright.sync_api import expect

PAGE_TYPES = {
    "home": "/",
    "condition": "/conditions/muscle-spasms/",
    "condition-urgent": "/conditions/leg-cramps/",
    "cause": "/causes/dehydration/",
    "cause-described": "/causes/muscle-fatigue/",
    "treatment": "/treatments/physical-therapy/",
    "page": "/medical-disclaimer/",
    "causes-index": "/causes/",
    "treatments-index": "/treatments/",
    "conditions-index": "/conditions/",
    "404": "/404.html",
    "search": "/search/?q=cramp",
}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return built_site(tmp_path_factory.mktemp("browser") / "site", FIXTURES / "good")


@pytest.fixture(scope="module")
def base_url(site):
    with serve_folder(site) as url:
        yield url


def all_pages(site: Path) -> list[str]:
    return ["/" + p.relative_to(site).as_posix().removesuffix("index.html") for p in sorted(site.rglob("*.html"))]


def test_every_page_loads_with_no_error_and_no_other_host(site, base_url, browser):
    host = urlsplit(base_url).netloc
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console: {msg.text}"))
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    # A request the browser itself aborts by moving on (a favicon) is not the site's failure; any other is.
    page.on("requestfailed", lambda req: req.failure != "net::ERR_ABORTED" and problems.append(f"failed: {req.url}"))
    page.on("response", lambda res: res.status >= 400 and problems.append(f"{res.status}: {res.url}"))
    page.on("request", lambda req: urlsplit(req.url).netloc != host and problems.append(f"other host: {req.url}"))
    paths = all_pages(site)
    assert len(paths) > 25
    for path in paths:
        response = page.goto(base_url + path, wait_until="load")
        assert response.status == 200, path
        assert page.title(), path
    page.close()
    assert problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_wcag_violations(base_url, browser, scheme):
    page = browser.new_page(color_scheme=scheme)
    axe = Axe()
    found = {}
    for name, path in PAGE_TYPES.items():
        page.goto(base_url + path)
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
        violations = results.response["violations"]
        if violations:
            found[name] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
        assert results.response["testEngine"]["name"] == "axe-core"
    page.close()
    assert found == {}


def test_axe_would_catch_a_violation(browser):
    page = browser.new_page()
    page.set_content('<!doctype html><html lang="en"><title>t</title><main><img src="data:,"></main></html>')
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert "image-alt" in [v["id"] for v in results.response["violations"]]
    page.close()


def run_vnu(files: list[str]) -> list[dict]:
    vnu = REPO / "node_modules/vnu-jar/build/dist/vnu.jar"
    assert vnu.is_file(), "vnu-jar is not installed: run `make test`"
    result = subprocess.run(["java", "-jar", str(vnu), "--errors-only", "--format", "json", *files],
                            capture_output=True, text=True, timeout=300)
    return [m for m in json.loads(result.stderr or result.stdout)["messages"] if m["type"] == "error"]


def test_nu_html_checker_reports_no_errors(site, tmp_path):
    broken = tmp_path / "broken.html"  # proves the checker runs and can fail
    broken.write_text("<!doctype html><html lang=en><title>x</title><p><div></span>")
    files = [str(p) for p in sorted(site.rglob("*.html"))]
    assert len(files) > 25
    errors = run_vnu(files + [str(broken)])
    assert [m for m in errors if m["url"].endswith("broken.html")]
    assert [f"{m['url']}: {m['message']}" for m in errors if not m["url"].endswith("broken.html")] == []




@pytest.mark.parametrize("width", [320, 375, 1280])
def test_no_horizontal_scrolling_and_screenshots(base_url, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for name, path in PAGE_TYPES.items():
        page.goto(base_url + path)
        if name == "search":
            page.wait_for_selector("#search-results li")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
        if width in (375, 1280):
            page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    page.close()


def test_first_tab_is_the_skip_link_and_it_moves_focus_to_main(base_url, browser):
    page = browser.new_page()
    for path in (PAGE_TYPES["condition"], PAGE_TYPES["home"]):
        page.goto(base_url + path)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert page.evaluate("document.activeElement.getBoundingClientRect().top") >= 0  # visible when focused
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
    page.close()


def test_focus_is_visible(base_url, browser):
    page = browser.new_page()
    page.goto(base_url + PAGE_TYPES["condition"])
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the site name
    style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); return [s.backgroundColor, s.boxShadow]; })()")
    assert style[0] == "rgb(255, 235, 59)" and style[1] != "none"
    page.close()


def test_print_hides_navigation_and_prints_external_urls(base_url, browser):
    page = browser.new_page()
    page.goto(base_url + PAGE_TYPES["condition-urgent"])
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.site-nav')).display") == "none"
    assert page.evaluate("getComputedStyle(document.querySelector('.review-box')).display") != "none"
    after = page.evaluate("getComputedStyle(document.querySelector('.sources a'), '::after').content")
    assert "https://example.org/leg-cramps" in after
    page.close()


def test_get_help_cards_say_and_show_their_level(base_url, browser):
    page = browser.new_page()
    page.goto(base_url + PAGE_TYPES["condition-urgent"])  # "Call 999 in an emergency"
    card = page.locator('.care-card[data-urgency="emergency"]')
    heading = card.locator("h2")
    assert "Immediate action required" in heading.inner_text()
    assert heading.evaluate("h => getComputedStyle(h).backgroundColor") == "rgb(213, 40, 27)"
    assert card.evaluate("c => getComputedStyle(c).backgroundColor") == "rgb(33, 43, 50)"
    page.goto(base_url + PAGE_TYPES["condition"])
    card = page.locator('.care-card[data-urgency="gp"]')
    assert card.count() == 1 and "Non-urgent advice" in card.inner_text()
    assert card.locator("h2").evaluate("h => getComputedStyle(h).backgroundColor") == "rgb(0, 94, 184)"
    page.close()


@pytest.mark.parametrize("query, expected", [
    ("cramp", "/conditions/leg-cramps/"),
    ("dehydration", "/causes/dehydration/"),
    ("night cramps", "/conditions/leg-cramps/"),  # an alias
])
def test_search_box_finds_the_right_pages(base_url, browser, query, expected):
    page = browser.new_page()
    requests = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(base_url + "/causes/")
    page.get_by_role("searchbox", name="Search this site").fill(query)
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=*")
    results = page.locator("#search-results a")
    expect(results.first).to_be_visible(timeout=10_000)
    hrefs = [urlsplit(a).path for a in results.evaluate_all("links => links.map(l => l.href)")]
    assert expected in hrefs[:3], hrefs
    assert all(urlsplit(url).netloc == urlsplit(base_url).netloc for url in requests)
    page.close()


def test_search_results_show_the_page_type_and_its_summary(base_url, browser):
    page = browser.new_page()
    page.goto(base_url + "/search/?q=leg%20cramps")
    first = page.locator("#search-results li").first
    expect(first).to_be_visible(timeout=10_000)
    assert first.locator(".result-type").text_content() == "Condition"
    text = first.inner_text()
    assert "Leg cramps are a sudden, painful tightening of a muscle in the leg." in text
    assert "On this page" not in text and "Review and sources" not in text  # no page furniture
    assert page.get_by_role("searchbox", name="Search this site").is_visible()  # the header box too
    page.close()


def test_search_page_without_javascript_offers_the_a_to_z_lists(base_url, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/search/?q=cramp")
    for name in ("Conditions A to Z", "Causes A to Z", "Treatments A to Z"):
        expect(page.get_by_role("link", name=name, exact=True).last).to_be_visible()
    assert "Search needs JavaScript" in page.locator("main").inner_text()
    context.close()
