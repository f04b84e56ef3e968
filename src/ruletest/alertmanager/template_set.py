"""Alertmanager's template set (``template.FromGlobs``, ``ExecuteTextString``,
``ExecuteHTMLString``): the default templates, then each glob's files in sorted order; a later
``define`` replaces an earlier one; each field is parsed as a template named ``""`` with
``missingkey=zero`` and executed against the notification's data."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from ruletest.alertmanager.htmlescape import HTMLEscaper, strip_comments
from ruletest.alertmanager.template_data import TemplateData, to_go
from ruletest.alertmanager.template_funcs import funcs as am_funcs
from ruletest.alertmanager.template_funcs import names as func_names
from ruletest.alertmanager.version import Version
from ruletest.templates.exec import BUILTIN_NAMES, Executor
from ruletest.templates.parse import ListNode, Template, TemplateError, TextNode, parse_template

DEFAULT_FILES = ("default.tmpl", "email.tmpl")


class TemplateLoadError(TemplateError):
    """A template file that does not parse (Go's message names the file and line)."""


@lru_cache(maxsize=4)
def default_sources() -> tuple[tuple[str, str], ...]:
    pkg = resources.files("ruletest.alertmanager") / "defaults"
    return tuple((name, (pkg / name).read_text(encoding="utf-8")) for name in DEFAULT_FILES)


def _is_empty(body: ListNode) -> bool:
    """``parse.IsEmptyTree``: only whitespace text."""
    return all(isinstance(n, TextNode) and not n.text.strip() for n in body.nodes)


@dataclass
class TemplateSet:
    version: Version
    files: list[str] = field(default_factory=list)  # user files, in load order
    text_defs: dict[str, ListNode] = field(default_factory=dict)
    text_origins: dict[str, Template] = field(default_factory=dict)
    html_defs: dict[str, ListNode] = field(default_factory=dict)
    html_origins: dict[str, Template] = field(default_factory=dict)

    def add(self, name: str, text: str) -> None:
        """Parse one file into the set (as ``ParseGlob`` does for both engines)."""
        names = set(func_names(self.version)) | set(BUILTIN_NAMES)
        for html, defs, origins in ((False, self.text_defs, self.text_origins),
                                    (True, self.html_defs, self.html_origins)):
            try:
                tmpl = parse_template(name, text, names)
            except TemplateError as exc:
                err = TemplateLoadError(exc.message)
                err.undefined_function = exc.undefined_function
                raise err from None
            if html:
                strip_comments(tmpl.root)
                for body in tmpl.defines.values():
                    strip_comments(body)
            own = dict(tmpl.defines)
            own.setdefault(name, tmpl.root)  # the file's top-level text is a template named after it
            if tmpl.root.nodes:
                own[name] = tmpl.root
            for dname, body in own.items():
                if dname in defs and _is_empty(body):
                    continue  # Go keeps an existing template rather than an empty redefinition
                defs[dname] = body
                origins[dname] = tmpl

    def defined(self) -> list[str]:
        return sorted(self.text_defs)

    def _parse_field(self, text: str, html: bool) -> Template:
        names = set(func_names(self.version)) | set(BUILTIN_NAMES)
        tmpl = parse_template("", text, names)
        if html:
            strip_comments(tmpl.root)
            for body in tmpl.defines.values():
                strip_comments(body)
        defs = self.html_defs if html else self.text_defs
        origins = self.html_origins if html else self.text_origins
        own = dict(tmpl.defines)
        tmpl.defines = {**defs, **own}
        tmpl.origins = {**origins, **{k: tmpl for k in own}}
        return tmpl

    def check(self, text: str) -> None:
        """Parse a field's text (raises :class:`TemplateError` with Go's message)."""
        if text:
            self._parse_field(text, False)

    def execute(self, text: str, data: TemplateData | Any, *, html: bool = False, now_ms: int = 0) -> str:
        """``ExecuteTextString`` / ``ExecuteHTMLString``; raises :class:`TemplateError`."""
        if text == "":
            return ""
        tmpl = self._parse_field(text, html)
        value = to_go(data, self.version) if isinstance(data, TemplateData) else data
        executor = Executor(tmpl, am_funcs(self.version, now_ms), HTMLEscaper() if html else None)
        try:
            return executor.run(value)
        except RecursionError:
            raise TemplateError('template: : executing "" : template too deeply nested') from None


def expand_globs(globs: Sequence[str]) -> list[str]:
    """``filepath.Glob`` per pattern, sorted; a pattern that matches nothing is fine."""
    files: list[str] = []
    for pattern in globs:
        files.extend(sorted(glob.glob(pattern)))
    return files


def load_template_set(globs: Sequence[str], version: Version, *, with_defaults: bool = True) -> TemplateSet:
    """Default templates, then the files the globs match. Raises :class:`TemplateLoadError`."""
    ts = TemplateSet(version)
    if with_defaults:
        for name, text in default_sources():
            ts.add(name, text)
    for path in expand_globs(globs):
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateLoadError(f"open {path}: {getattr(exc, 'strerror', None) or exc}") from None
        ts.add(os.path.basename(path), text)
        ts.files.append(path)
    return ts
