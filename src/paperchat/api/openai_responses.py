"""OpenAI's Responses API: POST /v1/responses, plain and streamed.

`input` is text or a list of messages (the whole conversation, as Chat Completions
takes it); `previous_response_id` is not needed, but names a recent response of this
process when a client sends one. The answer is one `output_text` whose `annotations`
are the `url_citation`s of its cited papers; streamed, the usual `response.*` events
(text deltas, then one `response.output_text.annotation.added` per citation, then
`response.completed` with the whole response).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from paperchat.answer.models import Answer
from paperchat.answer.safe_text import InertStream
from paperchat.api import citations
from paperchat.api.citations import Detail
from paperchat.api.errors import OpenAIRequestError, stream_error
from paperchat.api.openai_requests import (
    Message,
    Role,
    TextPart,
    base_url,
    mode_for,
    refuse_unsupported,
    split_conversation,
    usage_counts,
)
from paperchat.api.services import Services
from paperchat.api.streaming import started
from paperchat.errors import PaperchatError

REMEMBERED = 256  # recent responses a `previous_response_id` may name, per process


class InputItem(BaseModel):
    """An input item; only messages are read (tool outputs and the like are skipped)."""

    model_config = ConfigDict(extra="allow")
    type: str = "message"
    role: Role | None = None
    content: str | list[TextPart] | None = None


class ResponsesRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, store, … accepted and ignored
    model: str = "paperchat"
    input: str | list[InputItem]
    instructions: str | None = None
    stream: bool = False
    previous_response_id: str | None = None
    paperchat_detail: Detail = "cited"


class ResponseObject(BaseModel):
    """The fields of OpenAI's Response object that paperchat fills."""

    model_config = ConfigDict(extra="allow")
    id: str
    object: Literal["response"] = "response"
    created_at: int
    status: Literal["completed", "in_progress", "failed"]
    model: str
    output: list[dict]
    usage: dict | None = None
    error: dict | None = None
    incomplete_details: None = None
    instructions: str | None = None
    metadata: dict = Field(default_factory=dict)
    parallel_tool_calls: bool = False
    tool_choice: str = "none"
    tools: list = Field(default_factory=list)
    text: dict = Field(default_factory=lambda: {"format": {"type": "text"}})
    paperchat: dict | None = None


class _Memory:
    """The last few conversations by response id, so `previous_response_id` works."""

    def __init__(self, size: int = REMEMBERED):
        self._items: OrderedDict[str, list[Message]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, response_id: str) -> list[Message]:
        with self._lock:
            if response_id not in self._items:
                raise OpenAIRequestError(
                    f"no recent response {response_id!r} here; send the whole conversation "
                    "as `input` instead",
                    status=404,
                    param="previous_response_id",
                    code="previous_response_not_found",
                )
            return list(self._items[response_id])

    def put(self, response_id: str, messages: list[Message]) -> None:
        with self._lock:
            self._items[response_id] = messages
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def _messages(body: ResponsesRequest, memory: _Memory) -> list[Message]:
    if isinstance(body.input, str):
        new = [Message(role="user", content=body.input)]
    else:
        new = [
            Message(role=item.role, content=item.content)
            for item in body.input
            if item.type == "message" and item.role is not None
        ]
    earlier = memory.get(body.previous_response_id) if body.previous_response_id else []
    return earlier + new


def _text_part(text: str, annotations: list[dict]) -> dict:
    return {"type": "output_text", "text": text, "annotations": annotations, "logprobs": []}


def _message_item(item_id: str, status: str, content: list[dict]) -> dict:
    return {
        "type": "message",
        "id": item_id,
        "status": status,
        "role": "assistant",
        "content": content,
    }


def _usage(prompt: int, completion: int) -> dict:
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt + completion,
    }


def build_responses_router(services: Services) -> APIRouter:
    router = APIRouter()
    memory = _Memory()

    @router.post(
        "/responses",
        response_model=ResponseObject,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def responses(body: ResponsesRequest, request: Request):
        refuse_unsupported(body.model_dump())
        mode = mode_for(body.model)
        messages = _messages(body, memory)
        question, history = split_conversation(messages, param="input")
        prompt_texts = [body.instructions or ""] + [m.text() for m in messages]
        shell = _Shell(body, base_url(request))

        def remember(text: str) -> None:
            memory.put(shell.id, [*messages, Message(role="assistant", content=text)])

        if body.stream:
            events = started(services.assistant.ask_stream(question, history=history, mode=mode))
            return StreamingResponse(
                shell.events(events, prompt_texts, remember), media_type="text/event-stream"
            )
        answer = services.assistant.ask(question, history=history, mode=mode)
        text = citations.render_text(answer)
        remember(text)
        return shell.completed(answer, text, usage_counts(prompt_texts, text))

    return router


class _Shell:
    """One response: its ids, and its shape in progress and completed."""

    def __init__(self, body: ResponsesRequest, base: str):
        self.id = f"resp_{uuid.uuid4().hex}"
        self.item_id = f"msg_{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.body = body
        self.base = base
        self._seq = 0

    def response(self, status: str, output: list[dict], **fields) -> ResponseObject:
        return ResponseObject(
            id=self.id,
            created_at=self.created,
            status=status,
            model=self.body.model,
            output=output,
            instructions=self.body.instructions,
            **fields,
        )

    def completed(self, answer: Answer, text: str, counts: tuple[int, int]) -> ResponseObject:
        notes = citations.response_annotations(citations.cited(answer, text, self.base))
        return self.response(
            "completed",
            [_message_item(self.item_id, "completed", [_text_part(text, notes)])],
            usage=_usage(*counts),
            paperchat=citations.paperchat_field(answer, self.body.paperchat_detail, self.base),
        )

    def event(self, kind: str, **data) -> str:
        payload = {"type": kind, "sequence_number": self._seq, **data}
        self._seq += 1
        return f"event: {kind}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"

    def events(self, events: Iterator[object], prompt_texts: list[str], remember) -> Iterator[str]:
        where = {"item_id": self.item_id, "output_index": 0, "content_index": 0}
        shell = self.response("in_progress", []).model_dump(mode="json")
        yield self.event("response.created", response=shell)
        yield self.event("response.in_progress", response=shell)
        yield self.event(
            "response.output_item.added",
            output_index=0,
            item=_message_item(self.item_id, "in_progress", []),
        )
        yield self.event("response.content_part.added", **where, part=_text_part("", []))
        inert, streamed, fed = InertStream(), "", False
        try:
            for event in events:
                if not isinstance(event, Answer):
                    fed = True
                    piece = inert.feed(str(event))
                    if piece:
                        streamed += piece
                        yield self.event(
                            "response.output_text.delta", **where, delta=piece, logprobs=[]
                        )
                    continue
                tail = (
                    inert.flush() + citations.source_list(event)
                    if fed
                    else citations.render_text(event)
                )
                if tail:
                    streamed += tail
                    yield self.event("response.output_text.delta", **where, delta=tail, logprobs=[])
                final = self.completed(event, streamed, usage_counts(prompt_texts, streamed))
                part = final.output[0]["content"][0]
                for i, note in enumerate(part["annotations"]):
                    yield self.event(
                        "response.output_text.annotation.added",
                        **where,
                        annotation_index=i,
                        annotation=note,
                    )
                yield self.event("response.output_text.done", **where, text=streamed, logprobs=[])
                yield self.event("response.content_part.done", **where, part=part)
                yield self.event("response.output_item.done", output_index=0, item=final.output[0])
                remember(streamed)
                yield self.event("response.completed", response=final.model_dump(mode="json"))
        except PaperchatError as exc:
            error = stream_error(exc)["error"]
            failed = self.response(
                "failed", [], error={"code": error["code"], "message": error["message"]}
            )
            yield self.event("response.failed", response=failed.model_dump(mode="json"))
