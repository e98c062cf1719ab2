"""Build account histories as validated event envelopes for detection tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.events import EVENT_ADAPTER

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


@dataclass
class History:
    """A fluent builder: one account, events in time order, unique ids."""

    account_id: str = "acc-1"
    now: datetime = T0
    events: list[Any] = field(default_factory=list)
    _n: int = 0

    def _emit(self, type_: str, payload: dict[str, Any], at: datetime | None = None) -> History:
        self._n += 1
        at = at or self.now
        self.events.append(EVENT_ADAPTER.validate_python(
            {"event_id": f"{self.account_id}-e{self._n:05d}", "type": type_, "occurred_at": at, "payload": payload}))
        return self

    def wait(self, hours: float = 0, days: float = 0) -> History:
        self.now += timedelta(hours=hours, days=days)
        return self

    def account(self, tier: str = "enterprise", renewal_in_days: int | None = 200, stage: str = "mature",
                arr: float = 250_000) -> History:
        renewal = (self.now + timedelta(days=renewal_in_days)).date().isoformat() if renewal_in_days else None
        return self._emit("account.upserted", {"id": self.account_id, "name": "Northwind", "arr": arr, "tier": tier,
                                               "lifecycle_stage": stage, "renewal_date": renewal})

    def contact(self, cid: str, key: bool = False) -> History:
        return self._emit("contact.upserted", {"id": cid, "account_id": self.account_id, "name": f"Person {cid}",
                                               "is_key_stakeholder": key})

    def ticket(self, tid: str, subject: str = "SSO login fails for EU users", priority: str = "p3",
               status: str = "new", contact: str | None = "c1", assignee: str | None = None,
               engineering_owner: str | None = None, reopen_count: int = 0, created: datetime | None = None) -> History:
        return self._emit("ticket.upserted", {
            "id": tid, "account_id": self.account_id, "subject": subject, "priority": priority, "status": status,
            "contact_id": contact, "assignee": assignee, "engineering_owner": engineering_owner,
            "reopen_count": reopen_count, "created_at": created or self.now})

    def say(self, tid: str, text: str, side: str = "customer", author: str | None = "c1") -> History:
        return self._emit("message.created", {"id": f"{tid}-m{self._n + 1}", "ticket_id": tid,
                                              "account_id": self.account_id, "author_side": side,
                                              "author_id": author, "text": text, "created_at": self.now})

    def sla(self, tid: str, status: str = "breached", metric: str = "next_reply", due_in_hours: float = 0) -> History:
        return self._emit("sla.recorded", {"id": f"{tid}-s{self._n + 1}", "ticket_id": tid,
                                           "account_id": self.account_id, "metric": metric, "status": status,
                                           "due_at": self.now + timedelta(hours=due_in_hours),
                                           "occurred_at": self.now})

    def csat(self, tid: str, score: int, comment: str | None = None) -> History:
        return self._emit("csat.recorded", {"id": f"{tid}-c{self._n + 1}", "account_id": self.account_id,
                                            "ticket_id": tid, "score": score, "comment": comment,
                                            "created_at": self.now})

    def usage(self, active: int, sessions: int | None = None, adoption: float | None = 0.6) -> History:
        week = (self.now - timedelta(days=7)).date().isoformat()
        return self._emit("usage.recorded", {"id": f"{self.account_id}-u{week}", "account_id": self.account_id,
                                             "week_start": week, "active_users": active,
                                             "sessions": sessions if sessions is not None else active * 5,
                                             "feature_adoption": adoption})

    def note(self, text: str, kind: str = "csm_note") -> History:
        return self._emit("note.created", {"id": f"{self.account_id}-n{self._n + 1}", "account_id": self.account_id,
                                           "author": "CSM", "kind": kind, "text": text, "created_at": self.now})


def healthy(h: History | None = None, weeks: int = 6) -> History:
    """Routine tickets answered promptly, good CSAT, steady usage."""
    h = h or History()
    h.account().contact("c1", key=True).contact("c2")
    for week in range(weeks):
        tid = f"t{week}"
        h.usage(100 + week, adoption=0.6)
        h.wait(hours=1).ticket(tid, subject=f"How do I configure report number {week}?", priority="p3")
        h.say(tid, f"Hi, how do I set up scheduled report {week} for the finance team? Thanks")
        h.wait(hours=1).say(tid, "Here is the guide for scheduled reports.", side="agent", author="maya")
        h.ticket(tid, subject=f"How do I configure report number {week}?", status="solved", assignee="maya")
        h.wait(hours=2).say(tid, "That worked, thank you, great help!")
        h.csat(tid, 5, "Quick and helpful.")
        h.wait(days=7)
    return h
