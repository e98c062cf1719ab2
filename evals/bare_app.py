"""A bare FastAPI app answering the scale benchmark's routes with small fixed JSON: the in-run baseline
(what the same load generator and server stack reach when the handlers do nothing)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/readyz")
def ready() -> dict[str, Any]:
    return {"ready": True}


@app.get("/approvals")
def approvals() -> list[dict[str, Any]]:
    return [{"id": "apr-0", "status": "pending"}]


@app.get("/cases/{case_id}")
def case(case_id: str) -> dict[str, Any]:
    return {"case": {"id": case_id}}


@app.get("/accounts/{account_id}")
def account(account_id: str) -> dict[str, Any]:
    return {"account": {"id": account_id}}


@app.post("/events", status_code=202)
async def events(request: Request) -> dict[str, Any]:
    return {"accepted": len(await request.body())}
