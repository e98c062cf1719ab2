"""`redaccount sync zendesk --once`, `sync status`, and the refusal when credentials are missing."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from tests.connectors.fake_server import serve
from tests.connectors.fake_zendesk import EMAIL, TOKEN, FakeZendesk, ZendeskData

runner = CliRunner()


def test_sync_once_then_status(tmp_path: Path) -> None:
    server = FakeZendesk(ZendeskData(tickets=6, comments=2, orgs=2), page_size=5)
    env = {"REDACCOUNT_DATA_DIR": str(tmp_path / "data"), "REDACCOUNT_LLM_ENABLED": "false",
           "REDACCOUNT_ZENDESK_EMAIL": EMAIL, "REDACCOUNT_ZENDESK_API_TOKEN": TOKEN}
    with serve(server.app) as url:
        result = runner.invoke(app, ["sync", "zendesk", "--once"], env={**env, "REDACCOUNT_ZENDESK_BASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "zendesk:" in result.output and "0 refused" in result.output and TOKEN not in result.output
    status = runner.invoke(app, ["sync", "status"], env=env)
    assert status.exit_code == 0 and "zendesk:ticket_events" in status.output


def test_sync_without_credentials_names_the_settings(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sync", "salesforce", "--once"],
                           env={"REDACCOUNT_DATA_DIR": str(tmp_path / "data"), "REDACCOUNT_LLM_ENABLED": "false"})
    assert result.exit_code == 1
    assert "REDACCOUNT_SALESFORCE_CLIENT_ID" in result.output


def test_plain_http_to_another_host_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sync", "zendesk", "--once"],
                           env={"REDACCOUNT_DATA_DIR": str(tmp_path / "data"),
                                "REDACCOUNT_ZENDESK_BASE_URL": "http://zendesk.example.com"})
    assert result.exit_code == 2 and "https" in result.output
