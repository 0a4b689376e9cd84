"""What the Jenkins chart does with a config script, as a test oracle: Helm's `tpl` (Go's
text/template) and its `<no value>` removal, the chart's `toYaml`/`contains` search for the
security keys, and which default sections it then writes. Written from the sources, not from
jcasc_gen (it imports nothing from it).

text/template, as its package documentation (go1.19 src/text/template/doc.go, "Text and
spaces", "Actions", "Arguments") and lexer (src/text/template/parse/lex.go) define it:
- everything outside actions is copied to the output unchanged; actions are delimited by `{{`
  and `}}`, and only the left delimiter starts one (a lone `}}` is text);
- `{{- ` trims all trailing white space of the text before the action, ` -}}` all leading white
  space of the text after it (the marker is `-` with white space on its inner side);
- `{{/* ... */}}` is a comment (with optional trim markers), and must end at `*/}}`;
- an action holding one constant prints it: an interpreted string literal in double quotes
  (Go escapes, as strconv.Unquote reads them) or a raw string in back quotes.
Anything else this oracle does not evaluate (a field, a function call, a pipeline): it raises
`Unsupported`, so a test fails rather than guess. A `{{` with no `}}` is a parse error.

Helm (helm/helm v4.2.4 pkg/engine/engine.go:153-194): `tpl` parses the string as a new template
and executes it, then deletes every `<no value>` from the result; every rendered template file
is treated the same (:312).
"""

from __future__ import annotations

import re

__all__ = ["Unsupported", "TemplateError", "execute", "helm_tpl", "chart_default_sections", "go_unquote"]


class Unsupported(Exception):
    """An action this oracle does not evaluate."""


class TemplateError(Exception):
    """What text/template's parser would refuse."""


_SPACE = " \t\r\n"
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"'}


def go_unquote(body: str) -> str:
    """The value of a Go interpreted string literal's body (strconv.Unquote with `"`)."""
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\n":
            raise TemplateError("newline in string")
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= len(body):
            raise TemplateError("unterminated escape")
        e = body[i + 1]
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
            i += 2
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            digits = body[i + 2:i + 2 + width]
            if len(digits) != width or not re.fullmatch(r"[0-9A-Fa-f]+", digits):
                raise TemplateError(f"bad \\{e} escape")
            code = int(digits, 16)
            if e == "x":
                raise Unsupported("\\x escapes are bytes, not characters")
            out.append(chr(code))
            i += 2 + width
        elif e in "01234567":
            raise Unsupported("octal escapes are bytes")
        else:
            raise TemplateError(f"unknown escape \\{e}")
    return "".join(out)


def _action(text: str, start: int) -> tuple[str, int, bool, bool]:
    """Read the action whose `{{` is at `start`: (its output, index after `}}`, left trim,
    right trim)."""
    i = start + 2
    left_trim = text.startswith("-", i) and i + 1 < len(text) and text[i + 1] in _SPACE
    if left_trim:
        i += 2
    # a comment: `/*` right after the delimiter (and trim marker), ending at `*/` + delimiter
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        if end < 0:
            raise TemplateError("unclosed comment")
        j = end + 2
        right_trim = False
        if j + 1 < len(text) and text[j] in _SPACE and text.startswith("-}}", j + 1):
            right_trim, j = True, j + 2
        if not text.startswith("}}", j):
            raise TemplateError("comment ends before closing delimiter")
        return "", j + 2, left_trim, right_trim
    values: list[str] = []
    while True:
        while i < len(text) and text[i] in _SPACE:
            # ` -}}`: the trim marker needs white space before it
            if text.startswith("-}}", i + 1):
                return _single(values), i + 4, left_trim, True
            i += 1
        if i >= len(text):
            raise TemplateError("unclosed action")
        if text.startswith("}}", i):
            return _single(values), i + 2, left_trim, False
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if j >= len(text):
                raise TemplateError("unterminated quoted string")
            values.append(go_unquote(text[i + 1:j]))
            i = j + 1
        elif c == "`":
            j = text.find("`", i + 1)
            if j < 0:
                raise TemplateError("unterminated raw quoted string")
            values.append(text[i + 1:j])
            i = j + 1
        else:
            raise Unsupported(f"action content {text[i:i + 20]!r}")


def _single(values: list[str]) -> str:
    if len(values) != 1:
        raise Unsupported(f"an action with {len(values)} operands")
    return values[0]


def execute(text: str) -> str:
    """The output of executing `text` as a text/template with no data."""
    out: list[str] = []
    i = 0
    trim_next = False
    while True:
        j = text.find("{{", i)
        chunk = text[i:] if j < 0 else text[i:j]
        if trim_next:
            chunk = chunk.lstrip(_SPACE)
        if j < 0:
            out.append(chunk)
            return "".join(out)
        value, i, left_trim, trim_next = _action(text, j)
        if left_trim:
            chunk = chunk.rstrip(_SPACE)
        out.append(chunk)
        out.append(value)


def helm_tpl(text: str) -> str:
    """Helm's `tpl`: execute, then delete `<no value>`."""
    return execute(text).replace("<no value>", "")


def chart_default_sections(config_scripts_yaml: str, *, default_config: bool = True) -> set[str]:
    """The security sections the chart writes itself (jenkins.casc.defaults, _helpers.tpl:119-129
    at jenkins-5.9.53; jcasc-config.yaml:41-93 when defaultConfig is off): each one whose key is
    not found as text in `toYaml .Values.controller.JCasC.configScripts` (given here)."""
    del default_config  # the search is the same in both branches
    return {key for key in ("authorizationStrategy", "securityRealm") if key + ":" not in config_scripts_yaml}
