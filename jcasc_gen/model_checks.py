"""The semantic rules of a spec: what its JSON Schema cannot say (URLs urllib cannot parse,
names Jenkins would fold together, permissions and roles that do not exist, plugins a grant
needs, ...), as located diagnostics on shape-checked data. Parts whose shape is wrong are
skipped: the schema reports them.

Kept apart from model.py, which holds the types the checked data becomes and the building of
them: the rules read the raw document (positions included), the model never does.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlsplit

from . import k8s_names, names, permissions, pins, pomerium_facts, suggest
from .diagnostics import Diagnostic, PathItem
from .loader import LoadedDocument
from .accept import check_accept
from .permission_plugins import ExtraPermission, needed_plugins, parse_extra

__all__ = ["semantic_check", "check_grants"]


def _list(value: Any) -> list[Any]:
    """The value if it is a list, else [] (its shape error is reported by the schema)."""
    return value if isinstance(value, list) else []


def _spelt(name: str, folded: str) -> str:
    """` ('anonymouſ' is `anonymous` to Jenkins)` when the name is a special one in disguise."""
    return "" if name.isascii() else f" ({name!r} is `{folded}` to Jenkins, which compares names like Java's equalsIgnoreCase)"


def _name_problem(what: str, name: str) -> tuple[str, str] | None:
    """(message, hint) when `name` holds a character that must not be in it (names.unsafe_characters)."""
    bad = names.unsafe_characters(name)
    if not bad:
        return None
    if all(why in ("a control character", "a line separator", "a paragraph separator") for _, why in bad):
        return (f"a {what} must not contain control characters", "remove newlines, tabs and other control characters")
    listed = ", ".join(f"{names.describe(c)} ({why})" for c, why in bad[:3])
    return (f"{what} {name!r} contains {listed}",
            "Jenkins compares names character by character: a name with an invisible character matches nobody the "
            "IdP sends; retype it")


_JWT_WITHOUT_POMERIUM: tuple[tuple[str, str], ...] = (
    ("header", "the request header that carries the JWT, e.g. X-Pomerium-Jwt-Assertion"),
    ("issuers", "the `iss` values Jenkins accepts"),
    ("audiences", "the `aud` values Jenkins accepts"),
    ("jwks_url", "where Jenkins fetches the signing keys (null turns signature checks off)"),
)


_URL_FIELDS: tuple[tuple[str, ...], ...] = (
    ("jenkins", "url"), ("jenkins", "upstream"), ("jenkins", "api_url"), ("pomerium", "authenticate_url"), ("pomerium", "idp", "url"),
    ("pomerium", "verify_url"), ("jwt", "jwks_url"),
)


def _get(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _url_problem(value: Any) -> str | None:
    """What the schema's pattern cannot see: a host that urllib cannot parse, a bad port,
    or credentials (they would end up in generated files)."""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # raises for a port out of range or not a number
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if "@" in parts.netloc:
        return "a URL must not carry a user name or password"
    if not parts.hostname:
        return "the URL has no host name"
    # The host becomes the JWT issuer/audience, which jwt-auth splits on commas: only
    # host-name characters (IDN letters included) or an IPv6 literal.
    if not (_HOST.fullmatch(parts.hostname) or parts.netloc.startswith("[")):
        return f"{parts.hostname!r} is not a valid host name"
    return None


_HOST = re.compile(r"[\w.-]+")


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def semantic_check(doc: LoadedDocument) -> list[Diagnostic]:
    data = doc.data
    out: list[Diagnostic] = []

    def at(path: Sequence[PathItem], msg: str, hint: str | None = None, *, key: bool = False, warn: bool = False, code: str | None = None) -> None:
        out.append(doc.diag(path, msg, hint, key=key, severity="warning" if warn else "error", code=code))

    pom = data.get("pomerium") if isinstance(data.get("pomerium"), dict) else None
    jwt = data.get("jwt") if isinstance(data.get("jwt"), dict) else {}
    for path in _URL_FIELDS:
        problem = _url_problem(_get(data, path))
        if problem:
            at(path, problem, "write scheme://host[:port][/path], e.g. https://jenkins.example.com")
    if pom is not None:
        _check_version(pom, at)
        _check_idp(pom, at)
    elif "pomerium" not in data:
        if "jwt" not in data:
            at((), "missing required key 'jwt' in the spec (there is no `pomerium:` to derive it from)",
               "without `pomerium:` write jwt.header, jwt.issuers, jwt.audiences and jwt.jwks_url yourself")
        elif isinstance(data.get("jwt"), dict):
            for key, hint in _JWT_WITHOUT_POMERIUM:
                if key not in jwt:
                    at(("jwt",), f"missing required key {key!r} in this mapping (there is no `pomerium:` to derive it from)", hint)
    for key in ("issuers", "audiences"):
        items = jwt.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, str) and "," in item:
                    at(("jwt", key, i), "an item must not contain a comma (jwt-auth splits the list on commas)",
                       "write each value as its own list item")
    out_cfg = data.get("output")
    if isinstance(out_cfg, dict) and out_cfg.get("compose") is True and pom is None:
        at(("output", "compose"), "the compose stack needs a `pomerium:` section", "add `pomerium:` or set `compose: false`")
    if isinstance(out_cfg, dict) and out_cfg.get("compose") is True and pom is not None:
        # The stack names its route hosts in a certificate (DNS names are ASCII) and as compose
        # network aliases: a host written in another script must be written in its IDNA form.
        for path in (("jenkins", "url"), ("pomerium", "authenticate_url"), ("pomerium", "verify_url")):
            value = _get(data, path)
            host = urlsplit(value).hostname if isinstance(value, str) and _url_problem(value) is None else None
            if host and _is_ip(host):
                at(path, f"the compose stack needs a host name, not the address {host!r} (it becomes a network alias "
                   "and a certificate's DNS name)", "use a host name, e.g. jenkins.example.com")
            elif host and not host.isascii():
                try:
                    ascii_host = host.encode("idna").decode("ascii")
                except UnicodeError:
                    ascii_host = "xn--..."
                at(path, f"the compose stack needs an ASCII host name (its certificate and network aliases), not {host!r}",
                   f"write the host in its IDNA form: {ascii_host}")

    if isinstance(out_cfg, dict):
        _check_kubernetes(out_cfg.get("kubernetes"), at)
        if out_cfg.get("helm") is True and out_cfg.get("kubernetes") not in (None, False):
            at(("output", "kubernetes"), "output.helm and output.kubernetes both hand jenkins.yaml to the chart's reload sidecar: "
               "JCasC would read the security sections twice and refuse the duplicate values",
               "keep `helm: true` for a controller installed with the chart's values, `kubernetes:` for one whose values are kept elsewhere")

    extras, granted = _check_authorization(doc, at)
    authz = data.get("authorization")
    has_items = isinstance(authz, dict) and isinstance(authz.get("items"), list) and bool(authz["items"])
    job_dsl = isinstance(out_cfg, dict) and out_cfg.get("job_dsl") is True
    if job_dsl and not has_items:
        at(("output", "job_dsl"), "job_dsl has nothing to declare: the spec has no authorization.items",
           "remove it, or list the folders under authorization.items", key=True, warn=True)
    _check_plugins(doc, at, extras, needed_plugins(granted, {e.id: e.plugin for _, e in extras}, items=has_items, job_dsl=job_dsl))
    from .values import check_values

    check_values(doc, at)
    check_accept(data, at)
    return out


# `output.kubernetes` option -> (the rule it must follow, an example). The schema's patterns
# catch most mistakes; these catch what a JSON Schema `$` lets through (a trailing newline) and
# the label key's part lengths.
_KUBERNETES_NAMES: Mapping[str, tuple[Any, str]] = {
    "label": (k8s_names.label_key, "jenkins-jenkins-config (the chart's `<release fullname>-jenkins-config`)"),
    "name": (k8s_names.dns1123_subdomain, "jcasc-gen"),
    "namespace": (k8s_names.dns1123_label, "jenkins"),
}


def _check_kubernetes(cfg: Any, at: Any) -> None:
    if not isinstance(cfg, dict):
        return
    for key, (rule, example) in _KUBERNETES_NAMES.items():
        value = cfg.get(key)
        if isinstance(value, str) and value:
            problem = rule(value)
            if problem:
                at(("output", "kubernetes", key), f"{value!r}: {problem}", f"e.g. {example}")


def _check_version(pom: Mapping[str, Any], at: Any) -> None:
    """What the schema's pattern lets through but the model cannot read (a trailing newline,
    which a JSON Schema `$` accepts) is reported here, located, instead of failing later."""
    from .schema import schema

    vtext = pom.get("version")
    if not isinstance(vtext, str):
        return
    pattern = schema()["properties"]["pomerium"]["properties"]["version"]["pattern"]
    if re.search(pattern, vtext) is None:
        return  # the schema reports it
    try:
        pomerium_facts.parse_version(vtext)
    except pomerium_facts.VersionError as exc:
        at(("pomerium", "version"), str(exc), "write the version alone, e.g. \"0.33.1\"")


def _check_idp(pom: Mapping[str, Any], at: Any) -> None:
    idp = pom.get("idp")
    if not isinstance(idp, dict) or not isinstance(idp.get("provider"), str):
        return
    provider = pomerium_facts.PROVIDERS.get(idp["provider"])
    if provider is None:
        return  # the schema's enum reports it
    if provider.default_url is None and "url" not in idp:
        builtin = ", ".join(sorted(p.name for p in pomerium_facts.PROVIDERS.values() if p.default_url))
        at(("pomerium", "idp"), f"missing required key 'url' for provider {provider.name!r}",
           f"{provider.name} has no built-in provider URL in Pomerium; these do: {builtin}")
    vtext = pom.get("version")
    if isinstance(vtext, str):
        try:
            version = pomerium_facts.parse_version(vtext)
        except pomerium_facts.VersionError:
            return  # the schema's pattern reports it
        if version.before(provider.since):
            since = "v" + ".".join(map(str, provider.since))
            at(("pomerium", "idp", "provider"), f"Pomerium {vtext} has no {provider.name!r} provider (added in {since})",
               f"use Pomerium {since} or newer, or another provider")


def _check_authorization(doc: LoadedDocument, at: Any) -> tuple[list[tuple[int, ExtraPermission]], set[str]]:
    """Checks the authorization section; returns its extra permissions (with their index) and
    every permission the grants give (for the plugin lists)."""
    authz = doc.data.get("authorization")
    if not isinstance(authz, dict):
        return [], set()
    extras = [(i, e) for i, e in enumerate(map(parse_extra, _list(authz.get("extra_permissions")))) if e is not None]
    known = set(permissions.CATALOG) | {e.id for _, e in extras}
    known_names = suggest.Suggester([*permissions.CATALOG, *(e.id for _, e in extras)])
    for i, e in extras:
        if e.id in permissions.CATALOG:
            at(("authorization", "extra_permissions", i), f"{e.id!r} is already in the permission catalog", "remove it from extra_permissions", warn=True)
        elif e.plugin is None:
            at(("authorization", "extra_permissions", i), f"{e.id!r} does not name the plugin that defines it",
               f"write `{{id: {e.id}, plugin: <plugin name>}}` so the plugin is installed with the matrix", warn=True, code="JG014")

    def check_perm(path: tuple[PathItem, ...], pid: Any) -> None:
        if not isinstance(pid, str):
            return
        if pid not in known:
            java = permissions.from_java_id(pid)
            misplaced = None if java else permissions.java_id_of_declaring_class(pid)
            near = java or known_names.suggest(pid)
            hint = f"did you mean {near!r}?" if near else "add plugin permissions to authorization.extra_permissions"
            if misplaced is not None:
                hint = (f"did you mean {misplaced!r}? Jenkins does not know this id either: the id of {misplaced} "
                        f"is {permissions.java_id(misplaced)} (its permission group's class, not the declaring class)")
            at(path, f"unknown permission {pid!r}", hint)
            return
        perm = permissions.lookup(pid)
        if perm is not None and not perm.enabled:
            at(path, f"{pid} is disabled by default in Jenkins; granting it has no effect", perm.note or None, warn=True)

    roles = authz.get("roles")
    if not isinstance(roles, dict):
        roles = {}
    for rname, plist in roles.items():
        problem = _name_problem("role name", rname)
        if problem:
            # a look-alike role (`admin` plus a zero-width space) would grant what a reviewer
            # reads as another role's permissions
            at(("authorization", "roles", rname), problem[0], problem[1], key=True)
        if isinstance(plist, list):
            for j, pid in enumerate(plist):
                check_perm(("authorization", "roles", rname, j), pid)
    used: set[str] = set()
    all_granted = check_grants(doc, at, authz.get("grants"), ("authorization", "grants"), roles, check_perm, used)
    from .items import check_items

    all_granted |= check_items(doc, at, roles, check_perm, used)
    for rname in roles:
        if rname not in used:
            at(("authorization", "roles", rname), f"role {rname!r} is not used by any grant", "remove it or grant it", key=True, warn=True)
    return extras, all_granted


def check_grants(doc: LoadedDocument, at: Any, grants: Any, where: tuple[PathItem, ...], roles: Mapping[str, Any],
                 check_perm: Callable[[tuple[PathItem, ...], Any], None], used: set[str]) -> set[str]:
    """Checks one list of grants (authorization.grants, or an item's); returns every permission
    they give and records the roles they use in `used`."""
    seen: dict[tuple[str, str], int] = {}
    all_granted: set[str] = set()
    role_names = suggest.Suggester(list(roles))
    if not isinstance(grants, list):
        return all_granted
    for i, g in enumerate(grants):
        if not isinstance(g, dict):
            continue
        kinds = [k for k in ("user", "group", "user_or_group") if k in g]
        base: tuple[PathItem, ...] = where + (i,)
        granted: set[str] = set()
        unknown_role = False
        for j, rname in enumerate(_list(g.get("roles"))):
            if not isinstance(rname, str):
                continue
            if rname not in roles:
                unknown_role = True
                near = role_names.suggest(rname)
                at(base + ("roles", j), f"unknown role {rname!r}", f"did you mean {near!r}?" if near else
                   ("define it under authorization.roles" if roles else "define roles under authorization.roles"))
            else:
                used.add(rname)
                granted.update(p for p in _list(roles[rname]) if isinstance(p, str))
        for j, pid in enumerate(_list(g.get("permissions"))):
            check_perm(base + ("permissions", j), pid)
            if isinstance(pid, str):
                granted.add(pid)
        all_granted |= granted
        if len(kinds) != 1 or not isinstance(g[kinds[0]], str):
            continue
        kind, name = kinds[0], g[kinds[0]]
        problem = _name_problem("principal name", name)
        if problem:
            at(base + (kind,), problem[0], problem[1])
            continue
        if name != name.strip():
            at(base + (kind,), f"principal name {name!r} has leading or trailing spaces", "Jenkins keeps them: remove them unless the IdP really sends them", warn=True, code="JG011")
        low = names.fold(name)
        if kind == "user" and low == names.AUTHENTICATED:
            at(base + (kind,), "`user: authenticated` never matches in Jenkins" + _spelt(name, low), "every signed-in person is `group: authenticated`")
        if not granted and not unknown_role:  # an unknown role is the real problem; said above
            at(base, "this grant grants nothing", "add `permissions:` or `roles:`; to give a principal nothing, leave it out")
        clash = [(kind, low)] + ([("user", low), ("group", low)] if kind == "user_or_group" else [("user_or_group", low)])
        for key in clash:
            if key in seen:
                first = seen[key]
                other = grants[first]
                other_kind = next(k for k in ("user", "group", "user_or_group") if k in other)
                at(base + (kind,), f"{kind} {name!r} is already granted by {doc.describe(where + (first,))} "
                   f"({other_kind} {other[other_kind]!r})",
                   "Jenkins matches names case-insensitively; merge the two grants into one")
                break
        seen.setdefault((kind, low), i)
    return all_granted


def _plugin_item_pattern() -> re.Pattern[str]:
    from .schema import schema

    return re.compile(schema()["properties"]["plugins"]["properties"]["extra"]["items"]["pattern"])


_PLUGIN_ITEM = _plugin_item_pattern()


def _check_plugins(doc: LoadedDocument, at: Any, extras: list[tuple[int, ExtraPermission]], needed: Mapping[str, tuple[str, ...]]) -> None:
    """`needed`: the plugins that granted permissions need (they join the lists)."""
    plugins = doc.data.get("plugins")
    if not isinstance(plugins, dict):
        plugins = {}  # absent (or misshapen: the schema reports it); the needed plugins are still checked
    jwt = doc.data.get("jwt")
    if not isinstance(jwt, dict):
        jwt = {}
    out_cfg = doc.data.get("output")
    helm = isinstance(out_cfg, dict) and out_cfg.get("helm") is True
    listed = (set(pins.REQUIRED) | ({"skip-certificate-check"} if jwt.get("skip_certificate_check") is True else set()) | set(needed)
              | ({pins.HELM_DEFAULT_CONFIG_PLUGIN} if helm else set()))
    extra_versions: dict[str, tuple[str | None, int]] = {}
    versions = plugins.get("versions")
    if not isinstance(versions, dict):
        versions = {}
    for i, item in enumerate(_list(plugins.get("extra"))):
        if not isinstance(item, str) or not _PLUGIN_ITEM.match(item):
            continue  # the schema reports it
        name, _, version = item.partition(":")
        if name in extra_versions or name in pins.REQUIRED:
            where = "built in" if name in pins.REQUIRED else doc.describe(("plugins", "extra", extra_versions[name][1]))
            if name in pins.REQUIRED and not version:
                at(("plugins", "extra", i), f"{name!r} is already in the list ({where})", "pin it with plugins.versions instead")
                continue
            if name in extra_versions:
                at(("plugins", "extra", i), f"plugin {name!r} is listed twice (also {where})", "keep one entry")
                continue
        extra_versions[name] = (version or None, i)
        listed.add(name)
        if not version and name not in versions and name not in pins.KNOWN_GOOD:
            at(("plugins", "extra", i), f"plugin {name!r} is not pinned", f"write `{name}:<version>` so every build gets the same plugin", warn=True, code="JG012")
    listed_names = suggest.Suggester(sorted(listed))
    for name, version in versions.items():
        if not isinstance(version, str):
            continue
        if name not in listed and name != "skip-certificate-check":
            declares = [p.id for p in permissions.CATALOG.values() if p.plugin == name]
            near = listed_names.suggest(name)
            hint = f"did you mean {near!r}?" if near else "add it to plugins.extra first"
            if declares:
                hint = (f"it is listed only when a grant uses a permission it defines ({', '.join(declares)}); "
                        "to install it anyway, add it to plugins.extra")
            at(("plugins", "versions", name), f"{name!r} is not in the plugin lists", hint, key=True)
            continue
        if name == "skip-certificate-check" and name not in listed:
            at(("plugins", "versions", name), "skip-certificate-check is only listed when jwt.skip_certificate_check is true", "remove the pin", key=True)
            continue
        ev = extra_versions.get(name)
        if ev and ev[0] and ev[0] != version:
            at(("plugins", "versions", name), f"{name!r} is pinned twice: {version!r} here and {ev[0]!r} in "
               f"{doc.describe(('plugins', 'extra', ev[1]))}", "keep one pin")
        if name == "matrix-auth" and pins.older_than(version, pins.MATRIX_AUTH_MIN):
            at(("plugins", "versions", name), f"matrix-auth {version} is older than {pins.MATRIX_AUTH_MIN}; the `entries` form needs {pins.MATRIX_AUTH_MIN} or newer",
               f"pin {pins.KNOWN_GOOD['matrix-auth']} or remove the pin")
    for name, perms in needed.items():
        if name in pins.KNOWN_GOOD or isinstance(versions.get(name), str) or name in extra_versions:
            continue  # pinned, or in plugins.extra (reported there when unpinned)
        i = next(i for i, e in extras if e.plugin == name and e.id in perms)
        at(("authorization", "extra_permissions", i, "plugin"), f"plugin {name!r} is not pinned",
           f"pin it with `plugins: {{versions: {{{name}: <version>}}}}` so every build gets the same plugin", warn=True, code="JG012")
