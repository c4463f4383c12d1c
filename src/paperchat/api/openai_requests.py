"""What /v1/chat/completions and /v1/responses share: models, messages, options, usage.

A conversation arrives as OpenAI messages; the last user message is the question and the
earlier user/assistant turns its history. Histories longer than paperchat reads are
trimmed from the oldest turn, never refused (the body limit bounds what is sent).
Options paperchat cannot honour are refused with OpenAI's error shape rather than
silently ignored; sampling options (temperature, top_p, …) are accepted and ignored.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel, ConfigDict

from paperchat.answer.models import RequestedMode, Turn
from paperchat.api.errors import OpenAIRequestError
from paperchat.api.schemas import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS
from paperchat.index.tokens import count_tokens

MODELS: dict[str, RequestedMode] = {
    "paperchat": "auto",
    "paperchat-extractive": "extractive",
    "paperchat-llm": "llm",
}
MODEL_HELP = {
    "paperchat": "Answers with an LLM when one is configured, else extractive.",
    "paperchat-extractive": "Answers composed from abstract sentences, no LLM.",
    "paperchat-llm": "Answers written by the configured LLM, every citation checked.",
}
TEXT_PARTS = ("text", "input_text", "output_text")
Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class Message(BaseModel):
    """A chat message, or a Responses API input message (`type` may be "message")."""

    model_config = ConfigDict(extra="allow")
    role: Role
    content: str | list[TextPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text or "" for p in self.content if p.type in TEXT_PARTS)
        return self.content or ""


def mode_for(model: str) -> RequestedMode:
    try:
        return MODELS[model]
    except KeyError:
        raise OpenAIRequestError(
            f"the model {model!r} does not exist here; use one of {', '.join(MODELS)} "
            "(GET /v1/models)",
            status=404,
            param="model",
            code="model_not_found",
        ) from None


def split_conversation(messages: list[Message], *, param: str) -> tuple[str, list[Turn]]:
    """(question, history): the last message must be the user's question."""
    if not messages or messages[-1].role != "user" or not messages[-1].text().strip():
        raise OpenAIRequestError(
            "the last message must be a user message with a question in it",
            param=param,
            code="invalid_value",
        )
    question = messages[-1].text()
    if len(question) > MAX_QUESTION_CHARS:
        raise OpenAIRequestError(
            f"the question is over {MAX_QUESTION_CHARS} characters; shorten it",
            param=param,
            code="string_above_max_length",
        )
    history = [
        Turn(role="assistant" if m.role == "assistant" else "user", content=m.text())
        for m in messages[:-1]
        if m.role in ("user", "assistant") and m.text().strip()
    ]
    return question, history[-MAX_HISTORY_TURNS:]


def refuse_unsupported(body: dict[str, Any]) -> None:
    """400 for options whose meaning paperchat would otherwise silently change."""
    n = body.get("n")
    if isinstance(n, int) and n > 1:
        raise OpenAIRequestError(
            "paperchat gives one answer per request; send n=1 (or leave n out)",
            param="n",
            code="unsupported_value",
        )
    choice = body.get("tool_choice")
    if body.get("tools") and (choice == "required" or isinstance(choice, dict)):
        raise OpenAIRequestError(
            "paperchat does not call tools; leave tool_choice out or set it to auto/none",
            param="tool_choice",
            code="unsupported_value",
        )
    fmt = body.get("response_format")
    text_format = (
        (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
    )
    for param, value in (("response_format", fmt), ("text.format", text_format)):
        kind = value.get("type") if isinstance(value, dict) else None
        if isinstance(kind, str) and kind.startswith("json"):
            raise OpenAIRequestError(
                "paperchat answers in text with citations, not JSON; leave "
                f"{param} out or set its type to text",
                param=param,
                code="unsupported_value",
            )
    top = body.get("top_logprobs")
    if body.get("logprobs") is True or (isinstance(top, int | float) and top > 0):
        raise OpenAIRequestError(
            "paperchat's answers have no token log-probabilities; leave logprobs out",
            param="logprobs",
            code="unsupported_value",
        )


def usage_counts(prompt_texts: list[str], completion: str) -> tuple[int, int]:
    """(prompt, completion) tokens in cl100k, the tokenizer llama-index bundles."""
    return sum(count_tokens(t) for t in prompt_texts if t), count_tokens(completion)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")
