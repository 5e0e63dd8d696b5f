"""Trainyard metrics: pure functions from plain inputs (metrics.inputs) to figures.

Every figure is defined in docs/metrics.md. A report function takes an :class:`ArtData` (built
by the report service's loader, app.reports.loader, from the store, or directly by a test) and
an as-of time, and returns a dataclass whose ``to_dict()`` is the API shape, with
``definition`` and ``as_of``. Nothing here reads the store, the configuration or the network:
import-linter contracts in pyproject.toml keep it so.

Reports: flow_report; cycle_time_report; wip_report; throughput_report;
cfd_report; aging_report; forecast_report; predictability_report, predictability_history;
outlook_report (the PI outlook);
dependencies_report; program_board; baseline_report, plan_at; velocity_report;
burnup_report; data_quality_report.
"""

from metrics.aging import aging_report
from metrics.baseline import baseline_report, plan_at
from metrics.burnup import burnup_report
from metrics.cfd import cfd_report
from metrics.cycle_time import cycle_time_report
from metrics.data_quality import data_quality_report
from metrics.dependencies import dependencies_report
from metrics.flow import flow_report
from metrics.forecast import forecast_report
from metrics.inputs import (
    ArtData,
    Change,
    Definition,
    ItemFacts,
    IterationSpan,
    Link,
    Milestone,
    Objective,
    PISpan,
    Window,
)
from metrics.outlook import outlook_report
from metrics.predictability import predictability_history, predictability_report
from metrics.program_board import program_board
from metrics.throughput import throughput_report
from metrics.velocity import velocity_report
from metrics.wip import wip_report

__all__ = [
    "ArtData",
    "Change",
    "Definition",
    "ItemFacts",
    "IterationSpan",
    "Link",
    "Milestone",
    "Objective",
    "PISpan",
    "Window",
    "aging_report",
    "baseline_report",
    "burnup_report",
    "cfd_report",
    "cycle_time_report",
    "data_quality_report",
    "dependencies_report",
    "flow_report",
    "forecast_report",
    "outlook_report",
    "plan_at",
    "predictability_history",
    "predictability_report",
    "program_board",
    "throughput_report",
    "velocity_report",
    "wip_report",
]
