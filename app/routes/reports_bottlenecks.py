"""The bottleneck report over HTTP (docs/api.md "Bottlenecks"): JSON, or CSV with one row per
entry of each section (``section`` tells them apart), with an ETag like every report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api_models.bottlenecks import BottlenecksOut
from app.deps import ReadScope
from app.render import report_response
from app.reports.bodies_bottlenecks import bottlenecks_body
from app.reports.params import Ctx, FlowQ, FormatQuery, csv_columns, report_responses

router = APIRouter(prefix="/api/v1/arts/{art}", tags=["reports: flow"], dependencies=[ReadScope])

BOTTLENECK_COLUMNS = csv_columns(
    "section team status status_category items item_days p50_days p85_days share_pct"
    " first_half.from first_half.to first_half.mean_load first_half.throughput"
    " second_half.from second_half.to second_half.mean_load second_half.throughput"
    " load_change rising key title flagged_since flagged_days in_status_since days_in_status"
    " flow_item_days flagged_item_days flagged_share_pct"
    " provider.key provider.team consumer.key consumer.team plan_status planned_by needed_by"
    " remaining_items sample_done finish_p50 finish_p85 days_after_need reason"
    " url display_key provider.url consumer.url"
)


def bottleneck_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every section's entries as rows, ``section`` first."""
    sections = (
        ("time_in_status", body["time_in_status"]),
        ("wip_trend", body["wip_trend"]),
        ("blocked", body["blocked"]["items"]),
        ("flagged_share", body["blocked"]["by_team"]),
        ("stalled", body["stalled"]),
        ("dependency_risk", body["dependency_risk"]["data"]),
    )
    return [{"section": name, **row} for name, rows in sections for row in rows]


@router.get(
    "/bottlenecks",
    response_model=BottlenecksOut,
    responses=report_responses(
        "one row per entry of each section, named in `section`", BOTTLENECK_COLUMNS
    ),
)
def bottlenecks(request: Request, ctx: Ctx, q: FlowQ, format: FormatQuery = None) -> Response:
    """Where delivery gets stuck in [from, to): time in each status per team (p50, p85,
    item-days, share of flow time), teams whose WIP rose while throughput did not, items
    flagged at as_of with the flagged share of flow time, items stalled (no status change for
    a week), and open dependencies whose
    provider's Monte Carlo finish (p85) falls after the consumer needs it. Defaults as for
    `/flow`; the forecast's `seed` is derived from the request and returned."""
    body = bottlenecks_body(ctx, q)
    return report_response(request, body, bottleneck_rows(body), BOTTLENECK_COLUMNS)
