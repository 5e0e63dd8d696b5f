"""The Jira connector (Cloud and Data Center), registered as ``connectors.jira.connector``."""
