"""The command line, run as editors and scripts run it: by subprocess."""

import json

from conftest import FIXTURES, make_project, run_cli, snapshot


def test_build_then_check_clean(project):
    result = run_cli("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "built" in result.stdout and (project / "public/index.html").is_file()
    check = run_cli("check", cwd=project)
    # The seed article names no sources and reads above grade 9: honest warnings, not errors.
    assert check.returncode == 0
    assert [line.split(": warning: ")[1].split(":")[0] for line in check.stdout.splitlines()] == [
        "no `sources`", "reading grade 10.3 is above 9"]


def test_check_writes_nothing(project):
    assert run_cli("check", cwd=project).returncode == 0
    assert not (project / "public").exists()


def test_usage_errors_exit_two(project):
    assert run_cli("bogus", cwd=project).returncode == 2
    assert run_cli("build", "--nope", cwd=project).returncode == 2
    missing = run_cli("build", "--config", "missing.yaml", cwd=project)
    assert missing.returncode == 2 and "not found" in missing.stderr


def test_refuses_output_folders_that_are_not_its_own(project):
    (project / "mine").mkdir()
    (project / "mine/holiday.jpg").write_bytes(b"precious")
    for out in (".", "..", "content", "content/conditions", "templates", "mine"):
        result = run_cli("build", "--out", out, cwd=project)
        assert result.returncode == 2, out
        assert "refusing" in result.stderr and "Traceback" not in result.stderr
    assert (project / "mine/holiday.jpg").read_bytes() == b"precious"
    assert (project / "content/conditions/muscle-spasms.md").is_file()


def test_rebuild_replaces_its_own_output_and_removes_stale_pages(project):
    extra = project / "content/pages/old-news.md"
    extra.write_text("---\ntitle: Old news\n---\nText.\n")
    assert run_cli("build", cwd=project).returncode == 0
    assert (project / "public/old-news/index.html").is_file()
    extra.unlink()
    assert run_cli("build", cwd=project).returncode == 0
    assert not (project / "public/old-news").exists()


def test_failed_build_leaves_published_output_untouched(project):
    assert run_cli("build", cwd=project).returncode == 0
    before = snapshot(project / "public")
    article = project / "content/conditions/muscle-spasms.md"
    article.write_text(article.read_text().replace("[[dehydration]]", "[[dehydrashun]]", 1))
    result = run_cli("build", cwd=project)
    assert result.returncode == 1
    assert "content/conditions/muscle-spasms.md:6: error: unknown link [[dehydrashun]]" in result.stderr
    assert "the published site was not changed" in result.stderr
    assert snapshot(project / "public") == before


def test_config_errors_are_reported_like_content_errors(project):
    (project / "config.yaml").write_text("title: x\nreview_interval: often\n")
    result = run_cli("build", cwd=project)
    assert result.returncode == 1
    assert "config.yaml:2: error: `review_interval` must be like `3 years`" in result.stderr


def test_check_json_and_strict(tmp_path):
    site = make_project(tmp_path / "site", {"content/pages/x.md": "---\ntitle: X\ncolour: red\n---\nText.\n"})
    plain = run_cli("check", cwd=site)
    assert plain.returncode == 0 and "content/pages/x.md:3: warning: unknown front matter key `colour`" in plain.stdout
    assert run_cli("check", "--strict", cwd=site).returncode == 1
    report = json.loads(run_cli("check", "--format", "json", cwd=site).stdout)
    assert report["ok"] is True
    assert {"path": "content/pages/x.md", "line": 3, "severity": "warning",
            "message": "unknown front matter key `colour` (a page may have: title, summary, draft, redirect_from)"} in report["problems"]
    assert len(report["problems"]) == 3  # and the seed's two warnings
    strict = json.loads(run_cli("check", "--format", "json", "--strict", cwd=site).stdout)
    assert strict["ok"] is False


def test_build_from_another_folder_with_config(project, tmp_path):
    result = run_cli("build", "--config", str(project / "config.yaml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (project / "public/index.html").is_file()


def test_outline_shows_how_an_article_was_read(project):
    (project / "content/conditions/tired-eyes.md").write_text((FIXTURES / "styles/nhs.md").read_text())
    result = run_cli("outline", "content/conditions/tired-eyes.md", "content/conditions/muscle-spasms.md", cwd=project)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "content/conditions/tired-eyes.md:8: section ## Check if you have tired eyes -- symptoms: the heading says `Check if`" in lines
    assert any(l.startswith("content/conditions/tired-eyes.md:25:     treatment Don't rub your eyes -- its page: slug `dont-rub-your-eyes`;") for l in lines)
    assert any(":33:   kept - dry eyes -- kept as text: the line before the list (`They can help with:`)" in l for l in lines)
    assert any(":48: section ## Call 999 or go to A&E if: -- get-help (emergency: immediate action required)" in l for l in lines)
    assert any("muscle-spasms.md:20:   cause Dehydration -- its page: slug `dehydration`" in l for l in lines)


def test_outline_exit_codes(project):
    (project / "content/conditions/broken.md").write_text("---\ntitle: [\n---\n")
    broken = run_cli("outline", "content/conditions/broken.md", cwd=project)
    assert broken.returncode == 1 and "content/conditions/broken.md:2: error: invalid YAML" in broken.stderr
    missing = run_cli("outline", "README.md", cwd=project)
    assert missing.returncode == 2 and "is not an article" in missing.stderr
    folder = run_cli("outline", "content/conditions", cwd=project)
    assert folder.returncode == 1 and "muscle-spasms.md: Muscle spasms" in folder.stdout
