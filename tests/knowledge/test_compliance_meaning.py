"""The compliance-by-meaning stage proposes reviews; the word rules keep the final say (issue 12).

A fake embedder (two directions: "leak" words vs anything else) makes the decision logic exact; one test
uses the real MiniLM, fitted on the shipped asset only, on dev-set sentences it was not fitted on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from knowledge.compliance_meaning import ComplianceMeaning, Proposal, training_examples
from rules.detector import Detector
from rules.signals.ports import ComplianceMatch, ComplianceReviewPort
from rules.signals.window import AccountWindow
from rules.thresholds import Thresholds
from tests.rules.history import History, healthy

LEAKY = ("leaked", "wrong client", "still logs in", "gone after")


class FakeEmbedder:
    """Unit vectors: mostly axis 0 for text with a leak phrase, mostly axis 1 otherwise."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = [[0.95, 0.31] if any(w in t.lower() for w in LEAKY) else [0.31, 0.95] for t in texts]
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), 2)


EXAMPLES = (["Our files leaked to a stranger.", "The report went to the wrong client.", "He still logs in daily.",
             "Records are gone after the update.", "How do I reset my password?", "Please add two seats.",
             "The invoice PDF is blank.", "Thanks for the quick help."], [1, 1, 1, 1, 0, 0, 0, 0])


def stage(threshold: float = 0.6) -> ComplianceMeaning:
    return ComplianceMeaning(FakeEmbedder(), threshold=threshold, examples=EXAMPLES)


def test_a_concern_sentence_is_proposed_with_its_quote_and_offsets_and_harmless_text_is_not() -> None:
    text = "Hello team. Our client list leaked to a competitor yesterday! Please call me."
    proposal, nothing = stage().propose([text, "Can you add a seat for our new hire?"])
    assert isinstance(proposal, Proposal) and nothing is None
    assert proposal.quote == "Our client list leaked to a competitor yesterday!"
    assert text[proposal.start : proposal.end] == proposal.quote
    assert 0.6 <= proposal.confidence < 1


def test_the_threshold_decides_and_is_validated() -> None:
    text = "The export went to the wrong client."
    confidence = stage().score([text])[0].confidence
    assert stage(threshold=confidence - 0.01).propose([text])[0] is not None
    assert stage(threshold=min(0.99, confidence + 0.01)).propose([text])[0] is None
    for bad in (0.0, 1.0, -0.2):
        with pytest.raises(ValueError, match="threshold"):
            stage(threshold=bad)
    with pytest.raises(ValueError, match="both classes"):
        ComplianceMeaning(FakeEmbedder(), examples=(["a", "b"], [1, 1]))


def test_repeated_texts_are_embedded_once() -> None:
    s = stage()
    s.propose(["It leaked.", "Fine thanks."])
    before = len(s.embedding.calls)  # type: ignore[attr-defined]
    assert s.propose(["Fine thanks.", "It leaked."])[1] is not None
    assert len(s.embedding.calls) == before  # type: ignore[attr-defined]


class GdprOnly:
    def match_text(self, text: str) -> list[ComplianceMatch]:
        i = text.lower().find("gdpr")
        return [ComplianceMatch("CMP-PRIVACY-GDPR", "privacy", "gdpr", (i, i + 4))] if i >= 0 else []


class Recording:
    """Wraps the stage and records which texts the detector offered it."""

    def __init__(self, inner: ComplianceMeaning) -> None:
        self.inner, self.offered = inner, []  # type: ignore[var-annotated]

    def propose(self, texts: Sequence[str]) -> list[Proposal | None]:
        self.offered.extend(texts)
        return self.inner.propose(texts)


def _history() -> History:
    h = healthy()
    h.ticket("t9", subject="Export question")
    h.say("t9", "Thanks. Our patient list leaked to the wrong client after your export, please check.")
    h.say("t9", "Also we got a GDPR access request from a former employee, and it leaked too.")
    return h


def test_the_detector_offers_only_unmatched_texts_and_a_proposal_is_a_review_never_a_hit() -> None:
    h = _history()
    port = Recording(stage())
    assert isinstance(port, ComplianceReviewPort)
    with_stage = Detector(Thresholds(), compliance=GdprOnly(), compliance_meaning=port)
    without = Detector(Thresholds(), compliance=GdprOnly())
    for d in (with_stage, without):
        d.process(h.events)
    a, b = with_stage.assess(h.account_id, h.now), without.assess(h.account_id, h.now)
    # The rules matched the GDPR message: it is never offered to the meaning stage.
    assert all("GDPR" not in t for t in port.offered) and any("patient list" in t for t in port.offered)
    assert a.needs_review and a.context["compliance_review_count"] == 1
    assert "patient list leaked to the wrong client" in a.context["compliance_review"]
    # Nothing decisive changes: same hits, signals, score, band, triggered rules and facts the rules saw.
    w = with_stage.windows[h.account_id]
    assert [c[2] for c in w.compliance] == ["CMP-PRIVACY-GDPR"]
    assert (a.score, a.band, a.triggered_rules, a.facts) == (b.score, b.band, b.triggered_rules, b.facts)
    assert [s.kind for s in a.signals] == [s.kind for s in b.signals]
    assert "compliance_review" not in b.context


def test_a_proposal_survives_the_window_round_trip_and_ages_out_like_other_text_evidence() -> None:
    h = _history()
    d = Detector(Thresholds(), compliance=GdprOnly(), compliance_meaning=stage())
    d.process(h.events)
    w = d.windows[h.account_id]
    restored = AccountWindow.from_dict(w.to_dict(), Thresholds())
    assert list(restored.compliance_review) == list(w.compliance_review) and len(w.compliance_review) == 1
    d.windows[h.account_id] = restored
    h.wait(days=Thresholds().open_ticket_memory_days + Thresholds().lookback_days + 1)
    assert "compliance_review" not in d.assess(h.account_id, h.now).context


def test_real_minilm_fitted_on_the_asset_alone_proposes_plain_words_dev_incidents() -> None:
    """Integration: the shipped MiniLM; dev sentences the stage (asset only) was not fitted on."""
    real = ComplianceMeaning(examples=training_examples(dev=None))
    concern = ["A former contractor still had access and downloaded payroll files after leaving.",
               "Your cleanup job wiped our project records and support says there is no backup."]
    harmless = ["Our court reservations module needs a new colour scheme.",
                "Tennis court bookings doubled this month, great product."]
    scores = real.score(concern + harmless)
    assert all(s.confidence >= real.threshold for s in scores[:2]), scores
    assert all(s.confidence < real.threshold for s in scores[2:]), scores


def test_a_missing_training_set_is_a_clear_error_not_a_weaker_stage(tmp_path):
    import pytest

    from knowledge.compliance_meaning import training_examples

    with pytest.raises(FileNotFoundError, match="REDACCOUNT_COMPLIANCE_MEANING=false"):
        training_examples(dev=tmp_path / "gone.yaml")


def test_the_stage_is_fitted_on_the_tune_items_of_dev_part_two_and_never_on_its_held_out_ones() -> None:
    import yaml

    from knowledge.compliance_meaning import DEV_PLAIN

    texts = set(training_examples()[0])
    items = yaml.safe_load(DEV_PLAIN.read_text(encoding="utf-8"))["items"]
    assert all(i["text"] in texts for i in items if i["split"] == "tune")
    assert not any(i["text"] in texts for i in items if i["split"] != "tune")
    assert not set(training_examples(dev=None)[0]) & {i["text"] for i in items}
