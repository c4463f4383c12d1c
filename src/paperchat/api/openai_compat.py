"""OpenAI-compatible chat: POST /v1/chat/completions (plain and streamed), /v1/models.

The reply's content is the answer with [n] markers and the source list (api/citations.py);
each cited paper is also an OpenAI `url_citation` annotation (`message.annotations`, or
one `delta.annotations` chunk before the final chunk when streaming) and, streamed, an
Open WebUI `source` event with the quoted sentence (a chunk with a top-level `event`,
before the annotations: see `citations.open_webui_source`).
The structured answer travels in a `paperchat` field, on the final chunk when streaming:
the cited sources only, or every source with `"paperchat_detail": "full"`.
`usage` counts cl100k tokens; streamed, `stream_options.include_usage` adds the usage
chunk. /v1/responses lives in openai_responses.py; both share openai_requests.py.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.routing import Match

from paperchat.answer.models import Answer
from paperchat.answer.safe_text import InertStream
from paperchat.api import citations
from paperchat.api.citations import Detail
from paperchat.api.errors import ERROR_RESPONSES, stream_error
from paperchat.api.openai_requests import (
    MODEL_HELP,
    MODELS,
    Message,
    base_url,
    mode_for,
    refuse_unsupported,
    split_conversation,
    usage_counts,
)
from paperchat.api.openai_responses import build_responses_router
from paperchat.api.services import Services
from paperchat.api.streaming import started
from paperchat.errors import PaperchatError

DETAIL_HELP = "`cited` (default): the cited sources only; `full`: every retrieved source."


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, top_p, … are accepted and ignored
    model: str = "paperchat"
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    paperchat_detail: Detail = Field(default="cited", description=DETAIL_HELP)


class UrlCitation(BaseModel):
    start_index: int
    end_index: int
    title: str
    url: str


class Annotation(BaseModel):
    type: Literal["url_citation"] = "url_citation"
    url_citation: UrlCitation


class ChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: None = None
    annotations: list[Annotation] = Field(default_factory=list)


class Choice(BaseModel):
    index: int = 0
    message: ChoiceMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int

    @classmethod
    def of(cls, prompt: int, completion: int) -> Usage:
        return cls(
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
        )


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    paperchat: dict = Field(description="The answer object; see `paperchat_detail`.")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "paperchat"
    description: str | None = None


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


def _card(name: str) -> ModelCard:
    return ModelCard(id=name, description=MODEL_HELP[name])


def build_openai_router(services: Services) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["openai-compatible"], responses=ERROR_RESPONSES)

    @router.get("/models", response_model=ModelList)
    def models() -> ModelList:
        return ModelList(data=[_card(name) for name in MODELS])

    @router.get("/models/{model_id:path}", response_model=ModelCard)
    def model(model_id: str) -> ModelCard:
        mode_for(model_id)  # 404 model_not_found
        return _card(model_id)

    @router.post(
        "/chat/completions",
        response_model=ChatCompletion,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def chat_completions(body: ChatCompletionRequest, request: Request):
        refuse_unsupported(body.model_dump())
        mode = mode_for(body.model)
        question, history = split_conversation(body.messages, param="messages")
        prompt_texts = [m.text() for m in body.messages]
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        base = base_url(request)
        if body.stream:
            events = started(services.assistant.ask_stream(question, history=history, mode=mode))
            include_usage = bool(body.stream_options and body.stream_options.include_usage)
            stream = _ChatStream(completion_id, created, body.model, base, body.paperchat_detail)
            return StreamingResponse(
                stream.chunks(events, prompt_texts, include_usage), media_type="text/event-stream"
            )
        answer = services.assistant.ask(question, history=history, mode=mode)
        text = citations.render_text(answer)
        prompt, completion = usage_counts(prompt_texts, text)
        notes = citations.chat_annotations(citations.cited(answer, text, base))
        return ChatCompletion(
            id=completion_id,
            created=created,
            model=body.model,
            choices=[Choice(message=ChoiceMessage(content=text, annotations=notes))],
            usage=Usage.of(prompt, completion),
            paperchat=citations.paperchat_field(answer, body.paperchat_detail, base),
        )

    router.include_router(build_responses_router(services))

    @router.api_route(
        "/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
        include_in_schema=False,
    )
    def unknown(request: Request, rest: str):
        """An OpenAI-shaped 404/405 for every other /v1 path (the UI owns the rest of /)."""
        allowed = sorted(
            {
                method
                for route in router.routes
                if getattr(route, "endpoint", None) is not unknown
                and route.matches(request.scope)[0] == Match.PARTIAL
                for method in getattr(route, "methods", ())
            }
        )
        if allowed:
            raise HTTPException(405, "Method Not Allowed", headers={"Allow": ", ".join(allowed)})
        raise HTTPException(404, "Not Found")

    return router


class _ChatStream:
    """The chunks of one streamed chat completion."""

    def __init__(self, completion_id: str, created: int, model: str, base: str, detail: Detail):
        self.head = {"id": completion_id, "object": "chat.completion.chunk", "created": created}
        self.model = model
        self.base = base
        self.detail = detail

    def chunk(self, delta: dict | None, finish=None, **extra) -> str:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
        payload = {**self.head, "model": self.model, "choices": choices, **extra}
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    def chunks(self, events: Iterator[object], prompt_texts: list[str], include_usage: bool):
        yield self.chunk({"role": "assistant", "content": ""})
        inert, streamed, fed = InertStream(), "", False
        try:
            for event in events:
                if isinstance(event, Answer):
                    # Deltas carried the text; the source list closes it. Without deltas, all.
                    tail = (
                        inert.flush() + citations.source_list(event)
                        if fed
                        else citations.render_text(event)
                    )
                    if tail:
                        streamed += tail
                        yield self.chunk({"content": tail})
                    cited = citations.cited(event, streamed, self.base)
                    # Open WebUI's chips take their name from whichever source comes first
                    for c in cited:
                        yield self.chunk({}, event=citations.open_webui_source(c))
                    if cited:
                        yield self.chunk({"annotations": citations.chat_annotations(cited)})
                    field = citations.paperchat_field(event, self.detail, self.base)
                    yield self.chunk({}, finish="stop", paperchat=field)
                    if include_usage:
                        prompt, completion = usage_counts(prompt_texts, streamed)
                        yield self.chunk(None, usage=Usage.of(prompt, completion).model_dump())
                else:
                    fed = True
                    piece = inert.feed(str(event))
                    if piece:
                        streamed += piece
                        yield self.chunk({"content": piece})
        except PaperchatError as exc:
            yield f"data: {json.dumps(stream_error(exc))}\n\n"
        yield "data: [DONE]\n\n"
