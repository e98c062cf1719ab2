"""Schemathesis against the app's own OpenAPI spec, in process: no 5xx, no response outside the spec.

Every operation is fuzzed as a manager (reaches every endpoint), as support_t1 (mostly 403) and without
credentials, with schema-valid data, with schema-invalid data, and with path ids that exist. The default
run is bounded (about a minute); set REDACCOUNT_TEST_FUZZ_EXAMPLES (e.g. 500) for a longer one.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from core.models import Role
from tests.api.conftest import KEYS
from tests.security.conftest import Served, WithoutLifespan

EXAMPLES = int(os.environ.get("REDACCOUNT_TEST_FUZZ_EXAMPLES", "20"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
IDENTITIES: dict[str, dict[str, str]] = {
    "manager": {"X-API-Key": KEYS[Role.manager]},
    "support_t1": {"X-API-Key": KEYS[Role.support_t1]},
    "anonymous": {},
}
SUMMARY: Counter[str] = Counter()


_SCHEMAS: dict[int, Any] = {}


def _schema(served: Served) -> Any:
    key = id(served.app)
    if key not in _SCHEMAS:
        _SCHEMAS[key] = schemathesis.openapi.from_asgi("/openapi.json", WithoutLifespan(served.app))
    return _SCHEMAS[key]


def _strategies(operation: Any, known: dict[str, list[str]]) -> list[tuple[str, Any]]:
    out = [("positive", operation.as_strategy()),
           ("negative", operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))]
    names = [p.name for p in operation.iter_parameters() if p.location == "path"]
    for name in names:
        for value in known.get(name, [])[:2]:
            out.append((f"{name}={value}", operation.as_strategy(path_parameters={name: value})))
    return out


def _fuzz(strategy: Any, headers: dict[str, str], failures: list[str], label: str) -> int:
    ran = 0

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 50,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case: Any) -> None:
        nonlocal ran
        ran += 1
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except BaseException as exc:  # noqa: BLE001 - every failure is counted, none stops the sweep
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append(f"{label}: {type(exc).__name__}: {str(exc)[:800]}")

    try:
        run()
    except Unsatisfiable:  # negative data for an operation that takes no input: nothing to send
        pass
    return ran


@pytest.mark.parametrize("identity", list(IDENTITIES))
def test_openapi_operations_never_answer_5xx_or_off_spec(served: Served, identity: str) -> None:
    schema = _schema(served)
    failures: list[str] = []
    ran = 0
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14, [op.label for op in operations]
    for operation in operations:
        for mode, strategy in _strategies(operation, served.known_ids()):
            ran += _fuzz(strategy, IDENTITIES[identity], failures, f"{identity} {operation.label} [{mode}]")
    SUMMARY["cases"] += ran
    SUMMARY["failures"] += len(failures)
    print(f"\nschemathesis {identity}: {ran} cases over {len(operations)} operations, {len(failures)} failures")
    assert ran >= len(operations) * 2
    assert not failures, "\n\n".join(failures[:10])


def test_fuzz_summary() -> None:
    """Printed for the issue's closing note (run with -s): total cases run and failures."""
    print(f"\nschemathesis total: {SUMMARY['cases']} cases, {SUMMARY['failures']} failures")
