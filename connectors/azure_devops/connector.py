"""The Azure DevOps connector: pulls (full and incremental), fetches and service hooks.

Full pull: read the reporting revisions feed to its end (every item's history, folded as it
comes and parked on disk by connectors.azure_devops.feed; its last continuation token becomes
the watermark), list the in-scope ids by WIQL windows, then fetch current items with relations
200 at a time, one RecordBatch per 200. The feed is read first, so anything that changes
during the pull is picked up by the next incremental one.

Incremental pull (``since`` = a feed token): the feed from that token names the changed items;
WIQL tells which are still in scope (the others are deletions); their current state comes from
``workitemsbatch`` and their history from the feed: whole when the feed holds it all (new
items), else going on from where the item's stored history stands (asked of the store, a page
of the feed at a time, when sync hands the connector ``metadata.stored``; kept in this
process's ``metadata.positions`` otherwise), else, when the feed cannot go on from there, from
``workItems/{id}/revisions``. Fields, teams, states and iterations are kept in the source's
metadata between pulls, so a warm incremental pull with nothing new costs one request and one
with N changed items ceil(N/200) + 3; in a new process the metadata is read first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from art.chunks import chunks
from art.config import PIConfig, SourceConfig
from art.errors import BadPayload, ConfigError
from art.records import Deletion, ObjectiveRecord, RecordBatch, RiskRecord, TeamRecord
from connectors.azure_devops import queries, webhooks
from connectors.azure_devops.client import BATCH_MAX, AdoClient
from connectors.azure_devops.feed import FeedHistory, Folded
from connectors.azure_devops.fields import resolve_fields
from connectors.azure_devops.history import Position, history_from, position_of
from connectors.azure_devops.mapping import Context, item_id, links_of, map_item
from connectors.azure_devops.structure import IterationIndex, TeamResolver
from connectors.azure_devops.transport import AdoRequestError, Guard, RetryPolicy
from connectors.base import WebhookEvent
from connectors.metadata import SourceMetadata
from connectors.read_ahead import read_ahead
from connectors.throttle import fetch_ahead

TOO_LARGE = "WorkItemTrackingQueryResultSizeLimitExceededException"


class AzureDevOpsConnector:
    """Reads one Azure DevOps project (``source.url`` = organization URL) through the SDK."""

    kind: ClassVar[str] = "azure-devops"

    def __init__(
        self,
        source: SourceConfig,
        pis: list[PIConfig],
        *,
        retry: RetryPolicy | None = None,
        wiql_window: int = queries.WIQL_CAP,
        feed_page_size: int = 1000,
        timeout: float = 60.0,
    ) -> None:
        if not source.project:
            raise ConfigError(f"source '{source.name}': an Azure DevOps source needs project")
        if not source.token_env:
            raise ConfigError(
                f"source '{source.name}': token_env must name the variable "
                "holding the personal access token"
            )
        self.source, self.pis = source, pis
        self.wiql_window, self.feed_page_size = wiql_window, feed_page_size
        org_url = source.url.rstrip("/")
        self.guard = Guard(retry or RetryPolicy(), source.name, org_url, source.token_env)
        self.client = AdoClient(
            org_url, source.project, source.secret("token_env") or "", self.guard, timeout
        )
        self.metadata = SourceMetadata(source.metadata_ttl_minutes * 60)
        self._special: set[int] | None = None  # objective and risk ids, from the last pull
        self._counted = 0

    def close(self) -> None:
        self.client.close()

    # -- context ---------------------------------------------------------------------------
    def share_metadata(self, metadata: SourceMetadata) -> None:
        """Use the running service's metadata of this source (kept between pulls)."""
        self.metadata = metadata

    def context(self) -> Context:
        """Fields, teams, states and iterations, each kept for ``metadata_ttl_minutes`` in
        :attr:`metadata` (a full pull reads them again)."""
        ctx: Context = self.metadata.read("context", self._load_context)
        ctx.iterations = self.metadata.read(
            "iterations",
            lambda: IterationIndex.build(self.source, self.pis, self.client.iterations()),
        )
        return ctx

    def _load_context(self) -> Context:
        refs = resolve_fields(self.source, self.client.fields())
        teams = TeamResolver.build(self.source, {})
        if teams.needs_team_settings:
            areas = {
                t["name"]: self.client.team_field_values(t["name"]).get("values") or []
                for t in self.client.teams()
            }
            teams = TeamResolver.build(self.source, areas)
        return Context(self.source, refs, IterationIndex.build(self.source, self.pis, None), teams)

    def _ensure_states(self, ctx: Context, types: set[str]) -> None:
        """Fetch the states (with categories) of work item types not seen yet."""
        own = {self.source.objectives.item_type, self.source.risks.item_type}
        for name in sorted(types - own):
            if name and name.lower() not in ctx.states:
                ctx.states[name.lower()] = {
                    str(s.get("name")).lower(): str(s.get("category"))
                    for s in self.client.type_states(name)
                }

    # -- ids -------------------------------------------------------------------------------
    def scope_ids(self) -> list[int]:
        """Every in-scope work item id, ascending, in WIQL windows under the 20,000 cap."""
        return self._ids(queries.scope(self.source))

    def _ids(self, scope: str) -> list[int]:
        """Every id matching ``scope``, ascending, one window of ``wiql_window`` at a time:
        WIQL cuts an answer at ``$top`` without saying so."""
        out: list[int] = []
        last = 0
        while True:
            try:
                ids = self.client.wiql(queries.window(scope, last), self.wiql_window)
            except AdoRequestError as exc:
                if exc.type_key != TOO_LARGE and "VS402337" not in str(exc):
                    raise
                upto = last + self.wiql_window
                out.extend(self.client.wiql(queries.window(scope, last, upto), self.wiql_window))
                last = upto
                continue
            out.extend(ids)
            if len(ids) < self.wiql_window:
                return out
            last = max(ids)

    def _special_ids(self) -> set[int]:
        """Objective and risk items: records of their own, never ends of work item links."""
        types = [self.source.objectives.item_type, self.source.risks.item_type]
        return set(self._ids(queries.scope(self.source, types)))

    def _in_scope(self, ids: list[int]) -> set[int]:
        """Which of ``ids`` are in scope, asked in lists no longer than a window (an answer
        cut at ``$top`` would turn the rest into deletions)."""
        scope, found = queries.scope(self.source), set()
        for part in chunks(sorted(ids), min(queries.IN_LIST_MAX, self.wiql_window)):
            found.update(self.client.wiql(queries.among(scope, part), self.wiql_window))
        return found

    def _feed(self, ctx: Context, token: str | None) -> tuple[FeedHistory, str | None]:
        """Read the feed from ``token`` to its end, folding each item's revisions as the
        pages arrive (a pull keeps changes, not revisions): from rev 1, or from where the
        item's stored history stands (:meth:`_earlier`)."""
        history = FeedHistory(lambda ids: self._earlier(ctx, ids))
        start, fields = token, ctx.refs.history_fields()
        # the feed's next page is read (a continuation token at a time) while this one folds
        pages = read_ahead(lambda: self.client.revisions_feed(start, self.feed_page_size, fields))
        try:
            for page in pages:
                self._ensure_states(  # the state categories the snapshots need
                    ctx,
                    {
                        str((r.get("fields") or {}).get("System.WorkItemType") or "")
                        for r in page.values
                    },
                )
                history.add_page(ctx, page.values)
                token = page.continuation_token or token
        except BaseException:
            history.close()
            raise
        return history, token

    def _earlier(self, ctx: Context, ids: list[int]) -> dict[int, Position]:
        """Where the stored histories of ``ids`` stand: asked of the store when sync gave a
        way to (``metadata.stored``), else as this process's earlier pulls left them."""
        stored = self.metadata.stored
        if stored is None:
            positions = self.metadata.positions
            return {i: positions[i] for i in ids if i in positions}
        found = stored([str(i) for i in ids])
        kinds = {
            str((h.raw.get("fields") or {}).get("System.WorkItemType") or "")
            for h in found.values()
        }
        self._ensure_states(ctx, kinds)  # the state categories of the stored snapshots
        out: dict[int, Position] = {}
        for key, held in found.items():
            if (position := position_of(ctx, held.raw, held.next_seq)) is not None:
                out[int(key)] = position
        return out

    # -- pulls -----------------------------------------------------------------------------
    def pull(self, since: str | None) -> Iterator[RecordBatch]:
        """Full pull when ``since`` is None, else incremental from that feed token."""
        if since is None:  # a full pull reads the metadata again and every item's history
            self.metadata.expire()
            self.metadata.positions.clear()
        ctx = self.context()
        history, token = self._feed(ctx, since)
        try:
            yield from self._pull_items(ctx, since, history, token)
        finally:
            history.close()

    def _pull_items(
        self, ctx: Context, since: str | None, history: FeedHistory, token: str | None
    ) -> Iterator[RecordBatch]:
        """The pull's batches once the feed is read: its items fetched 200 at a time."""
        if since is not None and not history:
            yield self._counted_batch(RecordBatch(watermark=token))
            return
        special = self._special = self._special_ids()
        if since is None:
            ids = self.scope_ids()
            gone: set[int] = set()
        else:
            in_scope = self._in_scope(list(history))
            ids = sorted(in_scope)
            gone = set(history) - in_scope
        ordered = sorted(special.intersection(ids)) + [i for i in ids if i not in special]
        parts = list(chunks(ordered, BATCH_MAX)) or [[]]
        fetched = fetch_ahead(self._work_items, parts, self.source.concurrency)
        for n, (part, found) in enumerate(zip(parts, fetched, strict=True)):
            batch = RecordBatch()
            if n == 0:
                batch.iterations = list(ctx.iterations.records.values())
                batch.teams = ctx.teams.records()
                batch.deletions = [Deletion(str(i)) for i in sorted(gone)]
            # mapped: the feed's changes of these items are done with
            self._fill(batch, ctx, part, found, history.take(part), special)
            if n == len(parts) - 1:
                batch.watermark = token
            yield self._counted_batch(batch)

    def fetch(self, keys: list[str]) -> RecordBatch:
        """The named items now, with full history and links (webhooks use it)."""
        ctx = self.context()
        batch = RecordBatch()
        ids = sorted({int(k) for k in keys if k.isdigit()})
        for key in keys:
            if not key.isdigit():
                batch.errors.append(f"{key}: not an Azure DevOps work item id")
                batch.skipped_keys.add(key)
        if self._special is None and ids:
            self._special = self._special_ids()
        for part in chunks(ids, BATCH_MAX):
            self._fill(batch, ctx, part, self._work_items(part), {}, self._special or set())
        return self._counted_batch(batch)

    def _counted_batch(self, batch: RecordBatch) -> RecordBatch:
        batch.links = list(dict.fromkeys(batch.links))  # each link is seen from both ends
        names = dict.fromkeys(i.team for i in batch.items if i.team)
        batch.teams = list(dict.fromkeys([*batch.teams, *(TeamRecord(n, n) for n in names)]))
        now = self.guard.requests  # workers fetching ahead count theirs meanwhile
        batch.requests, self._counted = now - self._counted, now
        return batch

    def _work_items(self, ids: list[int]) -> list[dict[str, Any]]:
        """The current state of ``ids`` (one workitemsbatch; the pull runs several at once)."""
        return [w for w in self.client.work_items(ids) if isinstance(w, dict)] if ids else []

    def _fill(
        self,
        batch: RecordBatch,
        ctx: Context,
        ids: list[int],
        found: list[dict[str, Any]],
        history: Mapping[int, Folded],
        special: set[int],
    ) -> None:
        """Map the items ``found`` for ``ids`` into ``batch`` (an id not found is a deletion);
        history from the feed's (``history``) where it holds it from where the item's stored
        history stands, else read whole."""
        seen = {w.get("id") for w in found}
        batch.deletions.extend(Deletion(str(i)) for i in ids if i not in seen)
        self._ensure_states(
            ctx, {str((w.get("fields") or {}).get("System.WorkItemType") or "") for w in found}
        )
        for work_item in found:
            try:
                self._one(ctx, work_item, history, special, batch)
            except BadPayload as exc:
                batch.errors.append(f"work item {work_item.get('id')}: {exc}")
                batch.skipped_keys.add(str(work_item.get("id")))

    def _one(
        self,
        ctx: Context,
        work_item: Mapping[str, Any],
        history: Mapping[int, Folded],
        special: set[int],
        batch: RecordBatch,
    ) -> None:
        record = map_item(ctx, work_item)
        if record is None:
            return
        if isinstance(record, ObjectiveRecord):
            batch.objectives.append(record)
            return
        if isinstance(record, RiskRecord):
            batch.risks.append(record)
            return
        number = item_id(work_item)
        folded = history.get(number)
        position: Position | None
        if folded is not None:
            changes, position, whole = folded
        else:  # the feed does not hold it from where its stored history stands: ask
            revisions = self.client.item_revisions(number)
            changes, position = history_from(ctx, record.key, revisions, record.item_type)
            whole = True
        if position is not None and self.metadata.stored is None:
            self.metadata.positions[number] = position  # (else the store holds it)
        links = [
            link
            for link in links_of(ctx, work_item)
            if int(link.from_key) not in special and int(link.to_key) not in special
        ]
        batch.items.append(record)
        batch.changes.extend(changes)
        batch.links.extend(links)
        if whole:  # else the changes go on from those stored by an earlier pull
            batch.complete_history_for.add(record.key)
        batch.complete_links_for.add(record.key)

    # -- webhooks --------------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        webhooks.verify(self.source, headers)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        return webhooks.parse(headers, body, self.source)
