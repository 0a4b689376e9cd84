"""The spec's shape: `schemas/spec.schema.json`, its errors mapped back to line:column."""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from typing import Any, Callable, Iterator

from . import resources
from .diagnostics import Diagnostic
from ._fastschema import Unsupported, compile_schema
from .loader import LoadedDocument

__all__ = ["schema", "validate_shape", "validate_controllers"]


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(resources.read_text("schemas", "spec.schema.json"))


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def _controllers_schema() -> dict[str, Any]:
    """The `controllers` section alone (names, overlays' top-level keys): each controller's
    merged spec is checked in full by `validate_shape`."""
    s = schema()
    return {"$defs": s["$defs"], "type": "object", "properties": {"controllers": s["properties"]["controllers"]}}


@lru_cache(maxsize=1)
def _controllers_validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(_controllers_schema())


@lru_cache(maxsize=1)
def _controllers_fast_check() -> Callable[[Any], bool] | None:
    try:
        return compile_schema(_controllers_schema())
    except Unsupported:
        return None


@lru_cache(maxsize=1)
def _fast_check() -> Callable[[Any], bool] | None:
    """The compiled yes/no check (`_fastschema`), or None if the schema outgrew it."""
    try:
        return compile_schema(schema())
    except Unsupported:
        return None


def is_valid(data: Any) -> bool:
    """Does `data` have the spec's shape? Fast for the common case, exact always."""
    fast = _fast_check()
    return fast(data) if fast is not None else bool(_validator().is_valid(data))


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
        listed: list[str] = types  # a JSON Schema "type" list holds type names
        return " or ".join(names.get(t, t) for t in listed)
    return names.get(types, str(types))


def _quote_hint(doc: LoadedDocument, path: list[Any], value: Any) -> str | None:
    """For a bool, null or number where a string is expected: say how YAML misread it."""
    if not (value is None or isinstance(value, (bool, int, float))):
        return None
    raw = doc.raw_scalar(path)
    if not raw:
        return "the value is empty: write it after the colon" if value is None else None
    reading = "null" if value is None else str(value).lower() if isinstance(value, bool) else f"the number {value!r}"
    return f'quote it: YAML reads an unquoted {raw} as {reading}; write "{raw}"'


def _unquote_hint(expected: Any, value: Any) -> str | None:
    """A quoted "30" or "false" where a number or boolean is expected."""
    if not isinstance(value, str):
        return None
    if expected == "array":
        return f"write a list, e.g. [{value}]" if value and "\n" not in value else "write a list, e.g. [a, b]"
    text = value.strip()
    if expected == "integer" and text.isdigit() or expected == "boolean" and text in ("true", "false"):
        return f"remove the quotes: {text}"
    return None


def validate_shape(doc: LoadedDocument) -> list[Diagnostic]:
    """Every schema violation in `doc`, located, with a hint; [] when the shape is right.

    A missing required key is not reported when a misspelt key beside it is already
    reported with a did-you-mean for it (`authorisation` -> 'authorization').
    """
    if is_valid(doc.data):
        return []  # jsonschema (slow, about 0.1 ms a grant) only runs to explain a failure
    return without_misspelt_required(list(_diagnostics(doc)))


def without_misspelt_required(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Drop "missing required key K" where a misspelt key beside it is reported as "unknown key
    ... did you mean K?": the one fix is the spelling."""
    misspelt = {(d.path.rsplit(".", 1)[0] if "." in d.path else "$", d.hint) for d in diags if d.message.startswith("unknown key")}
    return [d for d in diags if not (d.message.startswith("missing required key ")
                                     and (d.path, f"did you mean {d.message.split(chr(39))[1]!r}?") in misspelt)]


def validate_controllers(doc: LoadedDocument) -> list[Diagnostic]:
    """Schema violations of the `controllers` section of a file: names, overlays that are not
    mappings, keys an overlay cannot have."""
    fast = _controllers_fast_check()
    if fast is not None and fast(doc.data):
        return []  # jsonschema only runs to explain a failure
    return list(_diagnostics(doc, _controllers_validator()))


def _diagnostics(doc: LoadedDocument, validator: Any = None) -> Iterator[Diagnostic]:
    seen: set[Diagnostic] = set()
    for err in (validator or _validator()).iter_errors(doc.data):
        for diag in _explain(doc, err):
            # jsonschema reports `required` once per missing key, each with the whole list
            if diag not in seen:
                seen.add(diag)
                yield diag


def _explain(doc: LoadedDocument, err: Any) -> Iterator[Diagnostic]:
    path = list(err.absolute_path)
    kw = err.validator
    value = err.instance
    sub = err.schema if isinstance(err.schema, dict) else {}
    if kw == "additionalProperties":
        allowed = list(sub.get("properties", {}))
        for key in sorted(set(value) - set(allowed), key=str):
            if len(path) == 2 and path[0] == "controllers" and key in ("version", "controllers"):
                yield doc.diag(path + [str(key)], f"a controller cannot set {key!r}",
                               f"`{key}` belongs to the whole file: write it once at the top level", key=True)
                continue
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
    if kw == "type" and len(path) == 2 and path[0] == "controllers":
        yield doc.diag(path, f"a controller's overlay must be a mapping, got {_type_name(value)}",
                       f"write `{path[1]}: {{}}` for a controller that changes nothing")
        return
    if kw == "type" and sub.get("$comment") == "secretRef":
        yield doc.diag(path, f"a secret must be a reference, got {_type_name(value)}", _SECRET_HINT)
        return
    if kw == "type":
        hint = _quote_hint(doc, path, value) if "string" in str(err.validator_value) else _unquote_hint(err.validator_value, value)
        yield doc.diag(path, f"expected {_expected(err.validator_value)}, got {_type_name(value)}", hint)
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
    if kw in ("anyOf", "oneOf") and path and path[-1] == "client_id":
        if isinstance(value, str):
            yield doc.diag(path, "must not be empty")
        elif isinstance(value, dict) and "file" in value:
            # pomerium config/options.go has idp_client_secret_file but no idp_client_id_file
            yield doc.diag(path, "Pomerium cannot read the client id from a file (it has no idp_client_id_file)",
                           "write the client id itself (it is not a secret), or `{env: IDP_CLIENT_ID}`")
        elif isinstance(value, dict):
            # Not a valid {env: NAME}: explain through the secretRef branch's own errors.
            for branch in err.context or ():
                if branch.validator != "type":
                    yield from _explain(doc, branch)
        else:
            yield doc.diag(path, f"expected a string or `{{env: NAME}}`, got {_type_name(value)}",
                           _quote_hint(doc, path, value) or "write the client id, or `{env: IDP_CLIENT_ID}`")
        return
    if kw == "anyOf" and len(path) >= 2 and path[-2] == "extra_permissions":
        if isinstance(value, (str, dict)):
            # explain through the branch of the value's own kind (string or mapping)
            want = "string" if isinstance(value, str) else "object"
            for branch in err.context or ():
                if branch.validator != "type" and branch.schema_path and branch.schema_path[0] == (0 if want == "string" else 1):
                    yield from _explain(doc, branch)
        else:
            yield doc.diag(path, f"expected `Group/Name` or `{{id: Group/Name, plugin: NAME}}`, got {_type_name(value)}",
                           "e.g. `{id: Lockable Resources/Reserve, plugin: lockable-resources}`")
        return
    if kw == "anyOf" and path == ["output", "kubernetes"]:
        if isinstance(value, dict):
            for branch in err.context or ():
                if branch.schema_path and branch.schema_path[0] == 1 and (branch.path or branch.validator != "type"):
                    yield from _explain(doc, branch)
        else:
            yield doc.diag(path, f"expected true, false or a mapping of options, got {_type_name(value)}",
                           _unquote_hint("boolean", value) or "e.g. `kubernetes: true` or `kubernetes: {label: jenkins-jenkins-config}`")
        return
    if kw in ("anyOf", "oneOf") and path and path[-1] == "policy":
        yield doc.diag(path, "expected a Pomerium policy rule (a mapping) or a list of rules", "e.g. `- allow: {or: [{domain: {is: example.com}}]}`")
        return
    if kw == "pattern" and path == ["controllers"]:
        # propertyNames: the error is the mapping's, the culprit its key
        yield doc.diag(path + [value], f"controller name {value!r} is not a DNS label", CONTROLLER_NAME_HINT, key=True)
        return
    if kw == "type" and path == ["controllers"] and sub.get("type") == "string":
        yield doc.diag(path, f"controller name {value!r} is not a string", CONTROLLER_NAME_HINT)
        return
    if kw == "minProperties" and path == ["controllers"]:
        yield doc.diag(path, "no controller is defined", "name at least one, e.g. `controllers: {prod: {}}`, or remove "
                       "`controllers:` for a spec of one controller")
        return
    if kw == "pattern":
        # An env name field may hold a pasted secret by mistake: never echo it.
        shown = "not an environment variable name" if path and path[-1] == "env" else f"{value!r} {_pattern_problem(path, sub)}"
        yield doc.diag(path, shown, _pattern_hint(path))
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
        yield doc.diag(path, "a secret reference has exactly one key, `env` or `file`", _SECRET_HINT)
        return
    yield doc.diag(path, err.message)


CONTROLLER_NAME_HINT = ("lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit "
                         "(it names the output folder and the JCASC_GEN_<NAME>_... variables), e.g. prod-eu")

_SECRET_HINT = "write `{env: NAME}` or `{file: PATH}`; the secret itself never goes in the spec"


_URL_KEYS = ("url", "upstream", "api_url", "authenticate_url", "verify_url", "jwks_url")


def _pattern_problem(path: list[Any], sub: dict[str, Any]) -> str:
    last = path[-1] if path else ""
    if last in _URL_KEYS:
        return "is not an http(s) URL"
    if last == "env":
        return "is not an environment variable name"
    if last == "version":
        return "is not a Pomerium version"
    if len(path) >= 2 and path[-2] == "extra_permissions" or len(path) >= 3 and path[-3] == "extra_permissions" and last == "id":
        return "is not a permission id of the form Group/Name"
    if len(path) >= 3 and path[-3] == "extra_permissions" and last == "plugin":
        return "is not a plugin name"
    if len(path) >= 2 and path[-2] == "extra":
        return "is not a plugin `name` or `name:version`"
    return "has the wrong form"


def _pattern_hint(path: list[Any]) -> str | None:
    last = path[-1] if path else ""
    if last in _URL_KEYS:
        return "write the full URL, e.g. https://jenkins.example.com"
    if last == "env":
        return "letters, digits and _, not starting with a digit, e.g. POMERIUM_SIGNING_KEY"
    if last == "version":
        return 'write it as a string, e.g. "0.33" or "v0.33.1"'
    if len(path) >= 2 and path[-2] == "extra":
        return "e.g. `git` or `git:5.7.0`"
    return None


def _providers() -> list[str]:
    from .pomerium_facts import PROVIDERS

    return list(PROVIDERS)


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
        "provider": "one of " + ", ".join(_providers()),
        "rule": "the id of the accepted finding, e.g. `rule: JG003`",
        "reason": "say why the risk is accepted, e.g. `reason: \"a test controller without TLS\"`: it is printed with every finding it accepts",
    }
    return hints.get(name)
