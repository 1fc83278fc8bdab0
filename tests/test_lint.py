"""`check`'s editorial warnings, each with the line an editor must fix."""

import datetime as dt

from test_graph import article, condition

from healthsite.config import Config
from healthsite.graph import build_graph
from healthsite.lint import lint, reading_grade

GOOD_BODY = "Cramps hurt.\n\n## Causes\n\n1. Stress: It can make muscles tight.\n\n## When to see a doctor\n\nSee a doctor if it gets worse.\n"
SOURCES = "sources:\n  - title: A source\n    url: https://example.org/a\n"
DAY = dt.date(2026, 6, 1)


def warnings(*articles, config=Config(), day=DAY):
    site, problems = build_graph(list(articles))
    assert problems == []
    found = lint(site, config, day)
    assert all(p.severity == "warning" for p in found)
    return [(p.path, p.line, p.message) for p in found]


def test_a_good_article_has_no_warnings():
    assert warnings(condition("cramps", GOOD_BODY, SOURCES)) == []


def test_review_past_due_from_interval_or_next_review():
    late = condition("cramps", GOOD_BODY, SOURCES).document
    assert warnings(condition("cramps", GOOD_BODY, SOURCES), day=dt.date(2029, 1, 2)) == [
        ("content/conditions/cramps.md", 4, "review was due on 2029-01-01: have the article reviewed and update `reviewed`")]
    assert late.meta.reviewed == dt.date(2026, 1, 1)
    explicit = condition("cramps", GOOD_BODY, SOURCES + "next_review: 2026-03-01\n")
    assert warnings(explicit)[0][1:] == (8, "review was due on 2026-03-01: have the article reviewed and update `reviewed`")
    assert warnings(condition("cramps", GOOD_BODY, SOURCES), config=Config(review_interval=3)) != []


def test_missing_sources_doctor_section_and_long_summary():
    text = GOOD_BODY.replace("## When to see a doctor\n\nSee a doctor if it gets worse.\n", "")
    long = condition("cramps", text).document
    messages = [m for _, _, m in warnings(condition("cramps", text))]
    assert "no `sources`: list where the information comes from" in messages
    assert "no get-help advice: add `## When to see a doctor` (or `## Call 999 if:`)" in messages
    summary = article("conditions/x.md", "---\ntitle: X\nsummary: " + "word " * 40 + "\nreviewed: 2026-01-01\n" + SOURCES + "---\n" + GOOD_BODY)
    assert ("content/conditions/x.md", 3, "`summary` is 199 characters: keep it to one sentence within 160") in warnings(summary)
    assert long.meta.sources == ()


def test_reading_grade_warns_above_the_setting():
    hard = condition("cramps", "Electrophysiological abnormalities characteristically precipitate involuntary, uncoordinated musculoskeletal contractions. " * 3 + GOOD_BODY, SOURCES)
    assert reading_grade(hard) > 9
    assert any("reading grade" in m for _, _, m in warnings(hard))
    assert not any("reading grade" in m for _, _, m in warnings(hard, config=Config(reading_grade=40)))


def test_empty_sections_images_without_alt_and_plain_http():
    body = GOOD_BODY + "\n## Living with it\n\n<!-- only a hint -->\n\n## More\n\n![](calf.png) and <img src=\"a.png\">\n\nSee http://example.org and [b](http://example.org/b).\n\n![A calf](calf.png) [s](https://example.org)\n"
    found = warnings(condition("cramps", body, SOURCES + "  - title: Old\n    url: http://example.org/old\n"))
    assert ("content/conditions/cramps.md", 21, "section `Living with it` has no text") in found
    assert [line for _, line, m in found if m.startswith("image without alt text")] == [27]
    assert [line for _, line, m in found if m.startswith("external link is not https")] == [29]
    assert ("content/conditions/cramps.md", 5, "source `Old` is not https: use its https:// address") in found


def test_cause_file_that_no_condition_names():
    orphan = article("causes/boredom.md", "---\ntitle: Boredom\n---\nText.\n")
    named = article("causes/stress.md", "---\ntitle: Stress\n---\nText.\n")
    found = warnings(condition("cramps", GOOD_BODY, SOURCES), orphan, named)
    assert found == [("content/causes/boredom.md", 1, "no condition article names this cause: add it to a condition's causes section")]


def test_two_entities_with_one_name():
    cramps = condition("cramps", GOOD_BODY, SOURCES)
    twin = article("causes/worry.md", "---\ntitle: Worry\naliases: [stress]\n---\nText.\n")
    other = condition("worry-cramps", GOOD_BODY.replace("Stress:", "Worry:"), SOURCES)
    found = warnings(cramps, twin, other)
    assert ("content/causes/worry.md", 3, "the name `stress` is also used by cause:stress: readers and links cannot tell them apart") in found


def test_a_cause_and_a_treatment_sharing_a_slug_is_expected():
    both = condition("cramps", GOOD_BODY.replace("## When", "## Treatment\n\n1. Stress: relief.\n\n## When"), SOURCES)
    assert warnings(both) == []


def test_what_the_sanitiser_removes_is_reported_and_local_media_stays(tmp_path):
    from conftest import make_project, run_cli

    site = make_project(tmp_path / "site", {"content/pages/media.md": (
        "---\ntitle: Media\n---\n<video controls src=\"/static/a.mp4\"><track kind=\"captions\" src=\"/static/a.vtt\" srclang=\"en\"></video>\n\n"
        "<iframe src=\"/x/\"></iframe>\n\n<p style=\"color: red\" class=\"care-card\" onclick=\"x()\">Hi</p>\n"),
        "static/a.mp4": b"", "static/a.vtt": "WEBVTT\n"})
    result = run_cli("check", cwd=site)
    lines = [l for l in result.stdout.splitlines() if l.startswith("content/pages/media.md")]
    assert lines == [
        "content/pages/media.md:6: warning: raw HTML `<iframe>` is removed when published: use markdown, or an allowed tag",
        "content/pages/media.md:8: warning: `class` on `<p>` is removed when published",
        "content/pages/media.md:8: warning: `onclick` on `<p>` is removed when published",
        "content/pages/media.md:8: warning: `style` on `<p>` is removed when published",
    ]
    assert run_cli("build", "--no-search", cwd=site).returncode == 0
    page = (site / "public/media/index.html").read_text()
    assert '<video controls="" src="/static/a.mp4"><track kind="captions" src="/static/a.vtt" srclang="en"></video>' in page
