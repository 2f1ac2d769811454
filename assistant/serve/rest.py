"""The REST API (`/api/v1/...`, `/healthz`): JSON in, the answer contract's dict out; OpenAPI at /docs.

The endpoints are coroutines that await the backend (`acall`): a request is not handed to a thread of
the server's pool and back (measured on 2 cores: 0.63 ms for a trivial sync endpoint, 0.39 ms async).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ..conversation import ConversationBusy, ConversationExpired, ConversationNotFound
from ..errors import AssistantError, InputError

MAX_MESSAGE = 100_000


class AskRequest(BaseModel):
    """One message; `session_id` null starts a conversation."""

    model_config = ConfigDict(extra="forbid")
    message: str = Field(max_length=MAX_MESSAGE, description="the clinician's (or patient's) message")
    session_id: str | None = Field(default=None, max_length=64, description="null starts a conversation")
    audience: Literal["clinician", "patient"] | None = Field(
        default=None, description="default: the conversation's audience (clinician for a new one)"
    )


class AskResponse(BaseModel):
    """The answer contract's dict plus `session_id` (more keys may be present)."""

    model_config = ConfigDict(extra="allow")
    kind: Literal["recommendation", "information", "clarification", "refusal"]
    text: str
    options: list[dict[str, Any]]
    citations: list[dict[str, Any]]
    profile: dict[str, Any]
    missing: list[str]
    refusal: dict[str, Any] | None
    session_id: str


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Literal["up", "down"]
    comment: str = Field(default="", max_length=4000)


class ErrorResponse(BaseModel):
    error: str
    message: str


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "message": message})


def install_rest(app: Any, backend: Any) -> None:
    """Add the REST routes and their error responses to the FastAPI `app`."""

    from .backend import WorkerError

    errors: dict[int | str, dict[str, Any]] = {
        404: {"model": ErrorResponse, "description": "unknown conversation"},
        410: {"model": ErrorResponse, "description": "the conversation expired"},
        409: {"model": ErrorResponse, "description": "the conversation is busy"},
    }

    @app.exception_handler(ConversationExpired)
    async def _expired(request: Request, exc: ConversationExpired) -> Any:
        return _error(410, "expired", str(exc))

    @app.exception_handler(ConversationNotFound)
    async def _not_found(request: Request, exc: ConversationNotFound) -> Any:
        return _error(404, "not_found", str(exc))

    @app.exception_handler(ConversationBusy)
    async def _busy(request: Request, exc: ConversationBusy) -> Any:
        return _error(409, "busy", str(exc))

    @app.exception_handler(InputError)
    async def _bad_input(request: Request, exc: InputError) -> Any:
        return _error(400, "invalid_input", str(exc))

    @app.exception_handler(WorkerError)
    async def _worker(request: Request, exc: WorkerError) -> Any:
        return _error(503, "unavailable", str(exc))

    @app.exception_handler(AssistantError)
    async def _assistant(request: Request, exc: AssistantError) -> Any:
        return _error(500, "error", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Any:
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}"
                    for e in exc.errors()]  # fmt: skip
        # Not JSON at all is a bad request (400); JSON of the wrong shape is unprocessable (422).
        status = 400 if any(e.get("type") == "json_invalid" for e in exc.errors()) else 422
        return JSONResponse(
            status_code=status,
            content={"error": "invalid_request", "message": "; ".join(problems), "detail": exc.errors()},
        )

    @app.post("/api/v1/ask", response_model=AskResponse, responses=errors, tags=["conversations"])
    async def ask(body: AskRequest) -> Response:
        """Answer one message in a conversation; pass the returned `session_id` back to continue it."""
        data = await backend.acall("ask_json", body.session_id, body.message, body.audience, key=body.session_id)
        return Response(content=data, media_type="application/json")

    @app.get("/api/v1/sessions/{session_id}", responses=errors, tags=["conversations"])
    async def get_session(session_id: str) -> dict[str, Any]:
        """The conversation: audience, profile (with where each fact came from), turns, feedback."""
        result: dict[str, Any] = await backend.acall("get", session_id, key=session_id)
        return result

    @app.delete("/api/v1/sessions/{session_id}", responses=errors, tags=["conversations"])
    async def delete_session(session_id: str) -> dict[str, Any]:
        """Forget the conversation; its id is unknown afterwards."""
        if not await backend.acall("delete", session_id, key=session_id):
            raise ConversationNotFound(session_id)
        return {"session_id": session_id, "deleted": True}

    @app.post("/api/v1/sessions/{session_id}/feedback", responses=errors, tags=["conversations"])
    async def feedback(session_id: str, body: FeedbackRequest) -> dict[str, Any]:
        """Feedback on the last answer, stored with the conversation (the audit log keeps the rating only)."""
        entry: dict[str, Any] = await backend.acall("feedback", session_id, body.rating, body.comment, key=session_id)
        return entry

    @app.get("/api/v1/sessions/{session_id}/export", responses=errors, tags=["conversations"])
    async def export(session_id: str, format: Literal["md", "json"] = "md") -> Response:
        """The conversation as a Markdown or JSON download, the clinician's questions included."""
        text = await backend.acall("export", session_id, format, key=session_id)
        media = "application/json" if format == "json" else "text/markdown; charset=utf-8"
        headers = {"Content-Disposition": f'attachment; filename="conversation-{session_id[:8]}.{format}"'}
        return Response(content=text, media_type=media, headers=headers)

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, Any]:
        """Liveness and what is served: corpus hash and date, conversation store, workers."""
        return {"status": "ok", **backend.info}
