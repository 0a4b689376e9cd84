"""How jwt-auth reads the two list settings of its realm, `acceptedIssuer` and `acceptedAudience`.

jwt-auth-plugin@jwt-auth-0.3.0:src/main/java/io/jenkins/plugins/jwt_auth/JwtAuthSecurityRealm.java:
the constructor keeps `Util.fixEmptyAndTrim(value)` (line 112-113: the whole text trimmed, "" is
null), and the filter passes `Util.tokenize(value, ",")` to jose4j's setExpectedIssuers /
setExpectedAudience (lines 223-229; an empty audience skips the audience check). Util.tokenize is
core's QuotedStringTokenizer (jenkins@jenkins-2.568.2:cli/src/main/java/hudson/util/
QuotedStringTokenizer.java:142-279): split on the delimiter characters, empty tokens dropped,
quotes group and are removed, a backslash escapes one of `\\ " ' space`, and tokens are NOT
trimmed: `"a, b"` accepts `a` and ` b`, never `b`.

The simulator has its own implementation (tests/jenkins_sim/auth.py `tokenize`); a test compares
the two on many inputs.
"""

from __future__ import annotations

__all__ = ["tokenize", "accepted_values", "java_trim", "join_values"]

# QuotedStringTokenizer.java:552 ESCAPABLE_CHARS
_ESCAPABLE = "\\\"' "


def tokenize(value: str, delimiters: str = ",") -> list[str]:
    """Core's `Util.tokenize(value, delimiters)`."""
    out: list[str] = []
    token: list[str] = []
    has_token = False
    state = 0  # 0 between tokens, 1 in a token, 2 in single quotes, 3 in double quotes
    escape = False
    for c in value:
        if state == 0:
            if c in delimiters:
                continue
            if c == "'":
                state = 2  # the token exists only once a character follows (line 167-172)
            elif c == '"':
                state = 3
            else:
                token.append(c)
                has_token, state = True, 1
            continue
        has_token = True
        if escape:
            escape = False
            if c not in _ESCAPABLE:
                token.append("\\")
            token.append(c)
        elif state == 1 and c in delimiters:
            out.append("".join(token))
            token, has_token, state = [], False, 0
        elif state == 1 and c == "'":
            state = 2
        elif state == 1 and c == '"':
            state = 3
        elif c == "\\":
            escape = True
        elif (state == 2 and c == "'") or (state == 3 and c == '"'):
            state = 1
        else:
            token.append(c)
    if has_token:
        out.append("".join(token))
    return out


def java_trim(value: str) -> str:
    """Java's String.trim(): every character up to U+0020 at either end, nothing else."""
    start, end = 0, len(value)
    while start < end and value[start] <= " ":
        start += 1
    while end > start and value[end - 1] <= " ":
        end -= 1
    return value[start:end]


def accepted_values(setting: str | None) -> list[str] | None:
    """What a realm with this `acceptedIssuer` (or `acceptedAudience`) accepts: the exact
    strings, or None when the setting is empty (no restriction at all)."""
    if setting is None:
        return None
    trimmed = java_trim(setting)
    if not trimmed:
        return None
    return tokenize(trimmed, ",")


def join_values(setting: str | None, more: list[str] | tuple[str, ...]) -> str:
    """`setting` (kept as written) widened to also accept each of `more`: jwt-auth reads
    `A,B` as the tokens of A followed by B. An empty setting accepts everything already.
    Raises ValueError when jwt-auth would not read the result as exactly those values."""
    have = accepted_values(setting)
    if have is None:
        return ""
    extra = [v for v in more if v not in have]
    joined = ",".join([java_trim(setting or ""), *extra]) if extra else java_trim(setting or "")
    if accepted_values(joined) != have + extra:
        # an unclosed quote in the setting, or a value with a quote, backslash or comma
        raise ValueError(f"{setting!r} cannot be widened to also accept {extra}: jwt-auth would read it otherwise")
    return joined
