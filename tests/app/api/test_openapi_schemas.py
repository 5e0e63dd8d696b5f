"""The OpenAPI document describes every JSON answer: each GET's 200 has a schema with
properties and an example, CSV is documented beside JSON, and the documented fields are the
keys the real bodies carry (the models document the bodies; they never shape them)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from app.api_models import bottlenecks, flow, items, outlook, pi
from app.api_models.base import ApiModel
from app.main import create_app
from app.settings import Settings
from tests.app.api.conftest import REPORT_PI, WINDOW, Api
from tests.conftest import bearer

DOC: dict[str, Any] = create_app(Settings(scheduler=False)).openapi()
GETS = [
    (path, op)
    for path, ops in DOC["paths"].items()
    for method, op in ops.items()
    if method == "get"
]
JSON_GETS = [
    (path, op["responses"]["200"]["content"]["application/json"]["schema"])
    for path, op in GETS
    if "application/json" in op["responses"].get("200", {}).get("content", {})
]


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$ref`` followed (to the components of the document)."""
    while "$ref" in schema:
        target: Any = DOC
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def fields(model: type[BaseModel]) -> set[str]:
    """The keys a model documents, by their names in JSON (``from``, not ``from_``)."""
    return {f.alias or name for name, f in model.model_fields.items()}


def test_every_json_get_is_documented_by_a_schema_with_properties() -> None:
    api_gets = [p for p, _ in GETS if p.startswith("/api/v1/")]
    assert len(api_gets) >= 40  # other routes come and go; none may be left out below
    empty = [p for p, schema in JSON_GETS if not resolve(schema).get("properties")]
    assert empty == []
    # the rest of /api/v1 answers images or HTML, and says so
    json_paths = {p for p, _ in JSON_GETS}
    other = {
        path: set(op["responses"]["200"]["content"])
        for path, op in GETS
        if path.startswith("/api/v1/") and path not in json_paths
    }
    assert {p.rsplit("/", 1)[-1]: media for p, media in other.items()} == {
        **{f"{n}.{{fmt}}": {"image/svg+xml", "image/png"} for n in CHARTS},
        "preview": {"text/html"},
    }


CHARTS = ("cfd", "throughput", "cycle-time", "aging", "burnup", "predictability")


def test_every_json_get_has_an_example_with_the_documented_keys() -> None:
    for path, schema in JSON_GETS:
        model = resolve(schema)
        (example,) = model.get("examples", [None])
        assert isinstance(example, dict), path
        documented, required = set(model["properties"]), set(model.get("required", []))
        assert required <= set(example) <= documented, (path, set(example) ^ documented)


def _models() -> list[type[ApiModel]]:
    """Every response model class, nested ones included."""
    found: list[type[ApiModel]] = []
    pending: list[type[ApiModel]] = [ApiModel]
    while pending:
        for sub in pending.pop().__subclasses__():
            found.append(sub)
            pending.append(sub)
    return found


def test_every_documented_field_says_what_it_means() -> None:
    models = _models()
    assert len(models) > 60
    silent = [
        f"{m.__name__}.{name}"
        for m in models
        for name, f in m.model_fields.items()
        if not f.description
    ]
    assert silent == []


def test_a_list_or_report_with_format_documents_csv_beside_json() -> None:
    missing = [
        path
        for path, op in GETS
        if any(p["name"] == "format" for p in op.get("parameters", []))
        and set(op["responses"]["200"]["content"]) != {"application/json", "text/csv"}
    ]
    assert missing == []
    dependencies = DOC["paths"]["/api/v1/arts/{art}/pis/{pi}/dependencies"]["get"]
    assert dependencies["responses"]["200"]["content"]["text/csv"] == {"schema": {"type": "string"}}


PI = f"/pis/{REPORT_PI}"
REPORTS: list[tuple[str, type[BaseModel], dict[str, Any]]] = [
    ("/flow", flow.FlowOut, WINDOW),
    ("/cycle-time", flow.CycleTimeOut, WINDOW),
    ("/throughput", flow.ThroughputOut, WINDOW),
    ("/cfd", flow.CfdOut, WINDOW),
    ("/wip", flow.WipOut, WINDOW),
    ("/aging", flow.AgingOut, {}),
    ("/data-quality", flow.DataQualityOut, {}),
    (f"{PI}/predictability", pi.PredictabilityOut, {}),
    ("/predictability", pi.PredictabilityHistoryOut, {}),
    (f"{PI}/dependencies", pi.DependenciesOut, {}),
    (f"{PI}/program-board", pi.ProgramBoardOut, {}),
    (f"{PI}/baseline", pi.BaselineOut, {}),
    (f"{PI}/baseline/scope", pi.BaselineScopeOut, {}),
    (f"{PI}/burnup", pi.BurnupOut, {}),
    ("/velocity", pi.VelocityOut, {}),
    (f"{PI}/outlook", outlook.OutlookOut, {}),
    ("/bottlenecks", bottlenecks.BottlenecksOut, WINDOW),
]


@pytest.mark.parametrize(("path", "model", "params"), REPORTS, ids=[r[0] for r in REPORTS])
def test_a_report_body_has_exactly_the_documented_keys(
    api: Api, path: str, model: type[BaseModel], params: dict[str, Any]
) -> None:
    resp = api.get(path, **params)
    assert resp.status_code == 200, resp.text
    assert set(resp.json()) == fields(model)


def test_the_forecast_documents_both_questions_and_the_default_one(api: Api) -> None:
    by_items = set(api.get("/forecast", items=10).json())
    by_date = set(api.get("/forecast", date="2026-02-27").json())
    common = fields(flow.ForecastOut) - {"items", "when", "date", "how_many", "pi"}
    assert (by_items - common, by_date - common) == ({"items", "when"}, {"date", "how_many"})


@pytest.mark.parametrize(
    ("path", "model"),
    [("/api/v1/items", items.ItemOut), ("/api/v1/links", items.LinkOut)],
)
def test_a_raw_row_has_exactly_the_documented_keys(
    api: Api, path: str, model: type[BaseModel]
) -> None:
    resp = api.client.get(path, headers=bearer(api.tokens["read"]))
    rows = resp.json()["data"]
    assert rows and {frozenset(r) for r in rows} == {frozenset(fields(model))}


def test_the_model_documents_the_body_and_never_reorders_or_filters_it(api: Api) -> None:
    """FastAPI sends a returned Response as it is: the body keeps the report's key order
    (``from`` first), where a body serialized through the model would start with ``as_of``."""
    body = api.get("/flow", **WINDOW).json()
    assert list(body)[:3] == ["from", "to", "level"]
    assert next(iter(flow.FlowOut.model_fields)) == "as_of"
