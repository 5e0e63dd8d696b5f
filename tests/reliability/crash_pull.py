"""One pull of SCENARIO's Jira source into a store, in a process of its own.

``python -m tests.reliability.crash_pull <database url> <simulator url>`` configures the store
as ``support.jira_config`` does and runs PullRunner once (incremental when a watermark is
stored), exactly as ``trainyard sync`` would. The crash-safety test SIGKILLs it mid-pull.
Exit status 0 when the pull succeeded, 1 when it failed.
"""

from __future__ import annotations

import sys

from art.db import make_engine, session_factory, transaction
from connectors.jira.connector import JiraConnector
from sync.runner import PullRunner
from sync.structure import apply_config
from tests.reliability.support import PAGE, SCENARIO, TIMEOUT, jira_config, tiny_retries


def main(database_url: str, tracker_url: str) -> int:
    config = jira_config(tracker_url, SCENARIO, page_size=PAGE)
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        apply_config(session, config)
    source = config.source("jira")
    pis = list(config.art(SCENARIO.art).pis)
    connector = JiraConnector(source, pis, retry=tiny_retries(), timeout=TIMEOUT * 20)
    try:
        result = PullRunner(sessions, config, source, connector=connector).run()
    finally:
        connector.close()
        engine.dispose()
    print(result.status, result.counts.fetched, result.error or "", flush=True)
    return 0 if result.status == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
