"""Before the realm switch: can Jenkins fetch the JWKS, and does it publish our key?

If it cannot, every JWT is anonymous after the switch, API tokens are anonymous too
(jwt-auth replaces every request's identity, jenkins-facts B.3), and no credential is left
to roll back with. So this is part of the lockout guard.

The authoritative look is from Jenkins itself, through the script console (the JVM's own
URL connection, the same trust store jwt-auth's jose4j HttpsJwks uses). When the script
console cannot tell (disabled, or an answer we do not recognise), the JWKS is fetched from
this machine instead, which at least proves the URL serves our key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from .guard import Refusal

__all__ = ["JwksVerdict", "check_jwks", "jenkins_script", "read_keys"]

# Exception names in a script console stack trace that mean "could not fetch".
_NETWORK_ERRORS = ("java.net.", "javax.net.ssl.", "java.io.IOException", "java.io.FileNotFoundException",
                   "sun.security.", "java.nio.channels.")


@dataclass(frozen=True)
class JwksVerdict:
    refusals: list[Refusal]
    notes: list[str]


def groovy_literal(value: str) -> str:
    """A Groovy single-quoted string: no `${}` interpolation (a double-quoted Groovy string is
    a GString, so a `$` in a URL would run code), with backslash and quote escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def jenkins_script(url: str, kid: str) -> str:
    """Groovy printing whether the JWKS at `url` lists `kid`."""
    return f"println(new URL({groovy_literal(url)}).getText().contains({groovy_literal(kid)}))"


def jenkins_text_script(url: str) -> str:
    """Groovy printing the document at `url` as Jenkins' JVM fetches it."""
    return f"println(new URL({groovy_literal(url)}).getText())"


def read_keys(jwks_url: str, *, run_script: Callable[[str], str] | None,
              fetch_here: Callable[[str], Any]) -> tuple[list[dict[str, Any]] | None, str]:
    """The JWKS's keys, read the way Jenkins reads them (its own JVM, through the script
    console) or, when that cannot tell, from here. (keys, "from Jenkins"/"from here"), or
    (None, why not)."""
    from .given_jwt import jwks_keys

    if run_script is not None:
        try:
            keys = jwks_keys(run_script(jenkins_text_script(jwks_url)).strip())
        except Exception:  # client.JenkinsError: the script console did not answer
            keys = None
        if keys is not None:
            return keys, "from Jenkins"
    try:
        reply = fetch_here(jwks_url)
    except Exception as exc:
        return None, f"{jwks_url} could not be read, from Jenkins or from here ({getattr(exc, 'message', type(exc).__name__)})"
    keys = jwks_keys(reply.text) if reply.ok else None
    if keys is None:
        return None, f"{jwks_url} does not serve a JWKS ({{\"keys\": [...]}}) " + (f"(it answered {reply.status})" if not reply.ok else "")
    return keys, "from here"


def _kids(text: str) -> set[str]:
    try:
        data = json.loads(text)
    except ValueError:
        return set()
    keys = data.get("keys") if isinstance(data, dict) else None
    return {str(k.get("kid")) for k in keys or [] if isinstance(k, dict) and k.get("kid")}


def check_jwks(jwks_url: str | None, kid: str | None, *, run_script: Callable[[str], str] | None,
               fetch_here: Callable[[str], Any]) -> JwksVerdict:
    """Refusals (exit 2) when the switch would leave Jenkins unable to accept our JWT."""
    if not jwks_url:
        return JwksVerdict([], ["jwt.jwks_url is empty: Jenkins would not check signatures at all"])
    hint = ("make jwt.jwks_url reachable from Jenkins (for the compose stack the route host resolves to Pomerium), "
            "and use the signing key Pomerium publishes there")
    notes: list[str] = []
    if run_script is not None and kid:
        try:
            out = run_script(jenkins_script(jwks_url, kid)).strip()
        except Exception as exc:  # client.JenkinsError: no verdict from Jenkins
            out = ""
            notes.append(f"the script console did not answer ({getattr(exc, 'message', type(exc).__name__)})")
        first = out.splitlines()[0] if out else ""
        if first == "true":
            return JwksVerdict([], [f"Jenkins fetched {jwks_url} and it lists the key"])
        if first == "false":
            return JwksVerdict([Refusal(f"Jenkins fetched {jwks_url} but it does not list the signing key (kid {kid[:12]}...)", hint)], notes)
        if any(name in out for name in _NETWORK_ERRORS):
            return JwksVerdict([Refusal(f"Jenkins cannot fetch {jwks_url}: {first[:200]}", hint)], notes)
        if out:
            notes.append("the script console could not tell whether Jenkins reaches the JWKS")
    try:
        reply = fetch_here(jwks_url)
    except Exception as exc:
        return JwksVerdict([Refusal(f"{jwks_url} could not be checked, from Jenkins or from here "
                                    f"({getattr(exc, 'message', type(exc).__name__)})", hint)], notes)
    if not reply.ok:
        return JwksVerdict([Refusal(f"{jwks_url} answered {reply.status}", hint)], notes)
    kids = _kids(reply.text)
    if not kids:
        return JwksVerdict([Refusal(f"{jwks_url} does not serve a JWKS ({{\"keys\": [...]}})", hint)], notes)
    if kid and kid not in kids:
        return JwksVerdict([Refusal(f"{jwks_url} does not list the signing key (kid {kid[:12]}...)", hint)], notes)
    notes.append(f"{jwks_url} serves the key (checked from here; Jenkins' own reach could not be confirmed)")
    return JwksVerdict([], notes)
