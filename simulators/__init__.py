"""Tracker simulators: serve a scenario in Jira's and Azure DevOps' real wire formats."""
