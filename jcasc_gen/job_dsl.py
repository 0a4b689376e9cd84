"""The items as Job DSL folders, for JCasC's `jobs:` key (`output.job_dsl: true`).

The form is matrix-auth's own (matrix-auth-plugin@matrix-auth-3.2.8
src/test/resources/org/jenkinsci/plugins/matrixauth/integrations/casc/configuration-as-code-v3.yml:77-93):
`folder('x') { properties { authorizationMatrix { inheritanceStrategy { nonInheriting() }
entries { group { name('g'); permissions([...]) } } } } }`; the entry kinds are the @Symbols
`user`, `group`, `userOrGroup` of AuthorizationProperty.DslUser/DslGroup/DslUserOrGroup, the
strategies `inheriting`, `inheritingGlobal`, `nonInheriting`.

Job DSL replaces the whole configuration of an existing item with what the script declares
(jenkinsci/job-dsl-plugin@3654.vdf58f53e2d15
job-dsl-plugin/src/main/java/javaposse/jobdsl/plugin/JenkinsJobManagement.java:453-485,
`updateByXml`; only folder credentials are merged back), and refuses an existing item of another
type (:487-505): so every item is declared as a folder, and lint JG032 says what is replaced.

Every value is a single-quoted Groovy string literal written by `groovy_string`.
"""

from __future__ import annotations

from typing import Any

from .items import INHERIT_SYMBOLS

__all__ = ["groovy_string", "script", "scripts", "JOB_DSL_PLUGIN"]

JOB_DSL_PLUGIN = "job-dsl"

_DSL_KIND = {"user": "user", "group": "group", "user_or_group": "userOrGroup"}


def groovy_string(value: str) -> str:
    """`value` as a single-quoted Groovy string literal that reads back as exactly `value`.

    apache/groovy src/antlr/GroovyLexer.g4 (SqStringCharacter, EscapeSequence): inside '...'
    any character but `'`, `\\`, CR and LF stands for itself; escapes are `\\b \\t \\n \\f \\r \\s
    \\" \\' \\\\ \\$`, octal up to `\\377` and `\\uXXXX`. `'` and `\\` are escaped, CR and LF as
    `\\r` and `\\n`, other control characters as three-digit octal (never `\\u`: a Java-style
    reader would turn `\\u000a` into a raw line break before lexing). `$` is literal in '...'.
    """
    out = []
    for c in value:
        code = ord(c)
        if c == "\\":
            out.append("\\\\")
        elif c == "'":
            out.append("\\'")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"\\{code:03o}")
        else:
            out.append(c)
    return "'" + "".join(out) + "'"


def script(item: Any) -> str:
    """One item (an items.ItemMatrix) as one line of Job DSL."""
    entries = "; ".join(
        f"{_DSL_KIND[g.kind]} {{ name({groovy_string(g.name)}); permissions([{', '.join(groovy_string(p) for p in g.effective)}]) }}"
        for g in item.entries())
    return (f"folder({groovy_string(item.path)}) {{ properties {{ authorizationMatrix {{ "
            f"inheritanceStrategy {{ {INHERIT_SYMBOLS[item.inherit]}() }}; entries {{ {entries} }} }} }} }}")


def scripts(spec: Any) -> list[str]:
    """The `jobs:` scripts of jenkins.yaml: one per item, parents first; none unless asked."""
    if not spec.output.job_dsl:
        return []
    return [script(item) for item in spec.authorization.items]
