"""A JCasC export (jwt-auth + matrix-auth) -> a spec: adopting the tool on a running Jenkins.

`parse_strategy` reads every matrix-auth form (also used by `diff` to compare a live export):
- v3 `entries: [{user|group|userOrGroup: {name, permissions}}]` (matrix-auth 3.2+,
  integrations/casc/DefinitionEntry.java);
- v2 `permissions: ["USER:Overall/Read:alice", "GROUP:...", "Overall/Read:x"]`, untyped = EITHER;
- v1 `grantedPermissions: ["Overall/Read:x"]`, always EITHER.
The string form is split as matrix-auth's AuthorizationContainer.add(String) does: an optional
TYPE prefix (USER, GROUP, EITHER), the permission up to the next ':', the rest is the sid.
Permissions may be Java ids (`hudson.model.Item.Read`) or `Group/Name`
(AuthorizationContainer.parsePermission), mapped with `permissions.from_java_id`.

`import_export` turns the result into spec data and text: permission sets shared by several
principals become roles; `userOrGroup` entries are kept (they mean the same) but flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from . import TOOL_NAME, names, permissions
from .effective import ANONYMOUS, AUTHENTICATED, EntryKind, MatrixEntry
from .jcasc import JWT_ATTRIBUTES, unescape_interpolation
from . import pomerium_facts
from .model import JWKS_PATH, POMERIUM_HEADER, java_sort_key, pomerium_issuers
from .render import yaml_key, yaml_scalar

__all__ = ["ImportError_", "Note", "StrategyParse", "parse_strategy", "ImportOptions", "ImportResult", "import_export",
           "spec_text", "equivalence_problems"]

_KIND_BY_KEY = {"user": "user", "group": "group", "userOrGroup": "user_or_group"}
_KIND_BY_TYPE = {"USER": "user", "GROUP": "group", "EITHER": "user_or_group"}
_MATRIX_SYMBOLS = {"globalMatrix": "global", "projectMatrix": "project"}


class ImportError_(Exception):
    """The export cannot be turned into a spec; the message says why (nothing is written)."""


@dataclass(frozen=True)
class Note:
    level: str  # "warning" | "info"
    message: str

    def format(self) -> str:
        return f"{self.level}: {self.message}"


@dataclass
class StrategyParse:
    symbol: str
    entries: list[MatrixEntry]
    notes: list[Note] = field(default_factory=list)
    forms: set[str] = field(default_factory=set)  # which attributes were used


def _shown(value: Any) -> str:
    """A value of the export in a message: its repr, cut short (an export can hold anything)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _list_of(value: Any, where: str, what: str) -> list[Any]:
    """The list at `where`, [] when absent or empty; anything else is an ImportError_."""
    if value is None or value == []:
        return []
    if not isinstance(value, list):
        raise ImportError_(f"{where}: expected a list of {what}, got {_shown(value)}")
    return value


def _permission(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ImportError_(f"{where}: a permission must be a non-empty string, got {_shown(raw)}")
    value = unescape_interpolation(raw.strip())
    if value in permissions.CATALOG:
        return value
    short = permissions.from_java_id(value)
    if short:
        return short
    groups = {p.group for p in permissions.CATALOG.values()}
    if value.count("/") == 1 and all(value.split("/")) and value.split("/")[0] not in groups:
        return value  # a plugin's permission group the catalog does not know: goes to extra_permissions
    misplaced = permissions.java_id_of_declaring_class(value)
    if misplaced is not None:
        # Jenkins rejects it too ("Failed to parse ... no such permission"): the id is made of
        # the permission group's owner class (Permission.java:154), not the declaring class
        raise ImportError_(f"{where}: unknown permission {value!r}: Jenkins does not know this id either; "
                           f"{misplaced} is {permissions.java_id(misplaced)}")
    raise ImportError_(f"{where}: unknown permission {value!r}"
                       + (f" (did you mean {permissions.suggest(value)!r}?)" if permissions.suggest(value) else ""))


def _split_legacy(line: Any, attr: str, i: int) -> tuple[str, str, str]:
    """(kind, permission, sid) of one `permissions`/`grantedPermissions` string."""
    where = f"{attr}[{i}]"
    if not isinstance(line, str) or ":" not in line:
        raise ImportError_(f"{where}: expected \"TYPE:Permission:name\" or \"Permission:name\", got {_shown(line)}")
    first, _, rest = line.partition(":")
    if attr == "permissions" and first in _KIND_BY_TYPE:
        perm, sep, sid = rest.partition(":")
        if not sep:
            raise ImportError_(f"{where}: expected \"{first}:Permission:name\", got {_shown(line)}")
        return _KIND_BY_TYPE[first], _permission(perm, where), sid
    return "user_or_group", _permission(first, where), rest


def parse_strategy(strategy: Any) -> StrategyParse:
    """`jenkins.authorizationStrategy` of a JCasC document -> entries, merged per principal."""
    if not isinstance(strategy, Mapping) or len(strategy) != 1:
        raise ImportError_("jenkins.authorizationStrategy: expected one strategy (globalMatrix or projectMatrix)")
    (symbol, body), = strategy.items()
    if symbol not in _MATRIX_SYMBOLS:
        raise ImportError_(f"jenkins.authorizationStrategy is {symbol!r}, not matrix-auth (globalMatrix or projectMatrix)")
    body = body or {}
    if not isinstance(body, Mapping):
        raise ImportError_(f"jenkins.authorizationStrategy.{symbol}: expected a mapping")
    unknown = set(body) - {"entries", "permissions", "grantedPermissions"}
    if unknown:
        raise ImportError_(f"jenkins.authorizationStrategy.{symbol}: unknown attribute(s) {sorted(unknown)}")
    out = StrategyParse(symbol, [])
    raw: list[tuple[str, str, str]] = []
    for i, e in enumerate(_list_of(body.get("entries"), "entries", "entries")):
        where = f"entries[{i}]"
        if not isinstance(e, Mapping) or len(e) != 1 or next(iter(e)) not in _KIND_BY_KEY:
            raise ImportError_(f"{where}: expected exactly one of user, group, userOrGroup")
        (key, child), = e.items()
        if not isinstance(child, Mapping) or not isinstance(child.get("name"), str):
            raise ImportError_(f"{where}.{key}: expected {{name: ..., permissions: [...]}}")
        listed = _list_of(child.get("permissions"), f"{where}.{key}.permissions", "permissions")
        for j, p in enumerate(listed):
            raw.append((_KIND_BY_KEY[key], _permission(p, f"{where}.{key}.permissions[{j}]"), child["name"]))
        if not listed:
            raw.append((_KIND_BY_KEY[key], "", child["name"]))
        out.forms.add("entries")
    for attr in ("permissions", "grantedPermissions"):
        items = _list_of(body.get(attr), attr, "strings")
        for i, line in enumerate(items):
            raw.append(_split_legacy(line, attr, i))
        if items:
            out.forms.add(attr)
            # matrix-auth logs "Loading deprecated attribute ..." for these (configurators).
            out.notes.append(Note("info", f"read the deprecated matrix-auth `{attr}` form; the spec generates `entries`"))
    merged: dict[tuple[str, str], tuple[str, set[str]]] = {}
    for kind, perm, sid in raw:
        sid = unescape_interpolation(sid)
        key = (kind, names.fold(sid))  # Jenkins compares names case-insensitively
        name, perms = merged.setdefault(key, (sid, set()))
        if name != sid:
            out.notes.append(Note("warning", f"{kind} {sid!r} and {name!r} are the same principal in Jenkins (case-insensitive); merged as {name!r}"))
        if perm:
            perms.add(perm)
    out.entries = [MatrixEntry(k, name, frozenset(perms)) for (k, _), (name, perms) in merged.items()]  # type: ignore[arg-type]
    return out


# --- jwtAuth -> jwt: -------------------------------------------------------------------------

# jwtAuth attribute -> (spec key, how to read it back). JCasC export omits blank strings and
# nulls (jenkins-facts A.6: configuration-as-code-plugin DataBoundConfigurator.describe), so an
# absent string attribute is null in Jenkins, not the web form's default.
_SPLIT = "split"
_REALM_MAP: Mapping[str, tuple[str, str]] = {
    "headerName": ("header", "str"),
    "userClaimName": ("username_claim", "str"),
    "groupsClaimName": ("groups_claim", "str"),
    "groupsClaimSeparator": ("groups_separator", "str"),
    "emailClaimName": ("email_claim", "nullable"),
    "fullNameClaim": ("full_name_claim", "nullable"),
    "acceptedIssuer": ("issuers", _SPLIT),
    "acceptedAudience": ("audiences", _SPLIT),
    "jwksUrl": ("jwks_url", "nullable"),
    "leewaySeconds": ("leeway_seconds", "int"),
    "allowVerificationFailures": ("allow_verification_failures", "bool"),
}
assert set(_REALM_MAP) == set(JWT_ATTRIBUTES)

# The spec's own defaults (spec-format.md) for the keys that do not depend on Pomerium.
_SPEC_DEFAULTS: Mapping[str, Any] = {
    "username_claim": "email", "groups_claim": "groups", "groups_separator": ",", "email_claim": "email",
    "full_name_claim": "name", "leeway_seconds": 30, "allow_verification_failures": False,
}


def _realm_values(realm: Mapping[str, Any], notes: list[Note]) -> dict[str, Any]:
    if not isinstance(realm, Mapping):
        raise ImportError_(f"jenkins.securityRealm.jwtAuth: expected its attributes, got {_shown(realm)}")
    unknown = set(realm) - set(_REALM_MAP)
    if unknown:
        raise ImportError_(f"jenkins.securityRealm.jwtAuth: unknown attribute(s) {sorted(unknown)}")
    out: dict[str, Any] = {}
    for attr, (key, how) in _REALM_MAP.items():
        value = realm.get(attr)
        if isinstance(value, (list, dict)):
            raise ImportError_(f"jwtAuth.{attr}: expected a single value, got {_shown(value)}")
        if how != "int" and how != "bool" and value is not None and not isinstance(value, str):
            # JCasC binds a scalar to the String parameter as its text (`acceptedIssuer: 1` is "1")
            value = str(value).lower() if isinstance(value, bool) else str(value)
        if isinstance(value, str):
            value = unescape_interpolation(value)
            if how != "str" or attr != "groupsClaimSeparator":
                value = value.strip()  # jwt-auth: fixEmptyAndTrim
        if how == "int":
            try:
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError(value)
                out[key] = int(value or 0)
            except (TypeError, ValueError, OverflowError):
                raise ImportError_(f"jwtAuth.{attr}: expected a whole number, got {_shown(value)}") from None
        elif how == "bool":
            out[key] = value.strip().lower() == "true" if isinstance(value, str) else bool(value)
        elif how == _SPLIT:
            # jwt-auth: Util.tokenize(value, ",") -- trimmed, empty tokens dropped
            out[key] = [t.strip() for t in (value or "").split(",") if t.strip()]
        elif how == "nullable":
            out[key] = value or None
        else:
            out[key] = value or None
    if out["header"] is None:
        out["header"] = "Authorization"  # what jwt-auth does with a null header (its UI default)
        notes.append(Note("warning", "jwtAuth.headerName is empty: jwt-auth then reads `Authorization`; the spec says so explicitly"))
    if out["username_claim"] is None or out["groups_claim"] is None:
        raise ImportError_("jwtAuth.userClaimName and groupsClaimName must be set (jwt-auth cannot sign anyone in without them)")
    if out["groups_separator"] is None:
        out["groups_separator"] = ","
        notes.append(Note("warning", "jwtAuth.groupsClaimSeparator is empty (jwt-auth then splits a string groups claim on "
                                      "whitespace); the spec writes \",\". Pomerium sends groups as a list, where it does not matter"))
    return out


# --- the import ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOptions:
    jenkins_url: str | None = None
    authenticate_url: str | None = None  # add a pomerium: section and drop derived jwt values
    pomerium_version: str | None = None
    idp_provider: str | None = None
    idp_url: str | None = None
    output_dir: str = "generated"
    source: str = "export"  # shown in the spec's header comment
    admins: tuple[tuple[EntryKind, str], ...] = ()  # --admin: who administers after the switch (import_admins)


@dataclass
class ImportResult:
    data: dict[str, Any]
    text: str
    notes: list[Note]
    ambiguous: list[str]  # names of userOrGroup entries left for the user to resolve
    added: list[MatrixEntry] = field(default_factory=list)  # the --admin grants, beyond what the export held


_READ_ONLY = {"Overall/Read", "Job/Read", "Job/Discover", "View/Read", "Credentials/View", "Overall/SystemRead", "Job/ExtendedRead",
              "Agent/ExtendedRead"}


def _role_name(perms: frozenset[str], taken: set[str]) -> str:
    if permissions.ADMINISTER in perms:
        base = "admin"
    elif perms <= _READ_ONLY:
        base = "reader"
    elif "Job/Configure" in perms:
        base = "developer"
    elif "Job/Build" in perms:
        base = "builder"
    else:
        base = "role"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


def _sorted_perms(perms: Iterable[str]) -> list[str]:
    return sorted(perms, key=java_sort_key)


def _infer_jenkins_url(jwt: Mapping[str, Any], notes: list[Note]) -> str:
    jwks = jwt.get("jwks_url")
    if jwks:
        parts = urlsplit(jwks)
        if parts.scheme in ("http", "https") and parts.netloc:
            url = f"{parts.scheme}://{parts.netloc}"
            notes.append(Note("warning", f"the export does not name the Jenkins URL; took {url} from the JWKS URL's origin "
                                          "(pass --jenkins-url to set it)"))
            return url
    if jwt.get("audiences"):
        url = f"https://{jwt['audiences'][0]}"
        notes.append(Note("warning", f"the export does not name the Jenkins URL; took {url} from the audience (pass --jenkins-url to set it)"))
        return url
    raise ImportError_("the export does not name the Jenkins URL and has no JWKS URL or audience to infer it from; pass --jenkins-url")


def _parse_version(text: str | None) -> pomerium_facts.PomeriumVersion:
    try:
        return pomerium_facts.parse_version(text or pomerium_facts.DEFAULT_VERSION_TEXT)
    except pomerium_facts.VersionError as exc:
        raise ImportError_(f"--pomerium-version: {exc}") from None


def import_export(document: Any, options: ImportOptions = ImportOptions(), items: Sequence[tuple[str, Any]] = ()) -> ImportResult:
    """A parsed JCasC document (and the item matrices read from the same Jenkins: (path,
    item_xml.Matrix)) -> spec data and commented spec text. Raises ImportError_."""
    if not isinstance(document, Mapping) or not isinstance(document.get("jenkins"), Mapping):
        raise ImportError_("not a JCasC document: there is no `jenkins:` section")
    jenkins = document["jenkins"]
    notes: list[Note] = []
    if "authorizationStrategy" not in jenkins:
        raise ImportError_("jenkins.authorizationStrategy is missing: nothing to import")
    parsed = parse_strategy(jenkins["authorizationStrategy"])
    notes.extend(parsed.notes)
    realm = jenkins.get("securityRealm")
    jwt: dict[str, Any] | None = None
    if isinstance(realm, Mapping) and set(realm) == {"jwtAuth"}:
        jwt = _realm_values({} if realm["jwtAuth"] is None else realm["jwtAuth"], notes)
    elif options.authenticate_url is None:
        kind = next(iter(realm)) if isinstance(realm, Mapping) and realm else "none"
        raise ImportError_(f"the security realm is {kind!r}, not jwtAuth; pass --authenticate-url (and --jenkins-url, "
                           "--idp-provider) to derive the jwt settings from Pomerium instead")
    else:
        kind = next(iter(realm)) if isinstance(realm, Mapping) and realm else "none"
        notes.append(Note("warning", f"the security realm is {kind!r}; the spec switches it to jwtAuth with Pomerium-derived settings"))

    jenkins_url = options.jenkins_url or _infer_jenkins_url(jwt or {}, notes)
    data: dict[str, Any] = {"version": 1, "jenkins": {"url": jenkins_url}}
    if options.authenticate_url:
        version = _parse_version(options.pomerium_version)
        pom: dict[str, Any] = {"version": version.text,
                               "authenticate_url": options.authenticate_url,
                               "idp": {"provider": options.idp_provider or "oidc"},
                               "signing_key": {"env": "POMERIUM_SIGNING_KEY"}}
        provider = pomerium_facts.PROVIDERS.get(options.idp_provider or "oidc")
        if options.idp_url or (provider is not None and provider.default_url is None):
            pom["idp"]["url"] = options.idp_url or "https://idp.invalid/REPLACE-ME"
            if not options.idp_url:
                notes.append(Note("warning", "pomerium.idp.url is a placeholder: pass --idp-url or edit the spec"))
        pom["idp"]["client_id"] = {"env": "IDP_CLIENT_ID"}
        pom["idp"]["client_secret"] = {"env": "IDP_CLIENT_SECRET"}
        data["pomerium"] = pom
        parts = urlsplit(jenkins_url)
        derived = {
            "header": POMERIUM_HEADER,
            "issuers": list(pomerium_issuers(version, jenkins_url, options.authenticate_url)),
            "audiences": [parts.hostname or ""],
            "jwks_url": f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}{JWKS_PATH}",
        }
    else:
        derived = {}
    if jwt is not None:
        kept: dict[str, Any] = {}
        for key, value in jwt.items():
            default = derived.get(key, _SPEC_DEFAULTS.get(key, object()))
            same = value == default or (key == "header" and isinstance(value, str) and isinstance(default, str)
                                        and value.lower() == default.lower())
            if not same:
                kept[key] = value
        if kept:
            data["jwt"] = kept
        if derived and kept.keys() & derived.keys():
            notes.append(Note("info", "kept jwt." + ", jwt.".join(sorted(kept.keys() & derived.keys()))
                                      + " as live: they differ from what Pomerium derivation gives (lint checks them)"))

    # Authorization: shared permission sets become roles.
    entries = sorted(_resolve_well_known(parsed.entries, notes), key=lambda e: ({"user_or_group": 0, "group": 1, "user": 2}[e.kind], java_sort_key(e.name)))
    empty = [e for e in entries if not e.permissions]
    for e in empty:
        notes.append(Note("warning", f"{e.kind} {e.name!r} has no permissions in Jenkins; left out of the spec"))
    entries = [e for e in entries if e.permissions]
    if not entries:
        raise ImportError_("the matrix grants nothing to anyone; there is nothing to import")
    counts: dict[frozenset[str], int] = {}
    for e in entries:
        counts[e.permissions] = counts.get(e.permissions, 0) + 1
    roles: dict[frozenset[str], str] = {}
    taken: set[str] = set()
    for perms in sorted((p for p, n in counts.items() if n > 1), key=lambda p: (-len(p), _sorted_perms(p))):
        roles[perms] = _role_name(perms, taken)
    extra = sorted({p for e in entries for p in e.permissions if p not in permissions.CATALOG}, key=java_sort_key)
    ambiguous: list[str] = []
    grants: list[dict[str, Any]] = []
    for e in entries:
        grant: dict[str, Any] = {e.kind: e.name}
        if e.permissions in roles:
            grant["roles"] = [roles[e.permissions]]
        else:
            grant["permissions"] = _sorted_perms(e.permissions)
        if e.kind == "user_or_group":
            ambiguous.append(e.name)
        grants.append(grant)
    authz: dict[str, Any] = {"strategy": _MATRIX_SYMBOLS[parsed.symbol]}
    if extra:
        authz["extra_permissions"] = extra
        # the export does not say which plugin defines them (lint JG014 until the spec does)
        notes.append(Note("warning", f"permissions not in the catalog went to extra_permissions: {', '.join(extra)}; "
                                     "write each as `{id: ..., plugin: NAME}` with the plugin that defines it, so the "
                                     "plugin is installed with the matrix"))
    if roles:
        authz["roles"] = {name: _sorted_perms(perms) for perms, name in sorted(roles.items(), key=lambda kv: kv[1])}
    authz["grants"] = grants
    from .import_admins import add_admins

    added = add_admins(grants, options.admins)
    for e in added:
        notes.append(Note("info", f"`{e.kind}: {e.name}` administers Jenkins (--admin)"))
    from .item_import import item_section

    item_data = item_section(items, parsed.symbol, notes)
    if item_data:
        authz["items"] = item_data
    data["authorization"] = authz
    data["output"] = {"dir": options.output_dir}
    for name in ambiguous:
        notes.append(Note("warning", f"user_or_group {name!r} is ambiguous (matrix-auth matches it as a user and as a group): "
                                      "change it to `user:` or `group:` after checking which it is"))
    return ImportResult(data, spec_text(data, source=options.source, ambiguous=ambiguous), notes, ambiguous, added)


def _resolve_well_known(entries: Sequence[MatrixEntry], notes: list[Note]) -> list[MatrixEntry]:
    """`userOrGroup: anonymous` is `user: anonymous` and `userOrGroup: authenticated` is
    `group: authenticated` in effect (SidACL: anonymous is a principal sid checked for every
    request; authenticated is the authority every signed-in user carries), so they are not
    left ambiguous. Entries that end up naming the same principal are merged."""
    well_known: dict[str, EntryKind] = {ANONYMOUS: "user", AUTHENTICATED: "group"}
    merged: dict[tuple[str, str], MatrixEntry] = {}
    # `group: anonymous` is kept: anonymous requests carry the authority `anonymous` (core
    # Jenkins.ANONYMOUS2), so it means "requests without sign-in" and the spec says the same.
    never = {("user", AUTHENTICATED): "group: authenticated"}
    for e in entries:
        kind = e.kind
        folded = names.fold(e.name)
        if (kind, folded) in never:
            notes.append(Note("warning", f"`{kind}: {e.name}` left out: it does not match what its name suggests (only a "
                                          f"user literally named {e.name!r} would get "
                                          f"{', '.join(sorted(e.permissions, key=java_sort_key))}); the form that does is "
                                          f"`{never[(kind, folded)]}`"))
            continue
        if kind == "user_or_group" and folded in well_known:
            kind = well_known[folded]
            notes.append(Note("info", f"userOrGroup {e.name!r} became `{kind}: {e.name}` (the same in Jenkins)"))
        key = (kind, folded)
        old = merged.get(key)
        merged[key] = MatrixEntry(kind, old.name if old else e.name, (old.permissions if old else frozenset()) | e.permissions)
    return list(merged.values())


def equivalence_problems(before: Sequence[MatrixEntry], after: Sequence[MatrixEntry]) -> list[str]:
    """Where two matrices give someone different effective permissions (empty = equivalent).

    Effective permissions distribute over the entries a requester matches
    (`has_permission(A | B, p) == has_permission(A, p) or has_permission(B, p)`), so probing
    every single name as a user, as a group, and anonymous covers every real requester.
    """
    from .access import AccessState, allowed_at
    from .effective import Identity, MatrixIndex, universe_for

    universe = universe_for([*before, *after])
    state_a, state_b = AccessState("globalMatrix", tuple(before)), AccessState("globalMatrix", tuple(after))
    index_a, index_b = MatrixIndex(before), MatrixIndex(after)
    folded = sorted({names.fold(e.name) for e in [*before, *after]})
    probes = [Identity(None, (), signed_in=False), Identity("\x00nobody", ())]
    for n in folded:
        # A user literally named `authenticated` is what the spec cannot express (the import
        # leaves `user: authenticated` out, saying so): not probed.
        if n != AUTHENTICATED:
            probes.append(Identity(n, ()))
        probes.append(Identity("\x00nobody", (n,)))
    problems = []
    for who in probes:
        a = allowed_at(state_a, who, None, index=index_a, universe=universe)
        b = allowed_at(state_b, who, None, index=index_b, universe=universe)
        if a != b:
            gained, lost = sorted(b - a, key=java_sort_key), sorted(a - b, key=java_sort_key)
            problems.append(f"{who.label}: " + " ".join([f"+{p}" for p in gained] + [f"-{p}" for p in lost]))
    return problems


# --- writing the spec -------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    """Spec values stay readable: bare where YAML cannot misread them, else quoted safely."""
    if isinstance(value, str):
        return yaml_key(value)
    return yaml_scalar(value)


def _flow_list(items: Sequence[Any]) -> str:
    return "[" + ", ".join(_scalar(i) for i in items) + "]"


def _emit(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for k, v in value.items():
        key = yaml_key(str(k))
        if isinstance(v, Mapping) and v:
            if set(v) in ({"env"}, {"file"}):
                lines.append(f"{pad}{key}: {{{next(iter(v))}: {_scalar(next(iter(v.values())))}}}")
            else:
                lines.append(f"{pad}{key}:")
                lines.extend(_emit(v, indent + 2))
        elif isinstance(v, list) and v and all(isinstance(i, Mapping) for i in v):
            lines.append(f"{pad}{key}:")
            for item in v:
                sub = _emit(item, indent + 2)
                lines.append(f"{pad}- " + sub[0].lstrip())
                lines.extend(sub[1:])
        elif isinstance(v, list) and len(v) > 4:
            lines.append(f"{pad}{key}:")
            lines.extend(f"{pad}  - {_scalar(i)}" for i in v)
        elif isinstance(v, list):
            lines.append(f"{pad}{key}: {_flow_list(v)}")
        else:
            lines.append(f"{pad}{key}: {_scalar(v)}")
    return lines


def spec_text(data: Mapping[str, Any], *, source: str = "export", ambiguous: Sequence[str] = ()) -> str:
    """The spec as YAML text, with a short comment block; `load_spec_text` reads it back to `data`."""
    from .commands.init import MODELINE_SCHEMA

    head = [
        f"# yaml-language-server: $schema={MODELINE_SCHEMA}",
        f"# Imported by `{TOOL_NAME} import` from {source.replace(chr(10), ' ')}.",
        "# Review it, resolve the warnings below, then `jcasc-gen validate` and `jcasc-gen generate`.",
    ]
    for name in ambiguous:
        head.append(f"# TODO: user_or_group {name.replace(chr(10), ' ')!r} is ambiguous; make it `user:` or `group:`.")
    body: list[str] = []
    for section in data:
        body.extend(_emit({section: data[section]}, 0))
        body.append("")
    return "\n".join(head) + "\n" + "\n".join(body).rstrip("\n") + "\n"
