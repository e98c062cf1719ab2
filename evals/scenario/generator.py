"""Generate realistic, deterministic B2B account histories as ingest events, with ground truth per account."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import AwareDatetime

from core.events import Event, dump_event
from core.models.cases import Role, SupportTier
from core.models.records import Account, ArrTier, Contact, LifecycleStage, Strict
from core.sample import DEFAULT_END
from evals.scenario import phrases
from evals.scenario.archetypes import SPECS, Archetype, allocate
from evals.scenario.builder import AccountBuilder
from evals.scenario.conversations import Story
from evals.scenario.noise import Noise, account_noise, noisy_routine_ticket
from evals.scenario.storylines import STORYLINES, monday
from evals.scenario.text import TextMaker, TextSource

_TIERS = [(ArrTier.strategic, 0.1, 500_000, 2_000_000), (ArrTier.enterprise, 0.3, 150_000, 500_000),
          (ArrTier.mid_market, 0.35, 40_000, 150_000), (ArrTier.smb, 0.25, 5_000, 40_000)]
_TICKETS_PER_MONTH = {ArrTier.strategic: 2.0, ArrTier.enterprise: 1.5, ArrTier.mid_market: 1.0, ArrTier.smb: 0.7}


class AccountTruth(Strict):
    """What a correct detector concludes about one generated account."""

    account_id: str
    account_name: str
    archetype: Archetype
    at_risk: bool
    hard_negative: bool
    escalates: bool
    escalation_at: AwareDatetime | None = None
    first_signal_at: AwareDatetime | None = None
    expected_tier: SupportTier | None = None
    expected_roles: list[Role] = []
    has_compliance_terms: bool = False
    signals: list[str] = []
    notes: str = ""


@dataclass(frozen=True)
class SampleSet:
    events: list[Event]
    truth: list[AccountTruth]

    def counts(self) -> Counter[str]:
        """Events by type."""
        return Counter(e.type for e in self.events)

    def events_jsonl(self) -> str:
        return "".join(dump_event(e) + "\n" for e in self.events)

    def truth_json(self) -> str:
        rows = [t.model_dump(mode="json") for t in self.truth]
        return json.dumps(rows, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def generate(seed: int = 7, n_accounts: int = 40, months: int = 6, end: datetime = DEFAULT_END,
             text_source: TextSource | None = None, weights: dict[Archetype, float] | None = None,
             noise: Noise | None = None) -> SampleSet:
    """Account histories for `n_accounts` over `months` ending at `end`; the same seed gives the same events."""
    if end.tzinfo is None:
        raise ValueError("end must carry a time zone")
    rng = random.Random(seed)
    start = end - timedelta(days=30 * months)
    mix = allocate(n_accounts, rng, weights)
    noise = noise or Noise()
    seen_texts: set[str] = set()
    used_names: set[str] = set()
    events: list[Event] = []
    truth: list[AccountTruth] = []
    for index, archetype in enumerate(mix, start=1):
        arng = random.Random(rng.getrandbits(64))
        text = TextMaker(arng, text_source, seen_texts)
        builder = _new_account(index, archetype, arng, text, start, end, used_names)
        story = STORYLINES[archetype](builder, start, end)
        _background(builder, archetype, story, start, end, noise)
        _usage(builder, archetype, story, start, end)
        events.extend(e for e in builder.events if e.occurred_at <= end)  # type: ignore[misc]
        truth.append(_truth(builder.account, archetype, story, end))
    events.sort(key=lambda e: (e.occurred_at, e.event_id))
    return SampleSet(events=events, truth=truth)


def _new_account(index: int, archetype: Archetype, rng: random.Random, text: TextMaker, start: datetime,
                 end: datetime, used_names: set[str]) -> AccountBuilder:
    tier, _, lo, hi = rng.choices(_TIERS, weights=[t[1] for t in _TIERS])[0]
    name = _company_name(rng, used_names)
    spec = SPECS[archetype]
    renewal_days = rng.randint(30, 90) if spec.renewal_soon or rng.random() < 0.25 else rng.randint(91, 360)
    renewal = (end + timedelta(days=renewal_days)).date()
    account_id = f"acc-{index:03d}"
    domain = name.split()[0].lower() + ".example"
    contacts = _contacts(rng, account_id, domain, 5 if archetype == Archetype.multi_contact_density else 2)
    sensitive = tier in (ArrTier.strategic, ArrTier.enterprise)
    account = Account(
        id=account_id, name=name, arr=float(round(rng.uniform(lo, hi), -2)), tier=tier,
        lifecycle_stage=rng.choice([LifecycleStage.mature, LifecycleStage.mature, LifecycleStage.adoption]),
        renewal_date=renewal, csm=rng.choice(phrases.CSMS), ae=rng.choice(phrases.AES),
        contract_terms=rng.choice(phrases.CONTRACT_TERMS) if sensitive or rng.random() < 0.2 else None,
        legal_notes=rng.choice(phrases.LEGAL_NOTES) if (sensitive and rng.random() < 0.5)
        or archetype == Archetype.compliance else None,
    )
    b = AccountBuilder(rng=rng, text=text, account=account, contacts=contacts, end=end)
    b.upsert_account(start + timedelta(hours=rng.randint(0, 12)))
    b.upsert_contacts(start + timedelta(hours=12))
    window = datetime.combine(renewal - timedelta(days=90), datetime.min.time(), UTC) + timedelta(hours=6)
    if start < window <= end:
        b.upsert_account(window, lifecycle_stage=LifecycleStage.renewal)
    return b


def _company_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(phrases.COMPANY_HEADS)} {rng.choice(phrases.COMPANY_TAILS)}"
        if name not in used:
            used.add(name)
            return name + rng.choice(phrases.COMPANY_SUFFIXES)


def _contacts(rng: random.Random, account_id: str, domain: str, minimum: int) -> list[Contact]:
    size = rng.randint(minimum, 5)
    people = list(zip(rng.sample(phrases.FIRST_NAMES, size), rng.sample(phrases.LAST_NAMES, size), strict=True))
    titles = rng.sample(phrases.TITLES, len(people))
    titles[-1] = rng.choice(phrases.SPONSOR_TITLES)
    return [
        Contact(id=f"{account_id}-c{i}", account_id=account_id, name=f"{first} {last}",
                email=f"{first}.{last}@{domain}".lower().replace("'", ""), title=title,
                is_key_stakeholder=i == 1 or i == len(people))
        for i, ((first, last), title) in enumerate(zip(people, titles, strict=True), start=1)
    ]


def _background(b: AccountBuilder, archetype: Archetype, story: Story, start: datetime, end: datetime,
                noise: Noise) -> None:
    """Routine tickets (with realistic noise) and CSM notes; for at-risk accounts they stop where the
    warning signs begin."""
    rng = b.rng
    quiet_after = story.first_signal_at if SPECS[archetype].at_risk and story.first_signal_at else end
    blip = account_noise(b, start, quiet_after, noise)
    if blip and story.usage_shape is None:
        story.usage_shape = blip
    n = max(1, round(_TICKETS_PER_MONTH[b.account.tier] * (end - start).days / 30 * rng.uniform(0.7, 1.3)))
    span = (quiet_after - start).total_seconds() - 5 * 86400
    for _ in range(n):
        at = start + timedelta(days=2, minutes=rng.randint(0, int(max(span, 86400) // 60)))
        at = at.replace(hour=rng.randint(7, 18))
        if at < quiet_after:
            noisy_routine_ticket(b, at, noise)
    at = start + timedelta(days=rng.randint(5, 25))
    while at < quiet_after - timedelta(days=3):
        ctx = b.ctx()
        b.note(at.replace(hour=rng.randint(9, 17)), b.account.csm or "CSM",
               b.text.plain(ctx, [b.text.pick(phrases.CSM_NOTES, ctx)]))
        at += timedelta(days=rng.randint(25, 45))


def _usage(b: AccountBuilder, archetype: Archetype, story: Story, start: datetime, end: datetime) -> None:
    rng = b.rng
    users = max(5, int(b.account.arr / rng.uniform(700, 1400)))
    adoption = rng.uniform(0.35, 0.8)
    week = monday(start) + timedelta(days=7)
    level = 1.0
    while week + timedelta(days=7) <= end:
        level *= rng.uniform(1.0, 1.012)
        factor = level * rng.uniform(0.96, 1.04)
        if story.usage_shape:
            shape, at = story.usage_shape
            if shape == "dip" and at <= week < at + timedelta(days=14):
                factor *= 0.56
            if shape == "blip" and at <= week < at + timedelta(days=7):
                factor *= 0.55
            if shape == "drop" and week >= at:
                factor *= 0.52 * 0.94 ** ((week - at).days // 7)
        if archetype == Archetype.silence_before_renewal and story.first_signal_at and week >= story.first_signal_at:
            factor *= 0.9
        active = round(users * factor)
        b.usage(week, active, round(active * rng.uniform(6, 11)), adoption * min(1.0, factor))
        week += timedelta(days=7)


def _truth(account: Account, archetype: Archetype, story: Story, end: datetime) -> AccountTruth:
    spec = SPECS[archetype]
    tier: SupportTier | None = None
    roles: set[Role] = set()
    if spec.at_risk:
        roles.add(Role.csm)
        if archetype in (Archetype.usage_drop_renewal, Archetype.silence_before_renewal):
            tier = SupportTier.t1
        elif story.compliance or (spec.escalates and account.tier in (ArrTier.strategic, ArrTier.enterprise)):
            tier = SupportTier.management
        else:
            tier = SupportTier.t3 if story.engineering else SupportTier.t2
        roles.add({SupportTier.t1: Role.support_t1, SupportTier.t2: Role.support_t2, SupportTier.t3: Role.support_t3,
                   SupportTier.management: Role.manager}[tier])
        if story.engineering:
            roles.add(Role.engineering)
        if story.compliance:
            roles.add(Role.compliance)
        if account.renewal_date and account.renewal_date <= (end + timedelta(days=90)).date():
            roles.add(Role.ae)
    return AccountTruth(
        account_id=account.id, account_name=account.name, archetype=archetype, at_risk=spec.at_risk,
        hard_negative=spec.hard_negative, escalates=spec.escalates and story.escalation_at is not None,
        escalation_at=story.escalation_at, first_signal_at=story.first_signal_at, expected_tier=tier,
        expected_roles=sorted(roles, key=list(Role).index), has_compliance_terms=story.compliance is not None,
        signals=story.signals, notes="; ".join(story.notes),
    )
