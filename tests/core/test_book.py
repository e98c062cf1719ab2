"""The account book on SQLite and PostgreSQL: latest risk kept by the trigger, ranking, filters, pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from core.db import schema as t
from core.ingest import ingest_objects
from core.store.book import BookFilter, case_accounts, read_book, record_assessments, score_history
from core.store.cases import open_escalation
from tests.utils.events import account

NOW = datetime(2026, 11, 1, 9, tzinfo=UTC)


def _row(account_id: str, score: float, at: datetime) -> dict:
    band = "red" if score >= 70 else "amber" if score >= 40 else "green"
    return {"account_id": account_id, "score": score, "band": band, "confidence": 0.8, "needs_review": False,
            "ruleset_version": "test", "assessed_at": at, "body": {"account_id": account_id, "signals": []}}


def _seed(engine: sa.Engine) -> None:
    ingest_objects(engine, [
        account("e1", "acc-a", name="Alpha", tier="enterprise", arr=500_000, csm="Dana", renewal_date="2026-11-20"),
        account("e2", "acc-b", name="Beta 100%", tier="smb", arr=20_000, csm="Omar", renewal_date="2027-06-01"),
        account("e3", "acc-c", name="Gamma", tier="smb", arr=90_000, csm="Dana", renewal_date="2026-12-01"),
        account("e4", "acc-d", name="Delta", tier="mid_market", arr=60_000, csm="Omar"),
    ])
    record_assessments(engine, [_row("acc-a", 90, NOW - timedelta(days=100)), _row("acc-b", 75, NOW - timedelta(days=3)),
                                _row("acc-a", 20, NOW - timedelta(days=1)), _row("acc-c", 55, NOW - timedelta(days=2))])
    record_assessments(engine, [_row("acc-a", 35, NOW)])


def _ids(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.account_id for r in page.rows]


def test_latest_risk_follows_every_insert(engine: sa.Engine) -> None:
    _seed(engine)
    with engine.connect() as c:
        latest = {r.account_id: (r.score, r.band) for r in c.execute(sa.select(t.account_risk))}
    assert latest == {"acc-a": (35.0, "green"), "acc-b": (75.0, "red"), "acc-c": (55.0, "amber")}


def test_ranking_filters_search_and_pages(engine: sa.Engine) -> None:
    _seed(engine)
    assert _ids(read_book(engine, BookFilter())) == ["acc-b", "acc-c", "acc-a", "acc-d"]  # unscored last
    assert _ids(read_book(engine, BookFilter(band="red"))) == ["acc-b"]
    assert _ids(read_book(engine, BookFilter(tier="smb"))) == ["acc-b", "acc-c"]
    assert _ids(read_book(engine, BookFilter(owner="Dana"))) == ["acc-c", "acc-a"]
    soon = read_book(engine, BookFilter(renewal_before=date(2026, 12, 1), today=date(2026, 11, 1)))
    assert _ids(soon) == ["acc-c", "acc-a"]
    assert _ids(read_book(engine, BookFilter(search="100%"))) == ["acc-b"]  # LIKE wildcards are literal
    assert _ids(read_book(engine, BookFilter(search="AMM"))) == ["acc-c"]
    second = read_book(engine, BookFilter(page=2, per_page=3))
    assert _ids(second) == ["acc-d"] and second.total == 4 and second.pages == 2
    assert read_book(engine, BookFilter(band="red")).total == 1


def test_trend_is_the_last_90_days_and_cases_show(engine: sa.Engine) -> None:
    _seed(engine)
    case, _ = open_escalation(engine, "acc-a", NOW)
    page = read_book(engine, BookFilter(search="alpha"))
    (row,) = page.rows
    assert [s for _, s in row.trend] == [20.0, 35.0] and row.open_case_id == case.id
    assert row.band_since == NOW - timedelta(days=1)  # green since the 20 (the 90 was red, outside 90 days)
    assert [s for _, s in score_history(engine, "acc-a")] == [20.0, 35.0]
    assert case_accounts(engine, [case.id])[case.id].score == 35.0


def test_every_page_matches_the_full_ordering_with_ties_and_unscored_accounts(engine: sa.Engine) -> None:
    """Pages read through the score floor (no account filter) hold exactly the rows of the full ordering:
    ties on the score broken by ARR then id, unscored accounts last, with and without a band."""
    scores = [90, 75, 75, 75, 55, 55, 40, 20, 20, 20, 20, 5, 0, 0]
    accounts, rows = [], []
    for i in range(40):
        arr = float((i * 7919) % 13 * 10_000)  # repeated ARRs too, so the id breaks some ties
        accounts.append(account(f"e-{i}", f"acc-{i:02d}", name=f"Account {i}", arr=arr))
        if i % 9 != 8:  # every ninth account has no assessment
            rows.append(_row(f"acc-{i:02d}", scores[i % len(scores)], NOW))
    ingest_objects(engine, accounts)
    record_assessments(engine, rows)
    scored = {r["account_id"]: (r["score"], r["band"]) for r in rows}
    arrs = {a["payload"]["id"]: a["payload"]["arr"] for a in accounts}

    def expected(band: str | None) -> list[str]:
        ids = [a for a in arrs if band is None or scored.get(a, (None, None))[1] == band]
        return sorted(ids, key=lambda a: (-scored.get(a, (-1.0, None))[0], -arrs[a], a))

    for band in (None, "green", "amber", "red"):
        full = expected(band)
        for per_page in (1, 4, 7):
            got = []
            for page in range(1, len(full) // per_page + 3):
                got += _ids(read_book(engine, BookFilter(band=band, page=page, per_page=per_page)))
            assert got == full, (band, per_page)


def test_filter_choices_are_the_distinct_values_in_order(engine: sa.Engine) -> None:
    """The loose index scan gives what SELECT DISTINCT ... ORDER BY gives (owners without the nulls)."""
    from core.store.book import book_choices, book_owners, book_tiers

    assert book_choices(engine) == ([], [])
    _seed(engine)
    ingest_objects(engine, [account("e5", "acc-e", name="Epsilon", tier="enterprise", csm=None),
                            account("e6", "acc-f", name="Zeta", tier="strategic", csm="Ann-Marie"),
                            account("e7", "acc-g", name="Eta", tier="smb", csm="dana")])
    acc = t.accounts
    with engine.connect() as c:
        tiers = list(c.scalars(sa.select(acc.c.tier).distinct().order_by(acc.c.tier)))
        owners = list(c.scalars(sa.select(acc.c.csm).where(acc.c.csm.is_not(None)).distinct().order_by(acc.c.csm)))
    assert tiers == ["enterprise", "mid_market", "smb", "strategic"]
    assert set(owners) == {"Dana", "Omar", "Ann-Marie", "dana"} and len(owners) == 4
    assert book_choices(engine) == (tiers, owners) == (book_tiers(engine), book_owners(engine))
