"""The configuration file: validated at start-up, errors name the file, the key, the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from art.config import load_config
from art.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
[[arts]]
name = "Phoenix"
timezone = "Europe/Berlin"

[[arts.pis]]
name = "PI 26.1"
start = 2026-01-05
end = 2026-03-15

[[sources]]
name = "jira"
kind = "jira"
url = "https://example.atlassian.net"
art = "Phoenix"
email_env = "JIRA_EMAIL"
token_env = "JIRA_TOKEN"
projects = ["BLUE", "RED"]
statuses = { "Blocked" = "wait" }
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "trainyard.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, GOOD))
    assert cfg.art("Phoenix").timezone == "Europe/Berlin"
    assert cfg.source("jira").statuses["Blocked"] == "wait"
    assert cfg.source("jira").link_types["Blocks"] == "blocks"


def test_the_shipped_example_is_valid() -> None:
    cfg = load_config(ROOT / "trainyard.example.toml")
    assert [s.kind for s in cfg.sources] == ["jira", "jira", "azure-devops"]
    assert cfg.art("Phoenix").restart_on_backlog is False  # documented with its default


@pytest.mark.parametrize(("line", "expected"), [("", False), ("restart_on_backlog = true", True)])
def test_restart_on_backlog_is_an_art_setting(tmp_path: Path, line: str, expected: bool) -> None:
    text = GOOD.replace('timezone = "Europe/Berlin"', f'timezone = "Europe/Berlin"\n{line}')
    assert load_config(_write(tmp_path, text)).art("Phoenix").restart_on_backlog is expected


def test_restart_on_backlog_must_be_a_boolean(tmp_path: Path) -> None:
    text = GOOD.replace('timezone = "Europe/Berlin"', 'timezone = "UTC"\nrestart_on_backlog = 3')
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"{path}: arts[Phoenix].restart_on_backlog: Input should be a valid boolean" in str(
        err.value
    )


def test_bad_toml_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "[[arts]]\nname = Phoenix\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: not valid TOML: ")
    assert "line 2" in str(err.value)


def test_unknown_key_is_named_with_its_path(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace('projects = ["BLUE", "RED"]', 'projetcs = ["BLUE"]'))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"{path}: sources[jira].projetcs: Extra inputs are not permitted" in str(err.value)


def test_bad_value_is_named_with_the_reason(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace('"Blocked" = "wait"', '"Blocked" = "paused"'))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"{path}: sources[jira].statuses.Blocked: Input should be 'todo', 'active'" in str(
        err.value
    )


def test_source_of_an_undeclared_art_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace('art = "Phoenix"', 'art = "Dragon"'))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "source 'jira': art 'Dragon' is not declared in [[arts]]" in str(err.value)


def test_missing_secret_env_var_names_the_key_and_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JIRA_TOKEN", raising=False)
    cfg = load_config(_write(tmp_path, GOOD))
    with pytest.raises(ConfigError) as err:
        cfg.source("jira").secret("token_env")
    assert str(err.value) == (
        "source 'jira': token_env names environment variable JIRA_TOKEN, which is not set"
    )
    monkeypatch.setenv("JIRA_TOKEN", "s3cret")
    assert cfg.source("jira").secret("token_env") == "s3cret"


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "nope.toml")
    assert str(err.value).startswith(f"{tmp_path / 'nope.toml'}: cannot read the configuration")
