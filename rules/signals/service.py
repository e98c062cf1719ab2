"""Operational signals: SLA, reopens, handoffs, engineering silence, density, repeat contact, low CSAT then a ticket."""

from __future__ import annotations

from core.models import CauseStatus
from rules.signals.base import FamilyResult, evidence, signal
from rules.signals.window import DAY, HOUR, OPEN, AccountWindow, ts
from rules.thresholds import Thresholds


def service_signals(w: AccountWindow, now: float, th: Thresholds) -> FamilyResult:
    out = FamilyResult()

    breaches = [b for b in w.breaches if w.live(b[4], b[1], now)]
    out.facts["sla_breaches"] = len(breaches)
    if breaches:
        tickets = sorted({b[1] for b in breaches})
        out.signals.append(signal(
            "sla_breach", 0.6 + 0.2 * (len(breaches) - 1), th, 0.95,
            f"{len(breaches)} SLA breach(es) on {', '.join(tickets[:4])}",
            [evidence("sla_event", b[0], b[4], f"{b[2]} SLA breached on {b[1]} (due {ts(b[3]):%Y-%m-%d %H:%M})")
             for b in breaches[-4:]], CauseStatus.confirmed))

    imminent = []
    open_tickets = 0
    high_open = []
    eng_silent = []
    for tid, t in w.tickets.items():
        if t.status not in OPEN or t.created > now:
            continue
        open_tickets += 1
        if t.priority in th.high_priorities:
            high_open.append((tid, t))
        for metric, (status, due, at, sla_id) in t.sla.items():
            if status == "warning" and at <= now < due <= now + th.sla_imminent_hours * HOUR:
                imminent.append((sla_id, tid, metric, due, at))
        if t.eng_owner and t.eng_since is not None and t.eng_since <= now:
            last_update = max(t.eng_since, t.last_reply or 0.0)
            silent = (now - last_update) / HOUR
            if silent >= th.engineering_silence_hours:
                eng_silent.append((tid, t, silent))
    open_now = [t for t in w.tickets.values() if t.status in OPEN and t.created <= now]
    seen = [t for t in w.tickets.values() if t.created <= now and t.updated <= now]
    recent = [t for t in seen if now - t.updated <= th.lookback_days * DAY]
    # Activity facts (no signal of their own; the fitted risk model reads them): how hard and how lately
    # the account's tickets are being worked, and where they stand.
    out.facts.update(
        hours_since_ticket_update=round((now - max(t.updated for t in seen)) / HOUR, 2) if seen else -1.0,
        max_ticket_updates=max((t.updates for t in recent), default=0),
        solved_tickets_recent=sum(1 for t in recent if t.status == "solved"),
        new_tickets_open=sum(1 for t in open_now if t.status == "new"),
        pending_tickets=sum(1 for t in open_now if t.status in ("pending", "on_hold")))
    out.facts.update(_waiting(w, now, breaches))
    priorities = sorted(t.priority for t in open_now)
    out.facts.update(open_tickets=open_tickets, sla_imminent=len(imminent), high_priority_open=len(high_open),
                     highest_open_priority=priorities[0] if priorities else "none",
                     engineering_owned=any(t.eng_owner for t in open_now),
                     unresolved_recent=sum(1 for t in open_now if now - t.created <= th.unresolved_recent_days * DAY))
    if imminent:
        out.signals.append(signal(
            "sla_imminent", 0.5 + 0.25 * len(imminent), th, 0.7, f"{len(imminent)} SLA(s) due within "
            f"{th.sla_imminent_hours:g} h",
            [evidence("sla_event", s[0], s[4], f"{s[2]} SLA on {s[1]} due {ts(s[3]):%Y-%m-%d %H:%M}")
             for s in imminent[-4:]]))

    longest = max((s for _, _, s in eng_silent), default=0.0)
    out.facts["engineering_silence_hours"] = round(longest, 1)
    if eng_silent:
        out.signals.append(signal(
            "engineering_silence", min(1.0, longest / (3 * th.engineering_silence_hours)) * 0.5 + 0.5, th, 0.85,
            f"engineering owns {len(eng_silent)} open ticket(s) with no customer update for up to {longest / 24:.1f} days",
            [evidence("ticket", tid, t.eng_since or now,
                      f"'{t.subject}': owned by {t.eng_owner}, last customer update "
                      + (f"{ts(t.last_reply):%Y-%m-%d %H:%M}" if t.last_reply else "never"))
             for tid, t, _ in eng_silent[:4]], CauseStatus.confirmed))

    reopens = [r for r in w.reopens if w.live(r[1], r[0], now) or now - th.reopen_lookback_days * DAY <= r[1] <= now]
    out.facts["reopened_tickets"] = len({r[0] for r in reopens})
    if reopens:
        out.signals.append(signal(
            "reopened_tickets", 0.6 + 0.2 * (len(reopens) - 1), th, 0.9, f"{len(reopens)} reopen(s)",
            [evidence("ticket", r[0], r[1], f"'{r[3]}' reopened (count {r[2]})") for r in reopens[-4:]],
            CauseStatus.confirmed))

    per_ticket: dict[str, list[tuple]] = {}
    for h in w.handoffs:
        if w.live(h[1], h[0], now):
            per_ticket.setdefault(h[0], []).append(h)
    worst = max(per_ticket.values(), key=len, default=[])
    out.facts["max_handoffs"] = len(worst)
    # Ownership ping-pong (a ticket handed back to someone who already passed it on): teams disagree
    # over who should spend their time on it -- the seed's "conflict over resources".
    out.facts["ownership_pingpong"] = sum(
        1 for hs in per_ticket.values() if any(h[3] in {g[2] for g in hs[:i]} for i, h in enumerate(hs)))
    if len(worst) >= th.handoffs_min:
        out.signals.append(signal(
            "handoffs", 0.4 + 0.2 * len(worst), th, 0.85, f"ticket {worst[0][0]} changed hands {len(worst)} times",
            [evidence("ticket", h[0], h[1], f"handoff {h[2]} -> {h[3]}") for h in worst[-4:]], CauseStatus.confirmed))

    episodes = [d for d in w.density if w.live(d[1], d[0], now)]
    contacts = {n[2] for d in episodes[-1:] for n in d[2] if n[2]}
    out.facts["density_contacts"] = len(contacts)
    if episodes:
        firsts: dict[str, list] = {}
        for n in episodes[-1][2]:
            firsts.setdefault(n[2], n)
        out.signals.append(signal(
            "account_density", 0.6 + 0.2 * (len(contacts) - th.density_contacts), th, 0.75,
            f"{len(contacts)} contacts opened tickets within {th.density_days:g} days",
            [evidence("ticket", n[0], n[1], f"opened by {n[2]}") for n in list(firsts.values())[:4]]))

    repeats = [r for r in w.repeats if w.live(r[2], r[0], now)]
    out.facts["repeat_contacts"] = len(repeats)
    if repeats:
        best = max(r[3] for r in repeats)
        out.signals.append(signal(
            "repeat_contact", 0.6 + 0.2 * (len(repeats) - 1), th, 0.55 + 0.4 * min(1.0, best * 2),
            f"{len(repeats)} repeat contact(s) on the same issue within {th.repeat_hours:g} h (similarity up to {best:.2f})",
            [evidence("ticket", r[0], r[2], f"'{r[4]}' repeats {r[1]} (similarity {r[3]:.2f})") for r in repeats[-4:]]))

    follow = [f for f in w.csat_followups if w.live(f[2], f[1], now)]
    out.facts["low_csat_followups"] = len(follow)
    if follow:
        proof = []
        for f in follow[-2:]:
            csat = next((c for c in w.low_csat if c[0] == f[0]), None)
            if csat:
                proof.append(evidence("csat", csat[0], csat[2], csat[4]))
            proof.append(evidence("ticket", f[1], f[2], f"new ticket '{f[4]}' after CSAT {f[3]}/5"))
        out.signals.append(signal(
            "low_csat_then_ticket", 0.8 + 0.2 * (len(follow) - 1), th, 0.85,
            f"new ticket within {th.csat_followup_days:g} days of a CSAT of {min(f[3] for f in follow)}/5", proof,
            CauseStatus.confirmed))
    return out


def _waiting(w: AccountWindow, now: float, breaches: list[tuple]) -> dict[str, float | int]:
    """Activity facts of open tickets: how long they have been open, whether their SLA was missed, and
    whether the customer is waiting (wrote after our last reply) and chasing (wrote again without an answer).

    No signal of their own; the fitted risk model reads them.
    """
    open_ids = {tid for tid, t in w.tickets.items() if t.status in OPEN and t.created <= now}
    waiting_since: dict[str, float] = {}
    unanswered = 0
    for m in w.messages:  # (id, ticket, at, ...): customer messages, oldest first
        tid, at = m[1], m[2]
        if tid not in open_ids or at > now:
            continue
        reply = w.tickets[tid].last_reply
        if reply is None or at > reply:
            waiting_since.setdefault(tid, at)
            unanswered += 1
    oldest = min((w.tickets[t].created for t in open_ids), default=None)
    return {
        "oldest_open_days": round((now - oldest) / DAY, 2) if oldest is not None else 0.0,
        "customer_waiting_hours": round(max((now - a for a in waiting_since.values()), default=0.0) / HOUR, 2),
        "unanswered_customer_messages": unanswered,
        "open_tickets_breached": len({b[1] for b in breaches if b[1] in open_ids}),
    }
