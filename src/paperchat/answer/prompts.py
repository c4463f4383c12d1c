"""Prompt files, rendered strictly.

Each prompt is a file in `prompts/` (shipped as the `paperchat.prompts` package) with
`{{name}}` placeholders. The variables each prompt takes are declared here; loading
fails — with a ConfigError naming the file — when a file uses a variable it is not given
or leaves out one it must use, so a typo never renders as silently empty text.

Rendering substitutes in one pass: a value that itself contains `{{question}}` (an
abstract, a user question) is inserted literally, never expanded.

`Settings.prompts_dir` points at your own folder; a prompt missing there falls back to
the packaged one, so you can override just one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from paperchat.errors import ConfigError

# prompt name → (file name, variables it must use)
SPEC: dict[str, tuple[str, frozenset[str]]] = {
    "system": ("system.md", frozenset()),
    "answer": ("answer.md", frozenset({"question", "sources", "verdict"})),
    "condense": ("condense.md", frozenset({"history", "question"})),
    "summarize": ("summarize.md", frozenset({"topic", "sources"})),
    "table": ("table.md", frozenset({"topic", "sources"})),
}

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_BRACES = re.compile(r"\{\{|\}\}")


@dataclass(frozen=True)
class Prompt:
    name: str
    path: str
    text: str
    variables: frozenset[str]

    def render(self, **values: str) -> str:
        given = set(values)
        if given != self.variables:
            missing = sorted(self.variables - given)
            extra = sorted(given - self.variables)
            raise ValueError(
                f"prompt {self.name!r} takes {sorted(self.variables)}; "
                f"missing {missing}, unexpected {extra}"
            )
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), self.text)


def parse(name: str, path: str, text: str, variables: frozenset[str]) -> Prompt:
    """Check a template against the variables it must use; ConfigError if it does not."""
    used = set(_PLACEHOLDER.findall(text))
    unknown = sorted(used - variables)
    missing = sorted(variables - used)
    stray = _BRACES.findall(_PLACEHOLDER.sub("", text))
    problems = []
    if unknown:
        problems.append(f"unknown variable(s) {', '.join(unknown)}")
    if missing:
        problems.append(f"missing variable(s) {', '.join(missing)}")
    if stray:
        problems.append("'{{' or '}}' that is not a {{variable}}")
    if problems:
        allowed = ", ".join(sorted(variables)) or "none"
        raise ConfigError(
            f"prompt file {path}: {'; '.join(problems)} (variables allowed: {allowed}); "
            "fix the file or unset PAPERCHAT_PROMPTS_DIR"
        )
    return Prompt(name, path, text.strip() + "\n", variables)


class PromptLibrary:
    """All prompts, loaded and checked at once."""

    def __init__(self, prompts: dict[str, Prompt]):
        self._prompts = prompts

    @classmethod
    def load(cls, folder: Path | None = None) -> PromptLibrary:
        packaged = files("paperchat.prompts")
        if folder is not None and not Path(folder).is_dir():
            raise ConfigError(f"PAPERCHAT_PROMPTS_DIR={folder} is not a folder")
        prompts = {}
        for name, (filename, variables) in SPEC.items():
            custom = Path(folder) / filename if folder is not None else None
            if custom is not None and custom.is_file():
                path, text = str(custom), custom.read_text(encoding="utf-8")
            else:
                resource = packaged / filename
                path, text = str(resource), resource.read_text(encoding="utf-8")
            prompts[name] = parse(name, path, text, variables)
        return cls(prompts)

    def __getitem__(self, name: str) -> Prompt:
        return self._prompts[name]

    def render(self, name: str, **values: str) -> str:
        return self._prompts[name].render(**values)
