"""Account signals and context: usage drop, slow adoption, high priority near renewal, stakeholder silence."""

from __future__ import annotations

from core.models import CauseStatus
from rules.signals.base import FamilyResult, evidence, renewal_days, signal
from rules.signals.window import DAY, OPEN, AccountWindow
from rules.thresholds import Thresholds

NO_RENEWAL = 9999


def context_facts(w: AccountWindow, now: float, th: Thresholds) -> dict[str, str | float | int | bool]:
    """ARR tier, renewal window and lifecycle: context for scoring and the rules, never a signal on its own."""
    acc = w.account or {}
    days = renewal_days(w, now)
    return {
        "account_id": w.account_id, "account_name": acc.get("name", w.account_id), "arr": float(acc.get("arr", 0.0)),
        "arr_tier": acc.get("tier", "unknown"), "lifecycle_stage": acc.get("lifecycle_stage", "unknown"),
        "renewal_days": days if days is not None else NO_RENEWAL,
        "in_renewal_window": days is not None and 0 <= days <= th.renewal_window_days,
        "events_seen": w.events, "history_days": round((now - (w.first_seen or now)) / DAY, 1),
    }


def account_signals(w: AccountWindow, now: float, th: Thresholds) -> FamilyResult:
    out = FamilyResult()
    days = renewal_days(w, now)
    in_window = days is not None and 0 <= days <= th.renewal_window_days

    usage = [u for u in w.usage if u[5] <= now]
    drop, base = 0.0, None
    if len(usage) >= 2 and now - usage[-1][5] <= 14 * DAY:
        last = usage[-1]
        # Week over week, or still that far below the best recent week (a drop that never recovered).
        for prev in (usage[-2], max(usage[:-1], key=lambda u: u[2])):
            for i in (2, 3):
                if prev[i] > 0 and 1 - last[i] / prev[i] > drop:
                    drop, base = 1 - last[i] / prev[i], prev
    out.facts["usage_drop_pct"] = round(drop, 4)
    if drop >= th.usage_drop_pct and base is not None:
        last = usage[-1]
        out.signals.append(signal(
            "usage_drop", 0.5 + drop, th, 0.8,
            f"usage down {drop:.0%} (active users {base[2]} -> {last[2]}, sessions {base[3]} -> {last[3]})",
            [evidence("usage", last[0], last[5], f"week of {last[1]}: {last[2]} active users, {last[3]} sessions"),
             evidence("usage", base[0], base[5], f"week of {base[1]}: {base[2]} active users, {base[3]} sessions")],
            CauseStatus.confirmed))

    adoption = [u for u in usage if u[4] is not None][-3:]
    stage = (w.account or {}).get("lifecycle_stage")
    latest = adoption[-1][4] if adoption else None
    out.facts["feature_adoption"] = latest if latest is not None else -1.0
    if (stage in th.adoption_stages and latest is not None and latest < th.adoption_floor and len(adoption) >= 2
            and adoption[-1][4] <= adoption[0][4] + 0.02):
        out.signals.append(signal(
            "slow_adoption", 1 - latest / th.adoption_floor * 0.5, th, 0.6,
            f"feature adoption {latest:.0%} and flat during {stage}",
            [evidence("usage", u[0], u[5], f"week of {u[1]}: adoption {u[4]:.0%}") for u in adoption]))

    high = [(tid, t) for tid, t in w.tickets.items()
            if t.status in OPEN and t.priority in th.high_priorities and t.created <= now]
    if high and in_window:
        assert days is not None
        out.signals.append(signal(
            "unresolved_priority_near_renewal", 0.6 + 0.4 * (1 - days / th.renewal_window_days), th, 0.9,
            f"{len(high)} open {'/'.join(th.high_priorities).upper()} ticket(s) with renewal in {days} days",
            [evidence("ticket", tid, t.created, f"'{t.subject}' ({t.priority.upper()}, {t.status})")
             for tid, t in high[:4]], CauseStatus.confirmed))

    changes = [s for s in w.stakeholder if now - th.stakeholder_lookback_days * DAY <= s[2] <= now]
    quiet_days = (now - w.last_customer[0]) / DAY if w.last_customer else (
        (now - w.first_seen) / DAY if w.first_seen else 0.0)
    silent = quiet_days >= th.silence_days
    out.facts.update(stakeholder_changes=len(changes), days_since_customer=round(quiet_days, 1))
    long_silent = quiet_days >= 2 * th.silence_days
    if changes or (long_silent and in_window):
        # Silence alone is weak (quiet, happy accounts exist); a departed champion or unanswered outreach is not.
        value = (0.5 if changes else 0.1) + (0.3 if silent else 0.0) + (0.2 if in_window else 0.0)
        proof = [evidence("note" if s[0] == "note" else s[0], s[1], s[2], s[3]) for s in changes[-3:]]
        if w.last_customer and silent:
            proof.append(evidence("message", w.last_customer[1], w.last_customer[0],
                                  f"last customer message {quiet_days:.0f} days ago: {w.last_customer[2][:160]}"))
        if not proof and w.account:
            proof.append(evidence("account", w.account_id, w.account["at"], f"no customer contact for {quiet_days:.0f} days"))
        if proof:
            out.signals.append(signal(
                "stakeholder_silence", value, th, 0.75 if changes else 0.55,
                "; ".join(filter(None, [f"{len(changes)} stakeholder change(s)/unanswered outreach" if changes else "",
                                        f"no customer contact for {quiet_days:.0f} days" if silent else "",
                                        f"renewal in {days} days" if in_window else ""])),
                proof))
    return out
