"""An ART's rules as the formulas take them: its configuration turned into a Definition.

The formulas read plain data (metrics.facts.Definition) and never the configuration file; this
is the one place where ``trainyard.toml``'s ART settings and its sources' status mappings
become the rules a figure is computed with, and the tracker team values a team answers to.
"""

from __future__ import annotations

from collections.abc import Mapping

from art.config import ArtConfig, TrainyardConfig
from art.vocabulary import StatusCategory
from metrics.inputs import Definition


def definition_from_config(
    art: ArtConfig, statuses: Mapping[str, StatusCategory] | None = None
) -> Definition:
    """The definition an ART's configuration asks for; ``statuses`` is the mapping in force."""
    return Definition(
        timezone=art.timezone,
        start_status=art.start_status,
        done_rule=art.done_rule,
        count_start_day=art.count_start_day,
        restart_on_backlog=art.restart_on_backlog,
        statuses=dict(statuses or {}),
    )


def art_definition(config: TrainyardConfig, art: str) -> Definition:
    """The ART's rules from the config, with every source's status mapping merged (an ART
    the config does not name: UTC and the default rules)."""
    art_cfg = next((a for a in config.arts if a.name == art), None)
    statuses: dict[str, StatusCategory] = {}
    for source in config.sources:
        if source.art == art:
            statuses.update(source.statuses)
    if art_cfg is None:
        return Definition(statuses=statuses)
    return definition_from_config(art_cfg, statuses)


def team_aliases(config: TrainyardConfig, art: str) -> dict[str, str]:
    """Tracker team values (aliases) to the configured team names of the ART."""
    art_cfg = next((a for a in config.arts if a.name == art), None)
    aliases: dict[str, str] = {}
    if art_cfg is not None:
        for team in art_cfg.teams:
            for alias in team.aliases:
                aliases[alias] = team.name
    return aliases
