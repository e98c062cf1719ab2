"""Behaviour of the sentiment port: the shipped lexicon, intensity, ambiguity, training and persistence."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from agent.sentiment import (
    LABELS,
    FakeSentiment,
    LexiconSentiment,
    SentimentModel,
    SentimentResult,
    TrainedSentiment,
    WithResolver,
    intensity,
    load_sentiment_model,
)
from agent.sentiment.registry import ReaderError, activate_version, active_version, manifests
from agent.sentiment.training import train_reader
from core.settings import Settings

NEGATIVE = [
    "This is unacceptable, the service has been down for two days and nobody has replied.",
    "Still waiting for a response, I have asked three times. Terrible support.",
    "Your latest update broke our integration and we are losing money.",
    "I want to speak to your manager, this has been open for weeks.",
]
POSITIVE = [
    "Thanks so much, that fixed it! Great support.",
    "Amazing, the issue is resolved. Really appreciate the quick help.",
    "Love the new dashboard, thank you for the fast turnaround.",
]
NEUTRAL = [
    "How do I export my invoices as CSV?",
    "Our account number is 4411. Which plan are we on?",
    "Can you tell me when the next release is scheduled?",
]


@pytest.fixture(scope="module")
def lexicon() -> LexiconSentiment:
    return LexiconSentiment()


def test_lexicon_labels_clear_support_sentences(lexicon: LexiconSentiment) -> None:
    for expected, texts in (("negative", NEGATIVE), ("positive", POSITIVE), ("neutral", NEUTRAL)):
        for r, t in zip(lexicon.predict(texts), texts, strict=True):
            assert r.label == expected, (t, r)


def test_results_are_well_formed(lexicon: LexiconSentiment) -> None:
    texts = NEGATIVE + POSITIVE + NEUTRAL + ["", "   ", "@user https://x.y/z"]
    results = lexicon.predict(texts)
    assert len(results) == len(texts)
    for r in results:
        assert isinstance(r, SentimentResult)
        assert set(r.scores) == set(LABELS)
        assert abs(sum(r.scores.values()) - 1) < 1e-6
        assert r.label == max(r.scores, key=r.scores.__getitem__)
        assert 0.0 <= r.intensity <= 1.0
        assert r.to_dict()["label"] == r.label
    assert results[-3].label == "neutral"
    assert lexicon.predict([]) == []
    assert isinstance(lexicon, SentimentModel)


def test_intensity_ordering() -> None:
    assert intensity("THIS IS UNACCEPTABLE!!!") > intensity("this is not ideal")
    assert intensity("this is not ideal") == 0.0
    assert intensity("WHY is this STILL broken?! Absolutely ridiculous, fix it NOW!!") > 0.8
    assert intensity("this is fucking broken") > intensity("this is broken")
    assert intensity("Sooooo slow") > intensity("So slow")
    assert intensity("") == 0.0


def test_ambiguous_flag_from_margin(lexicon: LexiconSentiment) -> None:
    # On the decision boundary the margin is small: ambiguous. Far from it: not.
    at_boundary = lexicon.scores(lexicon.negative_threshold)
    from agent.sentiment import make_result

    assert make_result(at_boundary, "x", model="t").ambiguous
    assert not make_result(lexicon.scores(-0.9), "x", model="t").ambiguous
    assert not lexicon.predict(["THIS IS UNACCEPTABLE!!!"])[0].ambiguous
    strict = LexiconSentiment(ambiguity_margin=1.01)  # every result is ambiguous
    assert all(r.ambiguous for r in strict.predict(NEUTRAL))


def test_resolver_only_sees_ambiguous_texts_and_cannot_break_results() -> None:
    fake = FakeSentiment(ambiguous=["meh, it kind of works I guess"])
    seen: list[list[str]] = []

    def resolver(texts: list[str]) -> list[str | None]:
        seen.append(texts)
        return ["positive" for _ in texts]

    model = WithResolver(fake, resolver)
    out = model.predict(["Thanks, great!", "meh, it kind of works I guess", "this is broken"])
    assert seen == [["meh, it kind of works I guess"]]
    assert [r.label for r in out] == ["positive", "positive", "negative"]
    assert out[1].resolved_by == "llm" and out[0].resolved_by is None

    def failing(texts: list[str]) -> list[str | None]:
        raise TimeoutError

    assert [r.label for r in WithResolver(fake, failing).predict(["meh, it kind of works I guess"])] == [
        "neutral"
    ]
    garbage = WithResolver(fake, lambda texts: ["very angry" for _ in texts])
    assert garbage.predict(["meh, it kind of works I guess"])[0].label == "neutral"


def test_fake_sentiment() -> None:
    fake = FakeSentiment({"hello": "positive"})
    assert [r.label for r in fake.predict(["hello", "the app is broken", "what time is it"])] == [
        "positive",
        "negative",
        "neutral",
    ]
    assert fake.calls == [["hello", "the app is broken", "what time is it"]]


# --- the trainable model -------------------------------------------------------------------------

_NEG_PARTS = ["the export is broken", "nobody answered my ticket", "still waiting on a fix", "the app keeps crashing",
              "you charged us twice", "this outage is costing us", "support ignored me again"]  # fmt: skip
_POS_PARTS = ["thanks for the quick fix", "great support today", "the new report is lovely", "problem solved, cheers",
              "really happy with the upgrade", "you folks are brilliant", "works perfectly now"]  # fmt: skip
_NEU_PARTS = ["how do I add a user", "what is the api rate limit", "please send the invoice copy",
              "where can I change my email", "is there a status page", "which plan includes sso"]  # fmt: skip


def synthetic(n: int, seed: int = 1) -> tuple[list[str], list[str]]:
    rnd = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        label, parts = [("negative", _NEG_PARTS), ("positive", _POS_PARTS), ("neutral", _NEU_PARTS)][i % 3]
        texts.append(
            f"{rnd.choice(['Hi', 'Hello', 'Hey team', ''])} {rnd.choice(parts)} (ref {rnd.randint(1, 999)})"
        )
        labels.append(label)
    return texts, labels


def test_fit_save_load_round_trip(tmp_path: Path) -> None:
    texts, labels = synthetic(90)
    model = TrainedSentiment(min_df=1).fit(texts, labels)
    probe = ["Hey team the app keeps crashing", "thanks for the quick fix", "how do I add a user"]
    before = model.predict(probe)
    assert [r.label for r in before] == ["negative", "positive", "neutral"]
    assert model.version.startswith("trained-") and all(r.version == model.version for r in before)
    loaded = TrainedSentiment.load(model.save(tmp_path / "m.joblib"))
    after = loaded.predict(probe)
    assert loaded.version == model.version and loaded.fingerprint == model.fingerprint
    assert [r.label for r in after] == [r.label for r in before]
    for a, b in zip(before, after, strict=True):
        assert a.scores == pytest.approx(b.scores)
    assert loaded.meta["n_train"] == 90


def test_version_follows_data_and_parameters() -> None:
    texts, labels = synthetic(60)
    a = TrainedSentiment(min_df=1).fit(texts, labels)
    assert TrainedSentiment(min_df=1).fit(list(reversed(texts)), list(reversed(labels))).version == a.version
    assert TrainedSentiment(min_df=1, C=1.0).fit(texts, labels).version != a.version
    assert TrainedSentiment(min_df=1).fit(texts[:-3], labels[:-3]).version != a.version
    assert LexiconSentiment().version == LexiconSentiment().version and LexiconSentiment().version.startswith("lexicon-")
    assert LexiconSentiment().version != LexiconSentiment(positive_threshold=0.5).version


def test_train_reader_saves_manifest_and_becomes_the_active_reader(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert isinstance(load_sentiment_model(settings), LexiconSentiment)  # nothing trained yet
    texts, labels = synthetic(60)
    model, manifest = train_reader(settings, texts, labels, source="test", params={"min_df": 1}, folds=3)
    assert active_version(settings) == manifest.version == model.version
    assert manifest.metrics["accuracy"] >= 0.8 and manifest.n_train == 60 and manifest.fingerprint
    assert manifest.metrics["cheap"]["messages_per_cpu_second"] > 0
    assert (tmp_path / "sentiment" / f"{model.version}.json").is_file()
    assert load_sentiment_model(settings).version == model.version
    # Not activated: saved, listed, but the active reader stays.
    other, m2 = train_reader(settings, texts[:45], labels[:45], source="test", params={"min_df": 1}, folds=3,
                             activate=False)
    assert active_version(settings) == model.version and {m.version for m in manifests(settings)} == {
        model.version, other.version}
    activate_version(settings, None)
    assert isinstance(load_sentiment_model(settings), LexiconSentiment)
    with pytest.raises(ReaderError):
        activate_version(settings, "trained-doesnotexist")


def test_a_broken_active_reader_fails_loudly_instead_of_switching_reader(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    texts, labels = synthetic(60)
    model, _ = train_reader(settings, texts, labels, source="test", params={"min_df": 1}, folds=3)
    (tmp_path / "sentiment" / f"{model.version}.joblib").write_bytes(b"not a model")
    with pytest.raises(ReaderError, match="cannot be loaded"):
        load_sentiment_model(settings)
    (tmp_path / "sentiment" / "active.json").write_text("{", encoding="utf-8")
    with pytest.raises(ReaderError, match="not a valid reader pointer"):
        load_sentiment_model(settings)


def test_resolver_wrapping_carries_its_own_version(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    wrapped = load_sentiment_model(settings, resolver=lambda t: [None] * len(t))
    assert isinstance(wrapped, WithResolver)
    assert wrapped.version == f"{LexiconSentiment().version}+llm"
    assert all(r.version == wrapped.version for r in wrapped.predict(NEGATIVE))


def test_fit_rejects_bad_labels() -> None:
    with pytest.raises(ValueError, match="labels"):
        TrainedSentiment().fit(["a", "b"], ["negative", "furious"])
    with pytest.raises(ValueError, match="two distinct"):
        TrainedSentiment().fit(["a", "b"], ["negative", "negative"])
    with pytest.raises(RuntimeError):
        TrainedSentiment().predict(["x"])


# --- evals ---------------------------------------------------------------------------------------


def _write_csv(path: Path, texts: list[str], labels: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "body", "mood"])
        for i, (t, lab) in enumerate(zip(texts, labels, strict=True)):
            w.writerow([i, t, lab.upper()])
        w.writerow([999, "", "negative"])  # skipped: empty text
        w.writerow([1000, "whatever", "mixed"])  # skipped: unknown label
    return path


def test_evaluate_csv_cross_validated_and_score_csv_with_a_given_reader(tmp_path: Path) -> None:
    import json

    from evals.sentiment import evaluate_csv, score_csv

    texts, labels = synthetic(60, seed=2)
    data = _write_csv(tmp_path / "msgs.csv", texts, labels)
    report = evaluate_csv(data, "body", "mood", folds=3)
    json.dumps(report)
    assert report["n"] == 60 and report["skipped_rows"] == 2
    assert {"n", "accuracy", "macro_f1", "per_class_f1", "messages_per_cpu_second", "model", "method"} <= set(report)
    assert [r["model"] for r in report["results"]] == ["lexicon-vader-support-v1", "trained-lr"]
    assert "3-fold" in report["method"]
    assert report["accuracy"] >= 0.8
    assert report["results"][0]["method"] == "shipped default, no training"

    tr_texts, tr_labels = synthetic(90, seed=3)
    reader = TrainedSentiment(min_df=1).fit(tr_texts, tr_labels)
    scored = score_csv(data, "body", "mood", reader)
    assert scored["version"] == reader.version and scored["n"] == 60 and scored["accuracy"] >= 0.9
    assert scored["messages_per_cpu_second"] > 0 and 0.0 <= scored["ambiguous_share"] <= 1.0
    with pytest.raises(ValueError, match="missing column"):
        evaluate_csv(data, "text", "mood")


# --- embeddings (the optional, slower, more accurate variant) ------------------------------------


class _HashEncoder:
    """A stand-in encoder: a deterministic bag-of-words hash, so the stacking code runs without ONNX."""

    def encode(self, texts: list[str]):
        import numpy as np

        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, sum(map(ord, w)) % 64] += 1.0
        return out


def test_embedding_variant_round_trip_with_injected_encoder(tmp_path: Path) -> None:
    texts, labels = synthetic(90)
    # embed_margin 1.01: every message is unsure, so the embedding stage reads all of them.
    model = TrainedSentiment(embeddings=True, embed_margin=1.01, min_df=1, encoder=_HashEncoder()).fit(texts, labels)
    probe = ["the app keeps crashing", "thanks for the quick fix", "how do I add a user"]
    assert [r.label for r in model.predict(probe)] == ["negative", "positive", "neutral"]
    assert model.last_stage_counts == {"cheap": 3, "embeddings": 3}
    confident = TrainedSentiment(embeddings=True, embed_margin=0.0, min_df=1, encoder=_HashEncoder()).fit(texts, labels)
    confident.predict(probe)
    assert confident.last_stage_counts == {"cheap": 3, "embeddings": 0}  # the cascade skipped the encoder
    path = model.save(tmp_path / "m.joblib")
    loaded = TrainedSentiment.load(path, encoder=_HashEncoder())
    assert loaded.predict_proba(probe) == pytest.approx(model.predict_proba(probe))


def test_minilm_encoder_runs_offline_from_packaged_model() -> None:
    import numpy as np

    from agent.sentiment.embeddings import TOKENIZER_PATH, MiniLMEncoder

    assert TOKENIZER_PATH.is_file()
    enc = MiniLMEncoder(batch_size=2)
    E = enc.encode(["my invoice is wrong", "the bill I received is incorrect", "what a lovely sunny day", ""])
    assert E.shape == (4, 384)
    assert np.allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-4)
    assert float(E[0] @ E[1]) > float(E[0] @ E[2])


def test_train_reader_with_the_embedding_stage_encodes_once_and_reports_the_cascade(tmp_path: Path) -> None:
    class Counting(_HashEncoder):
        encoded = 0

        def encode(self, texts: list[str]):  # type: ignore[no-untyped-def]
            Counting.encoded += len(texts)
            return super().encode(texts)

    texts, labels = synthetic(60)
    settings = Settings(data_dir=tmp_path)
    model, manifest = train_reader(settings, texts, labels, source="test", folds=3,
                                   params={"embeddings": True, "min_df": 1, "encoder": Counting()})
    assert Counting.encoded == 60  # once for the CV folds and the final fit together
    assert model.name == "trained-lr+minilm" and manifest.params["embeddings"] is True
    cascade = manifest.metrics["cascade"]
    assert 0.0 <= cascade["embedding_share"] <= 1.0 and cascade["accuracy"] == manifest.metrics["accuracy"]
    assert manifest.metrics["cheap"]["accuracy"] > 0.5
