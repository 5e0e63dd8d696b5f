"""Azure DevOps connector: work items, history, links and iterations through the azure-devops SDK.

Modules: ``client`` (the only one touching the SDK), ``transport`` (retries, throttling and
error translation), ``queries`` (WIQL), ``fields`` / ``structure`` / ``mapping`` / ``history``
(pure mapping from Azure DevOps JSON to records), ``webhooks`` (service hooks) and
``connector`` (the :class:`~connectors.azure_devops.connector.AzureDevOpsConnector`).
"""
