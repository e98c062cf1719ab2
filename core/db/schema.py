"""Table definitions (SQLAlchemy Core). Migrations in core/migrations create exactly these."""

from __future__ import annotations

import sqlalchemy as sa

from core.db.types import UtcDateTime, json_type

metadata = sa.MetaData()

ID = 128

events = sa.Table(
    "events", metadata,
    sa.Column("event_id", sa.String(200), primary_key=True),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("occurred_at", UtcDateTime(), nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("source", sa.String(100)),
    sa.Column("payload", json_type(), nullable=False),
)

accounts = sa.Table(
    "accounts", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("arr", sa.Float, nullable=False),
    sa.Column("tier", sa.String(20), nullable=False),
    sa.Column("lifecycle_stage", sa.String(20), nullable=False),
    sa.Column("renewal_date", sa.Date),
    sa.Column("csm", sa.String(200)),
    sa.Column("ae", sa.String(200)),
    sa.Column("legal_notes", sa.Text),
    sa.Column("contract_terms", sa.Text),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
)

contacts = sa.Table(
    "contacts", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("account_id", sa.String(ID), nullable=False, index=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("email", sa.String(320)),
    sa.Column("title", sa.String(300)),
    sa.Column("is_key_stakeholder", sa.Boolean, nullable=False, default=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
)

tickets = sa.Table(
    "tickets", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("account_id", sa.String(ID), nullable=False, index=True),
    sa.Column("contact_id", sa.String(ID)),
    sa.Column("subject", sa.String(1000), nullable=False),
    sa.Column("priority", sa.String(4), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("assignee", sa.String(200)),
    sa.Column("group", sa.String(200)),
    sa.Column("engineering_owner", sa.String(200)),
    sa.Column("sla_policy", sa.String(200)),
    sa.Column("reopen_count", sa.Integer, nullable=False, default=0),
    sa.Column("is_escalated", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("solved_at", UtcDateTime()),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
)

# Every ticket snapshot ever received: handoffs, reopens and engineering ownership are derived from it.
ticket_snapshots = sa.Table(
    "ticket_snapshots", metadata,
    sa.Column("event_id", sa.String(200), primary_key=True),
    sa.Column("ticket_id", sa.String(ID), nullable=False, index=True),
    sa.Column("account_id", sa.String(ID), nullable=False, index=True),
    sa.Column("occurred_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("priority", sa.String(4), nullable=False),
    sa.Column("assignee", sa.String(200)),
    sa.Column("engineering_owner", sa.String(200)),
    sa.Column("reopen_count", sa.Integer, nullable=False),
)

messages = sa.Table(
    "messages", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("ticket_id", sa.String(ID), nullable=False, index=True),
    sa.Column("account_id", sa.String(ID), nullable=False, index=True),
    sa.Column("author_side", sa.String(20), nullable=False),
    sa.Column("author_id", sa.String(200)),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("event_id", sa.String(200), nullable=False),
)

usage_snapshots = sa.Table(
    "usage_snapshots", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("account_id", sa.String(ID), nullable=False, index=True),
    sa.Column("week_start", sa.Date, nullable=False),
    sa.Column("active_users", sa.Integer, nullable=False),
    sa.Column("sessions", sa.Integer, nullable=False),
    sa.Column("feature_adoption", sa.Float),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
)

csat_responses = sa.Table(
    "csat_responses", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("account_id", sa.String(ID), nullable=False, index=True),
    sa.Column("ticket_id", sa.String(ID)),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
)

sla_events = sa.Table(
    "sla_events", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("ticket_id", sa.String(ID), nullable=False, index=True),
    sa.Column("account_id", sa.String(ID), nullable=False, index=True),
    sa.Column("metric", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("due_at", UtcDateTime(), nullable=False),
    sa.Column("occurred_at", UtcDateTime(), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
)

notes = sa.Table(
    "notes", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("account_id", sa.String(ID), nullable=False, index=True),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
)

assessments = sa.Table(
    "assessments", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(ID), nullable=False, index=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("band", sa.String(10), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("needs_review", sa.Boolean, nullable=False),
    sa.Column("ruleset_version", sa.String(64), nullable=False),
    sa.Column("assessed_at", UtcDateTime(), nullable=False),
    sa.Column("body", json_type(), nullable=False),
)

escalations = sa.Table(
    "escalations", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("account_id", sa.String(ID), nullable=False, index=True),
    sa.Column("thread_id", sa.String(200), nullable=False, unique=True),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("closed_at", UtcDateTime()),
    sa.Column("phase", sa.String(20), nullable=False),
    sa.Column("owner", sa.String(200)),
    sa.Column("tier", sa.String(20)),
    sa.Column("outcome", sa.String(20)),
    sa.Column("deescalation_reason", sa.Text),
    sa.Column("sla_due", json_type(), nullable=False),
    sa.Column("assessment_id", sa.Integer),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

timeline = sa.Table(
    "timeline", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("escalation_id", sa.String(ID), nullable=False, index=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("kind", sa.String(60), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    # Side effects after an interrupt are keyed by case and step, so a re-run writes nothing twice.
    sa.Column("idem_key", sa.String(300), unique=True),
)

swarm_members = sa.Table(
    "swarm_members", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("escalation_id", sa.String(ID), nullable=False, index=True),
    sa.Column("person", sa.String(200), nullable=False),
    sa.Column("role", sa.String(30), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("rule_id", sa.String(64)),
    sa.Column("assumed_at", UtcDateTime(), nullable=False),
    sa.Column("renounced_at", UtcDateTime()),
    sa.UniqueConstraint("escalation_id", "person", "role", name="uq_swarm_member"),
)

approvals = sa.Table(
    "approvals", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("escalation_id", sa.String(ID), nullable=False, index=True),
    sa.Column("thread_id", sa.String(200), nullable=False),
    sa.Column("step", sa.String(60), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("assigned_role", sa.String(30), nullable=False),
    sa.Column("assigned_to", sa.String(200)),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("request", json_type(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("decided_at", UtcDateTime()),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decision", json_type()),
    sa.UniqueConstraint("escalation_id", "step", name="uq_approval_step"),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("target", sa.String(300), nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("detail", json_type(), nullable=False),
)

knowledge_articles = sa.Table(
    "knowledge_articles", metadata,
    sa.Column("id", sa.String(ID), primary_key=True),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("problem", sa.Text, nullable=False),
    sa.Column("solution", sa.Text, nullable=False),
    sa.Column("tags", json_type(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("source_case_id", sa.String(ID)),
    sa.Column("provenance", json_type(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("approved_at", UtcDateTime()),
)

measurement_events = sa.Table(
    "measurement_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(30), nullable=False, index=True),
    sa.Column("account_id", sa.String(ID), nullable=False),
    sa.Column("escalation_id", sa.String(ID)),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("detail", json_type(), nullable=False),
    sa.Column("idem_key", sa.String(300), unique=True),
)

# Messages that leave the system (customer updates, notifications): sent at most once per key.
outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("idem_key", sa.String(300), nullable=False, unique=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("escalation_id", sa.String(ID)),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("sent_at", UtcDateTime()),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
)

APPEND_ONLY_TABLES = ("events", "assessments", "timeline", "audit_log", "measurement_events", "ticket_snapshots")

# Detection state: one bounded window per account (rules/signals/window.py), rewritten as events arrive.
signal_windows = sa.Table(
    "signal_windows", metadata,
    sa.Column("account_id", sa.String(ID), primary_key=True),
    sa.Column("state", json_type(), nullable=False),
    sa.Column("watermark", UtcDateTime()),
    sa.Column("events", sa.Integer, nullable=False, default=0),
    sa.Column("thresholds_hash", sa.String(64), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# Where detection has read the event log up to: (received_at, event_id) of the last event folded in.
detection_cursors = sa.Table(
    "detection_cursors", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("thresholds_hash", sa.String(64), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# Detection reads the event log in arrival order from its cursor.
sa.Index("ix_events_received_at", events.c.received_at, events.c.event_id)

# Scale-out (several API processes): state that used to live in one process lives here.
# POST /events deliveries, stored before the 202 and applied by whichever worker claims them.
event_deliveries = sa.Table(
    "event_deliveries", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # pending | failed (applied rows are deleted)
    sa.Column("reason", sa.Text),
)
sa.Index("ix_event_deliveries_status", event_deliveries.c.status, event_deliveries.c.id)

# Webhook signatures seen inside the tolerance window: a replay is refused whichever worker receives it.
webhook_signatures = sa.Table(
    "webhook_signatures", metadata,
    sa.Column("signature", sa.String(200), primary_key=True),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
)

# At most one open Red case per account, even when two workers open it at the same moment.
sa.Index("uq_escalations_open_account", escalations.c.account_id, unique=True,
         sqlite_where=escalations.c.closed_at.is_(None), postgresql_where=escalations.c.closed_at.is_(None))

# ---- i11: the live loop (per-account detection, the clock, risk reviews) ----------------------------
# Events accepted but not yet folded into their account's window: written in the ingest transaction,
# deleted in the detection transaction that folds them, so each event is folded exactly once.
detection_pending = sa.Table(
    "detection_pending", metadata,
    sa.Column("account_id", sa.String(ID), primary_key=True),
    sa.Column("event_id", sa.String(200), primary_key=True),
    sa.Column("received_at", UtcDateTime(), nullable=False),
)
sa.Index("ix_detection_pending_received", detection_pending.c.received_at)

# When each account's assessment next changes by time alone (silence, SLA due, renewal window).
assessment_schedule = sa.Table(
    "assessment_schedule", metadata,
    sa.Column("account_id", sa.String(ID), primary_key=True),
    sa.Column("next_due_at", UtcDateTime()),
    sa.Column("assessed_at", UtcDateTime(), nullable=False),
)
sa.Index("ix_assessment_schedule_due", assessment_schedule.c.next_due_at)

# Where each case's workflow thread stands, so the minute's recovery and timer round reads only the cases
# that need it (graph/service.py): `settled` once a run finished and its pending approval was mirrored
# (false from the start of a run until then: a crash leaves it false), `next_due_at` the timer the
# thread waits on. An open case without a row (opened before this table, or a crash before its first
# run) counts as not settled.
case_runs = sa.Table(
    "case_runs", metadata,
    sa.Column("case_id", sa.String(ID), primary_key=True),
    sa.Column("settled", sa.Boolean, nullable=False),
    sa.Column("next_due_at", UtcDateTime()),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)
sa.Index("ix_case_runs_due", case_runs.c.next_due_at)

# Low-confidence decisions waiting for a person: confirm (opens the case) or dismiss (a false positive).
risk_reviews = sa.Table(
    "risk_reviews", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.String(ID), nullable=False, index=True),
    sa.Column("assessment_id", sa.Integer, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("band", sa.String(10), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # open | confirmed | dismissed
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("decided_at", UtcDateTime()),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("case_id", sa.String(ID)),
)
# One open review per account, whatever the number of workers.
sa.Index("uq_risk_reviews_open_account", risk_reviews.c.account_id, unique=True,
         sqlite_where=risk_reviews.c.status == "open", postgresql_where=risk_reviews.c.status == "open")

# --- i16: vendor sync (connectors/sync.py) ------------------------------------------------------------
# Where each vendor stream (`zendesk:tickets`, `salesforce:Case`, ...) has read up to. A row moves only in the
# transaction that stores the page's events, so a crash resumes at the first page not yet stored.
sync_cursors = sa.Table(
    "sync_cursors", metadata,
    sa.Column("stream", sa.String(100), primary_key=True),
    sa.Column("cursor", sa.Text),  # the vendor's cursor, next-page URL or start time; NULL: start from watermark
    sa.Column("watermark", UtcDateTime()),  # newest record time stored: the restart point if a cursor expires
    sa.Column("pages", sa.Integer, nullable=False, default=0),
    sa.Column("events", sa.Integer, nullable=False, default=0),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# --- branch i14: what the operator taught the product, and how each reader did over time -----------------
# One row per label with its provenance: a CSAT comment (source csat), a reviewer's correction at case
# close (source review), an imported file (source csv). kind "sentiment" labels a text; kind "risk" labels
# a closed case confirmed/dismissed with the signal values it was opened on (detail). A later label for the
# same (kind, source, source_ref) replaces the earlier one: the reviewer changed their mind.
operator_labels = sa.Table(
    "operator_labels", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("label", sa.String(20), nullable=False),
    sa.Column("text", sa.Text),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("source_ref", sa.String(300), nullable=False),
    sa.Column("account_id", sa.String(ID)),
    sa.Column("escalation_id", sa.String(ID)),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("detail", json_type(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("kind", "source", "source_ref", name="uq_operator_label"),
)

# Every evaluation of a reader or of risk weights on the operator's held-back labels (dashboard history).
model_evaluations = sa.Table(
    "model_evaluations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False, index=True),
    sa.Column("version", sa.String(100), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("metric", sa.String(40), nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("activated", sa.Boolean, nullable=False),
    sa.Column("detail", json_type(), nullable=False),
)

# --- i15 (workspace): the accounts page ranks accounts by their latest assessment and filters them.
# Derived, never written by the application: a trigger on `assessments` keeps each account's newest row
# here (core/db/latest_risk.py), so ranking 10,000 accounts reads 10,000 rows, not their whole history.
account_risk = sa.Table(
    "account_risk", metadata,
    sa.Column("account_id", sa.String(ID), primary_key=True),
    sa.Column("assessment_id", sa.Integer, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("band", sa.String(10), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("assessed_at", UtcDateTime(), nullable=False),
)
sa.Index("ix_account_risk_rank", account_risk.c.score, account_risk.c.account_id)
sa.Index("ix_account_risk_band", account_risk.c.band, account_risk.c.score)
sa.Index("ix_assessments_account_at", assessments.c.account_id, assessments.c.assessed_at)
sa.Index("ix_accounts_tier", accounts.c.tier)
sa.Index("ix_accounts_csm", accounts.c.csm)
sa.Index("ix_accounts_renewal_date", accounts.c.renewal_date)


# --- i17: decisions that failed to apply, and sessions ended at logout -------------------------------------
# The last failure of each approval whose decision could not be applied (status "failed"); `attempts`
# counts every failure, so /metrics can report a total that only grows.
approval_failures = sa.Table(
    "approval_failures", metadata,
    sa.Column("approval_id", sa.String(64), primary_key=True),
    sa.Column("escalation_id", sa.String(ID), nullable=False, index=True),
    sa.Column("failed_at", UtcDateTime(), nullable=False),
    sa.Column("decision_type", sa.String(20), nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
)

# Page sessions ended by logout before their expiry (rows are dropped once the cookie would have expired).
revoked_sessions = sa.Table(
    "revoked_sessions", metadata,
    sa.Column("session_id", sa.String(64), primary_key=True),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
)

# --- i18: the reads people wait on (migration 0010) ---------------------------------------------------------
sa.Index("ix_approvals_status_created", approvals.c.status, approvals.c.created_at, approvals.c.id)
sa.Index("ix_approvals_status_role_created", approvals.c.status, approvals.c.assigned_role, approvals.c.created_at)
sa.Index("ix_assessments_account_id_id", assessments.c.account_id, assessments.c.id)
