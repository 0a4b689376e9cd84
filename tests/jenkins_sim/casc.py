"""Configuration as Code: merge, interpolation, validation, configure and export of the
sections the simulator models (jenkins.securityRealm, jenkins.authorizationStrategy and a
few core scalars).

Sources (jenkins-facts A):
- configuration-as-code-plugin: plugin/src/main/java/io/jenkins/plugins/casc/ConfigurationAsCode.java
- .../casc/yaml/ErrorOnConflictMergeStrategy.java (merge)
- .../casc/SecretSourceResolver.java (interpolation)
- .../casc/BaseConfigurator.java (handleUnknown message)
- .../casc/impl/configurators/HeteroDescribableConfigurator.java (unknown symbol)
- matrix-auth-plugin: src/main/java/org/jenkinsci/plugins/matrixauth/integrations/casc/*.java,
  src/main/java/org/jenkinsci/plugins/matrixauth/AuthorizationContainer.java
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import permissions as P
from .state import JWT_ATTRIBUTES, EntryKind, JwtRealm, LocalRealm, Realm, Strategy

LOG = logging.getLogger("jenkins_sim.casc")


class CascError(Exception):
    """A ConfiguratorException (or other exception) with JCasC's message text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class YamlSource:
    """configuration-as-code-plugin: .../casc/yaml/YamlSource.java — toString `YamlSource: <source>`."""

    name: str
    text: str

    def __str__(self) -> str:
        return f"YamlSource: {self.name}"


# ---------------------------------------------------------------------------------------
# Parsing and merge
# ---------------------------------------------------------------------------------------


def _mark(node: Node, text: str, name: str) -> str:
    """SnakeYAML Mark.toString(): ` in <name>, line L, column C:` + snippet."""
    m = node.start_mark
    lines = text.splitlines() or [""]
    snippet = lines[m.line] if m.line < len(lines) else ""
    return f" in {name}, line {m.line + 1}, column {m.column + 1}:\n    {snippet}\n    {' ' * m.column}^"


def compose(src: YamlSource) -> Node | None:
    try:
        return yaml.compose(src.text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        # SnakeYAML errors surface with their own text (A.4)
        raise CascError(str(e)) from e


def _merge(root: Node, node: Node, src: YamlSource) -> None:
    """configuration-as-code-plugin: .../yaml/ErrorOnConflictMergeStrategy.java — mappings
    merged key by key, sequences concatenated, any scalar present in both is a conflict."""
    if type(root) is not type(node):
        raise CascError(f"Found incompatible configuration elements {src} {_mark(node, src.text, src.name)}")
    if isinstance(node, SequenceNode):
        root.value.extend(node.value)
    elif isinstance(node, MappingNode):
        for k2, v2 in list(node.value):
            for k1, v1 in root.value:
                if isinstance(k1, ScalarNode) and isinstance(k2, ScalarNode) and k1.value == k2.value:
                    _merge(v1, v2, src)
                    break
            else:
                root.value.append((k2, v2))
    else:
        raise CascError(f"Found conflicting configuration at {src} {_mark(node, src.text, src.name)}")


def merge_sources(sources: list[YamlSource]) -> Node | None:
    root: Node | None = None
    for src in sources:
        node = compose(src)
        if node is None:
            continue
        if root is None:
            root = node
        else:
            _merge(root, node, src)
    return root


def to_model(node: Node | None) -> Any:
    """JCasC ModelConstructor: mappings, sequences and scalars kept as strings (the
    configurators convert scalars). A null scalar is None."""
    if node is None:
        return None
    if isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        for k, v in node.value:
            out[str(k.value)] = to_model(v)
        return out
    if isinstance(node, SequenceNode):
        return [to_model(v) for v in node.value]
    assert isinstance(node, ScalarNode)
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return node.value


# ---------------------------------------------------------------------------------------
# ${...} interpolation
# ---------------------------------------------------------------------------------------


@dataclass
class Resolver:
    """configuration-as-code-plugin: .../casc/SecretSourceResolver.java — commons-text
    StringSubstitutor: prefix `${`, suffix `}`, escape `^`, nested variables, default `:-`.
    Lookup for a plain name: EnvSecretSource (env), then DockerSecretSource
    (/run/secrets/NAME, trimmed). Unresolved -> "" with a WARNING."""

    env: Mapping[str, str]
    secrets: Mapping[str, str]
    files: Mapping[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def _lookup(self, name: str) -> str | None:
        prefix, sep, arg = name.partition(":")
        if sep:
            if prefix == "base64":
                return base64.b64encode(arg.encode()).decode()
            if prefix == "decodeBase64":
                return base64.b64decode(arg).decode()
            if prefix in ("readFile", "file"):
                return self.files.get(arg)  # UTF-8, not trimmed
            if prefix in ("readFileBase64", "fileBase64"):
                v = self.files.get(arg)
                return None if v is None else base64.b64encode(v.encode()).decode()
            if prefix == "trim":
                return arg.rstrip()  # strips trailing whitespace only (PR #2810)
            if prefix == "sysProp":
                return ""
            if prefix == "json":
                key, _, js = arg.partition(":")
                try:
                    v = json.loads(js).get(key)
                except Exception:
                    v = None
                return "" if v is None else str(v)
        if name in self.env:
            return self.env[name]
        if name in self.secrets:
            return self.secrets[name].strip()  # DockerSecretSource trims
        return None

    def _scan(self, s: str, depth: int) -> str:
        out: list[str] = []
        i = 0
        n = len(s)
        while i < n:
            if s.startswith("^${", i):
                out.append("^${")  # preserved in pass 1, `^` removed in pass 2
                i += 3
                continue
            if s.startswith("${", i):
                j = i + 2
                level = 1
                while j < n:
                    if s.startswith("${", j):
                        level += 1
                        j += 2
                        continue
                    if s[j] == "}":
                        level -= 1
                        if level == 0:
                            break
                    j += 1
                if j >= n:  # no closing brace: literal
                    out.append(s[i:])
                    break
                inner = self._scan(s[i + 2 : j], depth + 1) if depth < 10 else s[i + 2 : j]
                name, dsep, default = inner.partition(":-")
                value = self._lookup(name)
                if value is None and dsep:
                    value = default
                if value is None:
                    msg = f"Configuration import: Found unresolved variable '{name}'. Will default to empty string"
                    LOG.warning(msg)
                    self.warnings.append(msg)
                    value = ""
                elif depth < 10 and "${" in value:
                    value = self._scan(value, depth + 1)
                out.append(value)
                i = j + 1
                continue
            out.append(s[i])
            i += 1
        return "".join(out)

    def resolve(self, s: str) -> str:
        return self._scan(s, 0).replace("^${", "${")


# ---------------------------------------------------------------------------------------
# Validation / building the new objects (no side effects)
# ---------------------------------------------------------------------------------------


def _unknown(configurator: str | None, target: str, bad: list[str], valid: list[str]) -> CascError:
    """BaseConfigurator.handleUnknown + ConfiguratorException.getMessage prefix (A.4)."""
    msg = (
        f"Invalid configuration elements for type: class {target} : {','.join(bad)}.\n"
        f"Available attributes : {', '.join(sorted(valid))}"
    )
    return CascError(f"{configurator}: {msg}" if configurator else msg)


def _take(config: Any, valid: list[str], configurator: str | None, target: str) -> dict[str, Any]:
    """Match keys case-insensitively (removeIgnoreCase); leftovers are unknown attributes."""
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise CascError(f"{configurator}: Expected a mapping to configure {target}, got '{config}'")
    out: dict[str, Any] = {}
    bad: list[str] = []
    for k, v in config.items():
        hit = next((a for a in valid if a.lower() == k.lower()), None)
        if hit is None:
            bad.append(k)
        else:
            out[hit] = v
    if bad:
        raise _unknown(configurator, target, bad, valid)
    return out


JENKINS_ATTRIBUTES = [
    # jenkins.model.Jenkins attributes JCasC knows (subset; the simulator configures the
    # first four and accepts the rest unchanged)
    "authorizationStrategy", "securityRealm", "systemMessage", "numExecutors", "mode", "labelString",
    "quietPeriod", "scmCheckoutRetryCount", "crumbIssuer", "markupFormatter", "remotingSecurity",
    "disableRememberMe", "slaveAgentPort", "agentProtocols", "nodes", "clouds", "views", "primaryView",
    "myViewsTabBar", "viewsTabBar", "globalNodeProperties", "nodeProperties", "updateCenter",
    "projectNamingStrategy", "noUsageStatistics", "labelAtoms", "log", "disabledAdministrativeMonitors",
    "proxy", "rawBuildsDir", "buildsDir",
]
KNOWN_ROOTS = {"jenkins", "unclassified", "security", "tool", "appearance", "credentials", "globalCredentialsConfiguration"}


@dataclass
class Context:
    plugins_active: set[str]
    extra_permissions: Mapping[str, str | None]  # `Title/Name` -> the plugin providing it
    resolver: Resolver
    new_root_message: bool = True
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Plan:
    """What a configure phase will set. None = attribute absent (left unchanged)."""

    strategy: Strategy | None = None
    realm: Realm | None = None
    local_users: list[str] = field(default_factory=list)
    scalars: dict[str, Any] = field(default_factory=dict)


def _str(ctx: Context, v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise CascError(f"Expected a scalar, got {type(v).__name__}")
    return ctx.resolver.resolve(v)


def _fix_empty(s: str | None) -> str | None:
    return s if s else None  # hudson.Util.fixEmpty


def _java_trim(s: str) -> str:
    """java.lang.String.trim(): every character up to U+0020 at either end (control characters
    included), and no other whitespace (a no-break space stays)."""
    start, end = 0, len(s)
    while start < end and s[start] <= " ":
        start += 1
    while end > start and s[end - 1] <= " ":
        end -= 1
    return s[start:end]


def _fix_empty_trim(s: str | None) -> str | None:
    # hudson.Util.fixEmptyAndTrim (jenkinsci/jenkins@jenkins-2.568.2:core/src/main/java/hudson/Util.java:1130-1133)
    return _fix_empty(_java_trim(s)) if s is not None else None


def _int(ctx: Context, v: Any, attr: str) -> int:
    s = _str(ctx, v)
    if s is None:
        return 0
    try:
        return int(s.strip())
    except ValueError:
        raise CascError(f"Failed to convert '{s}' to int for attribute '{attr}'") from None


def _bool(ctx: Context, v: Any) -> bool:
    s = _str(ctx, v)
    return s is not None and s.strip().lower() == "true"  # Boolean.parseBoolean


def _symbol(value: Any, what: str) -> tuple[str, Any]:
    """HeteroDescribableConfigurator: a scalar symbol or a single-entry mapping."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict) and len(value) == 1:
        (k, v), = value.items()
        return k, v
    raise CascError(f"{what}: Single entry map expected to configure a {what}")


def _build_jwt(ctx: Context, config: Any, symbol: str) -> JwtRealm:
    # jwt-auth-plugin: JwtAuthSecurityRealm.java @DataBoundConstructor (B.1)
    c = _take(config, list(JWT_ATTRIBUTES), "jwtAuth", "io.jenkins.plugins.jwt_auth.JwtAuthSecurityRealm")
    if symbol != "jwtAuth":
        # DescribableAttribute.getSymbols: fallback name, recorded in ObsoleteConfigurationMonitor
        # (jenkins-facts B.1). Whether it also reaches check's warning list is unverified, so
        # the simulator only logs it (JenkinsSim.casc_log).
        ctx.resolver.warnings.append(f"'{symbol}' is obsolete, please use 'jwtAuth'")
    return JwtRealm(
        headerName=_fix_empty_trim(_str(ctx, c.get("headerName"))),
        userClaimName=_fix_empty_trim(_str(ctx, c.get("userClaimName"))),
        groupsClaimName=_fix_empty_trim(_str(ctx, c.get("groupsClaimName"))),
        groupsClaimSeparator=_fix_empty(_str(ctx, c.get("groupsClaimSeparator"))),
        acceptedIssuer=_fix_empty_trim(_str(ctx, c.get("acceptedIssuer"))),
        acceptedAudience=_fix_empty_trim(_str(ctx, c.get("acceptedAudience"))),
        jwksUrl=_fix_empty(_str(ctx, c.get("jwksUrl"))),
        leewaySeconds=_int(ctx, c.get("leewaySeconds"), "leewaySeconds"),
        allowVerificationFailures=_bool(ctx, c.get("allowVerificationFailures")),
        emailClaimName=_fix_empty_trim(_str(ctx, c.get("emailClaimName"))),
        fullNameClaim=_fix_empty_trim(_str(ctx, c.get("fullNameClaim"))),
    )


def _build_realm(ctx: Context, value: Any, plan: Plan) -> Realm:
    symbol, config = _symbol(value, "securityRealm")
    if symbol == "local":
        # jenkins: hudson/security/HudsonPrivateSecurityRealm.java (@Symbol("local"))
        c = _take(config, ["allowsSignup", "enableCaptcha", "users"], "local", "hudson.security.HudsonPrivateSecurityRealm")
        for u in c.get("users") or []:
            uc = _take(u, ["id", "name", "password", "properties", "description"], None, "hudson.security.HudsonPrivateSecurityRealm$Details")
            uid = _str(ctx, uc.get("id"))
            if uid:
                plan.local_users.append(uid)
        return LocalRealm(allows_signup=_bool(ctx, c.get("allowsSignup")))
    if symbol in ("jwtAuth", "jwtAuthSecurityRealm") and "jwt-auth" in ctx.plugins_active:
        return _build_jwt(ctx, config, symbol)
    # HeteroDescribableConfigurator: unknown symbol (jwtAuth before jwt-auth is active)
    raise CascError(f"securityRealm: No hudson.security.SecurityRealm implementation found for {symbol}")


def parse_permission(ctx: Context, raw: str) -> str:
    """matrix-auth AuthorizationContainer.parsePermission: `Permission.fromId` (the internal
    id), else PermissionFinder (`Title/Name`), else `Failed to parse ...`. Only permissions
    of core and of active plugins exist (permissions.Table). Returns the `Title/Name` form
    (PermissionDefinition.toString), which grants and export use."""
    table = P.Table(ctx.plugins_active, ctx.extra_permissions)
    found = table.parse(raw)
    if found is None:
        raise CascError(f"Failed to parse '{raw}' --- no such permission")
    return table.short(found)


_ENTRY_KEYS: dict[str, EntryKind] = {"group": "GROUP", "user": "USER", "userOrGroup": "EITHER"}


def _build_matrix(ctx: Context, symbol: str, config: Any) -> Strategy:
    cls = "hudson.security.GlobalMatrixAuthorizationStrategy" if symbol == "globalMatrix" else "hudson.security.ProjectMatrixAuthorizationStrategy"
    c = _take(config, ["entries", "grantedPermissions", "permissions"], symbol, cls)
    st = Strategy(kind=symbol)  # instance() returns a new strategy: nothing merged with live grants (C.1)
    for entry in c.get("entries") or []:
        e = _take(entry, ["group", "user", "userOrGroup"], None, "org.jenkinsci.plugins.matrixauth.integrations.casc.DefinitionEntry")
        if not e:
            raise CascError("Entry must define one of 'user', 'group', 'userOrGroup'")
        chosen: tuple[str, str] | None = None
        for key in sorted(e):  # DataBoundConfigurator sets attributes in sorted order
            d = _take(e[key], ["name", "permissions"], None, "org.jenkinsci.plugins.matrixauth.integrations.casc.PermissionDefinition")
            name = _str(ctx, d.get("name")) or ""
            if chosen is not None:
                # DefinitionEntry.java: IllegalStateException
                raise CascError(
                    "Can only configure one of: 'user', 'group', 'userOrGroup', but attempted to redefine to "
                    f"'{key}' with name '{name}' after '{chosen[0]}' was already set to '{chosen[1]}'"
                )
            chosen = (key, name)
            for p in d.get("permissions") or []:
                st.add(_ENTRY_KEYS[key], name, parse_permission(ctx, _str(ctx, p) or ""))
    for attr in ("grantedPermissions", "permissions"):
        for line in c.get(attr) or []:
            # AuthorizationContainer.add(String): `USER:`/`GROUP:` prefix, else EITHER (C.1);
            # deprecation is a log WARNING only, never a JCasC warning
            s = _str(ctx, line) or ""
            kind: EntryKind = "EITHER"
            if attr == "permissions" and s.startswith("USER:"):
                kind, s = "USER", s[5:]
            elif attr == "permissions" and s.startswith("GROUP:"):
                kind, s = "GROUP", s[6:]
            perm, sep, sid = s.partition(":")
            if not sep:
                raise CascError(f"Failed to parse '{s}' --- no such permission")
            LOG.warning("Loading deprecated attribute '%s' for instance of '%s'.", attr, cls)
            st.add(kind, sid, parse_permission(ctx, perm))
    return st


def _build_strategy(ctx: Context, value: Any) -> Strategy:
    symbol, config = _symbol(value, "authorizationStrategy")
    if symbol == "unsecured":
        # jenkins: hudson/security/AuthorizationStrategy.java Unsecured @Symbol("unsecured")
        _take(config, [], "unsecured", "hudson.security.AuthorizationStrategy$Unsecured")
        return Strategy(kind="unsecured")
    if symbol == "loggedInUsersCanDoAnything":
        # jenkins: hudson/security/FullControlOnceLoggedInAuthorizationStrategy.java
        c = _take(config, ["allowAnonymousRead"], symbol, "hudson.security.FullControlOnceLoggedInAuthorizationStrategy")
        return Strategy(kind=symbol, allow_anonymous_read=_bool(ctx, c.get("allowAnonymousRead")))
    if symbol in ("globalMatrix", "projectMatrix") and "matrix-auth" in ctx.plugins_active:
        return _build_matrix(ctx, symbol, config)
    raise CascError(f"authorizationStrategy: No hudson.security.AuthorizationStrategy implementation found for {symbol}")


def build_plan(ctx: Context, doc: Any) -> Plan:
    """ConfigurationAsCode.checkWith: validate everything without touching live state."""
    plan = Plan()
    if doc is None:
        return plan
    if not isinstance(doc, dict):
        raise CascError("Expected a mapping at the root of the configuration")
    for key, value in doc.items():
        if key.startswith("x-"):
            continue  # root keys starting with x- are ignored (anchors)
        if key not in KNOWN_ROOTS:
            if ctx.new_root_message:
                raise CascError(
                    f"No configurator found for the following root element: {key}. This may indicate that the "
                    "required plugin is not installed or failed to load. Verify that the plugin is installed and "
                    "check the Jenkins startup logs for plugin loading errors."
                )
            raise CascError(f"No configurator for the following root elements:{key}")
        if key != "jenkins":
            continue  # accepted, not modelled
        j = _take(value, JENKINS_ATTRIBUTES, "jenkins", "jenkins.model.Jenkins")
        if "authorizationStrategy" in j:
            plan.strategy = _build_strategy(ctx, j["authorizationStrategy"])
        if "securityRealm" in j:
            plan.realm = _build_realm(ctx, j["securityRealm"], plan)
        if j.get("systemMessage") is not None:
            plan.scalars["systemMessage"] = _str(ctx, j["systemMessage"])
        if j.get("numExecutors") is not None:
            plan.scalars["numExecutors"] = _int(ctx, j["numExecutors"], "numExecutors")
        if j.get("mode") is not None:
            mode = _str(ctx, j["mode"])
            if mode not in ("NORMAL", "EXCLUSIVE"):
                raise CascError(f"No enum constant hudson.model.Node.Mode.{mode}")
            plan.scalars["mode"] = mode
    return plan


def load(sources: list[YamlSource]) -> Any:
    return to_model(merge_sources(sources))


# ---------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------


class Plain(str):
    """An export scalar printed bare (symbols, enums)."""


def _q(s: str) -> str:
    # strings double-quoted; `${` re-escaped as `^${` (SecretSourceResolver.encode, A.5/A.6)
    s = s.replace("${", "^${")
    return json.dumps(s, ensure_ascii=False)


def _emit(value: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for k in sorted(value):  # keys sorted at every level (Map.Entry.comparingByKey)
            v = value[k]
            if isinstance(v, dict):
                out.append(f"{pad}{k}:")
                _emit(v, indent + 2, out)
            elif isinstance(v, list):
                out.append(f"{pad}{k}:")
                _emit(v, indent, out)
            else:
                out.append(f"{pad}{k}: {_scalar(v)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                sub: list[str] = []
                _emit(item, indent + 2, sub)
                sub[0] = f"{pad}- " + sub[0][indent + 2 :]
                out.extend(sub)
            else:
                out.append(f"{pad}- {_scalar(item)}")


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Plain):
        return str(v)
    return _q(str(v))


def _prune(value: Any) -> Any:
    """Blank strings, empty sequences and nulls are omitted (A.6)."""
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if not (v is None or v == "" or v == [])}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


_ORDER = {"EITHER": 0, "GROUP": 1, "USER": 2}
_KEY = {"EITHER": "userOrGroup", "GROUP": "group", "USER": "user"}


def describe_strategy(st: Strategy) -> Any:
    if st.kind == "unsecured":
        return Plain("unsecured")
    if st.kind == "loggedInUsersCanDoAnything":
        return {"loggedInUsersCanDoAnything": {"allowAnonymousRead": st.allow_anonymous_read}}
    # matrix-auth ExportTest-exportTest-global.yml: userOrGroup, group, user; then sid compareTo;
    # permissions sorted by "Group/Name"
    entries = []
    for kind, sid in sorted(st.grants, key=lambda ks: (_ORDER[ks[0]], ks[1])):
        perms = sorted(st.grants[(kind, sid)])
        if perms:
            entries.append({_KEY[kind]: {"name": sid, "permissions": perms}})
    return {st.kind: {"entries": entries}}


def describe_realm(realm: Realm, users: list[str]) -> Any:
    if isinstance(realm, JwtRealm):
        # every non-null @DataBoundConstructor parameter (A.6); int/boolean always present
        return {"jwtAuth": realm.config()}
    return {"local": {"allowsSignup": realm.allows_signup, "users": [{"id": u} for u in users]}}


def export_yaml(jenkins: dict[str, Any]) -> str:
    out: list[str] = []
    _emit(_prune({"jenkins": jenkins}), 0, out)
    return "\n".join(out) + "\n"


def schema(plugins_active: set[str]) -> dict[str, Any]:
    """A small draft-07 JSON schema of what the simulator understands."""
    realms: dict[str, Any] = {"local": {"type": "object"}}
    if "jwt-auth" in plugins_active:
        realms["jwtAuth"] = {"type": "object", "properties": {a: {} for a in JWT_ATTRIBUTES}, "additionalProperties": False}
    strategies: dict[str, Any] = {"unsecured": {}, "loggedInUsersCanDoAnything": {"type": "object"}}
    if "matrix-auth" in plugins_active:
        strategies.update(globalMatrix={"type": "object"}, projectMatrix={"type": "object"})
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "jenkins": {
                "type": "object",
                "properties": {
                    "securityRealm": {"type": "object", "properties": realms},
                    "authorizationStrategy": {"type": "object", "properties": strategies},
                },
            }
        },
    }


Applier = Callable[[Plan], None]
