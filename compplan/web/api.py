"""The ingest API: POST /api/plans/PLAN/ingest[?input=NAME] with a JSON or CSV body,
authenticated by an API token (Authorization: Bearer ...).

    200  {"accepted": 3, "already": 1, "rejected": [], "payees_updated": 4, ...}
    422  {"error": "...", "rejected": [{"row": 2, "column": "amount", "reason": ...}]}
         nothing of the batch was taken
    400 / 401 / 403 / 404 / 413 / 415   a sentence saying what was wrong

The rows are committed before the reply; the live figures have taken them when it comes.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .auth import token_for
from .endpoint import in_lane
from .live import parse_body
from .security import Refused

MAX_ROWS = 100_000


async def ingest(request: Request) -> Response:
    body = await request.body()
    return await in_lane("ingest", _ingest, request, body)  # no wait behind the pages


def _ingest(request: Request, body: bytes) -> Response:
    portal = request.app.state.portal
    plan_id = request.path_params["plan"]
    with portal.read() as db:
        token = token_for(db, request.headers.get("authorization"), plan_id)
    portal.plan(plan_id)
    records, rows = parse_body(body, request.headers.get("content-type", ""))
    if len(records) > MAX_ROWS:
        raise Refused(413, f"{len(records):,} rows in one batch; send at most {MAX_ROWS:,}")
    input_name = request.query_params.get("input") or None
    reply = portal.ingest(plan_id, input_name, records, actor=f"token:{token.name}",
                          rows=rows, token_id=token.id)
    body = reply.as_dict()
    if reply.rejected:
        body["error"] = (f"the batch was refused: {len(reply.rejected)} problem"
                         f"{'s' if len(reply.rejected) != 1 else ''}; nothing of it was taken")
        return JSONResponse(body, status_code=422)
    return JSONResponse(body)
