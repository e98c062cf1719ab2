"""The dashboard's and an account's charts as SVG or PNG files, for reports and other tools."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from api import chart_png, chart_specs, charts
from api.auth import Principal
from api.deps import EngineDep
from api.permissions import require
from api.readers import AccountNotFound, get_account
from core.kpis import compute_kpis
from core.permissions import Capability
from core.store.account_records import account_csat, account_usage
from core.store.book import TREND_DAYS, score_history

router = APIRouter(prefix="/charts", tags=["charts"])

Format = Literal["svg", "png"]
KpiReader = Annotated[Principal, Depends(require(Capability.read_kpis))]
AccountReader = Annotated[Principal, Depends(require(Capability.read_accounts))]
_MEDIA = {"svg": "image/svg+xml", "png": "image/png"}
# The OpenAPI document says what these answers really are (an image, not JSON), so clients and the
# schema fuzz agree on the content types.
_IMAGE = {200: {"content": {media: {} for media in _MEDIA.values()}, "description": "the chart"},
          401: {}, 403: {}, 404: {}}


def _send(chart: charts.Chart, fmt: Format) -> Response:
    body = chart_png.png(chart) if fmt == "png" else str(charts.svg(chart)).encode()
    return Response(body, media_type=_MEDIA[fmt], headers={"Cache-Control": "private, max-age=60"})


@router.get("/{name}.{fmt}", response_class=Response, responses=_IMAGE)
def dashboard_chart(name: str, fmt: Format, engine: EngineDep, principal: KpiReader) -> Response:
    """One dashboard chart (volume, mttr, phases, sla, outcomes, fcr, fp) as SVG or PNG."""
    found = chart_specs.dashboard_charts(compute_kpis(engine)).get(name)
    if found is None:
        raise HTTPException(404, f"no chart {name}; choose from {', '.join(chart_specs.DASHBOARD_NAMES)}")
    return _send(found, fmt)


@router.get("/accounts/{account_id}/{name}.{fmt}", response_class=Response, responses=_IMAGE)
def account_chart(account_id: str, name: Literal["risk", "csat", "usage"], fmt: Format, engine: EngineDep,
                  principal: AccountReader) -> Response:
    """An account's risk history (90 days), CSAT or weekly usage chart as SVG or PNG."""
    try:
        get_account(engine, account_id)
    except AccountNotFound:
        raise HTTPException(404, f"no account {account_id}") from None
    if name == "risk":
        chart = chart_specs.risk_chart(score_history(engine, account_id, TREND_DAYS))
    elif name == "csat":
        chart = chart_specs.csat_chart(account_csat(engine, account_id))
    else:
        chart = chart_specs.usage_chart(account_usage(engine, account_id))
    return _send(chart, fmt)
