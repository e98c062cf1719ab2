"""Charts that read: whole labels, readable numbers, a legend; the same charts as SVG and PNG files."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.charts import Chart, fmt, svg
from core.models import Role
from tests.api.conftest import auth
from tests.api.test_workspace_pages import _seed

PHASES = [("detect", 0.4), ("triage", 2.0), ("resolve", 30.5), ("post resolution", 1.25), ("fcr watch", 72.0)]


def test_labels_are_never_cut_and_values_read() -> None:
    drawn = str(svg(Chart("bar", "Mean hours in each phase", PHASES, " h", legend="mean hours in phase")))
    for label, _ in PHASES:
        assert f">{label}</text>" in drawn  # whole label, not "etect" / "riage"
    assert "rotate(" in drawn  # long labels turn instead of overlapping
    assert 'class="legend"' in drawn and "mean hours in phase" in drawn
    assert ">30.5</text>" in drawn and ">0.4</text>" in drawn
    assert [fmt(v) for v in (1234.0, 12.0, 0.3333, 7.25, 250000.0)] == ["1,234", "12", "0.33", "7.25", "250,000"]


def test_gauge_prints_a_large_percentage() -> None:
    drawn = str(svg(Chart("gauge", "FCR rate", value=0.4567)))
    assert re.search(r'class="big-val">45.7 %</text>', drawn) and "0 %" in drawn and "100 %" in drawn


def test_charts_as_svg_and_png_from_the_api(client: TestClient) -> None:
    _seed(client)
    for name in ("volume", "mttr", "phases", "sla", "outcomes", "fcr", "fp"):
        got = client.get(f"/charts/{name}.svg", headers=auth(Role.manager))
        assert got.status_code == 200 and got.headers["content-type"].startswith("image/svg+xml")
        assert got.text.startswith("<svg") and "<title>" in got.text
    png = client.get("/charts/phases.png", headers=auth(Role.manager))
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    risk = client.get("/charts/accounts/acc-1/risk.png", headers=auth(Role.support_t1))
    assert risk.status_code == 200 and risk.content[:4] == b"\x89PNG"
    assert client.get("/charts/accounts/acc-1/usage.svg", headers=auth(Role.csm)).status_code == 200
    assert client.get("/charts/nope.svg", headers=auth(Role.manager)).status_code == 404
    assert client.get("/charts/phases.svg", headers=auth(Role.support_t1)).status_code == 403
    assert client.get("/charts/accounts/acc-1/risk.svg", headers=auth(Role.engineering)).status_code == 403
    assert client.get("/charts/accounts/nope/risk.svg", headers=auth(Role.csm)).status_code == 404
    assert client.get("/charts/phases.gif", headers=auth(Role.manager)).status_code == 422
    assert client.get("/charts/phases.svg").status_code == 401
