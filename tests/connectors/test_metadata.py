"""The source's metadata kept between pulls: its time-to-live and its settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from art.config import SourceConfig
from connectors.metadata import SourceMetadata


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_values_are_read_again_once_older_than_the_ttl() -> None:
    clock, loads = Clock(), []
    metadata = SourceMetadata(ttl=600.0, clock=clock)

    def load() -> str:
        loads.append(clock.now)
        return f"fields@{clock.now:g}"

    assert metadata.read("fields", load) == "fields@100"
    clock.now += 600.0
    assert metadata.read("fields", load) == "fields@100"  # 10 minutes: still fresh
    clock.now += 0.5
    assert metadata.read("fields", load) == "fields@700.5"
    assert loads == [100.0, 700.5]
    assert metadata.get("sprints") is None


def test_expire_forgets_values_but_peek_sees_what_was_read_however_old() -> None:
    clock = Clock()
    metadata = SourceMetadata(ttl=1.0, clock=clock)
    metadata.put("sprints", ["S1"])
    clock.now += 5
    assert metadata.get("sprints") is None and metadata.peek("sprints") == ["S1"]
    metadata.expire()
    assert metadata.peek("sprints") is None


def _source(**extra: object) -> SourceConfig:
    return SourceConfig.model_validate(
        {"name": "jira", "kind": "jira", "url": "https://jira.example.com", "art": "A", **extra}
    )


def test_pull_settings_have_defaults_and_bounds() -> None:
    source = _source()
    assert (source.concurrency, source.metadata_ttl_minutes) == (4, 10)
    assert _source(concurrency=1, metadata_ttl_minutes=0).concurrency == 1
    with pytest.raises(ValidationError, match="concurrency"):
        _source(concurrency=0)
    with pytest.raises(ValidationError, match="metadata_ttl_minutes"):
        _source(metadata_ttl_minutes=-1)


class _Keeps:
    """A connector kind that keeps metadata (the built-in ones do)."""

    kind = "keeps-metadata"

    def __init__(self, source: SourceConfig, pis: list[object]) -> None:
        self.metadata = SourceMetadata()

    def share_metadata(self, metadata: SourceMetadata) -> None:
        self.metadata = metadata


def test_make_connector_hands_the_services_metadata_to_connectors_that_keep_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from connectors import base

    monkeypatch.setitem(base._registered, _Keeps.kind, _Keeps)  # type: ignore[arg-type]
    make_connector = base.make_connector
    source = _source(kind="keeps-metadata")
    shared = SourceMetadata()
    given = make_connector(source, [], shared)
    own = make_connector(source, [])
    assert given.metadata is shared  # type: ignore[attr-defined]
    assert own.metadata is not shared  # type: ignore[attr-defined]
