"""KPIs as JSON: MTTR, FCR rate, escalation volume, saves, false positives, time in phase, SLA breaches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime

from api.auth import Principal
from api.deps import EngineDep, SettingsDep
from api.permissions import require
from core.kpis import compute_kpis
from core.learning import learning_report
from core.permissions import Capability

router = APIRouter(prefix="/kpis", tags=["kpis"])


@router.get("", responses={401: {}, 403: {}})
def read_kpis(engine: EngineDep, _: Annotated[Principal, Depends(require(Capability.read_kpis))],
              since: AwareDatetime | None = None, until: AwareDatetime | None = None) -> dict[str, Any]:
    """Programme KPIs over [since, until] (default: the last 90 days). Definitions: core/kpis.py."""
    return compute_kpis(engine, since=since, until=until).as_dict()


@router.get("/learning", responses={401: {}, 403: {}})
def read_learning(engine: EngineDep, settings: SettingsDep,
                  _: Annotated[Principal, Depends(require(Capability.read_kpis))]) -> dict[str, Any]:
    """Reader accuracy on held-back operator labels at each refit, and the false-positive rate by week."""
    from agent.sentiment.registry import active_version

    return {**learning_report(engine), "active_reader": active_version(settings) or "shipped lexicon"}
