"""Colours that mean the same thing on every chart: one per team, one per status category."""

from __future__ import annotations

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
TEAM_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999999",
    "#882255",
    "#44AA99",
    "#117733",
)
CATEGORY_COLOURS = {
    "todo": "#BBBBBB",
    "active": "#0072B2",
    "wait": "#E69F00",
    "done": "#009E73",
    "removed": "#D55E00",
}
BAND_COLOURS = {"below": "#D55E00", "within": "#009E73", "above": "#0072B2", None: "#999999"}


def team_colours(teams: list[str]) -> dict[str, str]:
    """A stable colour per team: teams sorted by name take the palette in order."""
    ordered = sorted(set(teams))
    return {t: TEAM_COLOURS[i % len(TEAM_COLOURS)] for i, t in enumerate(ordered)}


# Dependency statuses (the console's program board and dependency table): always shown with
# their name beside the colour.
DEPENDENCY_COLOURS = {
    "on_track": "#009E73",
    "at_risk": "#E69F00",
    "late": "#D55E00",
    "conflict": "#CC79A7",
    "resolved": "#56B4E9",
    "removed": "#999999",
}
