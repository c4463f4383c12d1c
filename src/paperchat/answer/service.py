"""The Assistant: question (+ history) → one Query → scored papers → a verdict → a checked
Answer.

Composed from parts built elsewhere (build.build_assistant): the searcher (whose index
version carries the evidence and the relevance model), an optional chat model and the
prompts. Every answer says which mode produced it and which verdict it reached
(answer/judgement.py). `mode="auto"` means the LLM when one is configured; a configured
LLM that fails raises ProviderError — never a quiet switch to the extractive answerer.

The verdict is decided before any generation, in both modes, and the LLM's prompt is
told it; in LLM mode the model may also decline (it replies NO_ANSWER), which is an
abstention too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from paperchat.answer.chat_model import ChatModel
from paperchat.answer.conversation import Conversation, Numbering, read_history
from paperchat.answer.coverage import Coverage, coverage_of
from paperchat.answer.extractive import Extract, compose, compose_detail_missing
from paperchat.answer.followup import FollowUp, read_follow_up
from paperchat.answer.judgement import (
    MAX_RELEVANT,
    TOPIC_FLOOR,
    Judgement,
    choose_from_context,
    judge,
)
from paperchat.answer.llm import (
    NO_ANSWER,
    answer_messages,
    clean_condensed,
    condense_messages,
    is_no_answer,
    summary_messages,
)
from paperchat.answer.models import Answer, Mode, RequestedMode, Summary, Turn
from paperchat.answer.prompts import PromptLibrary
from paperchat.answer.provenance import Trace
from paperchat.answer.question_parts import requested_titles, strip_directives, title_matches
from paperchat.answer.safe_text import markdown_text
from paperchat.answer.summarize import compose_summary
from paperchat.answer.verify import Checked, Thresholds, thresholds_for, verify
from paperchat.errors import ConfigError, InputError
from paperchat.retrieve.relevance import ScoredPaper
from paperchat.retrieve.results import SearchResult
from paperchat.retrieve.searcher import HybridSearcher, SearchHit, hit_of

MAX_QUESTION_CHARS = 2000
SUMMARY_K = 8
NEAREST = 3
TITLE_SEARCH = 5  # papers looked up per requested title, on top of the question's own hits
MODES = ("auto", "extractive", "llm")
NOTHING_VERIFIED = (
    "The language model's answer could not be verified against the retrieved abstracts, "
    "so it is not shown. Try rephrasing the question, or ask in extractive mode."
)

Event = str | Answer


class Assistant:
    def __init__(
        self,
        searcher: HybridSearcher,
        *,
        chat_model: ChatModel | None = None,
        prompts: PromptLibrary | None = None,
        thresholds: Thresholds | None = None,
        k: int = 5,
    ):
        self.searcher = searcher
        self.chat_model = chat_model
        self.prompts = prompts or PromptLibrary.load()
        self.thresholds = thresholds or thresholds_for(searcher.embedder.name)
        self.k = k

    # -- shared steps ------------------------------------------------------------------

    def _embed(self, texts: list[str]):
        return self.searcher.embedder.embed_documents(texts)

    def resolve_mode(self, mode: RequestedMode | str) -> Mode:
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
        if mode == "llm" and self.chat_model is None:
            raise ConfigError(
                "mode llm needs a language model: set OPENAI_API_KEY (or OPENAI_BASE_URL for "
                "a local OpenAI-compatible server such as vLLM, llama.cpp or Ollama), "
                "or use --mode extractive"
            )
        if mode == "auto":
            return "llm" if self.chat_model is not None else "extractive"
        return mode  # type: ignore[return-value]

    @staticmethod
    def _validate(text: str, what: str) -> str:
        text = (text or "").strip()
        if not text:
            raise InputError(f"the {what} is empty: type a {what}")
        if len(text) > MAX_QUESTION_CHARS:
            raise InputError(
                f"the {what} is {len(text)} characters long; keep it under {MAX_QUESTION_CHARS}"
            )
        return text

    def _follow_up(
        self, question: str, conversation: Conversation, history, mode: Mode
    ) -> FollowUp:
        follow = self._with_earlier_candidates(read_follow_up(question, conversation), conversation)
        if mode == "llm" and follow.text != question:
            assert self.chat_model is not None
            reply = self.chat_model.complete(condense_messages(self.prompts, question, history))
            return replace(follow, text=clean_condensed(reply, follow.text))
        return follow

    def _with_earlier_candidates(self, follow: FollowUp, conversation: Conversation) -> FollowUp:
        """ "Which of these ...?" may also mean a paper the question it points back to (the
        last, unless it names another) was found to bear on that its answer did not cite
        (an answer quotes a few of them)."""
        if follow.pointing != "among" or follow.ordinal is not None or not conversation.questions:
            return follow
        asked = follow.asked_before or conversation.questions[-1]
        earlier = self.searcher.rank(self.searcher.analyse(asked))
        if not earlier:
            return follow
        floor = self.searcher.relevance.summary_floor(earlier[0].probability)
        relevant = [p.paper.id for p in earlier if p.probability >= floor][:MAX_RELEVANT]
        return replace(
            follow,
            earlier_ids=tuple(i for i in relevant if i not in follow.context_ids),
            topic_ids=frozenset(p.paper.id for p in earlier if p.probability >= TOPIC_FLOOR),
        )

    def _judge(self, question: str, since: int | None, follow: FollowUp | None = None) -> Judgement:
        follow = follow or FollowUp("none", question)
        query = self.searcher.analyse(
            question,
            text=follow.text,
            pointing=follow.pointing,
            context_ids=follow.context_ids,
            ordinal=follow.ordinal,
        )
        also = (*follow.context_ids, *follow.earlier_ids)
        papers = self.searcher.rank(query, since=since, also=also)
        model = self.searcher.relevance
        weights = self.searcher.snapshot.evidence.weights
        alone = None
        several = follow.pointing == "among" or len(follow.context_ids) > 1
        if follow.pointing != "none" and several and follow.text != question:
            # the conversation's papers all fit the context: the question alone tells
            # them apart ("which of these ...", or "they" after an answer citing several)
            bare = self.searcher.analyse(question, pointing=follow.pointing)
            alone = self.searcher.rank(bare, since=since, also=also)
        chosen = choose_from_context(
            query, papers, model, weights, alone, follow.earlier_ids, follow.topic_ids
        )
        return judge(query, papers, model, weights, chosen=chosen)

    @staticmethod
    def _sources(cited_ids: list[str], papers: Sequence[ScoredPaper], k: int) -> list[SearchResult]:
        """Cited papers first (in citation order), then the other papers considered."""
        by_id = {p.paper.id: p for p in papers}
        order = cited_ids + [pid for pid in by_id if pid not in cited_ids]
        return [
            SearchResult.from_hit(hit_of(by_id[pid])) for pid in order[: max(k, len(cited_ids))]
        ]

    def _missing_title(self, question: str, judgement: Judgement) -> tuple[str, list[SearchHit]]:
        """A title the question asks for by name that no paper in the corpus has, with the
        papers nearest to that title; ("", []) when there is none."""
        for title in requested_titles(question):
            if any(title_matches(title, p.paper.title) for p in judgement.papers[:TITLE_SEARCH]):
                continue  # among the question's own hits: no second search
            near = self.searcher.search(title, TITLE_SEARCH)
            if not any(title_matches(title, hit.paper.title) for hit in near):
                # nearest to a title is nearest in meaning (the relevance model weighs
                # the title's missing words, which every paper lacks alike)
                near.sort(key=lambda hit: hit.similarity or 0.0, reverse=True)
                return title, near[:NEAREST]
        return "", []

    @staticmethod
    def _nearest(judgement: Judgement) -> list[SearchHit]:
        return [hit_of(p) for p in judgement.papers[:NEAREST]]

    @staticmethod
    def _abstention_text(what: str, nearest: Sequence[SearchHit]) -> str:
        """`what` completes "The corpus has no paper ...": "on this question"."""
        titles = [markdown_text(hit.paper.title) or hit.paper.id for hit in nearest]
        if not titles:
            return f"The corpus has no paper {what}."
        listed = "\n".join(f"- {title}" for title in titles)
        return f"The corpus has no paper {what}. The nearest papers are:\n{listed}"

    @staticmethod
    def _missing_names(names: Sequence[str]) -> str:
        quoted = " or ".join(f"“{markdown_text(n)}”" for n in names)
        return f"that mentions {quoted}"

    # -- ask ---------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: Sequence[Turn] | None = None,
        mode: RequestedMode | str = "auto",
        k: int | None = None,
        since: int | None = None,
        trace: Trace | None = None,
    ) -> Answer:
        """Answer a question from the corpus (see the module docstring). A `trace` is
        filled with what the answer came from (answer/provenance.py)."""
        for event in self._ask(question, history, mode, k, since, stream=False, trace=trace):
            if isinstance(event, Answer):
                return event
        raise RuntimeError("the answer pipeline ended without an answer")  # pragma: no cover

    def ask_stream(
        self,
        question: str,
        history: Sequence[Turn] | None = None,
        mode: RequestedMode | str = "auto",
        k: int | None = None,
        since: int | None = None,
        trace: Trace | None = None,
    ) -> Iterator[Event]:
        """Text deltas (str) as they are produced, then the final Answer object.

        In LLM mode the final answer is the *checked* text, which may differ from the
        streamed deltas (unsupported sentences removed); show the final one.
        """
        yield from self._ask(question, history, mode, k, since, stream=True, trace=trace)

    def _ask(
        self, question, history, mode, k, since, *, stream: bool, trace: Trace | None = None
    ) -> Iterator[Event]:
        trace = trace if trace is not None else Trace()
        question = self._validate(question, "question")
        resolved = self.resolve_mode(mode)
        k = k or self.k
        conversation = read_history(history, self.searcher.papers)
        asked = strip_directives(question)
        follow = self._follow_up(asked, conversation, history or [], resolved)
        judgement = self._judge(asked, since, follow)
        trace.judged(self.searcher.snapshot, judgement)
        missing_title, near_title = self._missing_title(question, judgement)
        numbering = Numbering(conversation.numbers)
        searched = follow.text
        base = {
            "question": question,
            "mode": resolved,
            "standalone_question": searched if searched != question else None,
            "confidence": judgement.confidence,
        }

        if judgement.abstain or missing_title:
            if missing_title:
                what, verdict = f"titled “{markdown_text(missing_title)}”", "not_in_corpus"
            elif judgement.verdict == "not_in_corpus":
                what, verdict = self._missing_names(judgement.missing), "not_in_corpus"
            else:
                what, verdict = "on this question", "no_relevant_paper"
            nearest = near_title or self._nearest(judgement)
            text = self._abstention_text(what, nearest)
            yield text
            yield Answer(
                **base,
                answer=text,
                abstained=True,
                verdict=verdict,
                citations=[],
                sources=[SearchResult.from_hit(hit) for hit in nearest],
                coverage=coverage_of([]),
            )
            return

        if resolved == "extractive":
            if judgement.verdict == "detail_missing":
                extract: Extract = compose_detail_missing(judgement, numbering, self._embed)
            else:
                extract = compose(judgement, numbering, self._embed)
            yield from extract.text.splitlines(keepends=True)
            quoted = sum(len(c.quotes) for c in extract.citations)
            yield Answer(
                **base,
                answer=extract.text,
                abstained=False,
                verdict=judgement.verdict,
                citations=extract.citations,
                sources=self._sources(extract.paper_ids, judgement.papers, k),
                supported_sentences=quoted,
                total_sentences=quoted,
                coverage=self._coverage(judgement.relevant, extract.citations),
            )
            return

        papers = judgement.relevant[:k]
        context = {numbering(p.paper.id): p.paper for p in papers}
        messages = answer_messages(
            self.prompts, searched, context, judgement.note, judgement.lacking
        )
        reply = yield from self._generate(messages, stream)
        trace.called(messages, reply)
        if is_no_answer(reply):
            text = self._abstention_text("on this question", self._nearest(judgement))
            yield Answer(
                **base,
                answer=text,
                abstained=True,
                verdict="no_relevant_paper",
                citations=[],
                sources=[SearchResult.from_hit(hit) for hit in self._nearest(judgement)],
                coverage=coverage_of([]),
            )
            return
        checked = self._verify(reply, context)
        yield Answer(
            **base,
            answer=checked.text if checked.supported else NOTHING_VERIFIED,
            abstained=False,
            verdict=judgement.verdict,
            **_checked_fields(checked),
            sources=self._sources([c.id for c in checked.citations], papers, k),
            coverage=self._coverage(papers, checked.citations if checked.supported else []),
        )

    def _coverage(self, relevant: Sequence[ScoredPaper], citations) -> Coverage:
        catalog = self.searcher.papers
        cited = [catalog[c.id] for c in citations if c.id in catalog]
        return coverage_of([p.paper for p in relevant], cited)

    def _verify(self, reply: str, context) -> Checked:
        evidence = self.searcher.snapshot.evidence
        return verify(reply, context, evidence, self._embed, self.thresholds, evidence.weights)

    def _generate(self, messages, stream: bool) -> Iterator[str]:
        """Call the model; when streaming, pass deltas on (holding back a NO_ANSWER)."""
        assert self.chat_model is not None
        if not stream:
            return self.chat_model.complete(messages)
        reply = ""
        held = ""  # the start of the reply, kept back while it could still be NO_ANSWER
        flowing = False
        for delta in self.chat_model.stream(messages):
            reply += delta
            if flowing:
                yield delta
                continue
            held += delta
            start = held.strip().rstrip(".")
            if len(start) > len(NO_ANSWER) or not NO_ANSWER.startswith(start):
                flowing = True
                yield held
        if not flowing and held and not is_no_answer(held):
            yield held
        return reply

    # -- summarize ---------------------------------------------------------------------

    def topic_papers(self, topic: str, k: int) -> tuple[Judgement, list[ScoredPaper]]:
        """The papers a topic view (a summary, an evidence table) is made of: those the
        relevance model puts above its summary floor for the best paper, at most k;
        none when the judgement abstains."""
        topic = self._validate(topic, "topic")
        judgement = self._judge(topic, None)
        if judgement.abstain or not judgement.papers:
            return judgement, []
        floor = self.searcher.relevance.summary_floor(judgement.papers[0].probability)
        return judgement, [p for p in judgement.papers if p.probability >= floor][:k]

    def summarize(
        self, topic: str, k: int | None = None, mode: RequestedMode | str = "auto"
    ) -> Summary:
        """The papers on a topic, grouped by approach, every statement cited."""
        topic = self._validate(topic, "topic")
        resolved = self.resolve_mode(mode)
        k = k or SUMMARY_K
        judgement, papers = self.topic_papers(topic, k)
        if not papers:
            return Summary(
                topic=topic,
                summary=self._abstention_text(
                    f"on “{markdown_text(topic)}”", self._nearest(judgement)
                ),
                abstained=True,
                verdict="not_in_corpus"
                if judgement.verdict == "not_in_corpus"
                else "no_relevant_paper",
                mode=resolved,
                citations=[],
                sources=[SearchResult.from_hit(hit) for hit in self._nearest(judgement)],
                coverage=coverage_of([]),
            )
        numbering = Numbering()
        evidence = self.searcher.snapshot.evidence
        if resolved == "extractive":
            extract = compose_summary(topic, papers, numbering, evidence.weights)
            quoted = sum(len(c.quotes) for c in extract.citations)
            return Summary(
                topic=topic,
                summary=extract.text,
                abstained=False,
                verdict="answered",
                mode="extractive",
                citations=extract.citations,
                sources=self._sources(extract.paper_ids, papers, k),
                supported_sentences=quoted,
                total_sentences=quoted,
                coverage=self._coverage(papers, extract.citations),
            )
        assert self.chat_model is not None
        context = {numbering(p.paper.id): p.paper for p in papers}
        reply = self.chat_model.complete(summary_messages(self.prompts, topic, context))
        if is_no_answer(reply):
            return Summary(
                topic=topic,
                summary=self._abstention_text(
                    f"on “{markdown_text(topic)}”", self._nearest(judgement)
                ),
                abstained=True,
                verdict="no_relevant_paper",
                mode="llm",
                citations=[],
                sources=[SearchResult.from_hit(hit) for hit in self._nearest(judgement)],
                coverage=coverage_of([]),
            )
        checked = self._verify(reply, context)
        return Summary(
            topic=topic,
            summary=checked.text if checked.supported else NOTHING_VERIFIED,
            abstained=False,
            verdict="answered",
            mode="llm",
            **_checked_fields(checked),
            sources=self._sources([c.id for c in checked.citations], papers, k),
            coverage=self._coverage(papers, checked.citations if checked.supported else []),
        )


def _checked_fields(checked: Checked) -> dict:
    return {
        "citations": checked.citations if checked.supported else [],
        "supported_sentences": checked.supported,
        "total_sentences": checked.total,
        "removed_claims": checked.removed,
        "dropped_citations": checked.dropped,
    }
