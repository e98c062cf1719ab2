"""The committed demo sample (events + ground truth): where it lives and how to read it.

The generator that wrote it is evaluation machinery and lives in `evals/scenario/`.
"""

from core.sample.files import DEFAULT_END, read_events, sample_path, truth_path

__all__ = ["DEFAULT_END", "read_events", "sample_path", "truth_path"]
