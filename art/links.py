"""Back to the tracker: an item's URL and the key a person recognises, from its source.

One place for both, so every report, list, CSV, digest and event names an item the same way
(docs/configuration.md ``display_prefix``): Jira issues at ``{url}/browse/{KEY}`` with their
keys as they are; Azure DevOps work items at ``{org url}/{project}/_workitems/edit/{id}``,
shown as the tracker shows them (``#1014``) or with the source's ``display_prefix``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import quote

from art.config import SourceConfig

AZURE_DEVOPS = "azure-devops"
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch  # what quote() leaves as it is


def _quoted(text: str) -> str:
    """``text`` as one URL path segment; keys and ids seldom need quoting, and a load
    names every item of an ART, so the check comes first."""
    return text if _UNRESERVED(text) else quote(text, safe="")


def _url_prefix(source: SourceConfig) -> str:
    """Everything of an item's URL before its key."""
    base = source.url.rstrip("/")
    if source.kind == AZURE_DEVOPS:
        project = f"/{_quoted(source.project)}" if source.project else ""
        return f"{base}{project}/_workitems/edit/"
    return f"{base}/browse/"


def _shown_prefix(source: SourceConfig) -> str | None:
    """What goes before an item's key when people read it; None: the key as it is."""
    return (source.display_prefix or "#") if source.kind == AZURE_DEVOPS else None


def item_url(source: SourceConfig, key: str) -> str:
    """The issue or work item in the tracker's own web UI: Jira ``{url}/browse/{KEY}``, Azure
    DevOps ``{org url}/{project}/_workitems/edit/{id}``."""
    return _url_prefix(source) + _quoted(key)


def display_key(source: SourceConfig, key: str) -> str:
    """The key as people read it: Jira keys as they are, Azure DevOps ids ``#1014`` or
    ``{display_prefix}1014``."""
    shown = _shown_prefix(source)
    return key if shown is None else f"{shown}{key}"


def item_refs(source: SourceConfig) -> Callable[[str], dict[str, str | None]]:
    """:func:`item_ref` for the keys of one source, with what the source decides worked out
    once: a page of a list names a thousand items."""
    parts = item_ref_parts(source)

    def ref(key: str) -> dict[str, str | None]:
        url, shown = parts(key)
        return {"url": url, "display_key": shown}

    return ref


def item_ref_parts(source: SourceConfig) -> Callable[[str], tuple[str, str]]:
    """An item's (URL, display key) by its key, for the keys of one source, with what the
    source decides worked out once: a load of an ART names every item."""
    url, shown = _url_prefix(source), _shown_prefix(source)

    def parts(key: str) -> tuple[str, str]:
        return url + _quoted(key), key if shown is None else shown + key

    return parts


def item_ref_lists(
    source: SourceConfig | None, keys: list[str]
) -> tuple[list[str | None], list[str | None]]:
    """The URLs and display keys of many keys of one source, as :func:`item_ref_parts`
    gives them one by one, made at C speed where no key needs quoting (a load names
    every item of an ART); an unconfigured source's items have neither."""
    if source is None:
        return [None] * len(keys), [None] * len(keys)
    url, shown = _url_prefix(source), _shown_prefix(source)
    if _UNRESERVED("".join(keys)):  # (every key as it is in a URL)
        urls: list[str | None] = list(map(url.__add__, keys))
    else:
        urls = [url + _quoted(key) for key in keys]
    displays: list[str | None] = list(keys if shown is None else map(shown.__add__, keys))
    return urls, displays


def item_ref(source: SourceConfig | None, key: str) -> dict[str, str | None]:
    """``url`` and ``display_key`` of an item; an item of a source no longer configured keeps
    its key and has no URL."""
    return _unconfigured(key) if source is None else item_refs(source)(key)


def _unconfigured(key: str) -> dict[str, str | None]:
    """An item of a source no longer configured: its key, no URL."""
    return {"url": None, "display_key": key}


def item_refs_by_source(
    sources: Mapping[str, SourceConfig],
) -> Callable[[str, str], dict[str, str | None]]:
    """:func:`item_ref` by the source's name, each source's part worked out once: a page of a
    list names a thousand items."""
    refs = {name: item_refs(source) for name, source in sources.items()}

    def ref(source: str, key: str) -> dict[str, str | None]:
        return refs.get(source, _unconfigured)(key)

    return ref


def by_name(sources: Iterable[SourceConfig]) -> Mapping[str, SourceConfig]:
    """The configured sources by name, as the store's rows name them."""
    return {s.name: s for s in sources}


def stored_keys(
    sources: Iterable[SourceConfig], wanted: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """Per Azure DevOps source with a ``display_prefix``, the stored ids that ``wanted``
    display keys name (``ORN-1014`` -> ``1014``), so a filter agrees with ``display_key``."""
    found: dict[str, tuple[str, ...]] = {}
    for s in sources:
        if s.kind == AZURE_DEVOPS and s.display_prefix:
            ids = {k[len(s.display_prefix) :] for k in wanted if k.startswith(s.display_prefix)}
            if ids := {i for i in ids if i}:
                found[s.name] = tuple(sorted(ids))
    return found
