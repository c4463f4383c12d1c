"""OpenAI-compatible chat: POST /v1/chat/completions (plain and streamed), GET /v1/models.

The last user message is the question, earlier messages the history. The reply's content
is the answer with [n] markers and a source list; the structured answer (citations,
sources, mode) travels beside it in a `paperchat` field, on the last chunk when streaming.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from paperchat.answer.models import Answer, RequestedMode, Turn
from paperchat.answer.safe_text import markdown_text
from paperchat.api.errors import ERROR_RESPONSES, status_for
from paperchat.api.schemas import MAX_QUESTION_CHARS
from paperchat.api.services import Services
from paperchat.api.streaming import started
from paperchat.errors import InputError, PaperchatError

MODELS: dict[str, RequestedMode] = {
    "paperchat": "auto",
    "paperchat-extractive": "extractive",
    "paperchat-llm": "llm",
}


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text or "" for part in self.content if part.type == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, top_p, … are accepted and ignored
    model: str = "paperchat"
    messages: list[ChatMessage] = Field(min_length=1, max_length=50)
    stream: bool = False


class ChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ChoiceMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage = Field(default_factory=Usage)
    paperchat: Answer


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "paperchat"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def sources_block(answer: Answer) -> str:
    if not answer.citations:
        return ""
    lines = ["", "", "Sources:"]
    lines += [f"[{c.n}] {markdown_text(c.title) or c.id}" for c in answer.citations]
    return "\n".join(lines)


def render_content(answer: Answer) -> str:
    """The answer text followed by a numbered source list, for clients that show only text."""
    return answer.answer.rstrip() + sources_block(answer)


def _split(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    if messages[-1].role != "user" or not messages[-1].text().strip():
        raise InputError("the last message must be a user message with a question in it")
    question = messages[-1].text()
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is over {MAX_QUESTION_CHARS} characters; shorten it")
    history = [
        Turn(role="assistant" if m.role == "assistant" else "user", content=m.text())
        for m in messages[:-1]
        if m.role in ("user", "assistant") and m.text().strip()
    ]
    return question, history


def build_openai_router(services: Services) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["openai-compatible"], responses=ERROR_RESPONSES)

    @router.get("/models", response_model=ModelList)
    def models() -> ModelList:
        return ModelList(data=[ModelCard(id=name) for name in MODELS])

    @router.post(
        "/chat/completions",
        response_model=ChatCompletion,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def chat_completions(body: ChatCompletionRequest):
        question, history = _split(body.messages)
        mode = MODELS.get(body.model, "auto")
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        if body.stream:
            events = started(services.assistant.ask_stream(question, history=history, mode=mode))
            return StreamingResponse(
                _chunks(events, completion_id, created, body.model),
                media_type="text/event-stream",
            )
        answer = services.assistant.ask(question, history=history, mode=mode)
        return ChatCompletion(
            id=completion_id,
            created=created,
            model=body.model,
            choices=[Choice(message=ChoiceMessage(content=render_content(answer)))],
            paperchat=answer,
        )

    return router


def _chunk(completion_id: str, created: int, model: str, delta: dict, finish=None, **extra) -> str:
    payload = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _chunks(events: Iterator[object], completion_id: str, created: int, model: str):
    yield _chunk(completion_id, created, model, {"role": "assistant", "content": ""})
    streamed = ""
    try:
        for event in events:
            if isinstance(event, Answer):
                # Deltas carried the text; the source list closes it. Without deltas, all of it.
                tail = sources_block(event) if streamed else render_content(event)
                if tail:
                    yield _chunk(completion_id, created, model, {"content": tail})
                yield _chunk(
                    completion_id,
                    created,
                    model,
                    {},
                    finish="stop",
                    paperchat=event.model_dump(mode="json"),
                )
            else:
                streamed += str(event)
                yield _chunk(completion_id, created, model, {"content": str(event)})
    except PaperchatError as exc:
        status, kind = status_for(exc)
        payload = {"error": {"type": kind, "message": str(exc), "code": status}}
        yield f"data: {json.dumps(payload)}\n\n"
    yield "data: [DONE]\n\n"
