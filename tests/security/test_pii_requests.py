"""PII never reaches the model: drafting runs through ChatModelPort (langchain-openai) against a fake
OpenAI-compatible server on loopback, and the recorded HTTP request bodies are searched for every email,
phone, card number, IBAN and street address the customer wrote."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from agent.context import CaseContext, CaseMessage, ResolutionEvidence
from agent.drafting import draft_brief, draft_customer_update, extract_knowledge, propose_next_actions
from agent.llm import ChatModelPort
from core.models import AuthorSide, Evidence, RiskSignal
from core.settings import Settings

AT = datetime(2026, 10, 1, 9, tzinfo=UTC)
PII = {
    "email": ["jane.doe@northwind.example", "billing+eu@northwind-logistics.co.uk"],
    "phone": ["+44 20 7946 0958", "(415) 555-0100", "415-555-0199", "030 1234567"],
    "card": ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"],
    "iban": ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432"],
    "address": ["221B Baker Street", "Hauptstraße 5", "12 rue de la Paix"],
}
TEXTS = [
    "Call me on +44 20 7946 0958 or write to jane.doe@northwind.example; our card 4111 1111 1111 1111 was charged twice.",
    "Refund to IBAN DE89 3704 0044 0532 0130 00 please. Office: 221B Baker Street, London.",
    "Finance is billing+eu@northwind-logistics.co.uk, (415) 555-0100. Amex 378282246310005 is the backup card.",
    "Our Berlin office (Hauptstraße 5, 030 1234567) and Paris (12 rue de la Paix) cannot log in. 415-555-0199.",
    "Use GB82WEST12345698765432 or the Mastercard 5500-0000-0000-0004 for the credit note.",
]


def _context() -> CaseContext:
    messages = [CaseMessage(ref=f"message:m-{i}", side=AuthorSide.customer, text=text, at=AT + timedelta(hours=i))
                for i, text in enumerate(TEXTS)]
    signal = RiskSignal(kind="escalation_language", value=1.0, weight=40, confidence=0.9, rule_id="SIG-ESC",
                        detail=f"customer wrote: {TEXTS[0]}",
                        evidence=[Evidence(record_type="message", record_id="m-1", quote=TEXTS[1], at=AT)])
    return CaseContext(account_id="acc-1", account_name="Northwind", tier="enterprise", arr=250_000, score=80,
                       band="red", signals=[signal], messages=messages,
                       tickets_summary=f"ticket:t-1 P1 open 'Charged twice, contact {PII['email'][0]}'")


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    """A schema-shaped answer for whichever structured output the request asks for."""
    schema = body.get("response_format", {}).get("json_schema", {})
    name = schema.get("name", "")
    refs = ["E1"]
    claim = {"text": "Customer charged twice; wants refund", "refs": refs}
    content = {
        "BriefOut": {k: claim for k in ("intent", "tried", "results", "status", "escalation_reason")},
        "ActionsOut": {"actions": [{"action": "Check the duplicate charge", "owner_role": "support_t2",
                                    "quote": "Charged twice", "refs": refs}]},
        "UpdateOut": {"subject": "Your duplicate charge", "body": "We are checking the duplicate charge now.",
                      "refs": refs},
    }.get(name, {"title": "Duplicate charge", "problem": "Charged twice", "solution": "Refund the duplicate",
                 "tags": ["billing"], "refs": refs})
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body.get("model", "m"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps(content)}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            bodies.append(raw)
            out = json.dumps(_answer(json.loads(raw))).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", bodies
    server.shutdown()
    server.server_close()


def _variants(value: str) -> set[str]:
    """The value as written, compacted, and as JSON would escape it."""
    compact = re.sub(r"[\s-]", "", value)
    return {value, compact, json.dumps(value)[1:-1]} | ({value.replace(" ", "")} if " " in value else set())


def test_no_pii_in_any_model_request(recorder: tuple[str, list[bytes]], tmp_path) -> None:  # type: ignore[no-untyped-def]
    url, bodies = recorder
    settings = Settings(data_dir=tmp_path, llm_enabled=True, llm_base_url=url, llm_max_retries=0)
    port = ChatModelPort.from_settings(settings)
    ctx = _context()
    outputs = [draft_brief(ctx, port, settings), propose_next_actions(ctx, port, settings),
               draft_customer_update(ctx, port, settings),
               extract_knowledge(ctx, port, settings, resolution=[ResolutionEvidence(
                   ref=ctx.messages[-1].ref, text=f"Refunded to {PII['iban'][0]}; told {PII['email'][1]}")])]
    # Every draft really asked the model over HTTP (the canned answers may then fail the grounding checks
    # and fall back to extractive, issue 13; what is checked here is what was sent).
    assert len(outputs) == 4 and len(bodies) == 4
    checked = 0
    for raw in bodies:
        text = raw.decode("utf-8")
        for kind, values in PII.items():
            for value in values:
                for form in _variants(value):
                    checked += 1
                    assert form not in text, f"{kind} {value!r} reached the model"
        assert "[EMAIL_1]" in text and "[CARD_1]" in text and "[IBAN_1]" in text  # placeholders went instead
        assert "[PHONE_1]" in text and "[ADDRESS_1]" in text
    print(f"\npii: {len(bodies)} model requests, {sum(len(v) for v in PII.values())} PII values, "
          f"{checked} substring checks, 0 leaks")
    update = outputs[2]
    assert update.redactions and PII["email"][0] in update.redactions.values()  # restorable for the approver only
