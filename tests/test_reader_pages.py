"""The reader's pages, second pass, measured in Chromium: get-help advice a worried reader
cannot miss, nothing said twice, a compact header, a readable measure, cause and
treatment pages that open with a definition, an A to Z in any language, print."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import ARTIFACTS, serve_folder
from conftest import FIXTURES, built_site

from healthsite.slugs import initial

ACCENTED = (
    "---\ntitle: Night waking\nsummary: Waking in the night again and again.\nreviewed: 2026-11-20\n---\n"
    "Waking in the night again and again.\n\n## Causes\n\n- Übermüdung: a fixture name with an accent\n"
    "- Ölbad: another\n- Zucker: a third\n- Stress: a fourth\n\n## See a GP if:\n\n- it goes on\n"
)
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return built_site(tmp_path_factory.mktemp("reader") / "site", FIXTURES / "good", {
        "content/conditions/tired-eyes.md": (FIXTURES / "styles/nhs.md").read_text(),
        "content/conditions/stroke-guide.md": (FIXTURES / "styles/guide.md").read_text(),
        "content/conditions/night-waking.md": ACCENTED,
        "content/pages/getting-help.md": "---\ntitle: Getting help\nredirect_from: [/old-help/]\n---\nWho to call.\n",
    }, args=("--no-search",))


@pytest.fixture(scope="module")
def base_url(site):
    with serve_folder(site) as url:
        yield url


@pytest.fixture
def phone(browser):
    page = browser.new_page(viewport=PHONE)
    yield page
    page.close()


@pytest.fixture
def desktop(browser):
    page = browser.new_page(viewport=DESKTOP)
    yield page
    page.close()


def test_pointer_near_the_top_carries_the_most_serious_level(base_url, phone):
    phone.goto(base_url + "/conditions/tired-eyes/")
    pointer = phone.locator(".help-pointer")
    assert pointer.get_attribute("data-urgency") == "emergency"
    assert "Immediate action required" in pointer.inner_text()
    assert pointer.bounding_box()["y"] < 450  # on the first screen of a phone
    anchor = pointer.locator("a").get_attribute("href").removeprefix("#")
    assert phone.locator(f'section.care-card[aria-labelledby="{anchor}"]').get_attribute("data-urgency") == "emergency"
    colours = pointer.evaluate("p => getComputedStyle(p).backgroundColor")
    assert colours == "rgb(33, 43, 50)"  # the emergency card's black, not a notice's grey
    phone.screenshot(path=str(ARTIFACTS / "reader-phone-top.png"))


def test_emergency_card_says_whom_to_call_with_the_configured_number(base_url, phone):
    phone.goto(base_url + "/conditions/stroke-guide/")
    card = phone.locator('section.care-card[data-urgency="emergency"]')
    assert "Call 999 or go to A&E" in card.inner_text()  # the heading itself does not say it


def test_a_gp_and_an_urgent_card_look_different(base_url, phone):
    phone.goto(base_url + "/conditions/tired-eyes/")
    colour = {level: phone.locator(f'section.care-card[data-urgency="{level}"] > .care-card-heading')
              .evaluate("h => getComputedStyle(h).backgroundColor") for level in ("gp", "urgent", "emergency")}
    assert colour["gp"] == "rgb(0, 94, 184)" and colour["urgent"] == colour["emergency"] == "rgb(213, 40, 27)"
    body = phone.locator('section.care-card[data-urgency="emergency"]').evaluate("c => getComputedStyle(c).backgroundColor")
    assert body == "rgb(33, 43, 50)"


def test_nothing_is_said_twice(site):
    seed = (site / "conditions/muscle-spasms/index.html").read_text()
    summary = "Muscle spasms are sudden, involuntary contractions of one or more muscles"
    main = seed.split('<main', 1)[1]
    assert main.count(summary) == 1  # the text opens with the summary: no lead repeats it
    cramps = (site / "conditions/leg-cramps/index.html").read_text()
    assert '<p class="lead">Leg cramps are a sudden, painful tightening' in cramps
    for page in site.rglob("*.html"):
        html = page.read_text()
        if "<main" in html and "moved" not in html and "medical-disclaimer" not in page.as_posix():
            assert html.count("not a diagnosis") == 1, page
        assert "No sources are listed" not in html


def test_phone_header_is_compact_and_its_links_are_big_enough(base_url, phone):
    phone.goto(base_url + "/conditions/muscle-spasms/")
    assert phone.locator(".site-header").bounding_box()["height"] <= 110
    assert phone.locator(".search-link").is_visible()  # search in one tap
    for selector in (".site-nav a", ".breadcrumbs a", ".footer-links a", ".search-link"):
        for box in phone.locator(selector).evaluate_all("els => els.map(e => e.getBoundingClientRect().height)"):
            assert box >= 44, selector
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_desktop_has_search_in_the_header_row_and_contents_on_the_right(base_url, desktop):
    desktop.goto(base_url + "/conditions/tired-eyes/")
    name, search = desktop.locator(".site-name").bounding_box(), desktop.locator(".site-search").bounding_box()
    assert abs((name["y"] + name["height"] / 2) - (search["y"] + search["height"] / 2)) < 10
    assert desktop.locator(".site-header").bounding_box()["height"] < 80
    contents = desktop.locator(".contents").bounding_box()
    text = desktop.locator(".overview p").first.bounding_box()
    assert contents["x"] > text["x"] + text["width"]  # a right-hand column
    assert desktop.locator(".contents").evaluate("c => getComputedStyle(c).position") == "sticky"
    desktop.mouse.wheel(0, 1500)
    desktop.wait_for_timeout(200)
    assert 0 <= desktop.locator(".contents").bounding_box()["y"] < 200  # it follows the reader
    desktop.screenshot(path=str(ARTIFACTS / "reader-desktop.png"), full_page=True)


def test_desktop_lines_are_at_most_75_characters(base_url, desktop):
    desktop.goto(base_url + "/conditions/muscle-spasms/")
    widths = desktop.evaluate("""() => [...document.querySelectorAll('main p, main li')].map(el => {
        const style = getComputedStyle(el);
        const probe = document.createElement('span');
        probe.style.font = style.font;
        probe.textContent = 'abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz etc';
        document.body.appendChild(probe);
        const perChar = probe.getBoundingClientRect().width / probe.textContent.length;
        probe.remove();
        return el.getBoundingClientRect().width / perChar;
    })""")
    assert widths and max(widths) <= 75


def test_boxes_share_the_text_column_edges(base_url, desktop):
    desktop.goto(base_url + "/conditions/tired-eyes/")
    rights = desktop.evaluate("""() => ['.help-pointer', '.care-card', '.review-box']
        .map(s => Math.round(document.querySelector(s).getBoundingClientRect().right))""")
    assert len(set(rights)) == 1, rights


def test_cause_page_opens_with_a_definition_and_names_each_condition_once(base_url, desktop):
    desktop.goto(base_url + "/causes/muscle-fatigue/")
    lead = desktop.locator("h1 + .lead")
    assert lead.inner_text().startswith("Overusing the leg muscles")
    links = desktop.locator("main a[href='/conditions/leg-cramps/']")
    assert links.count() == 1
    assert "last reviewed on 10 January 2026" in desktop.locator("main").inner_text()
    assert "What our articles say" not in desktop.content()


def test_a_to_z_puts_accented_names_under_their_letter():
    assert [initial(n) for n in ("Übermüdung", "éclair", "Zucker", "5-HT")] == ["U", "E", "Z", "#"]


def test_causes_index_sorts_like_a_reader_expects(site):
    html = (site / "causes/index.html").read_text()
    letters = re.findall(r'<h2 id="letter-([^"]+)">', html)
    assert letters == sorted(letters, key=lambda l: (l == "#", l))  # no letter after S for an accent
    u_group = html.split('id="letter-U"', 1)[1].split("</section>", 1)[0]
    assert "Übermüdung" in u_group
    o_group = html.split('id="letter-O"', 1)[1].split("</section>", 1)[0]
    assert "Ölbad" in o_group
    nav = (site / "index.html").read_text()
    assert "A-Z" not in nav and "Causes A to Z" in nav


def test_print_fits_the_seed_on_three_pages_with_address_and_dates(base_url, browser):
    page = browser.new_page()
    page.goto(base_url + "/conditions/muscle-spasms/")
    page.emulate_media(media="print")
    assert page.locator(".print-address").is_visible()
    assert "/conditions/muscle-spasms/" in page.locator(".print-address").inner_text()
    assert page.locator(".review-box").is_visible() and not page.locator(".contents").is_visible()
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) <= 3
    (ARTIFACTS / "seed-print.pdf").write_bytes(pdf)
    page.close()


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_dark_mode_header_stands_out_from_the_page(base_url, browser):
    context = browser.new_context(color_scheme="dark", viewport=DESKTOP)
    page = context.new_page()
    page.goto(base_url + "/conditions/muscle-spasms/")
    rule = page.locator(".site-header").evaluate("h => getComputedStyle(h).borderBottomColor")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert _contrast(rule, background) >= 3  # WCAG 1.4.11: a boundary readers can see
    context.close()


def test_the_feed_opened_in_a_browser_explains_itself(base_url, browser):
    page = browser.new_page()
    page.goto(base_url + "/feed.xml")
    assert "This is a feed" in page.locator("main").inner_text()
    assert page.locator("main a[href$='/conditions/leg-cramps/']").count() == 1
    page.close()


def test_emergency_department_comes_from_config(tmp_path):
    public = built_site(tmp_path / "site", {"content/conditions/tired-eyes.md": (FIXTURES / "styles/guide.md").read_text(),
                                            "config.yaml": "title: T\nemergency_number: '911'\nemergency_department: the emergency room\n"},
                        args=("--no-search",))
    assert "Call 911 or go to the emergency room" in (public / "conditions/tired-eyes/index.html").read_text()


def test_an_old_address_takes_a_browser_to_the_new_page(base_url, browser):
    page = browser.new_page()
    page.goto(base_url + "/old-help/")
    page.wait_for_url("**/getting-help/", timeout=10_000)
    assert page.locator("h1").inner_text() == "Getting help"
    page.close()
