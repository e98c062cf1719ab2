"""The ServiceNow incident log as replayable cases: histories cut before the escalation, matched negatives.

Each incident becomes one account with one ticket; every logged update becomes the product's own event
envelopes (validated by `core.events.EVENT_ADAPTER`, exactly as ingest validates them):
- `ticket.upserted` with the update's priority (1..4 -> p1..p4), state (New/Active/Awaiting .../Resolved/
  Closed -> new/open/pending/solved/closed), assignee (assignment group and analyst: a change of either is
  a handoff, which is what `reassignment_count` counts) and `reopen_count`;
- `sla.recorded` (resolution, breached) at the update where `made_sla` turns 0.
Positives are read only up to the update before `escalation_sys_mod_count` (see PROVENANCE.md) and cut at
the escalation time; every positive is matched with negatives still open at the same age (hours since
their first logged update), cut at that age. The split is by time (incidents opened earlier are dev).
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.events import EVENT_ADAPTER

FOLDER = "servicenow_incident_log"
STATES = {"New": "new", "Active": "open", "Awaiting User Info": "pending", "Awaiting Vendor": "on_hold",
          "Awaiting Problem": "on_hold", "Awaiting Evidence": "pending", "Resolved": "solved", "Closed": "closed"}


@dataclass
class Case:
    """One incident cut at `cut` (positives: the escalation time; negatives: the matched age)."""

    number: str
    label: int
    kind: str
    opened: datetime
    cut: datetime
    rows: list[dict[str, str]] = field(default_factory=list)  # updates strictly before the cut

    @property
    def age_hours(self) -> float:
        return (self.cut - _t(self.rows[0]["sys_updated_at"])).total_seconds() / 3600


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def has_servicenow(data_dir: Path | None) -> bool:
    return data_dir is not None and (data_dir / FOLDER / "events.csv").is_file()


def load(data_dir: Path) -> tuple[dict[str, dict[str, str]], dict[str, list[dict[str, str]]]]:
    """Incidents by number and their updates in `sys_mod_count` order."""
    folder = data_dir / FOLDER
    with (folder / "incidents.csv").open(newline="", encoding="utf-8") as fh:
        incidents = {r["number"]: r for r in csv.DictReader(fh)}
    updates: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (folder / "events.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            updates[row["number"]].append(row)
    for rows in updates.values():
        rows.sort(key=lambda r: int(r["sys_mod_count"]))
    return incidents, dict(updates)


def build_cases(incidents: dict[str, dict[str, str]], updates: dict[str, list[dict[str, str]]],
                negatives_per_positive: int = 3, seed: int = 12, limit_positives: int | None = None) -> list[Case]:
    """Positives with at least one update before the escalation, and age-matched negatives."""
    rng = random.Random(seed)
    positives: list[Case] = []
    for number, inc in sorted(incidents.items()):
        if inc["escalated"] != "1":
            continue
        cut_count = int(inc["escalation_sys_mod_count"])
        rows = [r for r in updates.get(number, []) if int(r["sys_mod_count"]) < cut_count]
        if rows:
            positives.append(Case(number, 1, inc["escalation_kind"], _t(inc["opened_at"]),
                                  _t(inc["escalation_ts"]), rows))
    if limit_positives is not None and len(positives) > limit_positives:
        positives = sorted(rng.sample(positives, limit_positives), key=lambda c: c.number)
    pool = [(n, updates[n]) for n, inc in sorted(incidents.items()) if inc["escalated"] != "1" and n in updates]
    spans = [(n, rows, _t(rows[0]["sys_updated_at"]), _t(rows[-1]["sys_updated_at"])) for n, rows in pool]
    used: set[str] = set()
    cases = list(positives)
    for pos in positives:
        age = timedelta(hours=pos.age_hours)
        # Still being worked at that age: a later update exists, so the cut is not after the incident ended.
        eligible = [s for s in spans if s[0] not in used and s[3] > s[2] + age]
        for number, rows, first, _last in rng.sample(eligible, min(negatives_per_positive, len(eligible))):
            used.add(number)
            cut = first + age
            before = [r for r in rows if _t(r["sys_updated_at"]) <= cut]
            if before:
                cases.append(Case(number, 0, "", _t(incidents[number]["opened_at"]), cut, before))
    return cases


def split_by_time(cases: list[Case], dev_share: float = 0.6) -> tuple[list[Case], list[Case]]:
    """Dev: incidents opened before the `dev_share` quantile of opening times; test: the rest."""
    ordered = sorted(cases, key=lambda c: (c.opened, c.number))
    border = ordered[int(len(ordered) * dev_share)].opened
    return [c for c in ordered if c.opened < border], [c for c in ordered if c.opened >= border]


def to_events(case: Case) -> list[Any]:
    """The case's updates as validated product events (one account, one ticket)."""
    first = case.rows[0]
    account = case.number
    out = [{"event_id": f"sn:{account}:account", "type": "account.upserted", "source": "servicenow",
            "occurred_at": _t(first["sys_updated_at"]).isoformat(),
            "payload": {"id": account, "name": f"caller {first['caller_id'] or 'unknown'}", "arr": 0.0,
                        "tier": "mid_market", "lifecycle_stage": "mature"}}]
    made_sla = True
    for row in case.rows:
        at = _t(row["sys_updated_at"]).isoformat()
        assignee = f"group {row['assignment_group'] or '-'} / analyst {row['assigned_to'] or '-'}"
        priority = row["priority"] if row["priority"] in ("1", "2", "3", "4") else "3"
        out.append({"event_id": f"sn:{account}:{row['sys_mod_count']}", "type": "ticket.upserted",
                    "source": "servicenow", "occurred_at": at,
                    "payload": {"id": account, "account_id": account, "subject": f"incident {account}",
                                "priority": f"p{priority}", "status": STATES.get(row["incident_state"], "open"),
                                "assignee": assignee, "group": row["assignment_group"] or None,
                                "reopen_count": int(row["reopen_count"] or 0),
                                "created_at": case.opened.isoformat()}})
        if made_sla and row["made_sla"] == "0":
            made_sla = False
            out.append({"event_id": f"sn:{account}:sla:{row['sys_mod_count']}", "type": "sla.recorded",
                        "source": "servicenow", "occurred_at": at,
                        "payload": {"id": f"{account}-sla", "ticket_id": account, "account_id": account,
                                    "metric": "resolution", "status": "breached", "due_at": at, "occurred_at": at}})
    return [EVENT_ADAPTER.validate_python(e) for e in out]


def count_features(case: Case) -> dict[str, float]:
    """What the count baselines see at the cut: updates, reassignments, reopens, age (and priority, state)."""
    last = case.rows[-1]
    return {"updates": float(len(case.rows)), "reassignments": float(last["reassignment_count"] or 0),
            "reopens": float(last["reopen_count"] or 0), "age_hours": case.age_hours,
            "priority": float(last["priority"] or 3), "resolved": float(last["incident_state"] == "Resolved")}
