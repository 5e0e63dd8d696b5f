"""Where the Jira simulator's factory lives (the implementation is the ``jira`` package)."""

from connectors.simulators.jira import JiraState, create_jira_simulator, sim_of

__all__ = ["JiraState", "create_jira_simulator", "sim_of"]
