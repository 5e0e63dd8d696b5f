"""How outgoing events name items: by key, display key, URL in the tracker and the name of
the source they come from, never by a row id of Trainyard's store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from art.config import SourceConfig
from art.links import item_ref
from art.models import Source, WorkItem


def item_sources(session: Session, art_id: int, keys: Iterable[str]) -> dict[str, str]:
    """The name of the source each of ``keys`` (items of the ART) comes from."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = session.execute(
        select(WorkItem.key, Source.name)
        .join(Source, Source.id == WorkItem.source_id)
        .where(WorkItem.art_id == art_id, WorkItem.key.in_(wanted))
    )
    return {key: name for key, name in rows}


def named_items(
    session: Session, art_id: int, keys: Iterable[str], sources: Mapping[str, SourceConfig]
) -> list[dict[str, Any]]:
    """Each of ``keys`` as an event names it: key, display key, URL and source (an item not
    in the store keeps its key, with no URL and no source)."""
    keys = list(keys)
    found = item_sources(session, art_id, keys)
    named = []
    for key in keys:
        source = found.get(key)
        ref = item_ref(sources.get(source) if source else None, key)
        named.append({"key": key, **ref, "source": source})
    return named
