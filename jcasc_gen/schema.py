"""The spec's shape: `schemas/spec.schema.json`, its errors mapped back to line:column."""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from typing import Any, Iterator

from . import resources
from .diagnostics import Diagnostic
from .loader import LoadedDocument

__all__ = ["schema", "validate_shape"]


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(resources.read_text("schemas", "spec.schema.json"))


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def _resolve(sub: dict[str, Any]) -> dict[str, Any]:
    ref = sub.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return schema()["$defs"][ref.rsplit("/", 1)[1]]
    return sub


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _expected(types: Any) -> str:
    names = {"string": "a string", "integer": "an integer", "boolean": "true or false", "object": "a mapping",
             "array": "a list", "null": "null", "number": "a number"}
    if isinstance(types, list):
        return " or ".join(names.get(t, t) for t in types)
    return names.get(types, str(types))


def _quote_hint(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        shown = {True: "true/yes/on", False: "false/no/off"}.get(value, "null/~" if value is None else repr(value)) if isinstance(value, bool) or value is None else repr(value)
        return f'quote it: YAML reads an unquoted {shown} as {_type_name(value)}, e.g. write "0.30", not 0.30'
    return None


def validate_shape(doc: LoadedDocument) -> list[Diagnostic]:
    """Every schema violation in `doc`, located, with a hint; [] when the shape is right."""
    return list(_diagnostics(doc))


def _diagnostics(doc: LoadedDocument) -> Iterator[Diagnostic]:
    for err in _validator().iter_errors(doc.data):
        yield from _explain(doc, err)


def _explain(doc: LoadedDocument, err: Any) -> Iterator[Diagnostic]:
    path = list(err.absolute_path)
    kw = err.validator
    value = err.instance
    sub = err.schema if isinstance(err.schema, dict) else {}
    if kw == "additionalProperties":
        allowed = list(sub.get("properties", {}))
        for key in sorted(set(value) - set(allowed), key=str):
            near = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.5)
            hint = f"did you mean {near[0]!r}?" if near else (f"known keys: {', '.join(allowed)}" if allowed else None)
            yield doc.diag(path + [str(key)], f"unknown key {str(key)!r}", hint, key=True)
        return
    if kw == "required":
        missing = err.validator_value
        for name in missing:
            if isinstance(value, dict) and name not in value:
                where = "the spec" if not path else "this mapping"
                yield doc.diag(path, f"missing required key {name!r} in {where}", _required_hint(path, name))
        return
    if kw == "type":
        yield doc.diag(path, f"expected {_expected(err.validator_value)}, got {_type_name(value)}", _quote_hint(value) if "string" in str(err.validator_value) else None)
        return
    if kw == "enum":
        options = [str(o) for o in err.validator_value]
        near = difflib.get_close_matches(str(value), options, n=1, cutoff=0.4)
        hint = f"did you mean {near[0]!r}?" if near else None
        yield doc.diag(path, f"{value!r} is not one of: {', '.join(options)}", hint)
        return
    if kw == "const":
        yield doc.diag(path, f"must be {err.validator_value!r}, got {value!r}", "this tool reads spec format version 1" if path == ["version"] else None)
        return
    if kw == "oneOf" and path and len(path) >= 3 and path[-2] == "grants":
        kinds = [k for k in ("user", "group", "user_or_group") if isinstance(value, dict) and k in value]
        if not kinds:
            yield doc.diag(path, "a grant needs exactly one of user, group, user_or_group", "e.g. `- group: jenkins-devs`")
        else:
            yield doc.diag(path, f"a grant names exactly one principal, this one has {', '.join(kinds)}", "split it into one grant per principal")
        return
    if kw in ("anyOf", "oneOf") and path and path[-1] in ("client_id",):
        if isinstance(value, str):
            yield doc.diag(path, "must not be empty")
        else:
            yield doc.diag(path, f"expected a string or a secret reference, got {_type_name(value)}", "write `{env: NAME}` or `{file: PATH}`, or quote the literal")
        return
    if kw in ("anyOf", "oneOf") and path and path[-1] == "policy":
        yield doc.diag(path, "expected a Pomerium policy rule (a mapping) or a list of rules", "e.g. `- allow: {or: [{domain: {is: example.com}}]}`")
        return
    if kw == "pattern":
        yield doc.diag(path, f"{value!r} {_pattern_problem(path, sub)}", _pattern_hint(path))
        return
    if kw == "minLength":
        yield doc.diag(path, "must not be empty")
        return
    if kw == "minItems":
        yield doc.diag(path, f"needs at least {err.validator_value} item{'s' if err.validator_value != 1 else ''}")
        return
    if kw == "minimum":
        yield doc.diag(path, f"must be >= {err.validator_value}, got {value!r}")
        return
    if kw in ("minProperties", "maxProperties") and isinstance(value, dict):
        yield doc.diag(path, "a secret reference has exactly one key, `env` or `file`", "e.g. `{env: POMERIUM_SIGNING_KEY}`; never the secret itself")
        return
    yield doc.diag(path, err.message)


def _pattern_problem(path: list[Any], sub: dict[str, Any]) -> str:
    last = path[-1] if path else ""
    if last in ("url", "upstream", "authenticate_url", "verify_url"):
        return "is not an http(s) URL"
    if last == "env":
        return "is not an environment variable name"
    if last == "version":
        return "is not a Pomerium version"
    if len(path) >= 2 and path[-2] == "extra_permissions":
        return "is not a permission id of the form Group/Name"
    if len(path) >= 2 and path[-2] == "extra":
        return "is not a plugin `name` or `name:version`"
    return "has the wrong form"


def _pattern_hint(path: list[Any]) -> str | None:
    last = path[-1] if path else ""
    if last in ("url", "upstream", "authenticate_url", "verify_url"):
        return "write the full URL, e.g. https://jenkins.example.com"
    if last == "version":
        return 'write it as a string, e.g. "0.33" or "v0.33.1"'
    if len(path) >= 2 and path[-2] == "extra":
        return "e.g. `git` or `git:5.7.0`"
    return None


def _required_hint(path: list[Any], name: str) -> str | None:
    hints = {
        "version": "start the spec with `version: 1`",
        "jenkins": "add `jenkins: {url: https://jenkins.example.com}`",
        "url": "the URL people use for Jenkins, e.g. https://jenkins.example.com",
        "authorization": "add `authorization: {grants: [...]}`; without grants nobody can use Jenkins",
        "grants": "add at least one grant, e.g. `- user: admin@example.com` with `permissions: [Overall/Administer]`",
        "signing_key": "a secret reference, e.g. `{env: POMERIUM_SIGNING_KEY}`",
        "authenticate_url": "e.g. https://authenticate.example.com",
        "idp": "e.g. `idp: {provider: google, client_id: {env: IDP_CLIENT_ID}, client_secret: {env: IDP_CLIENT_SECRET}}`",
        "provider": "one of google, github, gitlab, oidc, okta, azure, auth0, cognito, onelogin, ping",
    }
    return hints.get(name)
