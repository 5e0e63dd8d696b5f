"""The Jira connector: pulls (full and incremental), fetches by key, and reads webhooks.

A pull yields first the sprints and teams of the boards in scope, then one batch per search
page with each issue's complete history and links. Incremental pulls ask for
``updated >= watermark - overlap`` (JQL has minute precision and reads dates in the API
user's time zone, so the watermark is written in that zone). The watermark is the ISO
timestamp of the latest ``updated`` seen, advanced batch by batch: the search is ordered by
``updated`` so a pull cut short can resume from any committed batch. That holds only while
the search keeps that order and misses nothing (``IssueSearch.in_order``): from the batch
where it does not, the watermark goes back to where the pull started (the beginning of time
for a full pull) and moves again only once the search is read completely.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from art.chunks import chunks
from art.config import PIConfig, SourceConfig
from art.errors import BadPayload, ConfigError, ConnectorError
from art.records import Deletion, LinkRecord, RecordBatch, TeamRecord
from connectors.base import WebhookEvent, utc_watermark
from connectors.jira.changelog import complete_changelogs
from connectors.jira.client import JiraClient, JiraRequestError
from connectors.jira.context import Context
from connectors.jira.fields import FieldIds, resolve
from connectors.jira.mapping import map_issue
from connectors.jira.retry import RetryPolicy
from connectors.jira.search import ORDER, IssueSearch, search_pages
from connectors.jira.sprints import SprintIndex, load_sprints
from connectors.jira.webhooks import out_of_scope, parse_webhook, verify_signature
from connectors.metadata import SourceMetadata
from connectors.read_ahead import read_ahead

_ORDER_BY = re.compile(r"\s+order\s+by\s+.*$", re.I | re.S)
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)  # a watermark before anything: read everything


class JiraConnector:
    """Reads one Jira Cloud or Data Center source (see the module docstring)."""

    kind: ClassVar[str] = "jira"

    def __init__(
        self,
        source: SourceConfig,
        pis: list[PIConfig],
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        """``retry``: how 429/5xx/network failures are retried; ``timeout``: seconds per HTTP
        request. The site's metadata (flavour, fields, statuses, time zone, the boards'
        sprints) is kept for ``metadata_ttl_minutes`` in :attr:`metadata`, which the sync
        service shares between the connectors it builds for the source; a full pull reads
        it again (sprints first seen on an issue are learned from the issue itself)."""
        self.source, self.pis = source, list(pis)
        self._retry, self._timeout = retry, timeout
        self._client: JiraClient | None = None
        self.metadata = SourceMetadata(source.metadata_ttl_minutes * 60)

    def share_metadata(self, metadata: SourceMetadata) -> None:
        """Use the running service's metadata of this source (kept between pulls)."""
        self.metadata = metadata

    @property
    def client(self) -> JiraClient:
        """The session, opened on first use (which reads serverInfo to learn the flavour,
        unless the source's metadata knows it)."""
        if self._client is None:
            known = self.metadata.get("flavour")
            self._client = JiraClient(self.source, self._retry, self._timeout, known)
            self.metadata.put("flavour", self._client.flavour)
        return self._client

    def _site(self) -> tuple[FieldIds, list[dict[str, Any]], str]:
        """Field ids, statuses and the API user's time zone."""
        client = self.client

        def load() -> tuple[FieldIds, list[dict[str, Any]], str]:
            fields = resolve(client.get("field"), self.source)
            statuses = client.get("status")
            zone = str(client.get("myself").get("timeZone") or "UTC")
            return fields, statuses, zone

        site: tuple[FieldIds, list[dict[str, Any]], str] = self.metadata.read("site", load)
        return site

    def _boards(self, refresh: bool = True) -> tuple[tuple[SprintIndex, list[TeamRecord]], bool]:
        """The boards' sprints and teams, and whether they were read just now; without
        ``refresh`` ones older than the time-to-live do (a fetch for a webhook)."""
        known = self.metadata.get("sprints") if refresh else self.metadata.peek("sprints")
        if known is not None:
            return known, False
        read = load_sprints(self.client, self.source, self.pis)
        return self.metadata.put("sprints", read), True

    def _context(self, refresh_sprints: bool = True) -> Context:
        return self._read_site(refresh_sprints)[0]

    def _read_site(self, refresh_sprints: bool) -> tuple[Context, list[TeamRecord], bool]:
        """The mapping's context, the boards' teams, and whether the boards were read now."""
        fields, statuses, _ = self._site()
        (sprints, teams), fresh = self._boards(refresh_sprints)
        return Context.build(self.source, self.pis, fields, statuses, sprints), teams, fresh

    def _scope(self) -> list[str]:
        """The JQL clauses that bound what the source reads: its projects, its filter."""
        scope = []
        if self.source.projects:
            scope.append("project in (" + ", ".join(f'"{p}"' for p in self.source.projects) + ")")
        if self.source.jql:
            scope.append(f"({_ORDER_BY.sub('', self.source.jql)})")
        if not scope:
            raise ConfigError(
                f"source '{self.source.name}': set projects or jql; Jira refuses unbounded searches"
            )
        return scope

    def _jql(self, since: str | None) -> str:
        scope = self._scope()
        if since is not None:
            start = self._mark(since) - timedelta(minutes=self.source.overlap_minutes)
            local = start.astimezone(self._zone())
            scope.append(f'updated >= "{local:%Y/%m/%d %H:%M}"')
        return " AND ".join(scope) + ORDER

    def _mark(self, since: str) -> datetime:
        """A watermark as an aware UTC time (a naive one is taken as UTC)."""
        try:
            at = datetime.fromisoformat(since)
        except ValueError:
            raise ConnectorError(
                f"source '{self.source.name}': watermark {since!r} is not an ISO timestamp"
            ) from None
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)

    def _zone(self) -> ZoneInfo:
        try:
            site = self.metadata.peek("site")
            return ZoneInfo(site[2] if site else "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    # -- the contract ----------------------------------------------------------------------
    def pull(self, since: str | None) -> Iterator[RecordBatch]:
        """Full pull when ``since`` is None, else the issues updated since the watermark."""
        if since is None:
            self.metadata.expire()  # a full pull reads the site's metadata again
        mark = self._client.requests if self._client is not None else 0
        client = self.client
        self.metadata.put("flavour", client.flavour)
        ctx, teams, fresh = self._read_site(True)  # not fresh: sync has them already
        seen_teams = {t.key for t in teams}
        jql, wanted = self._jql(since), ctx.fields.request()
        yield RecordBatch(
            iterations=list(ctx.sprints.records.values()) if fresh else [],
            teams=list(teams) if fresh else [],
            requests=client.requests - mark,
        )

        unsent = [0]  # requests after the last page (an empty search, a listing)

        def pages() -> Iterator[tuple[list[dict[str, Any]], int, bool]]:
            mark = client.requests
            search = IssueSearch(client, jql, wanted, self.source.page_size)
            for issues in search:
                complete_changelogs(client, issues, ctx.fields)
                now = client.requests  # workers asking ahead count theirs meanwhile
                yield issues, now - mark, search.in_order
                mark = now
            unsent[0] = client.requests - mark

        high, trusted = (self._mark(since) if since else BEGINNING), True
        for issues, requests, in_order in read_ahead(pages):
            batch = self._batch(issues, ctx, seen_teams)
            high = max([high, *(item.updated_at for item in batch.items)])
            if in_order:
                batch.watermark = utc_watermark(high) if high > BEGINNING else None
            elif trusted:  # what was read before may have skipped something: start over
                batch.watermark, trusted = since or utc_watermark(BEGINNING), False
            batch.requests = requests
            yield batch
        if not trusted:  # the search was read completely after all
            yield RecordBatch(watermark=utc_watermark(high), requests=unsent[0])
        elif unsent[0]:
            yield RecordBatch(requests=unsent[0])

    def fetch(self, keys: list[str]) -> RecordBatch:
        """The named issues now, with full history and links; a vanished one is a Deletion."""
        mark = self._client.requests if self._client is not None else 0
        client = self.client
        ctx = self._context(refresh_sprints=False)
        wanted = list(dict.fromkeys(keys))
        issues: list[dict[str, Any]] = []
        missing: list[str] = []
        for chunk in chunks(wanted, 100):
            jql = "key in (" + ", ".join(f'"{k}"' for k in chunk) + ")" + ORDER
            try:
                for page in search_pages(client, jql, ctx.fields.request(), 100):
                    issues += page
            except JiraRequestError as exc:
                if exc.status != 400:
                    raise
                for key in chunk:  # one key no longer exists: ask one by one
                    try:
                        issues.append(client.get(f"issue/{key}", self._issue_params(ctx)))
                    except JiraRequestError as err:
                        if err.status != 404:
                            raise
                        missing.append(key)
        # an issue named by a webhook or a link may lie outside what the source reads
        outside = [i for i in issues if out_of_scope(i, str(i.get("key")), self.source)]
        if self.source.jql and len(outside) < len(issues):
            inside = self._in_filter(client, [str(i.get("key")) for i in issues])
            outside = [i for i in issues if i.get("key") not in inside]
        if outside:
            gone = {str(i.get("key")) for i in outside}
            missing += sorted(gone)
            issues = [i for i in issues if str(i.get("key")) not in gone]
        complete_changelogs(client, issues, ctx.fields)
        batch = self._batch(issues, ctx, set())
        batch.deletions = [Deletion(k) for k in missing]
        batch.requests = client.requests - mark
        return batch

    def _in_filter(self, client: JiraClient, keys: list[str]) -> set[str]:
        """Which of ``keys`` the source's scope (projects and JQL filter) selects. A fetch
        asks for issues by key, and webhooks and links name issues the source may not read;
        one it does not read (or that left its scope) is one a full pull would not read
        either, so the fetch gives it as deleted, as the full pull's reconciliation would."""
        inside: set[str] = set()
        for chunk in chunks(keys, 100):
            named = "key in (" + ", ".join(f'"{k}"' for k in chunk) + ")"
            jql = " AND ".join([*self._scope(), named]) + ORDER
            for page in search_pages(client, jql, ["summary"], 100):
                inside.update(str(issue.get("key")) for issue in page)
        return inside

    def _issue_params(self, ctx: Context) -> dict[str, Any]:
        params: dict[str, Any] = {"fields": ",".join(ctx.fields.request())}
        if self.client.flavour == "datacenter":
            params["expand"] = "changelog"
        return params

    def _batch(
        self, issues: list[dict[str, Any]], ctx: Context, seen_teams: set[str]
    ) -> RecordBatch:
        batch = RecordBatch()
        links: dict[tuple[str, str, str], LinkRecord] = {}
        for issue in issues:
            try:
                m = map_issue(issue, ctx)
            except BadPayload as exc:
                batch.errors.append(str(exc))
                batch.skipped_keys.add(str(issue.get("key") or issue.get("id")))
                continue
            batch.items.append(m.item)
            batch.changes += m.changes
            links.update(((k.from_key, k.to_key, k.kind.value), k) for k in m.links)
            batch.iterations += m.new_iterations
            if m.objective:
                batch.objectives.append(m.objective)
            if m.risk:
                batch.risks.append(m.risk)
            if m.team is not None and m.team.key not in seen_teams:
                seen_teams.add(m.team.key)
                batch.teams.append(m.team)
            batch.complete_history_for.add(m.item.key)
            batch.complete_links_for.add(m.item.key)
        batch.links = list(links.values())
        return batch

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check ``X-Hub-Signature`` (refused unsigned unless the source allows it)."""
        verify_signature(headers, body, self.source)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Turn one delivery into what changed (issue events ask for a refetch)."""
        known = self.metadata.peek("sprints")
        return parse_webhook(headers, body, self.source, self.pis, known[0] if known else None)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
