"""`new`: a file with front matter and the usual sections, never overwriting."""

import datetime as dt

from conftest import make_project, run_cli

from healthsite.article import CAUSES, PREVENTION, GET_HELP, SYMPTOMS, TREATMENTS, parse_article
from healthsite.content import parse_front_matter


def test_new_condition_has_front_matter_and_usual_sections(tmp_path):
    site = make_project(tmp_path / "site")
    result = run_cli("new", "condition", "Leg cramps: at night", cwd=site)
    assert result.returncode == 0, result.stderr
    path = site / "content/conditions/leg-cramps-at-night.md"
    text = path.read_text()
    assert f"reviewed: {dt.date.today().isoformat()}" in text
    document, problems = parse_front_matter(text.replace('summary: ""', "summary: Filled in."), "x", "condition", "leg-cramps-at-night")
    assert document.meta.title == "Leg cramps: at night"
    article, _ = parse_article(document)
    assert [s.kind for s in article.sections] == [SYMPTOMS, CAUSES, TREATMENTS, PREVENTION, GET_HELP]


def test_new_refuses_to_overwrite(tmp_path):
    site = make_project(tmp_path / "site")
    before = (site / "content/conditions/muscle-spasms.md").read_text()
    result = run_cli("new", "condition", "Muscle Spasms", cwd=site)
    assert result.returncode == 1 and "already exists" in result.stderr
    assert (site / "content/conditions/muscle-spasms.md").read_text() == before


def test_new_cause_treatment_and_page(tmp_path):
    site = make_project(tmp_path / "site")
    for kind, folder in (("cause", "causes"), ("treatment", "treatments"), ("page", "pages")):
        assert run_cli("new", kind, "Something New", cwd=site).returncode == 0
        assert (site / f"content/{folder}/something-new.md").is_file()
    assert run_cli("build", cwd=site).returncode == 0
    assert run_cli("new", "condition", "Something New", cwd=site).returncode == 0
    result = run_cli("build", cwd=site)
    assert result.returncode == 1  # the summary must be written before it can be published
    assert "content/conditions/something-new.md:3: error: `summary` must not be empty" in result.stderr
    assert run_cli("new", "page", "!!!", cwd=site).returncode == 2
