"""The report service: the one place a report body is computed, for every surface.

Routes (JSON, CSV), charts, digests, the event watcher and the benchmark all ask it; none
calls ``metrics`` directly (an import-linter contract in pyproject.toml). Its modules:

- ``params``: the HTTP side of a request, query parameters parsed and checked once;
- ``context``: the request itself (ART, as-of, window, team, PI checks, "today" and the
  current PI in the ART's time zone), for HTTP and non-HTTP callers alike;
- ``bodies_flow``, ``bodies_pi``: one ``*_body`` per report, the call into the formula;
- ``service``: ReportService, the loaded ART per data version, the body cache, freezing
  a PI's plan baseline;
- ``baselines``: the frozen plan baselines in the store (read, store once);
- ``loader``: the store's rows as the formulas' plain inputs;
- ``definition``: the configuration as the rules a figure is computed with;
- ``cache``: the thread-safe LRU both caches use.

Adding a report touches its formula (metrics), one body here, and one route.
"""
