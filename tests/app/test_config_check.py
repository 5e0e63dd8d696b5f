"""`trainyard config check` over real HTTP against the Jira and Azure DevOps simulators:
what each source would pull, a bad token, a missing field, a config error (exit 2)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from simulators.azure_devops import create_ado_simulator
from simulators.jira import create_jira_simulator
from simulators.scenario import Scenario, load_scenario
from simulators.server import serve

runner = CliRunner()
GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden" / "reference-art.json"
EMAIL, TOKEN, PAT = "rte@example.com", "check-jira-token", "check-ado-pat"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(GOLDEN)


@pytest.fixture
def trackers(scenario: Scenario) -> Iterator[tuple[str, str]]:
    """Base URLs of a Jira Cloud and an Azure DevOps simulator serving the golden ART."""
    jira = create_jira_simulator(scenario, users={EMAIL: TOKEN})
    ado = create_ado_simulator(scenario, org="phoenix", project="Phoenix", pat=PAT)
    with serve(jira) as jira_url, serve(ado) as ado_url:
        yield jira_url, ado_url


def _toml(jira_url: str, ado_url: str, jira_extra: str = "", ado_extra: str = "") -> str:
    return f"""
[[arts]]
name = "Phoenix"
[[arts.teams]]
name = "Blue"
[[arts.teams]]
name = "Red"
[[arts.teams]]
name = "Green"

[[sources]]
name = "jira"
kind = "jira"
url = "{jira_url}"
art = "Phoenix"
flavour = "cloud"
email_env = "CHECK_JIRA_EMAIL"
token_env = "CHECK_JIRA_TOKEN"
projects = ["BLUE", "RED"]
{jira_extra}

[[sources]]
name = "ado"
kind = "azure-devops"
url = "{ado_url}/phoenix"
art = "Phoenix"
project = "Phoenix"
token_env = "CHECK_ADO_PAT"
area_paths = ["Phoenix\\\\Green"]
{ado_extra}
"""


def _check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, token: str = TOKEN
) -> tuple[int, list[str]]:
    path = tmp_path / "trainyard.toml"
    path.write_text(text)
    monkeypatch.setenv("TRAINYARD_CONFIG", str(path))
    monkeypatch.setenv("TRAINYARD_DATABASE_URL", f"sqlite:///{tmp_path / 'never.db'}")
    monkeypatch.setenv("CHECK_JIRA_EMAIL", EMAIL)
    monkeypatch.setenv("CHECK_JIRA_TOKEN", token)
    monkeypatch.setenv("CHECK_ADO_PAT", PAT)
    out = runner.invoke(cli, ["config", "check"])
    assert not (tmp_path / "never.db").exists()  # nothing written, not even a database
    return out.exit_code, out.output.splitlines()


def test_check_prints_what_each_source_would_pull(
    trackers: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, lines = _check(tmp_path, monkeypatch, _toml(*trackers))
    assert (code, lines) == (
        0,
        [
            f"configuration: {tmp_path / 'trainyard.toml'} is valid",
            "jira: authenticated as rte@example.com (Jira cloud)",
            "jira: statuses: To Do -> todo, In Progress -> active, Blocked -> active, "
            "In Review -> active, Done -> done, Won't Do -> done",
            "jira: sprints found: 10",
            "jira: project BLUE found: 14 items",
            "jira: project RED found: 14 items",
            "jira: would pull 28 items (15 requests)",
            "ado: authenticated (project Phoenix)",
            "ado: area path Phoenix\\Green found",
            "ado: statuses: New -> todo, Active -> active, Blocked -> active, "
            "Resolved -> active, Closed -> done, Removed -> removed",
            "ado: iterations found: 5",
            "ado: would pull 12 items",
            "all sources ok",
        ],
    )


FIELDS_JIRA = """
statuses = { "Blocked" = "wait" }
[sources.fields]
sprint = "Sprint"
story_points = ["Story Pointz"]
"""
FIELDS_ADO = """
[sources.fields]
business_value = ["Microsoft.VSTS.Common.BusinessValue"]
team = "Custom.Squad"
"""


def test_check_names_a_missing_field_and_a_missing_area_path(
    trackers: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _toml(*trackers, FIELDS_JIRA, FIELDS_ADO).replace("Phoenix\\\\Green", "Phoenix\\\\Teal")
    code, lines = _check(tmp_path, monkeypatch, text)
    assert code == 1
    assert lines[1:] == [
        "jira: authenticated as rte@example.com (Jira cloud)",
        "jira: field sprint found: 'Sprint' (customfield_10020)",
        "jira: statuses: To Do -> todo, In Progress -> active, Blocked -> wait, "
        "In Review -> active, Done -> done, Won't Do -> done",
        "jira: sprints found: 10",
        "jira: project BLUE found: 14 items",
        "jira: project RED found: 14 items",
        "jira: would pull 28 items (15 requests)",
        "ado: authenticated (project Phoenix)",
        "ado: field business_value found: 'Microsoft.VSTS.Common.BusinessValue' "
        "(Microsoft.VSTS.Common.BusinessValue)",
        "ado: statuses: New -> todo, Active -> active, Blocked -> active, "
        "Resolved -> active, Closed -> done, Removed -> removed",
        "ado: iterations found: 5",
        "ado: would pull 0 items",
        "problem: jira: field story_points not found: 'Story Pointz'",
        "problem: ado: field team not found: 'Custom.Squad'",
        "problem: ado: area path Phoenix\\Teal not found",
        "3 problem(s) in 2 source(s)",
    ]


def test_check_names_a_bad_token_and_goes_on_with_the_other_source(
    trackers: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, lines = _check(tmp_path, monkeypatch, _toml(*trackers), token="wrong")
    assert code == 1
    assert [line for line in lines if line.startswith("jira")] == []
    jira = trackers[0]
    assert lines[-2:] == [
        f"problem: jira: authentication failed: Jira at {jira} refused the credentials "
        "(HTTP 401) on GET serverInfo: check that CHECK_JIRA_EMAIL holds the account's e-mail "
        "(or user name on Data Center) and CHECK_JIRA_TOKEN a valid API token of that account "
        "(Cloud: id.atlassian.com > Security > API tokens), and that the account may browse "
        "the configured projects. Jira said: Client must be authenticated to access this "
        "resource.",
        "1 problem(s) in 2 source(s)",
    ]
    assert lines[1:3] == [
        "ado: authenticated (project Phoenix)",
        "ado: area path Phoenix\\Green found",
    ]


def test_a_config_error_exits_2_naming_file_key_and_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _toml("http://127.0.0.1:9", "http://127.0.0.1:9").replace(
        'flavour = "cloud"', 'flavour = "cloudy"'
    )
    code, lines = _check(tmp_path, monkeypatch, text)
    assert (code, lines) == (
        2,
        [
            "error: invalid configuration",
            f"{tmp_path / 'trainyard.toml'}: sources[jira].flavour: Input should be 'auto', "
            "'cloud' or 'datacenter'",
        ],
    )


def test_check_probes_the_demo_when_there_is_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./trainyard.toml
    monkeypatch.delenv("TRAINYARD_CONFIG", raising=False)
    monkeypatch.setenv("TRAINYARD_DEMO_ITEMS", "60")
    out = runner.invoke(cli, ["config", "check"])
    lines = out.output.splitlines()
    assert (out.exit_code, lines[0], lines[-1]) == (
        0,
        "configuration: the built-in demo (no configuration file)",
        "all sources ok",
    )
