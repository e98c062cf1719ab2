"""Generated account histories with ground truth for the evaluation: a dev split for tuning, a test split.

Both splits come from `evals.scenario.generate` with their own seed and their own half of the public text
(see evals/public_data.py); nothing chosen on the dev split is recomputed on the test split.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.public_data import Pool, TextPools, has_public_data, load_pools
from evals.scenario import SPECS, AccountTruth, Archetype, SampleSet, generate

SEEDS: dict[Pool, int] = {"dev": 1101, "test": 2202}
# Different archetype mixes per split (weights; the rest keep their defaults): dev leans on loud,
# textbook stories, test on quiet positives and signal-heavy negatives, so a threshold fitted on dev
# meets a different world on test.
MIXES: dict[Pool, dict[Archetype, float]] = {
    "dev": {Archetype.slow_drift: 0.10, Archetype.multi_contact_density: 0.08, Archetype.quiet_escalation: 0.03,
            Archetype.rough_but_loyal: 0.04, Archetype.noisy_false_alarm: 0.08},
    "test": {Archetype.quiet_escalation: 0.08, Archetype.rough_but_loyal: 0.09, Archetype.polite_frustration: 0.09,
             Archetype.slow_drift: 0.06, Archetype.p1_transparent: 0.08},
}


@dataclass(frozen=True)
class Split:
    name: Pool
    seed: int
    sample: SampleSet
    text: str  # "public data" or "templates"

    @property
    def truth(self) -> list[AccountTruth]:
        return self.sample.truth

    def events_by_account(self) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = defaultdict(list)
        for event in self.sample.events:
            account = event.payload.id if event.type == "account.upserted" else event.payload.account_id
            out[account].append(event)
        return dict(out)

    def mix(self) -> dict[str, Any]:
        """Archetypes and their kind: positive (at risk), hard negative, or plain negative."""
        kinds = Counter(t.archetype.value for t in self.truth)
        return {
            "accounts": len(self.truth),
            "at_risk": sum(t.at_risk for t in self.truth),
            "escalating": sum(t.escalates for t in self.truth),
            "hard_negatives": sum(t.hard_negative for t in self.truth),
            "hard_positives": sum(t.archetype.value in HARD_POSITIVES for t in self.truth),
            "by_archetype": dict(sorted(kinds.items())),
            "events": len(self.sample.events),
        }


# Positives whose warning signs are quiet: no outburst, only politeness, drift or silence.
HARD_POSITIVES = ("polite_frustration", "slow_drift", "silence_before_renewal", "quiet_escalation")


def build_splits(n_accounts: int, months: int, data_dir: Path | None) -> tuple[dict[Pool, Split], dict[Pool, TextPools] | None]:
    """Dev and test histories; public text when `data_dir` holds it, the generator's templates otherwise."""
    pools = load_pools(data_dir) if data_dir is not None and has_public_data(data_dir) else None
    splits = {name: build_split(name, n_accounts, months, pools) for name in SEEDS}
    return splits, pools


def build_split(name: Pool, n_accounts: int, months: int, pools: dict[Pool, TextPools] | None) -> Split:
    """One split: its seed, its archetype mix and its own half of the public text (templates without it)."""
    source = pools[name].text_source() if pools else None
    sample = generate(seed=SEEDS[name], n_accounts=n_accounts, months=months, text_source=source, weights=MIXES[name])
    return Split(name, SEEDS[name], sample, "public data" if pools else "templates")


def archetype_kinds() -> dict[str, str]:
    """Each archetype's role in the evaluation, for the report."""
    out = {}
    for archetype, spec in SPECS.items():
        if spec.at_risk:
            out[archetype.value] = "hard positive" if archetype.value in HARD_POSITIVES else "positive"
        else:
            out[archetype.value] = "hard negative" if spec.hard_negative else "negative"
    return out
