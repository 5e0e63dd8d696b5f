"""One pull of SCENARIO's Jira source into a store, in a process of its own.

``python -m tests.reliability.crash_pull <database url> <simulator url> <lease seconds>``
configures the store as ``support.jira_config`` does and runs one leased pull (incremental when
a watermark is stored), as ``trainyard sync`` does, with a lease of the given length: it closes
the run a SIGKILLed predecessor left behind. The crash-safety test SIGKILLs it mid-pull.
Exit status 0 when the pull succeeded, 1 when it failed, 3 when another pull held the lease.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from art.db import make_engine, session_factory, transaction
from connectors.jira.connector import JiraConnector
from sync.pull_lease import run_leased_pull
from sync.structure import apply_config
from tests.reliability.support import PAGE, SCENARIO, TIMEOUT, jira_config, tiny_retries


def main(database_url: str, tracker_url: str, lease_seconds: float) -> int:
    config = jira_config(tracker_url, SCENARIO, page_size=PAGE, commit_items=1)
    engine = make_engine(database_url)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        apply_config(session, config)
    source = config.source("jira")
    pis = list(config.art(SCENARIO.art).pis)
    connector = JiraConnector(source, pis, retry=tiny_retries(), timeout=TIMEOUT * 20)
    try:
        ttl = timedelta(seconds=lease_seconds)
        result = run_leased_pull(sessions, config, source, False, connector=connector, ttl=ttl)
    finally:
        connector.close()
        engine.dispose()
    if result is None:
        print("busy", flush=True)
        return 3
    print(result.status, result.counts.fetched, result.error or "", flush=True)
    return 0 if result.status == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
