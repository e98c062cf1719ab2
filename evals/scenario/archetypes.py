"""Account archetypes: the stories the generator tells, their weights and what the detector should conclude."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum


class Archetype(StrEnum):
    healthy_quiet = "healthy_quiet"
    loud_satisfied = "loud_satisfied"
    p1_transparent = "p1_transparent"
    seasonal_dip = "seasonal_dip"
    noisy_false_alarm = "noisy_false_alarm"
    slow_drift = "slow_drift"
    polite_frustration = "polite_frustration"
    engineering_black_hole = "engineering_black_hole"
    multi_contact_density = "multi_contact_density"
    low_csat_repeat = "low_csat_repeat"
    usage_drop_renewal = "usage_drop_renewal"
    silence_before_renewal = "silence_before_renewal"
    compliance = "compliance"
    quiet_escalation = "quiet_escalation"
    rough_but_loyal = "rough_but_loyal"


@dataclass(frozen=True)
class ArchetypeSpec:
    """What an archetype is and what a correct detector concludes about it."""

    weight: float
    at_risk: bool
    escalates: bool
    hard_negative: bool
    renewal_soon: bool
    description: str


SPECS: dict[Archetype, ArchetypeSpec] = {
    Archetype.healthy_quiet: ArchetypeSpec(
        0.20, False, False, False, False, "Routine tickets, prompt answers, good CSAT."),
    Archetype.loud_satisfied: ArchetypeSpec(
        0.06, False, False, True, False, "Caps and exclamation marks, but happy (hard negative)."),
    Archetype.p1_transparent: ArchetypeSpec(
        0.06, False, False, True, False, "P1 outage handled with frequent, honest updates; CSAT fine (hard negative)."),
    Archetype.seasonal_dip: ArchetypeSpec(
        0.05, False, False, True, False, "Usage falls ~40% for a known seasonal shutdown, then recovers (hard negative)."),
    Archetype.noisy_false_alarm: ArchetypeSpec(
        0.06, False, False, True, False, "One angry message, resolved within hours, customer apologises (hard negative)."),
    Archetype.slow_drift: ArchetypeSpec(
        0.08, True, True, False, False,
        "Tone drifts neutral to negative; repeat contact within 72 h, reopen, handoffs, missed SLAs, "
        "then a request for a manager."),
    Archetype.polite_frustration: ArchetypeSpec(
        0.07, True, True, False, False, "Polite status requests go unanswered, then escalation."),
    Archetype.engineering_black_hole: ArchetypeSpec(
        0.06, True, True, False, False, "Engineering owns the ticket for weeks without a customer update."),
    Archetype.multi_contact_density: ArchetypeSpec(
        0.06, True, True, False, False, "Three or more contacts raise related problems within a week."),
    Archetype.low_csat_repeat: ArchetypeSpec(
        0.06, True, True, False, False, "Low CSAT, then a new ticket on the same problem within 7 days."),
    Archetype.usage_drop_renewal: ArchetypeSpec(
        0.06, True, False, False, True, "Usage drops 40%+ week over week shortly before renewal."),
    Archetype.silence_before_renewal: ArchetypeSpec(
        0.06, True, False, False, True, "The champion leaves and the account goes quiet before renewal."),
    Archetype.compliance: ArchetypeSpec(
        0.06, True, True, False, False, "Privacy request, intrusion or legal threat in messages."),
    Archetype.quiet_escalation: ArchetypeSpec(
        0.05, True, True, False, False, "Escalates with few warning signs (quiet positive; doubles as label noise)."),
    Archetype.rough_but_loyal: ArchetypeSpec(
        0.06, False, False, True, False, "Breaches, a reopen, handoffs and frustrated messages, but never escalates."),
}


def allocate(n_accounts: int, rng: random.Random, weights: dict[Archetype, float] | None = None) -> list[Archetype]:
    """Archetype per account: every archetype once when there is room, the rest by weight, shuffled.

    `weights` replaces the archetypes' default weights (the dev and test splits use different mixes).
    """
    kinds = list(SPECS)
    weight = {k: (weights or {}).get(k, SPECS[k].weight) for k in kinds}
    total = sum(weight.values())
    counts = {k: 0 for k in kinds}
    if n_accounts >= len(kinds):
        counts = {k: 1 for k in kinds}
    remaining = n_accounts - sum(counts.values())
    # Largest remainder on the weights, so the mix is stable for a given n rather than a random draw.
    shares = {k: remaining * weight[k] / total for k in kinds}
    for k in kinds:
        counts[k] += int(shares[k])
    leftovers = sorted(kinds, key=lambda k: (-(shares[k] - int(shares[k])), kinds.index(k)))
    for k in leftovers[: n_accounts - sum(counts.values())]:
        counts[k] += 1
    mix = [k for k in kinds for _ in range(counts[k])]
    rng.shuffle(mix)
    return mix
