"""The demo's live phase: the served app in-process, the sample streamed through HTTP on an accelerated
clock, cases opening as the signals arrive, and each case set against the sample's truth."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from datetime import datetime
from typing import Any

from rich.markup import escape
from rich.table import Table

from api.cli.common import console
from api.replay import Replayer, ReplayStats
from core.store.cases import list_escalations
from core.store.detection import pending_count
from core.store.records import list_accounts
from core.store.reviews import list_reviews
from product import Product


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServedApp:
    """uvicorn serving the product's app on a free local port, in a thread of this process."""

    def __init__(self, product: Product):
        import uvicorn

        from api.app import create_app

        self.port = _free_port()
        config = uvicorn.Config(create_app(product), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="redaccount-demo-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the demo server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


class CaseWatch:
    """Prints each case as it opens (on the replay's ticks), with the product time it was flagged."""

    def __init__(self, product: Product, names: dict[str, str]):
        self.product, self.names = product, names
        # Everything the product acted on: cases and risk review items, by id -> (account, event time).
        self.seen: dict[str, tuple[str, datetime]] = {}
        self.kinds: dict[str, str] = {}
        self._last = 0.0

    def __call__(self, stats: ReplayStats) -> None:
        # Event time stands still while the loop catches up, so "flagged at" is not the demo's own lag.
        if pending_count(self.product.engine) or self.product.jobs.pending():
            self.product.clock.pause()
        else:
            self.product.clock.resume()
        if time.monotonic() - self._last < 0.5:
            return
        self._last = time.monotonic()
        self.poll()

    def poll(self) -> None:
        if not self.names:
            self.names.update({a.id: a.name for a in list_accounts(self.product.engine)})
        for case in sorted(list_escalations(self.product.engine), key=lambda c: c.opened_at):
            if case.id not in self.seen:
                self._saw(case.id, "case", case.account_id, case.opened_at, "[bold red]case opened[/]")
        # A review item is the product acting too (an uncertain account put before a person), so it counts.
        for review in sorted(list_reviews(self.product.engine, status=None, limit=10_000), key=lambda r: r.created_at):
            if review.id not in self.seen:
                self._saw(review.id, "risk review", review.account_id, review.created_at,
                          "[bold yellow]risk review[/]")

    def _saw(self, key: str, kind: str, account_id: str, at: datetime, label: str) -> None:
        self.seen[key], self.kinds[key] = (account_id, at), kind
        name = self.names.get(account_id) or account_id
        console.print(f"{label} {at:%Y-%m-%d %H:%M} (event time) {escape(name)} ({account_id})")


def stream_sample(product: Product, events: list[dict[str, Any]], secret: str) -> tuple[ReplayStats, CaseWatch]:
    """Serve the product, stream the events through POST /events on its clock, wait for the loop to settle."""
    watch = CaseWatch(product, {})
    served_app = ServedApp(product)
    logging.getLogger("redaccount").setLevel(logging.WARNING)  # the demo prints what happens; logs would drown it
    with served_app as served:
        console.print(f"serving on {served.url}; streaming {len(events)} events at "
                      f"{product.clock.speed:,.0f}x (one day of event time in {86_400 / product.clock.speed:.2f} s)")
        stats = Replayer(served.url, secret).run(events, product.clock, on_tick=watch)
        product.clock.pause()
        deadline = time.monotonic() + 120
        while (pending_count(product.engine) or product.jobs.pending()) and time.monotonic() < deadline:
            watch.poll()
            time.sleep(0.2)
        watch.poll()
    return stats, watch


def show_lead_times(product: Product, watch: CaseWatch, truth_file: Any) -> None:
    """For each case: flagged at T; the customer escalated (or would have) at T + lead, from the truth file."""
    truth = {t["account_id"]: t for t in json.loads(truth_file.read_text(encoding="utf-8"))}
    table = Table("account", "flagged at (T)", "as", "sample truth", "lead",
                  title="Accounts the live loop acted on (first case or risk review item)")
    leads = []
    first: dict[str, tuple[str, datetime]] = {}
    for key, (account_id, opened) in sorted(watch.seen.items(), key=lambda kv: kv[1][1]):
        first.setdefault(account_id, (key, opened))
    for account_id, (key, opened) in sorted(first.items(), key=lambda kv: kv[1][1]):
        fact = truth.get(account_id, {})
        escalated = _when(fact.get("escalation_at"))
        if escalated is not None:
            lead_h = (escalated - opened).total_seconds() / 3600
            leads.append(lead_h)
            said = f"escalated at {escalated:%Y-%m-%d %H:%M}"
            lead = f"{lead_h / 24:+.1f} days" if abs(lead_h) >= 48 else f"{lead_h:+.0f} h"
        elif fact.get("at_risk"):
            said, lead = "at risk (would have escalated or churned)", "-"
        else:
            said, lead = "not at risk in the truth file (false positive)", "-"
        table.add_row(escape(watch.names.get(account_id, account_id)), f"{opened:%Y-%m-%d %H:%M}", watch.kinds[key],
                      said, lead)
    console.print(table)
    missed = [t for t, f in truth.items() if f.get("escalates") and t not in first]
    ahead = sum(1 for lead in leads if lead > 0)
    healthy = sum(1 for a in first if not truth.get(a, {}).get("at_risk"))
    cases = sum(1 for kind in watch.kinds.values() if kind == "case")
    console.print(f"{cases} case(s) opened and {len(watch.kinds) - cases} risk review item(s) raised on "
                  f"{len(first)} account(s); {ahead} of {len(leads)} escalating account(s) flagged before the customer "
                  f"escalated; {len(missed)} escalating account(s) never flagged; {healthy} healthy account(s) "
                  f"flagged (false positives); {len(list_reviews(product.engine))} review item(s) still waiting")
