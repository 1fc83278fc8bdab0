"""Config: typed settings with defaults; every bad key reported with its line."""

from healthsite.config import Config, load_config


def write(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path):
    config, problems = load_config(tmp_path / "config.yaml")
    assert problems == []
    assert config.output_dir == "public" and config.review_interval == 36
    assert config.root == tmp_path.resolve()


def test_values_are_checked_and_converted(tmp_path):
    config, problems = load_config(write(tmp_path, "title: Site\nbase_url: https://example.org/health\nreview_interval: 18 months\n"))
    assert problems == []
    assert config.title == "Site"
    assert config.base_path == "/health/"
    assert config.site_origin == "https://example.org"
    assert config.review_interval == 18


def test_bad_values_and_unknown_keys_name_their_line(tmp_path):
    _, problems = load_config(write(tmp_path, "title: Site\nbase_url: example.org\nreview_interval: soon\ntitel: x\n"))
    found = {(p.line, p.severity) for p in problems}
    assert found == {(2, "error"), (3, "error"), (4, "warning")}
    assert all(p.path == "config.yaml" for p in problems)


def test_yaml_error_in_config(tmp_path):
    _, problems = load_config(write(tmp_path, "title: Site\nbase_url: [\n"))
    assert problems[0].severity == "error" and problems[0].line >= 2


def test_every_setting_has_help():
    from healthsite.config import SETTINGS

    assert all(field.metadata["help"] for field in SETTINGS.values())
    assert Config().base_path == "/"
