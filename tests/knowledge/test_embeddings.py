from __future__ import annotations

import numpy as np
import pytest

from knowledge.embeddings import EMBEDDING_DIM, MAX_TOKENS, TOKENIZER_DIR, MiniLMEmbedding, default_model_path

LOGIN = "Our users cannot log in with SSO, Okta says the SAML response is invalid"
LOGIN_PARAPHRASE = "Single sign-on is failing: the SAML assertion from our identity provider gets rejected"
INVOICE = "We were charged twice on the March invoice and need a refund"
CAT = "The cat slept all afternoon on the warm windowsill"


def test_model_and_tokenizer_ship_with_the_install() -> None:
    assert default_model_path().is_file()
    assert (TOKENIZER_DIR / "tokenizer.json").is_file()
    assert (TOKENIZER_DIR / "ATTRIBUTION.txt").is_file()


def test_shape_dtype_and_unit_norm(embedding: MiniLMEmbedding) -> None:
    vectors = embedding.embed([LOGIN, INVOICE, CAT, "x"])
    assert vectors.shape == (4, EMBEDDING_DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_paraphrase_is_closer_than_unrelated(embedding: MiniLMEmbedding) -> None:
    login, paraphrase, invoice, cat = embedding.embed([LOGIN, LOGIN_PARAPHRASE, INVOICE, CAT])
    assert login @ paraphrase > 0.5
    assert login @ paraphrase > login @ invoice + 0.3
    assert login @ cat < 0.2


def test_empty_input_gives_no_rows(embedding: MiniLMEmbedding) -> None:
    assert embedding.embed([]).shape == (0, EMBEDDING_DIM)


def test_batching_and_length_sorting_do_not_change_vectors(embedding: MiniLMEmbedding) -> None:
    texts = [LOGIN * 3, "short", INVOICE, CAT, LOGIN_PARAPHRASE, "a b c"]
    together = MiniLMEmbedding(batch_size=2).embed(texts)
    alone = np.stack([embedding.embed([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-4)


def test_per_batch_padding_matches_fixed_padding(embedding: MiniLMEmbedding) -> None:
    texts = [LOGIN, INVOICE, CAT]
    fixed = MiniLMEmbedding(pad_to=MAX_TOKENS).embed(texts)
    np.testing.assert_allclose(embedding.embed(texts), fixed, atol=1e-4)


def test_long_input_is_truncated_not_rejected(embedding: MiniLMEmbedding) -> None:
    (vector,) = embedding.embed(["word " * 2000])
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_chroma_protocol_round_trip(embedding: MiniLMEmbedding) -> None:
    assert not embedding.is_legacy()
    assert embedding.default_space() == "cosine"
    rebuilt = MiniLMEmbedding.build_from_config(embedding.get_config())
    assert rebuilt.get_config() == embedding.get_config()
    (vector,) = embedding([LOGIN])
    assert len(vector) == EMBEDDING_DIM


def test_changing_truncation_on_a_collection_is_refused(embedding: MiniLMEmbedding) -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        embedding.validate_config_update({"max_tokens": 256}, {"max_tokens": 128})
    embedding.validate_config_update({"max_tokens": 256, "batch_size": 64}, {"batch_size": 8})


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        MiniLMEmbedding(batch_size=0)
