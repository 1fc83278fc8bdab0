"""Real articles from health publishers (../shared/corpus/real), built with the seed and
scored with the corpus's own score.py against a careful reader's annotation."""

import importlib.util
import json
import os
import shutil

import pytest

from conftest import REPO, make_project, run_cli

CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    if not (CORPUS / "score.py").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{CORPUS} is missing: CI must have ../shared beside the repository")
        pytest.skip("the corpus of real articles (../shared/corpus) is not beside this checkout")
    spec = importlib.util.spec_from_file_location("corpus_score", CORPUS / "score.py")
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    real = CORPUS / "real"
    gold = json.loads((real / "gold.json").read_text())
    project = make_project(tmp_path_factory.mktemp("real") / "site")
    for name in gold:
        shutil.copy(real / name, project / "content/conditions" / name)
    result = run_cli("build", "--no-search", cwd=project)
    assert result.returncode == 0, result.stderr
    return score.score(project / "public", gold, real), result


def ratio(found: int, of: int) -> float:
    return found / of if of else 1.0


def test_causes_and_treatments_recall_and_precision_at_least_90_percent(scored):
    totals = scored[0]["totals"]
    for kind in ("causes", "treatments"):
        expected, found, matched = totals[kind]
        assert ratio(matched, expected) >= 0.9, (kind, totals[kind])
        assert ratio(matched, found) >= 0.9, (kind, totals[kind])


def test_symptoms_recall_at_least_80_percent(scored):
    expected, _, matched = scored[0]["totals"]["symptoms"]
    assert ratio(matched, expected) >= 0.8


def test_every_get_help_heading_is_a_card_at_its_level(scored):
    for name, result in scored[0]["articles"].items():
        for heading, level, found, ok in result["urgent"]:
            assert ok, (name, heading, level, found)


def test_no_junk_entities_and_every_list_item_rendered_as_a_list_item(scored):
    for name, result in scored[0]["articles"].items():
        assert result["junk"] == [], name
        kept, total = result["lists"]
        assert kept == total, name


def test_real_articles_build_without_a_spurious_get_help_warning(scored):
    warnings = scored[1].stderr
    assert "hay-fever.md:1: warning: no get-help advice" not in warnings  # it has a "See a GP if:" section
