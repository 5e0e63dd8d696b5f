"""The team and PI rules of a source, applied to Jira's projects, boards, fields and sprints.

A team's key in the records is its name after the rule's renaming (``team_rule.names``), so
the same team reads the same from a board, an issue or a sprint.
"""

from __future__ import annotations

import re
from datetime import date

from art.config import PIConfig, SourceConfig
from art.records import TeamRecord


def team_record(source: SourceConfig, value: str, display: str | None = None) -> TeamRecord:
    """The team a tracker value (project key, board id, component, Team value) stands for."""
    name = source.team_rule.names.get(value)
    return TeamRecord(key=name or value, name=name or display or value)


def pi_of(
    source: SourceConfig, pis: list[PIConfig], name: str | None, start: date | None
) -> str | None:
    """The PI of an iteration named ``name`` starting on ``start``, by the source's PI rule."""
    rule = source.pi_rule
    if rule.by == "dates":
        if start is None:
            return None
        return next((p.name for p in pis if p.start <= start <= p.end), None)
    if rule.by in ("sprint_name", "iteration_pattern") and name:
        return pi_in(source, pis, [name])
    return None


def pi_in(source: SourceConfig, pis: list[PIConfig], names: list[str]) -> str | None:
    """The first PI a list of names (fix versions, a sprint name) spells out."""
    pattern = re.compile(source.pi_rule.pattern)
    known = {p.name for p in pis}
    for text in names:
        if text in known:
            return text
        match = pattern.search(text)
        if match:
            return match.group("pi") if "pi" in pattern.groupindex else match.group(0)
    return None
