"""Contextual escaping of ``html/template`` (email ``html``, Telegram HTML, Pushover HTML,
``amtool template render --template.type=html``).

Go decides each action's context from the template text; here the context is read from the
output written so far, which is the same text (action output is escaped, so it cannot open a
tag). Covered: HTML text, RCDATA (``<title>``, ``<textarea>``), attribute names, quoted and
unquoted attribute values, URL attributes (scheme filter, normalisation, query escaping), JS
(``<script>``, ``on*``) and CSS (``<style>``, ``style``) values, and the removal of
``<!-- -->`` comments from template text. ``safeHtml``/``safeUrl`` values bypass the filters
as in Go."""

from __future__ import annotations

import json
import re
from typing import Any

from ruletest.templates.values import HTMLString

_URL_ATTRS = {"action", "archive", "background", "cite", "classid", "codebase", "data", "dsync", "formaction",
              "href", "icon", "longdesc", "manifest", "poster", "profile", "src", "usemap", "xmlns"}
_RCDATA = {"title", "textarea"}
_RAW = {"script", "style"}


def strip_comments(root: Any) -> None:
    """html/template drops HTML comments, with any action inside them, from the output: remove
    them from a parse tree (positions, hence error locations, are unchanged)."""
    from ruletest.templates import parse as P

    if isinstance(root, P.ListNode):
        kept: list[P.Node] = []
        in_comment = False
        for n in root.nodes:
            if isinstance(n, P.TextNode):
                text = n.text
                if in_comment:
                    end = text.find("-->")
                    if end < 0:
                        continue
                    text = text[end + 3:]
                    in_comment = False
                text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
                start = text.find("<!--")
                if start >= 0:
                    text, in_comment = text[:start], True
                n.text = text
                kept.append(n)
            elif not in_comment:
                strip_comments(n)
                kept.append(n)
        root.nodes = kept
    elif isinstance(root, P.BranchNode):
        strip_comments(root.body)
        if root.else_list is not None:
            strip_comments(root.else_list)


class _Scanner:
    """Incremental HTML tokenizer state over the output."""

    def __init__(self) -> None:
        self.done = 0  # characters of the output already scanned
        self.chunk = 0  # index of the next output piece to scan
        self.mode = "text"  # text, tag, attrname, after_attr, before_value, value, raw, rcdata
        self.element = ""
        self.attr = ""
        self.delim = ""
        self.value_so_far = ""

    def feed(self, text: str) -> None:
        i = 0
        n = len(text)
        while i < n:
            c = text[i]
            m = self.mode
            if m == "text":
                if c == "<":
                    mt = re.match(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)", text[i:])
                    if mt:
                        self.element = mt.group(2).lower() if not mt.group(1) else ""
                        self.mode = "tag"
                        i += mt.end()
                        continue
                i += 1
            elif m in ("raw", "rcdata"):
                close = "</" + self.element
                j = text.lower().find(close, i)
                if j < 0:
                    return
                self.mode = "tag"
                self.element = ""
                i = j + len(close)
            elif m == "tag":
                if c == ">":
                    self.mode = ("raw" if self.element in _RAW else "rcdata" if self.element in _RCDATA
                                 else "text")
                    if self.mode == "text":
                        self.element = ""
                elif not c.isspace() and c != "/":
                    self.mode = "attrname"
                    self.attr = c
                i += 1
            elif m == "attrname":
                if c == "=":
                    self.mode = "before_value"
                elif c.isspace():
                    self.mode = "after_attr"
                elif c == ">":
                    self.mode = "tag"
                    continue
                else:
                    self.attr += c
                i += 1
            elif m == "after_attr":
                if c == "=":
                    self.mode = "before_value"
                    i += 1
                elif c.isspace():
                    i += 1
                else:
                    self.mode = "tag"
            elif m == "before_value":
                if c.isspace():
                    i += 1
                elif c in "\"'":
                    self.mode, self.delim, self.value_so_far = "value", c, ""
                    i += 1
                else:
                    self.mode, self.delim, self.value_so_far = "value", " ", ""
            elif m == "value":
                end = (c == self.delim) if self.delim != " " else (c.isspace() or c == ">")
                if end:
                    self.mode = "tag"
                    if self.delim != " ":
                        i += 1
                    continue
                self.value_so_far += c
                i += 1
            else:  # pragma: no cover
                i += 1

    def attr_kind(self) -> str:
        a = self.attr.lower()
        if a.startswith("on"):
            return "js"
        if a == "style":
            return "css"
        if a in _URL_ATTRS or a.endswith("url") or a.endswith("uri") or (a.startswith("data-") and a[5:] in _URL_ATTRS):
            return "url"
        return "normal"


class HTMLEscaper:
    """An ``Executor`` escaper: call with (output so far, value, printed text)."""

    def __init__(self) -> None:
        self.scan = _Scanner()

    def __call__(self, out: list[str], value: Any, text: str, last_func: str = "") -> str:
        for piece in out[self.scan.chunk:]:
            self.scan.feed(piece)
        self.scan.chunk = len(out) + 1  # our own output is appended next and is safe to skip
        s = self.scan
        if isinstance(value, str) is False and text == "<no value>":
            text = ""
        if s.mode == "text":
            # A pipeline ending in the `html` builtin is already escaped (Go keeps it as the escaper).
            return text if isinstance(value, HTMLString) or last_func == "html" else html_escape(text)
        if s.mode == "rcdata":
            return html_escape(text)
        if s.mode == "raw":
            return js_val(value, text) if s.element == "script" else css_filter(text)
        if s.mode in ("tag", "attrname", "after_attr"):
            return text if re.fullmatch(r"[a-zA-Z0-9-]+", text) else "ZgotmplZ"
        kind = s.attr_kind() if s.mode in ("value", "before_value") else "normal"
        if kind == "url":
            from ruletest.alertmanager.template_funcs import SafeURL

            so_far = s.value_so_far if s.mode == "value" else ""
            if not so_far and not isinstance(value, SafeURL) and not _safe_scheme(text):
                out_text = "#ZgotmplZ"
            elif "?" in so_far or "#" in so_far:
                # `urlquery` ending the pipeline stands for the query escaper (not applied twice).
                out_text = text if last_func == "urlquery" else url_process(text, norm=False)
            else:
                out_text = url_process(text, norm=True)
            if s.mode == "value":
                s.value_so_far += out_text
            return _attr(out_text, s.delim)
        if kind == "js":
            out_text = js_val(value, text)
        elif kind == "css":
            out_text = css_filter(text)
        else:
            out_text = text if not isinstance(value, HTMLString) else _strip_tags(text)
        if s.mode == "value":
            s.value_so_far += out_text
        return _attr(out_text, s.delim if s.mode == "value" else " ")


def _attr(text: str, delim: str) -> str:
    return html_nospace_escape(text) if delim == " " else html_escape(text)


_HTML = {"\0": "\ufffd", '"': "&#34;", "&": "&amp;", "'": "&#39;", "+": "&#43;", "<": "&lt;", ">": "&gt;"}
_NOSPACE = {**_HTML, "\0": "&#xfffd;", "\t": "&#9;", "\n": "&#10;", "\v": "&#11;", "\f": "&#12;", "\r": "&#13;",
            " ": "&#32;", "=": "&#61;", "`": "&#96;"}


def html_escape(s: str) -> str:
    return "".join(_HTML.get(c, c) for c in s)


def html_nospace_escape(s: str) -> str:
    return "".join(_NOSPACE.get(c, c) for c in s)


def _strip_tags(s: str) -> str:
    return re.sub(r"<[^>]*>", "", s)


def _safe_scheme(s: str) -> bool:
    m = re.match(r"([^/?#:]*):", s)
    return m is None or m.group(1).lower() in ("http", "https", "mailto")


_URL_KEEP_NORM = set("!#$&*+,/:;=?@[]")


def url_process(s: str, norm: bool) -> str:
    """html/template's ``urlProcessor``: percent-encode bytes that are not unreserved (and,
    when normalising, keep reserved characters and valid ``%XX`` escapes)."""
    raw = s.encode()
    out = []
    i = 0
    while i < len(raw):
        c = raw[i]
        ch = chr(c)
        keep = ch.isascii() and (ch.isalnum() or ch in "-._~")
        if norm and ch in _URL_KEEP_NORM:
            keep = True
        if norm and ch == "%" and i + 2 < len(raw) and all(chr(x) in "0123456789abcdefABCDEF" for x in raw[i + 1:i + 3]):
            keep = True
        out.append(ch if keep else f"%{c:02x}")
        i += 1
    return "".join(out)


def js_val(value: Any, text: str) -> str:
    """``jsValEscaper`` for the common cases: strings become JSON strings with ``<>&`` escaped."""
    if isinstance(value, str):
        encoded = json.dumps(value, ensure_ascii=False)
    elif value is None:
        return " null "
    elif isinstance(value, bool | int | float):
        encoded = json.dumps(value)
    else:
        encoded = json.dumps(text, ensure_ascii=False)
    encoded = encoded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return encoded if encoded.startswith('"') else f" {encoded} "


def css_filter(s: str) -> str:
    return s if re.fullmatch(r"[\w #%(),./:-]*", s) and "expression" not in s.lower() else "ZgotmplZ"
