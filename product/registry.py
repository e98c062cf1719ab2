"""Where jobs are registered: every module listed here defines `@job` functions (import = registration).

To add jobs (model drafts, sentiment refits, helpdesk sync): write `product/<name>_jobs.py` with
`@job(...)`-decorated functions taking the Product first, and add the module here.
"""

from __future__ import annotations

import importlib

JOB_MODULES = (
    "product.assess",
    "product.draft_jobs",
    "product.periodic",
    "product.learning_jobs",
    "product.sync_jobs",
)


def load_jobs() -> None:
    for name in JOB_MODULES:
        importlib.import_module(name)
