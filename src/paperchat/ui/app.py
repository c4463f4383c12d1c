"""The Gradio page: layout and wiring only; handlers.py does the work, render.py the HTML.

Served at `/` of the API's FastAPI app by `mount_ui` (gradio's `mount_gradio_app`), so
the UI and the API share one process and one set of services. Mounting never creates a
public share link, and nothing here calls `launch()`.
"""

from __future__ import annotations

import hmac
from pathlib import Path

import gradio as gr
from fastapi import FastAPI

from paperchat.api.services import Services
from paperchat.index.catalog import year_counts
from paperchat.settings import Settings
from paperchat.ui import render
from paperchat.ui.corpus_map import MAP_JS
from paperchat.ui.handlers import ANY_YEAR, Handlers, mode_status
from paperchat.ui.session import ChatSession

HERE = Path(__file__).parent

# Answers and summaries share one limit ("answers"), each holding a worker thread for
# its whole stream. They are short CPU work (MiniLM on 2 shared cores) or mostly waiting
# on an LLM; four at a time keeps the cores busy, and lets one slow LLM answer not block
# everyone, without thrashing the cores. The rest wait in the queue, which shows their
# place; past QUEUE_SIZE waiting, new requests are refused with a message.
CONCURRENCY = 4
QUEUE_SIZE = 64

EXAMPLES = [
    "What is NPNet?",
    "Which papers prune large language models?",
    "What FID do consistency models reach on CIFAR-10 in one step?",
    "How can graph neural networks be made deeper without over-smoothing?",
]
SUMMARY_EXAMPLES = ["graph neural networks", "diffusion model sampling", "speech separation"]
COMPARE_EXAMPLES = ["learning with noisy labels", "dataset distillation", "domain generalization"]

SYSTEM_FONTS = [
    "ui-sans-serif",
    "system-ui",
    "-apple-system",
    "Segoe UI",
    "Roboto",
    "Helvetica Neue",
    "Arial",
    "sans-serif",
]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme() -> gr.themes.Base:
    """The default theme with system fonts: no font file or stylesheet to fetch."""
    return gr.themes.Default(
        primary_hue="indigo", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS
    )


def _header(services: Services, settings: Settings) -> str:
    papers = len(services.searcher.papers)
    llm = (
        f'<span class="pc-pill pc-on">LLM: {render.esc(settings.llm_model)}</span>'
        if services.llm
        else '<span class="pc-pill" title="set OPENAI_API_KEY or OPENAI_BASE_URL to enable">'
        "LLM: off — extractive answers</span>"
    )
    return (
        '<div class="pc-header"><h1>paperchat</h1>'
        f'<span class="pc-tagline">Ask the {papers} papers in the corpus. Every claim is cited '
        "to a sentence of a paper's abstract.</span>"
        f"{llm}</div>"
    )


def _mode_choices(llm: bool) -> list[tuple[str, str]]:
    if llm:
        return [("Auto", "auto"), ("Extractive", "extractive"), ("LLM", "llm")]
    return [("Extractive", "extractive")]


def _year_choices(services: Services) -> list[tuple[str, str]]:
    counts = year_counts(services.searcher.papers)
    years = sorted((y for y in counts if y), reverse=True)
    return [("Any year", ANY_YEAR)] + [(f"{y} or later", str(y)) for y in years]


def _year_note(services: Services) -> str | None:
    """A year filter leaves out papers without a date; say how many have one."""
    counts = year_counts(services.searcher.papers)
    dated = sum(n for y, n in counts.items() if y)
    total = counts.total()
    return None if dated == total else f"only {dated} of {total} are dated"


def build_ui(services: Services, settings: Settings) -> gr.Blocks:
    h = Handlers(services)
    years = _year_choices(services)
    year_note = _year_note(services)
    private = {"api_visibility": "private"}

    with gr.Blocks(title="paperchat", analytics_enabled=False, fill_width=True) as blocks:
        gr.HTML(_header(services, settings))
        session = gr.State(ChatSession())
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=420):
                    chatbot = gr.Chatbot(
                        elem_id="pc-chat",
                        show_label=False,
                        height="62vh",
                        latex_delimiters=[],
                        feedback_options=None,
                        placeholder="**Ask about the papers in the corpus.** Answers quote "
                        "the abstracts they cite; click a [n] to see the paper.",
                        examples=[{"text": q} for q in EXAMPLES],
                        buttons=[],
                    )
                    with gr.Row():
                        box = gr.Textbox(
                            placeholder="Ask a question about the papers…",
                            show_label=False,
                            scale=6,
                            max_length=2000,
                            autofocus=True,
                            elem_id="pc-question",
                        )
                        ask = gr.Button("Ask", variant="primary", scale=1, min_width=80)
                        clear = gr.Button("New chat", scale=1, min_width=80)
                    with gr.Row():
                        k = gr.Slider(1, 20, value=settings.search_k, step=1, label="Papers to use")
                        since = gr.Dropdown(
                            years, value=ANY_YEAR, label="Published", info=year_note
                        )
                        mode = gr.Radio(
                            _mode_choices(services.llm),
                            value="auto" if services.llm else "extractive",
                            label="Answer mode",
                            info=None if services.llm else "LLM needs OPENAI_API_KEY",
                        )
                with gr.Column(scale=2, min_width=320):
                    status = gr.Markdown(mode_status(None), label="Mode", elem_id="pc-mode-status")
                    panel = gr.HTML(
                        ChatSession().panel_html(), label="Sources", elem_id="pc-sources"
                    )
                    with gr.Row():
                        copy = gr.Button("Copy BibTeX", size="sm", elem_id="pc-copy-bib")
                        export_md = gr.DownloadButton(
                            "Export chat (.md)", size="sm", visible=False, elem_id="pc-export-md"
                        )
                        export_bib = gr.DownloadButton(
                            "Export references (.bib)",
                            size="sm",
                            visible=False,
                            elem_id="pc-export-bib",
                        )
                    with gr.Accordion("BibTeX of the cited papers", open=False):
                        bib = gr.Code(
                            language=None, label="BibTeX", show_label=False, elem_id="pc-bib"
                        )

            with gr.Tab("Summaries", id="summaries"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=420):
                    with gr.Row():
                        topic = gr.Textbox(
                            placeholder="A topic, e.g. graph neural networks",
                            show_label=False,
                            scale=6,
                            max_length=500,
                            elem_id="pc-topic",
                        )
                        go = gr.Button("Summarize", variant="primary", scale=1, min_width=100)
                    sum_k = gr.Slider(2, 20, value=8, step=1, label="Papers to use")
                    gr.Examples([[t] for t in SUMMARY_EXAMPLES], inputs=[topic])
                    summary = gr.HTML(
                        '<p class="pc-empty">A summary of what the corpus says, every sentence '
                        "cited.</p>",
                        label="Summary",
                        elem_id="pc-summary",
                    )
                with gr.Column(scale=2, min_width=320):
                    sum_panel = gr.HTML(
                        render.sources_panel_html(
                            [], prefix="sum", empty="The papers a summary cites appear here."
                        ),
                        label="Sources",
                        elem_id="pc-sum-sources",
                    )
                    with gr.Accordion("BibTeX of the cited papers", open=False):
                        sum_bib = gr.Code(language=None, label="BibTeX", show_label=False)

            with gr.Tab("Compare", id="compare"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=480):
                    with gr.Row():
                        cmp_topic = gr.Textbox(
                            placeholder="A topic, e.g. learning with noisy labels",
                            show_label=False,
                            scale=6,
                            max_length=500,
                            elem_id="pc-compare-topic",
                        )
                        cmp_go = gr.Button("Compare", variant="primary", scale=1, min_width=100)
                    with gr.Row():
                        cmp_k = gr.Slider(2, 20, value=8, step=1, label="Papers (rows)")
                        cmp_mode = gr.Radio(
                            _mode_choices(services.llm),
                            value="auto" if services.llm else "extractive",
                            label="Cells from",
                            info="LLM cells are kept only when verbatim in the abstract"
                            if services.llm
                            else "the abstracts, read offline",
                        )
                    gr.Examples([[t] for t in COMPARE_EXAMPLES], inputs=[cmp_topic])
                    cmp_table = gr.HTML(
                        '<p class="pc-empty">One row per paper on the topic: its task, method, '
                        "data, result and year, each quoted from its abstract.</p>",
                        label="Evidence table",
                        elem_id="pc-table",
                    )
                    with gr.Accordion("CSV of this table", open=False):
                        cmp_csv = gr.Code(
                            language=None, label="CSV", show_label=False, elem_id="pc-table-csv"
                        )
                with gr.Column(scale=2, min_width=320):
                    cmp_panel = gr.HTML(
                        render.sources_panel_html(
                            [], prefix="cmp", empty="The table's papers appear here."
                        ),
                        label="Papers",
                        elem_id="pc-table-papers",
                    )

            with gr.Tab("Browse", id="browse") as browse_tab, gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=380):
                    with gr.Row():
                        query = gr.Textbox(
                            placeholder="Search the corpus", show_label=False, scale=6
                        )
                        find = gr.Button("Search", variant="primary", scale=1, min_width=80)
                    with gr.Row():
                        find_k = gr.Slider(1, 50, value=10, step=1, label="Results")
                        find_since = gr.Dropdown(
                            years, value=ANY_YEAR, label="Published", info=year_note
                        )
                    results = gr.HTML(
                        label="Results", elem_id="pc-results", js_on_load=OPEN_RESULT_JS
                    )
                    corpus_map = gr.HTML(
                        '<p class="pc-empty">Drawing the map of the corpus…</p>',
                        label="Map of the corpus",
                        elem_id="pc-map",
                        js_on_load=MAP_JS,
                    )
                with gr.Column(scale=2, min_width=320):
                    picker = gr.Dropdown(h.all_papers(), value=None, label="Read a paper")
                    paper = gr.HTML(label="Paper", elem_id="pc-paper")
                    with gr.Accordion("BibTeX", open=False):
                        paper_bib = gr.Code(language=None, label="BibTeX", show_label=False)

        chat_io = {
            "fn": h.chat,
            "inputs": [box, session, k, since, mode],
            "outputs": [chatbot, session, panel, bib, status, box],
            "concurrency_id": "answers",
        }
        exports = {"fn": h.export, "inputs": [session], "outputs": [export_md, export_bib]}
        box.submit(**chat_io, api_name="chat").then(**exports, **private)
        ask.click(**chat_io, **private).then(**exports, **private)
        chatbot.example_select(_example_text, None, box, **private).then(**chat_io, **private).then(
            **exports, **private
        )
        cleared = [chatbot, session, panel, bib, status, box]
        clear.click(h.clear, None, cleared, **private).then(**exports, **private)
        chatbot.clear(h.clear, None, cleared, **private).then(**exports, **private)
        copy.click(None, [bib], None, js=COPY_JS, **private)

        summarize_io = {
            "fn": h.summarize,
            "inputs": [topic, sum_k],
            "outputs": [summary, sum_panel, sum_bib],
            "concurrency_id": "answers",
        }
        go.click(**summarize_io, api_name="summarize")
        topic.submit(**summarize_io, **private)

        compare_io = {
            "fn": h.compare,
            "inputs": [cmp_topic, cmp_k, cmp_mode],
            "outputs": [cmp_table, cmp_panel, cmp_csv],
            "concurrency_id": "answers",
        }
        cmp_go.click(**compare_io, api_name="compare")
        cmp_topic.submit(**compare_io, **private)

        search_io = {
            "fn": h.search,
            "inputs": [query, find_k, find_since],
            "outputs": [results, picker, paper, paper_bib],
        }
        find.click(**search_io, api_name="search")
        query.submit(**search_io, **private)
        picker.input(h.open_paper, picker, [paper, paper_bib], **private)
        results.select(h.open_result, None, [picker, paper, paper_bib], **private)
        browse_tab.select(h.corpus_map, None, corpus_map, **private)
        corpus_map.select(h.open_result, None, [picker, paper, paper_bib], **private)

    blocks.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    return blocks


def _example_text(event: gr.SelectData) -> str:
    return event.value["text"]


# A click on a search result opens it in the reading pane (the `select` event).
OPEN_RESULT_JS = """element.addEventListener("click", (event) => {
  if (event.target.closest("a")) return;
  const card = event.target.closest(".pc-hit");
  if (card) trigger("select", { index: Number(card.dataset.rank), value: card.dataset.paperId });
});"""

COPY_JS = """(bib) => {
  if (!bib) return [];
  const fallback = () => {
    const area = document.createElement("textarea");
    area.value = bib; document.body.appendChild(area); area.select();
    document.execCommand("copy"); area.remove();
  };
  if (navigator.clipboard) navigator.clipboard.writeText(bib).catch(fallback); else fallback();
  return [];
}"""


def _password_check(api_key: str):
    def check(_username: str, password: str) -> bool:
        return hmac.compare_digest(password.encode(), api_key.encode())

    return check


def mount_ui(app: FastAPI, services: Services, settings: Settings) -> FastAPI:
    """Serve the UI at `/` of `app`. With PAPERCHAT_API_KEY set, the page asks for it."""
    api_key = settings.api_key.get_secret_value() if settings.api_key else None
    return gr.mount_gradio_app(
        app,
        build_ui(services, settings),
        path="/",
        auth=_password_check(api_key) if api_key else None,
        auth_message="This paperchat server needs its API key: any user name, "
        "and PAPERCHAT_API_KEY as the password."
        if api_key
        else None,
        footer_links=["api", "settings"],
        run_history=False,
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        pwa=False,
        theme=theme(),
        css_paths=[HERE / "theme.css"],
        head=f"<script>{(HERE / 'cite.js').read_text()}</script>",
    )
