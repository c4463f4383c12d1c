"""Prompt files are checked when loaded and rendered literally."""

from __future__ import annotations

import pytest

from paperchat.answer.prompts import SPEC, PromptLibrary, parse
from paperchat.errors import ConfigError


def test_packaged_prompts_load_and_declare_their_variables():
    library = PromptLibrary.load()
    for name, (_, variables) in SPEC.items():
        assert library[name].variables == variables
    assert "untrusted" in library.render("system")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Q: {{question}}", "missing variable(s) sources"),
        ("Q: {{question}} {{sources}} {{quesiton}}", "unknown variable(s) quesiton"),
        ("Q: {{question}} {{sources}} {{ oops", "'{{' or '}}'"),
    ],
)
def test_bad_templates_fail_at_load_time(tmp_path, text, problem):
    (tmp_path / "answer.md").write_text(text)
    with pytest.raises(ConfigError) as caught:
        PromptLibrary.load(tmp_path)
    assert problem in str(caught.value) and "answer.md" in str(caught.value)


def test_own_folder_overrides_one_prompt_and_keeps_the_rest(tmp_path):
    (tmp_path / "system.md").write_text("Be terse.")
    library = PromptLibrary.load(tmp_path)
    assert library.render("system").strip() == "Be terse."
    rendered = library.render("answer", question="q", sources="s", verdict="the verdict")
    assert "{{" not in rendered and "the verdict" in rendered


def test_missing_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not a folder"):
        PromptLibrary.load(tmp_path / "nope")


def test_values_are_inserted_literally_never_expanded():
    prompt = parse(
        "answer", "answer.md", "{{sources}} / {{question}}", frozenset({"question", "sources"})
    )
    rendered = prompt.render(question="{{sources}}", sources="abstract says {{question}}")
    assert rendered.strip() == "abstract says {{question}} / {{sources}}"


def test_render_needs_exactly_the_declared_variables():
    prompt = PromptLibrary.load()["answer"]
    with pytest.raises(ValueError, match="missing"):
        prompt.render(question="q")
    with pytest.raises(ValueError, match="unexpected"):
        prompt.render(question="q", sources="s", extra="x")
