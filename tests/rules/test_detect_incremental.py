"""Incrementality: window state after event-by-event updates equals a from-scratch recomputation."""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.detector import Detector
from rules.signals import compute_signals
from rules.signals.window import AccountWindow, phrase_pattern
from rules.thresholds import Thresholds
from tests.rules.history import History

TEXTS = ["Thanks, that works, great help.", "Still broken, terrible, we are frustrated and blocked.",
         "Just checking in again on this one.", "This has been open for weeks.", "Could you look at the export?"]
OPEN = {"new", "open", "pending", "on_hold"}

action = st.one_of(
    st.tuples(st.just("ticket"), st.integers(0, 4), st.sampled_from(["p1", "p2", "p3"])),
    st.tuples(st.just("say"), st.integers(0, 4), st.integers(0, len(TEXTS) - 1)),
    st.tuples(st.just("reply"), st.integers(0, 4), st.just(0)),
    st.tuples(st.just("status"), st.integers(0, 4), st.sampled_from(["open", "solved", "pending"])),
    st.tuples(st.just("assign"), st.integers(0, 4), st.sampled_from(["maya", "leo", "camille"])),
    st.tuples(st.just("breach"), st.integers(0, 4), st.just(0)),
    st.tuples(st.just("csat"), st.integers(0, 4), st.integers(1, 5)),
    st.tuples(st.just("usage"), st.integers(10, 200), st.just(0)),
    st.tuples(st.just("wait"), st.integers(1, 24 * 12), st.just(0)),
)


def build(actions: list[tuple]) -> History:
    h = History().account(renewal_in_days=60).contact("c1", key=True)
    tickets: dict[int, dict] = {}
    for kind, a, b in actions:
        tid = f"t{a}"
        if kind == "ticket" and a not in tickets:
            tickets[a] = {"subject": f"Problem {a} with the export of orders", "priority": b, "status": "new",
                          "assignee": None, "created": h.now}
            h.ticket(tid, subject=tickets[a]["subject"], priority=b, contact=f"c{a % 3}", created=h.now)
        elif kind == "wait":
            h.wait(hours=a)
        elif kind == "usage":
            h.wait(days=7).usage(a)
        elif a not in tickets:
            continue
        elif kind == "say":
            h.say(tid, TEXTS[b])
        elif kind == "reply":
            h.say(tid, "We are on it.", side="agent", author="maya")
        elif kind in ("status", "assign"):
            tickets[a]["status" if kind == "status" else "assignee"] = b
            t = tickets[a]
            h.ticket(tid, subject=t["subject"], priority=t["priority"], status=t["status"], assignee=t["assignee"],
                     contact=f"c{a % 3}", created=t["created"])
        elif kind == "breach":
            h.sla(tid, "breached")
        elif kind == "csat":
            h.csat(tid, b)
        h.wait(hours=1)
    return h


def reference(events: list, now: float, th: Thresholds) -> dict:
    """Plain recomputation over the full history (no windows, no caps)."""
    status: dict[str, str] = {}
    reopened: dict[str, float] = {}
    prev: dict[str, tuple] = {}
    handoffs: dict[str, list[float]] = {}
    breaches, messages, usage, low, created = [], [], [], [], {}
    for e in events:
        at, p = e.occurred_at.timestamp(), e.payload
        if e.type == "ticket.upserted":
            if p.id in prev:
                s0, r0, a0 = prev[p.id]
                if p.reopen_count > r0 or (s0 not in OPEN and p.status.value in OPEN):
                    reopened[p.id] = at
                if a0 and p.assignee and p.assignee != a0:
                    handoffs.setdefault(p.id, []).append(at)
            else:
                created[p.id] = at
            a_prev = prev.get(p.id, (None, 0, None))[2]
            prev[p.id] = (p.status.value, max(p.reopen_count, prev.get(p.id, (0, 0))[1]), p.assignee or a_prev)
            status[p.id] = p.status.value
        elif e.type == "sla.recorded" and p.status.value == "breached":
            breaches.append((at, p.ticket_id))
        elif e.type == "message.created" and p.author_side.value == "customer":
            messages.append((at, p.ticket_id, p.text))
        elif e.type == "usage.recorded":
            usage.append((p.active_users, p.sessions))
        elif e.type == "csat.recorded" and p.score <= th.csat_low_max:
            low.append((at, p.ticket_id))

    def live(at: float, tid: str) -> bool:
        if at >= now - th.lookback_days * 86400:
            return True
        return at >= now - th.open_ticket_memory_days * 86400 and status.get(tid) in OPEN

    pattern = phrase_pattern(th.escalation_phrases)
    live_msgs = [m for m in messages if live(m[0], m[1])]
    followups = [(c, t) for t, tat in created.items() for c in low
                 if c[1] != t and 0 <= tat - c[0] <= th.csat_followup_days * 86400 and live(tat, t)]
    return {
        "sla_breaches": sum(1 for at, tid in breaches if live(at, tid)),
        "reopened_tickets": sum(1 for tid, at in reopened.items() if live(at, tid)
                                or at >= now - th.reopen_lookback_days * 86400),
        "max_handoffs": max((sum(1 for at in v if live(at, k)) for k, v in handoffs.items()), default=0),
        "escalation_hits": sum(len(pattern.findall(m[2])) for m in live_msgs),
        "customer_messages": len(live_msgs),
        "low_csat_followups": len(followups),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(action, min_size=1, max_size=40), st.integers(1, 5))
def test_incremental_state_equals_recomputation(actions: list[tuple], chunks: int) -> None:
    th = Thresholds()
    h = build(actions)
    now = h.now.timestamp()

    # One pass, event by event.
    one = Detector(th)
    one.process(h.events)
    facts_one, signals_one = compute_signals(one.windows["acc-1"], now, th)

    # Several passes, the window persisted to JSON and restored between them (as the store does).
    many = Detector(th)
    size = max(1, len(h.events) // chunks)
    for i in range(0, len(h.events), size):
        many.process(h.events[i:i + size])
        state = json.loads(json.dumps(many.windows["acc-1"].to_dict()))
        many.windows["acc-1"] = AccountWindow.from_dict(state, th)
    facts_many, signals_many = compute_signals(many.windows["acc-1"], now, th)
    assert facts_one == facts_many
    assert [s.model_dump() for s in signals_one] == [s.model_dump() for s in signals_many]

    expected = reference(h.events, now, th)
    assert {k: facts_one[k] for k in expected} == expected


def test_state_stays_bounded_however_long_the_history() -> None:
    th = Thresholds()
    h = History().account().contact("c1", key=True)
    detector = Detector(th)
    sizes = []
    for block in range(6):
        for i in range(400):
            tid = f"t{block}-{i}"
            h.ticket(tid, subject=f"Issue {i % 17} in module {block}", assignee="maya")
            h.say(tid, "Still broken, this has been open for weeks.").sla(tid, "breached")
            h.ticket(tid, subject=f"Issue {i % 17} in module {block}", assignee="leo", status="solved")
            h.csat(tid, 2).wait(hours=3)
        detector.process(h.events)
        h.events.clear()
        sizes.append(len(json.dumps(detector.windows["acc-1"].to_dict())))
    lim = th.limits
    w = detector.windows["acc-1"]
    assert len(w.tickets) <= lim.tracked_tickets and len(w.messages) <= lim.recent_messages
    assert all(len(getattr(w, n)) <= lim.hits for n in ("escalations", "breaches", "handoffs", "low_csat"))
    assert max(sizes[1:]) <= 1.2 * min(sizes[1:])  # flat after the first block fills the caps
    assert h.now - timedelta(days=1) < h.now
