"""The review dashboard: every reviewed page's status, most urgent first."""

import csv
import datetime as dt
import io
import json

from conftest import FIXTURES, make_project, run_cli

from healthsite.config import load_config
from healthsite.pipeline import build_site
from healthsite.review import as_csv, review_rows


def rows_for(project, day):
    config, _ = load_config(project / "config.yaml")
    build = build_site(config, search=False, day=day)
    return review_rows(build.site, config.review_interval, day)


def test_rows_are_sorted_by_how_urgent_the_review_is(tmp_path):
    project = make_project(tmp_path / "site", FIXTURES / "good")
    rows = rows_for(project, dt.date(2027, 5, 1))
    assert [(r.title, r.status) for r in rows][:2] == [("Back spasms", "due soon"), ("Leg cramps", "current")]
    back = rows[0]
    assert (back.next_review, back.days_left, back.sources, back.get_help) == ("2027-06-01", 31, 0, "")
    cramps = rows[1]
    assert (cramps.reviewer, cramps.sources, cramps.get_help) == ("Fixture Reviewer", 1, "emergency")
    later = rows_for(project, dt.date(2027, 7, 1))
    assert later[0].title == "Back spasms" and later[0].status == "overdue" and later[0].days_left == -30
    assert {r.kind for r in later} <= {"condition", "cause", "treatment"}
    assert [r.path for r in later if r.kind == "cause"] == ["content/causes/dehydration.md"]  # files of their own only


def test_csv_has_a_header_and_a_row_per_page(tmp_path):
    project = make_project(tmp_path / "site")
    table = list(csv.reader(io.StringIO(as_csv(rows_for(project, dt.date(2026, 11, 24))))))
    assert table[0][:3] == ["status", "next_review", "reviewed"]
    assert table[1][4] == "Muscle spasms" and table[1][0] == "current"


def test_review_command_formats_and_due_within(tmp_path):
    project = make_project(tmp_path / "site", FIXTURES / "good")
    table = run_cli("review", cwd=project)
    assert table.returncode == 0 and table.stdout.splitlines()[0].startswith("status")
    data = json.loads(run_cli("review", "--format", "json", "--due-within", "600", cwd=project).stdout)
    assert [page["title"] for page in data["pages"]] == ["Back spasms"]  # 2027-06-01 is 554 days after the test day
    assert run_cli("review", "--format", "xml", cwd=project).returncode == 2
