"""Every report and chart endpoint of docs/api.md "Reports" and "Charts", as one router for the
app factory.

The endpoints live in reports_pi (PI-scoped reports), reports_flow (flow reports) and charts;
query parsing shared by all of them is in app.reports.params.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.routes import charts, reports_flow, reports_pi

router = APIRouter()
router.include_router(reports_pi.router)
router.include_router(reports_pi.admin_router)
router.include_router(reports_flow.router)
router.include_router(charts.router)
