"""The built-in demo: one generated ART served by both tracker simulators, pulled for real.

With no configuration file, ``trainyard serve`` starts the Jira and Azure DevOps simulators on
loopback ports, each serving the same deterministic ART, and configures one source per
tracker: the first teams come from Jira, the others from Azure DevOps, so the demo ART
visibly spans both trackers. The pulls, webhooks and reports then run exactly as they would
against real trackers.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.tokens import TokenRefused, issue_token, lookup
from art.config import TrainyardConfig
from simulators.azure_devops import create_ado_simulator, state_map
from simulators.generator import generate_art
from simulators.jira import create_jira_simulator, sim_of
from simulators.scenario import Scenario
from simulators.server import BackgroundServer

log = logging.getLogger(__name__)
SEED = 7
JIRA_EMAIL, JIRA_TOKEN, ADO_PAT = "rte@demo.trainyard", "demo-jira-token", "demo-ado-pat"
ENV = {
    "TRAINYARD_DEMO_JIRA_EMAIL": JIRA_EMAIL,
    "TRAINYARD_DEMO_JIRA_TOKEN": JIRA_TOKEN,
    "TRAINYARD_DEMO_ADO_PAT": ADO_PAT,
}


TOKEN_FILE = "demo-admin-token"
TOKEN_NAME = "make-run admin"


def demo_admin_token(session: Session, data_dir: Path, now: datetime) -> tuple[str, Path]:
    """The admin token `trainyard start` prints, and the file that keeps it.

    The token kept in the data directory is reused while it still works on this database
    (not revoked, not expired, admin); otherwise a new one is made and kept there, readable
    by its owner only, so each start does not leave one more admin token behind."""
    path = data_dir / TOKEN_FILE
    if path.exists():
        os.chmod(path, 0o600)
        secret = path.read_text(encoding="utf-8").strip()
        try:
            if "admin" in lookup(session, secret, now).scopes.split():
                return secret, path
        except TokenRefused:
            pass
    secret = issue_token(session, TOKEN_NAME, ["admin"], now=now).secret
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # the mode above applies only to a file that did not exist
    with os.fdopen(fd, "w", encoding="utf-8") as kept:
        kept.write(secret + "\n")
    return secret, path


@dataclass
class Demo:
    """The running simulators and the configuration that points at them."""

    config: TrainyardConfig
    servers: list[BackgroundServer] = field(default_factory=list)
    apps: dict[str, Any] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def keep_changing(self, every_seconds: float = 60.0) -> None:
        """Move a few Jira items along every minute, so incremental pulls have news."""

        def loop() -> None:
            round_ = 0
            while not self._stop.wait(every_seconds):
                round_ += 1
                try:
                    sim_of(self.apps["jira"]).mutate(fraction=0.002, seed=round_)
                except Exception:  # the demo tracker must never take the service down
                    log.exception("demo tracker mutation failed")

        threading.Thread(target=loop, name="demo-tracker", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        for server in self.servers:
            server.stop()


def _statuses(scenario: Scenario) -> dict[str, str]:
    """Every Jira status of the scenario with its category: a demo whose data-quality report
    lists unmapped statuses would teach a new user to ignore that report (and Jira has no
    "wait" category of its own)."""
    return dict(scenario.statuses)


def _ado_states(scenario: Scenario) -> dict[str, str]:
    """Every Azure DevOps state the simulator shows for the scenario, with its category."""
    states = state_map(scenario.statuses)
    return {state.name: scenario.statuses[status] for status, state in states.items()}


def jira_source(
    name: str, url: str, scenario: Scenario, teams: list[str], **extra: Any
) -> dict[str, Any]:
    """A Jira Cloud source reading ``teams`` (one project each) from a Jira simulator."""
    return {
        "name": name,
        "kind": "jira",
        "url": url,
        "art": scenario.art,
        "flavour": "cloud",
        "email_env": "TRAINYARD_DEMO_JIRA_EMAIL",
        "token_env": "TRAINYARD_DEMO_JIRA_TOKEN",
        "projects": [t.upper() for t in teams],
        "statuses": _statuses(scenario),
        "team_rule": {"by": "project", "names": {t.upper(): t for t in teams}},
        "pi_rule": {"by": "sprint_name"},
        "work_type_labels": {
            "tech-debt": "debt",
            "enabler": "enabler",
            "defect": "defect",
            "risk": "risk",
        },
        **extra,
    }


def ado_source(
    name: str, url: str, org: str, scenario: Scenario, teams: list[str], **extra: Any
) -> dict[str, Any]:
    """An Azure DevOps source reading ``teams`` (one area path each) from its simulator."""
    return {
        "name": name,
        "kind": "azure-devops",
        "url": f"{url}/{org}",
        "art": scenario.art,
        "project": scenario.art,
        "token_env": "TRAINYARD_DEMO_ADO_PAT",
        "area_paths": [f"{scenario.art}\\{t}" for t in teams],
        "statuses": _ado_states(scenario),
        "team_rule": {"by": "area_path"},
        "pi_rule": {"by": "iteration_parent"},
        **extra,
    }


def start_demo(items: int, teams: int = 5, today: date | None = None) -> Demo:
    """Start both simulators and return the configuration of the demo ART.

    ``today`` (default: the UTC date) fixes the generated history, so tests can pin it."""
    os.environ.update(ENV)
    jira_art = generate_art(SEED, items, teams, today)
    ado_art = generate_art(SEED, items, teams, today)
    names = list(jira_art.teams)
    split = max(1, (len(names) + 1) // 2)
    jira_teams, ado_teams = names[:split], names[split:]
    jira_app = create_jira_simulator(jira_art, users={JIRA_EMAIL: JIRA_TOKEN})
    ado_app = create_ado_simulator(ado_art, org="demo", project=ado_art.art, pat=ADO_PAT)
    jira_server = BackgroundServer(jira_app).start()
    ado_server = BackgroundServer(ado_app).start()
    config = TrainyardConfig.model_validate(
        {
            "demo": True,
            "arts": [
                {
                    "name": jira_art.art,
                    "timezone": jira_art.timezone,
                    "teams": [{"name": n} for n in names],
                }
            ],
            "sources": [
                # webhooks can be tried on the demo without a secret (warned at start-up)
                jira_source(
                    "demo-jira", jira_server.url, jira_art, jira_teams, webhook_allow_unsigned=True
                ),
                ado_source(
                    "demo-ado",
                    ado_server.url,
                    "demo",
                    ado_art,
                    ado_teams,
                    webhook_allow_unsigned=True,
                ),
            ],
        }
    )
    log.info(
        "demo trackers: Jira %s (%s), Azure DevOps %s (%s)",
        jira_server.url,
        ", ".join(jira_teams),
        ado_server.url,
        ", ".join(ado_teams),
    )
    return Demo(
        config=config, servers=[jira_server, ado_server], apps={"jira": jira_app, "ado": ado_app}
    )
