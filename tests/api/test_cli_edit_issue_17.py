"""Issue 17: `redaccount inbox decide ... edit` uses the same edit contract as the API and the page."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from core.store.approvals import get_approval
from core.store.cases import read_timeline
from tests.api.conftest import KEYS
from tests.utils.deciding import approver, pending_of, served_client, start_case

runner = CliRunner()


def test_issue_17_cli_edit_is_applied_refused_by_path_or_refused_as_bad_json(tmp_path: Path) -> None:
    with served_client(tmp_path) as (client, _):
        case_id = start_case(client)
        record = pending_of(client, case_id)
        env = {"REDACCOUNT_DATA_DIR": str(tmp_path / "data"), "REDACCOUNT_LLM_ENABLED": "false",
               "REDACCOUNT_API_KEYS_FILE": str(tmp_path / "keys.yaml")}
        key = KEYS[approver(record)]

        def decide(*args: str):  # type: ignore[no-untyped-def]
            return runner.invoke(app, ["inbox", "decide", record.id, *args, "--api-key", key], env=env)

        not_json = decide("edit", "--edit", '{"n": ' + "9" * 4301 + "}")
        assert not_json.exit_code == 2 and "digits" in not_json.output
        refused = decide("edit", "--edit", json.dumps({"brief": {"source": "x", "intent": ""}}))
        assert refused.exit_code == 1, refused.output
        assert "edited_payload.brief.source" in refused.output and "edited_payload.brief.intent" in refused.output
        assert get_approval(client.app.state.engine, record.id).status == "pending"
        applied = decide("edit", "--edit", json.dumps({"brief": {"intent": "Owner confirmed: SSO before renewal"}}))
        assert applied.exit_code == 0, applied.output
        assert "edit applied" in applied.output
        (entry,) = [e for e in read_timeline(client.app.state.engine, case_id) if e.kind == "brief_edited"]
        assert entry.payload["edited"]["intent"]["text"] == "Owner confirmed: SSO before renewal"
