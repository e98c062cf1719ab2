"""How values read on a page: times (absolute in UTC for the server, local via api/static/time.js, and
relative where it helps), money, signals in words, and any JSON value as readable HTML (never raw JSON).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import escape
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from api.charts import fmt

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def as_datetime(value: Any) -> datetime | None:
    """A datetime from a datetime or an ISO string (naive ones are UTC); None for anything else."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and _ISO.match(value.strip()):
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _span(seconds: float) -> str:
    s = abs(seconds)
    if s < 90:
        return "1 min" if s >= 30 else "less than a minute"
    if s < 5400:
        return f"{round(s / 60)} min"
    if s < 36 * 3600:
        return f"{round(s / 3600)} h"
    return f"{round(s / 86400)} days"


def relative(value: Any, now: datetime | None = None) -> str:
    """'in 52 min' / '3 h ago' ('' if not a time)."""
    at = as_datetime(value)
    if at is None:
        return ""
    delta = (at - (now or datetime.now(UTC))).total_seconds()
    return f"in {_span(delta)}" if delta >= 0 else f"{_span(delta)} ago"


def due(value: Any, now: datetime | None = None) -> str:
    """'due in 52 min' / 'overdue by 2 h'."""
    at = as_datetime(value)
    if at is None:
        return ""
    delta = (at - (now or datetime.now(UTC))).total_seconds()
    return f"due in {_span(delta)}" if delta >= 0 else f"overdue by {_span(delta)}"


def when(value: Any, mode: str = "abs") -> Markup:
    """A <time> element: readable UTC text that time.js turns into the reader's local time.

    mode 'abs' shows the time, 'rel' adds how long ago / from now, 'due' reads as a deadline.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return Markup(f'<time datetime="{value.isoformat()}">{value.strftime("%d %b %Y")}</time>')
    at = as_datetime(value)
    if at is None:
        return Markup(escape(str(value))) if value not in (None, "") else Markup("n/a")
    utc = at.astimezone(UTC)
    text = utc.strftime("%d %b %Y, %H:%M UTC")
    extra = due(utc) if mode == "due" else relative(utc) if mode == "rel" else ""
    suffix = f' <span class="rel">({escape(extra)})</span>' if extra else ""
    return Markup(f'<time datetime="{utc.isoformat()}" data-mode="{escape(mode)}">{text}</time>{suffix}')


def day(value: Any) -> str:
    """A date as '15 Jan 2027' (from a date, datetime or ISO string)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d %b %Y") if isinstance(value, date) else "n/a"


def money(value: Any) -> str:
    return f"${value:,.0f}" if isinstance(value, int | float) else "n/a"


def words(name: str) -> str:
    """`negative_sentiment` -> `negative sentiment`."""
    return str(name).replace("_", " ")


def signal_words(signal: dict[str, Any]) -> str:
    """A risk signal as a phrase: what it is and, when given, why."""
    detail = str(signal.get("detail") or "").strip()
    return words(signal.get("kind", "")) + (f": {detail}" if detail else "")


def readable(value: Any, depth: int = 0) -> Markup:
    """Any JSON value as HTML lists (keys in words, times as <time>), never a JSON dump."""
    if depth > 6:
        return Markup("…")
    if isinstance(value, dict):
        if not value:
            return Markup('<span class="muted">none</span>')
        items = "".join(f"<dt>{escape(words(k))}</dt><dd>{readable(v, depth + 1)}</dd>" for k, v in value.items())
        return Markup(f'<dl class="kv">{items}</dl>')
    if isinstance(value, list):
        if not value:
            return Markup('<span class="muted">none</span>')
        return Markup("<ul>" + "".join(f"<li>{readable(v, depth + 1)}</li>" for v in value) + "</ul>")
    if isinstance(value, bool):
        return Markup("yes" if value else "no")
    if value is None:
        return Markup('<span class="muted">n/a</span>')
    if as_datetime(value) is not None:
        return when(value)
    if isinstance(value, int | float):
        return Markup(fmt(value))
    return Markup(escape(str(value)).replace("\n", Markup("<br>")))


def dedupe_swarm(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per person: a person swarmed twice (two roles or two rules) is listed once with both."""
    people: dict[str, dict[str, Any]] = {}
    for m in members:
        person = people.setdefault(m.get("person", ""), {"person": m.get("person", ""), "roles": [], "reasons": [],
                                                          "rules": [], "left": True})
        for key, value in (("roles", m.get("role")), ("reasons", m.get("reason")), ("rules", m.get("rule_id"))):
            if value and value not in person[key]:
                person[key].append(value)
        person["left"] = person["left"] and bool(m.get("renounced_at"))
    return list(people.values())


def install(env: Environment) -> None:
    """Register the filters on the pages' Jinja environment."""
    env.filters.update(when=when, relative=relative, due=due, day=day, money=money, words=words,
                       signal_words=signal_words, readable=readable,
                       dedupe_swarm=dedupe_swarm)
