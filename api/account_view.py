"""Read models for the workspace pages: the account book and one account, role-redacted.

Compliance findings (CMP-*) are removed for roles without `view_compliance` before anything is
rendered, so neither the top signals nor the highlighted evidence can leak them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from api import chart_specs, charts
from api.auth import Principal
from api.permissions import redact_account, redact_assessment
from api.readers import get_account, latest_assessment
from core.models import RiskAssessment
from core.permissions import Capability, can, is_compliance_marked
from core.store.account_records import (
    MessageLine,
    account_cases,
    account_csat,
    account_messages,
    account_tickets,
    account_usage,
)
from core.store.book import BookFilter, BookPage, read_book, score_history


def visible_signals(principal: Principal, body: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The assessment's signals the caller may see, strongest first."""
    if not body:
        return []
    signals = [s for s in body.get("signals", [])
               if can(principal.role, Capability.view_compliance) or not is_compliance_marked(s.get("rule_id", ""))]
    return sorted(signals, key=lambda s: s.get("weight", 0) * s.get("value", 0), reverse=True)


def book_view(engine: sa.Engine, principal: Principal, f: BookFilter) -> tuple[BookPage, list[dict[str, Any]]]:
    """One page of the book and, per row, what the table shows (top signals in words, a sparkline)."""
    page = read_book(engine, f)
    lines = []
    for row in page.rows:
        scores = [s for _, s in row.trend]
        lines.append({"row": row, "signals": visible_signals(principal, row.body)[:2],
                      "spark": charts.sparkline(scores, f"Risk trend for {row.name}: "
                                                + (f"{len(scores)} assessments, now {scores[-1]:.0f}"
                                                   if scores else "no assessments"))})
    return page, lines


@dataclass
class Segment:
    """A run of message text; `kind` is set when it is quoted evidence of a signal."""

    text: str
    kind: str | None = None
    rule_id: str | None = None


def _ranges(text: str, quotes: list[tuple[str, tuple[int, int] | None, str, str]]) -> list[tuple[int, int, str, str]]:
    found = []
    lowered = text.lower()
    for quote, span, kind, rule_id in quotes:
        if span and 0 <= span[0] < span[1] <= len(text) and text[span[0]:span[1]].lower() == quote.lower():
            found.append((span[0], span[1], kind, rule_id))
            continue
        at = lowered.find(quote.lower()) if quote else -1
        if at >= 0:
            found.append((at, at + len(quote), kind, rule_id))
    found.sort()
    merged: list[tuple[int, int, str, str]] = []
    for start, end, kind, rule_id in found:  # overlapping quotes: the first one marks the span
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2], last[3])
        else:
            merged.append((start, end, kind, rule_id))
    return merged


def highlight(text: str, quotes: list[tuple[str, tuple[int, int] | None, str, str]]) -> list[Segment]:
    """Split `text` so that each quoted evidence span where it occurs is its own marked segment."""
    segments, cursor = [], 0
    for start, end, kind, rule_id in _ranges(text, quotes):
        if start > cursor:
            segments.append(Segment(text[cursor:start]))
        segments.append(Segment(text[start:end], kind, rule_id))
        cursor = end
    if cursor < len(text):
        segments.append(Segment(text[cursor:]))
    return segments


def _evidence_by_record(signals: list[dict[str, Any]]) -> dict[str, list[tuple[str, tuple[int, int] | None, str, str]]]:
    out: dict[str, list[tuple[str, tuple[int, int] | None, str, str]]] = {}
    for s in signals:
        for e in s.get("evidence", []):
            if e.get("quote"):
                span = tuple(e["span"]) if e.get("span") else None
                out.setdefault(f"{e['record_type']}:{e['record_id']}", []).append(
                    (e["quote"], span, s.get("kind", ""), s.get("rule_id", "")))  # type: ignore[arg-type]
    return out


def _threads(tickets: list[Any], messages: list[MessageLine], marks: dict[str, list]) -> list[dict[str, Any]]:
    by_ticket: dict[str, list[dict[str, Any]]] = {}
    for m in messages:
        by_ticket.setdefault(m.ticket_id, []).append(
            {"m": m, "segments": highlight(m.text, marks.get(f"message:{m.id}", [])),
             "cited": f"message:{m.id}" in marks})
    return [{"ticket": tk, "subject": highlight(tk.subject, marks.get(f"ticket:{tk.id}", [])),
             "messages": by_ticket.get(tk.id, []), "cited": f"ticket:{tk.id}" in marks
             or any(x["cited"] for x in by_ticket.get(tk.id, []))} for tk in tickets]


def account_page(engine: sa.Engine, principal: Principal, account_id: str) -> dict[str, Any]:
    """Everything the account page shows (AccountNotFound propagates as a 404)."""
    account = get_account(engine, account_id)
    assessment: RiskAssessment | None = latest_assessment(engine, account_id)
    risk = redact_assessment(principal, assessment)
    signals = visible_signals(principal, risk)
    tickets = account_tickets(engine, account_id)
    messages = account_messages(engine, account_id, [tk.id for tk in tickets[:10]])
    marks = _evidence_by_record(signals)
    return {
        "account": redact_account(principal, account), "risk": risk, "signals": signals,
        "charts": {"risk": charts.svg(chart_specs.risk_chart(score_history(engine, account_id))),
                   "csat": charts.svg(chart_specs.csat_chart(account_csat(engine, account_id))),
                   "usage": charts.svg(chart_specs.usage_chart(account_usage(engine, account_id)))},
        "threads": _threads(tickets, messages, marks), "cases": account_cases(engine, account_id),
        "tickets_total": len(tickets),
    }
