"""Reading: front matter with line numbers, safe YAML, typed keys, file names."""

import datetime as dt

import pytest

from healthsite.config import Config
from healthsite.content import parse_front_matter, read_content, read_raw

OK = "---\ntitle: Leg cramps\nsummary: One sentence.\nreviewed: 2026-01-10\n---\nBody\n"


def read(text: str, kind="condition"):
    return parse_front_matter(text, "content/conditions/x.md", kind, "x")


def only(problems):
    assert len(problems) == 1, problems
    return problems[0]


def test_valid_front_matter_is_typed_and_body_line_known():
    document, problems = read(OK + "more\n")
    assert problems == []
    assert document.meta.title == "Leg cramps"
    assert document.meta.reviewed == dt.date(2026, 1, 10)
    assert document.body_line == 6
    assert document.body.startswith("Body")
    assert document.key_lines["reviewed"] == 4


@pytest.mark.parametrize("text, line, message", [
    ("", 1, "file is empty"),
    ("   \n\n", 1, "file is empty"),
    ("title: x\n", 1, "missing front matter"),
    ("---\ntitle: x\n", 1, "front matter is not closed"),
    ("---\n- a\n- b\n---\n", 2, "must be a mapping"),
    ("---\ntitle: [unclosed\nsummary: s\n---\n", 3, "invalid YAML"),
    ("---\ntitle: x\n  bad: indent\n---\n", 3, "invalid YAML"),
    ("---\ntitle: !!python/object/apply:os.system ['echo pwned']\n---\n", 2, "is not allowed"),
    ("---\ntitle: x\ntitle: y\n---\n", 3, "duplicate key `title`"),
    ("---\ntitle: x\nsummary: a\x07b\n---\n", 3, "is not allowed in YAML"),
    ("---\ntitle: T\nsummary: S\nreviewed: 15/01/2026\n---\n", 4, "`reviewed` must be a real date"),
    ("---\ntitle: T\nsummary: S\nreviewed: 2026-02-30\n---\n", 4, "`reviewed` must be a real date"),
    ("---\ntitle: T\nsummary: S\n---\n", 1, "missing required front matter key `reviewed`"),
    ("---\ntitle: [a, b]\nsummary: S\nreviewed: 2026-01-01\n---\n", 2, "`title` must be text"),
    ("---\ntitle: T\nsummary: S\nreviewed: 2026-01-01\ndraft: maybe\n---\n", 5, "`draft` must be true or false"),
    ("---\ntitle: T\nsummary: S\nreviewed: 2026-01-01\nsources:\n  - url: https://x.org\n---\n", 5, "item 1 needs a `title`"),
    ("---\ntitle: T\nsummary: S\nreviewed: 2026-01-01\nsources:\n  - title: A\n    url: javascript:alert(1)\n---\n", 5, "http(s) URL"),
    ("---\ntitle: T\nsummary: S\nreviewed: 2026-01-01\n---\n---\ntitle: again\n---\n", 6, "second front matter block"),
])
def test_front_matter_errors_name_the_line(text, line, message):
    _, problems = read(text)
    problem = [p for p in problems if p.severity == "error"][0]
    assert problem.line == line
    assert message in problem.message
    assert problem.path == "content/conditions/x.md"


def test_yaml_tags_are_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    document, problems = read(f"---\ntitle: !!python/object/apply:os.system ['touch {marker}']\n---\n")
    assert document is None and problems
    assert not marker.exists()


def test_unknown_key_is_a_warning_with_a_suggestion():
    document, problems = read(OK.replace("reviewed:", "reviwed: 2026-01-01\nreviewed:"))
    assert document is not None
    problem = only(problems)
    assert (problem.severity, problem.line) == ("warning", 4)
    assert "`reviwed`" in problem.message and "did you mean `reviewed`" in problem.message


def test_kinds_have_their_own_keys():
    document, problems = parse_front_matter("---\ntitle: Dehydration\ntreatments: [stretching]\n---\n", "content/causes/d.md", "cause", "d")
    assert problems == [] and document.meta.treatments == ("stretching",)
    _, problems = parse_front_matter("---\ntitle: About\nreviewed: 2026-01-01\n---\n", "content/pages/a.md", "page", "a")
    assert only(problems).severity == "warning"


def test_bad_slug_in_relation_list():
    _, problems = parse_front_matter("---\ntitle: D\ntreatments: [Not A Slug]\n---\n", "content/causes/d.md", "cause", "d")
    assert only(problems).line == 3


def files(tmp_path, mapping):
    for rel, data in mapping.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return Config(root=tmp_path)


def test_read_content_checks_file_names_encoding_and_folders(tmp_path):
    config = files(tmp_path, {
        "content/conditions/Leg Cramps.md": OK,
        "content/conditions/bad-bytes.md": OK.encode() + b"caf\xe9\n",
        "content/conditions/good.md": OK,
        "content/stray.md": OK,
        "content/conditions/notes.txt": "x",
        "content/conditions/.hidden.md": "x",
        "content/conditions/good.md~": "x",
    })
    documents, problems = read_content(config)
    assert [d.slug for d in documents] == ["good"]
    by_path = {p.path: p for p in problems}
    assert "bad file name" in by_path["content/conditions/Leg Cramps.md"].message
    assert "`leg-cramps.md`" in by_path["content/conditions/Leg Cramps.md"].message
    assert by_path["content/conditions/bad-bytes.md"].line == 7
    assert "UTF-8" in by_path["content/conditions/bad-bytes.md"].message
    assert by_path["content/stray.md"].severity == "error"
    assert by_path["content/conditions/notes.txt"].severity == "warning"
    assert len(problems) == 4


def test_size_limit_and_links_outside_the_project(tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(OK)
    config = files(tmp_path / "site", {"content/conditions/big.md": OK + "x" * 3000})
    (tmp_path / "site/content/conditions/linked.md").symlink_to(outside)
    config = Config(root=tmp_path / "site", max_file_size=1000)
    documents, problems = read_content(config)
    assert documents == []
    messages = {p.path: p.message for p in problems}
    assert "over the limit" in messages["content/conditions/big.md"]
    assert "outside the project" in messages["content/conditions/linked.md"]


def test_a_listed_file_replaced_by_a_link_before_it_is_read_is_still_checked(tmp_path):
    """The build reads listed files without checking them again, but never through a link:
    one that replaced the file since the listing is checked as any link is."""
    outside = tmp_path / "outside.md"
    outside.write_text(OK)
    config = files(tmp_path / "site", {"content/conditions/inside.md": OK})
    swapped = tmp_path / "site/content/conditions/swapped.md"
    swapped.symlink_to(outside)
    raw, problems = read_raw(swapped, "content/conditions/swapped.md", config, listed=True)
    assert raw is None and "outside the project" in problems[0].message
    alias = tmp_path / "site/content/conditions/alias.md"
    alias.symlink_to(tmp_path / "site/content/conditions/inside.md")  # a link inside the project is fine
    assert read_raw(alias, "content/conditions/alias.md", config, listed=True) == (OK.encode(), [])


def test_a_value_with_a_colon_is_told_to_use_quotes():
    from healthsite.content import parse_front_matter

    _, problems = parse_front_matter("---\ntitle: Leg: cramps\n---\n", "content/pages/x.md", "page", "x")
    assert problems[0].line == 2 and "put the whole value in quotes" in problems[0].message


def test_editor_temporary_files_are_not_content():
    from healthsite.files import is_editor_temp

    assert all(is_editor_temp(n) for n in (".leg-cramps.md.swp", "4913", "sedAb12Cd", "#leg-cramps.md#", "leg-cramps.md~", ".trash"))
    assert not any(is_editor_temp(n) for n in ("leg-cramps.md", "sediment.md", "4913.md"))


def test_folders_nested_deeper_than_python_recursion_are_listed_in_order(tmp_path):
    import sys
    from healthsite.files import list_files
    deep = tmp_path / "content"
    deep.mkdir()
    for _ in range(300):  # past the recursion limit set below: the listing must not recurse
        deep = deep / "d"
        deep.mkdir()
    (deep / "x.md").write_text("x")
    for rel in ("a.md", "b/c.md", "e.md"):
        (tmp_path / "content" / rel).parent.mkdir(exist_ok=True)
        (tmp_path / "content" / rel).write_text("x")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        paths, problems = list_files(tmp_path / "content", tmp_path)
    finally:
        sys.setrecursionlimit(limit)
    assert problems == []
    assert [p.relative_to(tmp_path / "content").as_posix() for p in paths[:3]] == ["a.md", "e.md", "b/c.md"]
    assert paths[3] == deep / "x.md"
