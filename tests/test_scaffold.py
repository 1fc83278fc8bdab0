"""`new`: a file with front matter and the usual sections, never overwriting."""

from conftest import make_project, run_cli

from healthsite.article import CAUSES, PREVENTION, GET_HELP, SYMPTOMS, TREATMENTS, parse_article
from healthsite.content import parse_front_matter


def test_new_condition_has_front_matter_and_usual_sections(tmp_path):
    site = make_project(tmp_path / "site")
    result = run_cli("new", "condition", "Leg cramps: at night", cwd=site)
    assert result.returncode == 0, result.stderr
    path = site / "content/conditions/leg-cramps-at-night.md"
    text = path.read_text()
    assert "\nreviewed:" not in text  # no review date is invented: a clinician's review adds it
    document, problems = parse_front_matter(text, "x", "condition", "leg-cramps-at-night")
    assert document.meta.title == "Leg cramps: at night" and document.meta.draft
    assert [p.message for p in problems] == ["draft: add `summary` before it can be published",
                                             "draft: add `reviewed` before it can be published"]
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
    assert run_cli("build", "--drafts", "--no-search", cwd=site).returncode == 0  # a new draft builds in the preview
    check = run_cli("check", cwd=site)
    assert "content/conditions/something-new.md:1: warning: draft: add `summary` before it can be published" in check.stdout
    path = site / "content/conditions/something-new.md"
    path.write_text(path.read_text().replace("draft: true\n", ""))
    result = run_cli("build", cwd=site)
    assert result.returncode == 1  # published without a summary and a review: errors
    assert "content/conditions/something-new.md:1: error: missing required front matter key `summary`" in result.stderr
    assert "content/conditions/something-new.md:1: error: missing required front matter key `reviewed`" in result.stderr
    assert run_cli("new", "page", "!!!", cwd=site).returncode == 2
