"""The Jira simulator: a Scenario served in Jira Cloud's or Data Center's real wire format.

It renders the scenario on its own and never imports the connector's mapping, so the two
cannot agree on an invented format. ``create_jira_simulator(...)`` builds the FastAPI app;
``sim_of(app)`` is its state (mutate it, read its request log, flip its faults).
"""

from simulators.jira.app import create_jira_simulator, sim_of
from simulators.jira.state import JiraState

__all__ = ["JiraState", "create_jira_simulator", "sim_of"]
