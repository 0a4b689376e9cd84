"""The typed spec: frozen dataclasses, with every default derived once, here.

`load_spec(path)` is the front door: load (positions, safety) -> schema -> semantic rules
(model_checks.py) -> `Spec`. Nothing downstream re-derives a default.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence
from urllib.parse import urlsplit

from . import pins, pomerium_facts
from .permission_plugins import ExtraPermission, needed_plugins, parse_extra
from .diagnostics import Diagnostic, SpecError
from ._perf import gc_paused
from .loader import LoadedDocument, load_file, load_text
from .schema import validate_shape
from .items import ItemMatrix, build_items
from .accept import Acceptance, build_accepted
from .model_checks import semantic_check

__all__ = [
    "SecretRef", "Idp", "Pomerium", "Jwt", "Grant", "Authorization", "PluginPin", "Output", "KubernetesOutput", "Spec",
    "load_spec", "load_spec_text", "LoadedSpec", "build_spec", "semantic_check", "java_sort_key",
    "pomerium_issuers", "pomerium_jwks_url", "PrincipalKind",
]

PrincipalKind = Literal["user", "group", "user_or_group"]

POMERIUM_HEADER = pomerium_facts.HEADER
JWKS_PATH = pomerium_facts.JWKS_PATH


def java_sort_key(s: str) -> bytes:
    """Java String.compareTo order (UTF-16 code units), which JCasC's export uses."""
    return s.encode("utf-16-be", "surrogatepass")


@dataclass(frozen=True)
class SecretRef:
    kind: Literal["env", "file"]
    value: str  # the variable name or file path; never the secret itself


@dataclass(frozen=True)
class Idp:
    provider: str
    url: str | None
    client_id: str | SecretRef | None
    client_secret: SecretRef | None


@dataclass(frozen=True)
class Pomerium:
    version: pomerium_facts.PomeriumVersion
    authenticate_url: str
    idp: Idp
    signing_key: SecretRef
    shared_secret: SecretRef | None
    cookie_secret: SecretRef | None
    verify_url: str | None
    policy: Any  # PPL as plain data; None when not given

    @property
    def version_text(self) -> str:
        return self.version.text

    @property
    def authenticate_host(self) -> str:
        return pomerium_facts.authenticate_host(self.authenticate_url)


@dataclass(frozen=True)
class Jwt:
    header: str
    username_claim: str
    groups_claim: str
    groups_separator: str
    email_claim: str  # "" = disabled
    full_name_claim: str  # "" = disabled
    issuers: tuple[str, ...]
    audiences: tuple[str, ...]
    jwks_url: str | None  # None = no signature check (lint error)
    leeway_seconds: int
    allow_verification_failures: bool
    skip_certificate_check: bool


@dataclass(frozen=True)
class Grant:
    kind: PrincipalKind
    name: str
    roles: tuple[str, ...]
    permissions: tuple[str, ...]  # as written
    effective: tuple[str, ...]  # roles expanded, unioned, in JCasC export order
    index: int  # position in authorization.grants, for locating


@dataclass(frozen=True)
class Authorization:
    strategy: Literal["global", "project"]
    extras: tuple[ExtraPermission, ...]
    roles: Mapping[str, tuple[str, ...]]
    grants: tuple[Grant, ...]
    items: tuple[ItemMatrix, ...] = ()  # in the order Jenkins lists items (item_paths.sort_key)

    @property
    def extra_permissions(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.extras)

    def needed_plugins(self) -> dict[str, tuple[str, ...]]:
        """plugin -> the permissions the matrix grants that it declares (permission_plugins)."""
        granted = {p for g in self.grants for p in g.effective} | {p for item in self.items for p in item.permissions()}
        return needed_plugins(granted, {e.id: e.plugin for e in self.extras}, items=bool(self.items))

    @property
    def symbol(self) -> str:
        return "globalMatrix" if self.strategy == "global" else "projectMatrix"

    def entries(self) -> list[Grant]:
        """Grants in JCasC export order: userOrGroup, group, user; then by name."""
        rank = {"user_or_group": 0, "group": 1, "user": 2}
        return sorted(self.grants, key=lambda g: (rank[g.kind], java_sort_key(g.name)))


@dataclass(frozen=True)
class PluginPin:
    name: str
    version: str | None  # None: unpinned (lint warning)


@dataclass(frozen=True)
class KubernetesOutput:
    """`output.kubernetes`: the ConfigMap the chart's reload sidecar collects (k8s_names checks
    every name)."""

    label: str  # the sidecar's LABEL; the chart sets it to `<release fullname>-jenkins-config`
    name: str  # metadata.name
    namespace: str | None  # None: the namespace the manifest is applied to


@dataclass(frozen=True)
class Output:
    dir: str  # absolute
    compose: bool
    images: Mapping[str, str]
    helm: bool = False
    kubernetes: KubernetesOutput | None = None
    job_dsl: bool = False  # also declare the items as Job DSL folders in jenkins.yaml


DEFAULT_IMAGES: Mapping[str, str] = {
    "jenkins": pins.JENKINS_IMAGE,
    "pomerium": pomerium_facts.image_for(pomerium_facts.parse_version(pomerium_facts.DEFAULT_VERSION_TEXT)),
    "verify": "pomerium/verify:latest",
}


@dataclass(frozen=True)
class Spec:
    source: str
    sha256: str
    jenkins_url: str
    upstream: str
    pomerium: Pomerium | None
    jwt: Jwt
    authorization: Authorization
    plugins: tuple[PluginPin, ...]
    output: Output
    data: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)
    api_url: str | None = None  # jenkins.api_url: where this tool reaches Jenkins directly, when written
    accepted: tuple[Acceptance, ...] = ()  # lint.accept: the risks the spec accepts, each with its reason

    @property
    def jenkins_host(self) -> str:
        return urlsplit(self.jenkins_url).hostname or ""


# ---------------------------------------------------------------------------------------
# Loading


@dataclass(frozen=True)
class LoadedSpec:
    """A checked spec with the document it came from (for locating lint findings)."""

    spec: Spec
    document: LoadedDocument
    warnings: list[Diagnostic]
    controller: str | None = None  # the controller's name, for a spec with `controllers:`


def load_spec(path: str | os.PathLike[str], *, display_name: str | None = None, controller: str | None = None) -> LoadedSpec:
    """Load, check and model a spec file. Raises SpecError with every error found.

    The result carries the warnings of validation (lint is separate: `jcasc_gen.lint_rules`).
    A file with `controllers:` needs `controller`, the one to load (`fleet.load_fleet` loads
    several).
    """
    with gc_paused():
        doc = load_file(path, display_name=display_name, keep_going=True)
        return _single(doc, os.path.dirname(os.path.abspath(os.fspath(path))), controller)


def load_spec_text(text: str | bytes, name: str = "<spec>", base_dir: str = ".", *, controller: str | None = None) -> LoadedSpec:
    return _single(load_text(text, name, keep_going=True), os.path.abspath(base_dir), controller)


def _single(doc: LoadedDocument, base_dir: str, controller: str | None) -> LoadedSpec:
    from .fleet import fleet_from_doc

    if controller is None and not (isinstance(doc.data, dict) and "controllers" in doc.data):
        return _from_doc(doc, base_dir)
    return fleet_from_doc(doc, base_dir, only=[controller] if controller is not None else None, one=True).members[0].loaded


def _from_doc(doc: LoadedDocument, base_dir: str) -> LoadedSpec:
    diags = validate_shape(doc)
    if not isinstance(doc.data, dict):
        raise SpecError(doc.problems + doc.resolve(diags or [doc.diag((), "the spec must be a mapping")]))
    diags.extend(semantic_check(doc))
    diags = doc.problems + _outside(doc.resolve(diags), {d.path for d in doc.problems})
    errors = [d for d in diags if d.severity == "error"]
    if errors:
        raise SpecError(sorted(diags, key=_order))
    spec = build_spec(doc.data, source=doc.name, base_dir=base_dir)
    return LoadedSpec(spec, doc, sorted((d for d in diags if d.severity == "warning"), key=_order))


def _outside(diags: list[Diagnostic], load_paths: set[str]) -> list[Diagnostic]:
    """Drop what only echoes a load problem: a value dropped for its tag or duplicate key is
    not reported again as missing or mistyped at (or under) the same path."""
    if not load_paths:
        return diags

    def echoed(path: str) -> bool:
        return any(path == p or p == "$" or path.startswith((p + ".", p + "[")) for p in load_paths)

    return [d for d in diags if not echoed(d.path)]


def _order(d: Diagnostic) -> tuple[int, int, int, str]:
    return (d.line, d.col, 0 if d.severity == "error" else 1, d.message)


def canonical_sha256(data: Any) -> str:
    """sha256 of the loaded data as sorted JSON: comment-only edits change nothing."""
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------
# Derived defaults


def pomerium_issuers(version: pomerium_facts.PomeriumVersion, jenkins_url: str, authenticate_url: str) -> tuple[str, ...]:
    """Every `iss` the spec's Pomerium version may send (pomerium_facts.issuers)."""
    return pomerium_facts.issuers(version, jenkins_url, authenticate_url)


def pomerium_jwks_url(jenkins_url: str) -> str:
    return pomerium_facts.jwks_url(jenkins_url)


# ---------------------------------------------------------------------------------------
# Building the model (data already checked)


def _secret(v: Any) -> SecretRef | None:
    if isinstance(v, dict) and len(v) == 1:
        (k, val), = v.items()
        return SecretRef(k, val)
    return None


DEFAULT_CONFIGMAP_LABEL = "jenkins-jenkins-config"  # the chart's label for release `jenkins` (docs/kubernetes.md)
DEFAULT_CONFIGMAP_NAME = "jcasc-gen"


def _kubernetes_output(value: Any) -> KubernetesOutput | None:
    if value is None or value is False:
        return None
    options = value if isinstance(value, dict) else {}
    return KubernetesOutput(options.get("label", DEFAULT_CONFIGMAP_LABEL), options.get("name", DEFAULT_CONFIGMAP_NAME),
                            options.get("namespace"))


def build_spec(data: Mapping[str, Any], *, source: str = "<spec>", base_dir: str = ".", controller: str | None = None) -> Spec:
    """`controller`: the merged spec of this controller (overlay.py); it writes into its own
    folder under output.dir."""
    jen = data["jenkins"]
    url = jen["url"]
    upstream = jen.get("upstream", "http://jenkins:8080")
    pom_data = data.get("pomerium")
    pom: Pomerium | None = None
    if pom_data is not None:
        vtext = pom_data.get("version") or pomerium_facts.DEFAULT_VERSION_TEXT
        idp = pom_data["idp"]
        cid = idp.get("client_id")
        pom = Pomerium(
            version=pomerium_facts.parse_version(vtext),
            authenticate_url=pom_data["authenticate_url"],
            idp=Idp(idp["provider"], idp.get("url"), _secret(cid) or cid, _secret(idp.get("client_secret"))),
            signing_key=_secret(pom_data["signing_key"]),  # type: ignore[arg-type]
            shared_secret=_secret(pom_data.get("shared_secret")),
            cookie_secret=_secret(pom_data.get("cookie_secret")),
            verify_url=pom_data.get("verify_url"),
            policy=pom_data.get("policy"),
        )
    j = data.get("jwt") or {}
    host = urlsplit(url).hostname or ""
    if pom is not None:
        d_issuers: tuple[str, ...] = pomerium_issuers(pom.version, url, pom.authenticate_url)
        d_audiences: tuple[str, ...] = (host,)
        d_jwks: str | None = pomerium_jwks_url(url)
        d_header = POMERIUM_HEADER
    else:
        d_issuers, d_audiences, d_jwks, d_header = (), (), None, ""

    def claim(key: str, default: str) -> str:
        if key in j:
            return j[key] if j[key] is not None else ""
        return default

    jwt = Jwt(
        header=j.get("header", d_header),
        username_claim=j.get("username_claim", "email"),
        groups_claim=j.get("groups_claim", "groups"),
        groups_separator=j.get("groups_separator", ","),
        email_claim=claim("email_claim", "email"),
        full_name_claim=claim("full_name_claim", "name"),
        issuers=tuple(j.get("issuers", d_issuers)),
        audiences=tuple(j.get("audiences", d_audiences)),
        jwks_url=j["jwks_url"] if "jwks_url" in j else d_jwks,
        leeway_seconds=j.get("leeway_seconds", 30),
        allow_verification_failures=j.get("allow_verification_failures", False),
        skip_certificate_check=j.get("skip_certificate_check", False),
    )
    authz = data["authorization"]
    roles = {name: tuple(perms or ()) for name, perms in (authz.get("roles") or {}).items()}
    def make_grants(items: Sequence[Mapping[str, Any]]) -> tuple[Grant, ...]:
        out = []
        for i, g in enumerate(items):
            kind = next(k for k in ("user", "group", "user_or_group") if k in g)
            rnames = tuple(g.get("roles") or ())
            explicit = tuple(g.get("permissions") or ())
            eff: set[str] = set(explicit)
            for r in rnames:
                eff.update(roles.get(r, ()))
            out.append(Grant(kind, g[kind], rnames, explicit, tuple(sorted(eff, key=java_sort_key)), i))  # type: ignore[arg-type]
        return tuple(out)

    authorization = Authorization(
        strategy=authz.get("strategy", "global"),
        extras=tuple(e for e in map(parse_extra, authz.get("extra_permissions") or ()) if e is not None),
        roles=roles,
        grants=make_grants(authz["grants"]),
        items=build_items(authz, make_grants),
    )
    pl = data.get("plugins") or {}
    overrides = dict(pl.get("versions") or {})
    extra_items = [item.partition(":")[::2] for item in pl.get("extra") or ()]
    out = data.get("output") or {}
    names = list(pins.REQUIRED) + (["skip-certificate-check"] if jwt.skip_certificate_check else [])
    # then the plugins that declare granted permissions (permission_plugins.py), unless listed
    names += [n for n in authorization.needed_plugins() if n not in names and n not in dict(extra_items)]
    if out.get("helm") and pins.HELM_DEFAULT_CONFIG_PLUGIN not in dict(extra_items):
        # the chart's default JCasC (left on) configures a Kubernetes cloud (pins.py)
        names.append(pins.HELM_DEFAULT_CONFIG_PLUGIN)
    if out.get("job_dsl") and authorization.items:
        from .job_dsl import JOB_DSL_PLUGIN

        names += [JOB_DSL_PLUGIN] if JOB_DSL_PLUGIN not in names and JOB_DSL_PLUGIN not in dict(extra_items) else []
    plugin_list = [PluginPin(n, overrides.get(n, pins.KNOWN_GOOD.get(n))) for n in names]
    for name, version in extra_items:
        plugin_list.append(PluginPin(name, overrides.get(name) or version or pins.KNOWN_GOOD.get(name)))
    images = dict(DEFAULT_IMAGES)
    if pom is not None:
        images["pomerium"] = pomerium_facts.image_for(pom.version)  # the release the spec names
    images.update(out.get("images") or {})
    return Spec(
        source=source,
        sha256=canonical_sha256(data),
        jenkins_url=url,
        upstream=upstream,
        pomerium=pom,
        jwt=jwt,
        authorization=authorization,
        plugins=tuple(plugin_list),
        output=Output(os.path.normpath(os.path.join(base_dir, out.get("dir", "generated"), *([controller] if controller else []))),
                      bool(out.get("compose", False)), images,
                      helm=bool(out.get("helm", False)), kubernetes=_kubernetes_output(out.get("kubernetes")),
                      job_dsl=bool(out.get("job_dsl", False))),
        data=data,
        api_url=jen.get("api_url"),
        accepted=build_accepted(data),
    )
