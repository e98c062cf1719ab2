"""The one validated settings object. Nothing else in redaccount reads the environment."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, computed_field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_LLM_PORT = 8765


class Settings(BaseSettings):
    """Everything an operator can configure, read once at start-up from `REDACCOUNT_*` variables."""

    model_config = SettingsConfigDict(env_prefix="REDACCOUNT_", extra="forbid", validate_default=True)

    data_dir: Path = Field(default=Path(".redaccount"), description="Where the database, Chroma and models live.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Default: a SQLite file in data_dir. PostgreSQL: postgresql+psycopg://...",
    )
    rules_dir: Path | None = Field(default=None, description="Folder of rule YAML files; default: the shipped set.")
    thresholds_file: Path | None = Field(
        default=None, description="YAML of threshold overrides (signal and rule settings), on top of the shipped "
        "fitted Red score (rules/fitted/thresholds.yaml).")
    risk_model_file: Path | None = Field(
        default=None, description="YAML of a fitted risk model (rules/risk_model.py); it may raise review items. "
        "Unset: the shipped model fitted on the generated dev split (rules/fitted/risk_model.yaml); `none`: no model.")
    roster_file: Path | None = Field(default=None, description="YAML roster of people, roles and skills.")
    api_keys_file: Path | None = Field(default=None, description="YAML mapping API keys to actors and roles.")

    llm_base_url: str = Field(default=f"http://127.0.0.1:{DEFAULT_LLM_PORT}/v1")
    llm_model: str = Field(default="qwen2.5-coder-1.5b-instruct-q4_k_m")
    llm_embedded: Literal["1.5b", "0.5b"] = Field(
        default="1.5b", description="Which embedded model `redaccount llm serve` runs: 1.5b (default) or the "
        "faster, weaker 0.5b sibling (`pip install '.[llm-small]'`); compared in docs/models.md.")
    llm_case_block: Literal["full", "trimmed"] = Field(
        default="full", description="The case block the drafts are written from. trimmed: evidence lines without raw "
        "refs or dates, greetings and sign-offs cut, quotes <= 160 characters in one <customer_text> block, signals "
        "without rule ids or score notes and only those shown evidence backs; brief notes cite <= 2 ids in <= 80 "
        "characters. It measured better on 18 generated cases (brief prompt tokens p50 574 vs 966-1,201, model brief "
        "fields kept 35 vs 22; docs/models.md) but is not the default yet: the recorded cassettes must first be "
        "re-recorded with it as the default (`python tests/agent/record_drafts.py --cases all`).")
    llm_api_key: SecretStr = Field(default=SecretStr("local-no-key"))
    llm_enabled: bool = Field(default=True, description="False: never call a model; briefs are extractive.")
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_max_retries: int = Field(default=1, ge=0, le=5)
    llm_threads: int = Field(default=0, ge=0, le=64,
                             description="Threads for the embedded llama.cpp server; 0: all available cores but one.")
    llm_grammar: Literal["gbnf", "json_schema"] = Field(
        default="gbnf", description="How output is constrained: gbnf (llama.cpp's `grammar` field, compact JSON: the "
        "embedded server) or json_schema (response_format, any OpenAI-compatible endpoint).")
    llm_parallel: int = Field(default=1, ge=1, le=16,
                              description="Parallel slots of the embedded server (each keeps its cached prompt prefix).")
    llm_port: int = Field(default=DEFAULT_LLM_PORT, ge=1, le=65535)
    model_cache_dir: Path | None = Field(
        default=None, description="Where the joined model file is kept (default: data_dir/models); share it across data dirs.")

    chroma_url: str | None = Field(default=None, description="http://host:port of a Chroma server; default: on disk.")
    embedding_batch_size: int = Field(default=64, ge=1, le=4096)

    webhook_secret: SecretStr | None = Field(default=None, description="HMAC secret for POST /events.")
    allow_unsigned_events: bool = Field(default=False, description="Accept unsigned POST /events (dev only).")
    webhook_tolerance_s: int = Field(default=300, ge=1, le=3600)
    zendesk_webhook_secret: SecretStr | None = None
    notify_urls: list[str] = Field(default_factory=list, description="Outgoing Slack/Teams-style webhook URLs.")
    notify_allowed_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "localhost", "::1"],
        description="Hosts notify_urls may point at (exact names); anything else is refused at start-up.")

    review_confidence_floor: float = Field(default=0.6, ge=0, le=1)
    sentiment_model_margin: float = Field(
        default=0.0, ge=0, le=1,
        description="Cascade: messages whose sentiment margin (top probability minus the next) is below this "
                    "are also read by the configured model; 0 = never (the model costs ~0.6 s per message).")

    jobs_url: str | None = Field(
        default=None, description="Job queue: redis://host:port/db, or a huey SQLite file path. Default: the "
        "database (PostgreSQL) or data_dir/jobs.sqlite (SQLite).")
    job_threads: int = Field(default=2, ge=1, le=64, description="Job threads per process running jobs.")
    jobs_in_api: bool = Field(default=True, description="API processes also run jobs (off: only `redaccount worker`).")
    clock_start: datetime | None = Field(
        default=None, description="Replays: the product's clock reads this time at wall time clock_wall_start.")
    clock_wall_start: float | None = Field(default=None, description="Replays: Unix time at which clock_start holds.")
    clock_speed: float = Field(default=1.0, gt=0, description="Replays: seconds of product time per wall second.")
    detection_live: bool = Field(default=True, description="Assess each account as its events arrive (off: only "
                                 "`redaccount score`; for benchmarks).")

    # Vendor sync (`redaccount sync ...`, docs/connectors.md). Secrets are SecretStr: never printed or logged.
    zendesk_subdomain: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$",
                                          description="acme for https://acme.zendesk.com.")
    zendesk_base_url: str | None = Field(default=None, description="Overrides the subdomain (a proxy, a fake).")
    zendesk_email: str | None = Field(default=None, description="The admin whose API token is used.")
    zendesk_api_token: SecretStr | None = None
    salesforce_instance_url: str | None = Field(default=None, description="https://MyDomain.my.salesforce.com")
    salesforce_client_id: str | None = Field(default=None, description="Consumer key of the connected app.")
    salesforce_client_secret: SecretStr | None = None
    salesforce_api_version: str = Field(default="60.0", pattern=r"^\d{2,3}\.0$")
    sync_interval_s: float = Field(default=300.0, gt=0, description="Follow mode: pause between two syncs.")
    sync_max_attempts: int = Field(default=8, ge=1, le=50, description="Tries per request (429, 5xx, network).")
    sync_max_wait_s: float = Field(default=120.0, gt=0, description="Longest single wait between two tries.")
    refit_interval_s: float = Field(default=86400.0, ge=60,
                                    description="Refit the reader and risk weights from labels this often (a job).")
    escalation_meaning: bool = Field(
        default=False, description="Live detection also reads escalation language by meaning (MiniLM; "
                                   "docs/deployment.md has its per-message cost). `redaccount eval` follows it; its full run also measures it on.")
    compliance_meaning: bool = Field(
        default=False, description="Messages the compliance word rules did not match are also read by meaning "
                                   "(MiniLM + a classifier fitted at start-up); a likely concern only raises a "
                                   "review item, never a compliance hit. docs/evaluation.md has its figures.")

    @field_validator("webhook_secret", "zendesk_webhook_secret")
    @classmethod
    def _refuse_weak_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # A guessable secret makes signature checks theatre; refuse it rather than run insecurely.
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("webhook secrets must be at least 16 characters")
        return value

    @field_validator("zendesk_base_url", "salesforce_instance_url")
    @classmethod
    def _refuse_plain_http(cls, value: str | None) -> str | None:
        # Credentials travel in these requests: plain http is allowed only to this machine (tests, a local proxy).
        if value is None:
            return None
        value = value.rstrip("/")
        host = value.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
        if value.startswith("http://") and host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("vendor URLs must use https (plain http only to 127.0.0.1/localhost)")
        if not value.startswith(("https://", "http://")):
            raise ValueError("vendor URLs must start with https://")
        return value

    @property
    def zendesk_url(self) -> str | None:
        """The Zendesk account's base URL: zendesk_base_url, or https://<subdomain>.zendesk.com."""
        if self.zendesk_base_url:
            return self.zendesk_base_url
        return f"https://{self.zendesk_subdomain}.zendesk.com" if self.zendesk_subdomain else None

    @model_validator(mode="after")
    def _resolve_paths(self) -> Settings:
        self.data_dir = self.data_dir.expanduser()
        return self

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def effective_database_url(self) -> str:
        """The database URL in force: the configured one or a SQLite file inside data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'redaccount.db').resolve()}"

    @property
    def is_postgres(self) -> bool:
        return self.effective_database_url.startswith("postgresql")

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def models_dir(self) -> Path:
        return self.model_cache_dir or (self.data_dir / "models")

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"

    def ensure_dirs(self) -> None:
        """Create the data directory tree (idempotent)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
