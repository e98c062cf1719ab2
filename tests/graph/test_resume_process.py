"""Resume in a new process: a case paused in one interpreter is decided and moves on in another."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from core.store.approvals import list_approvals
from tests.graph.conftest import make_service
from tests.utils.fakes import red_assessment

CHILD = textwrap.dedent("""
    import json, sys
    from datetime import datetime
    from core.db import open_database
    from core.models import ApprovalDecision
    from core.settings import Settings
    from core.store.approvals import list_approvals
    from tests.graph.conftest import make_service
    from tests.utils.fakes import Clock

    settings = Settings(data_dir=sys.argv[1], llm_enabled=False, allow_unsigned_events=True)
    engine = open_database(settings)
    service, checkpointer = make_service(settings, engine, Clock(datetime.fromisoformat(sys.argv[2])))
    (pending,) = list_approvals(engine)
    service.decide(pending.id, ApprovalDecision(type="approve", actor="Priya Raman"))
    print(json.dumps(service.pending_interrupt(pending.case_id)))
    checkpointer.close()
""")


def test_a_decision_in_another_process_resumes_the_checkpointed_case(settings, history, clock) -> None:  # type: ignore[no-untyped-def]
    service, checkpointer = make_service(settings, history, clock)
    case_id, _ = service.start_case(red_assessment())
    checkpointer.close()
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", CHILD, str(settings.data_dir), clock.now.isoformat()],
                            cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    pending = json.loads(result.stdout.strip().splitlines()[-1])
    assert pending["request"]["action"] == "send_customer_update"
    (record,) = [a for a in list_approvals(history, status=None) if a.request.action == "validate_brief"]
    assert record.status == "applied" and record.case_id == case_id
