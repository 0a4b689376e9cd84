"""The permission catalog: every permission the tool knows, with implications and flags.

This is the one place the product's permission table lives. Validation, lint, `explain`,
verify, the guard and the plugin lists read it. The Jenkins simulator keeps its own table,
transcribed independently from the same sources; tests/test_permission_catalog.py compares
the two entry by entry (docs/fidelity.md, "Permissions and the matrix ACL").

Sources (jenkinsci/jenkins@jenkins-2.568.2 unless named):
- core/src/main/java/hudson/security/Permission.java:154: a permission's Java id is its
  *group's owner class* + '.' + name, not the class that declares the field. So
  cloudbees-folder's Move is `hudson.model.Item.Move`, workflow-cps's Replay
  `hudson.model.Run.Replay`, and Cloud's Provision (in Computer.PERMISSIONS)
  `hudson.model.Computer.Provision`. Permission.java:297-358: the generic permissions.
- jenkins/model/Jenkins.java:5830-5869, hudson/PluginManager.java:2481-2485,
  hudson/model/{Item.java:258-336, Run.java:2565-2570, View.java:1125-1132,
  Computer.java:1741-1794}, hudson/scm/SCM.java:756-761, hudson/slaves/Cloud.java:279.
- credentials-plugin@1502.v5c95e620ddfe CredentialsProvider.java:125-201 (its own group).
- cloudbees-folder-plugin@6.1100.ve9eed61d16c4 relocate/RelocationAction.java:55 (Job/Move,
  in Item.PERMISSIONS, impliedBy Permission.CREATE).
- workflow-cps-plugin@4350.vcc65d4958821 replay/ReplayAction.java:467 (Run/Replay, in
  Run.PERMISSIONS, impliedBy Item.CONFIGURE).
- matrix-auth-plugin@matrix-auth-3.2.8 AuthorizationContainer.java:301-325 (hasPermission walks
  p, p.impliedBy, ... and skips disabled permissions), :222-232 (an unknown permission is
  "Failed to parse '<p>' --- no such permission"; a plugin's permission is unknown while the
  plugin is not loaded: `Permission.plugin`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

__all__ = [
    "Permission",
    "CATALOG",
    "GENERIC",
    "lookup",
    "java_id",
    "from_java_id",
    "implied_closure",
    "has_permission",
    "ADMINISTER",
    "READ",
    "suggest",
    "java_id_of_declaring_class",
    "scopes",
    "FOLDER_SCOPE",
    "JOB_SCOPE",
    "allowed_on",
    "ultimately_implied_by_administer",
]

ADMINISTER = "Overall/Administer"
READ = "Overall/Read"


@dataclass(frozen=True)
class Permission:
    """One grantable permission, by its UI short form `Group/Name`."""

    id: str
    java_id: str
    implied_by: str | None  # another catalog id or a GENERIC name; None = root or nothing
    enabled: bool = True
    plugin: str | None = None  # None: Jenkins core
    note: str = ""

    @property
    def group(self) -> str:
        return self.id.split("/", 1)[0]


# Hidden generic permissions of hudson.security.Permission: never granted by name in
# matrix-auth (PermissionFinder excludes the `Permission` group), but they carry the
# implication chain. name -> implied_by
GENERIC: Mapping[str, str | None] = {
    "Permission/GenericRead": ADMINISTER,
    "Permission/GenericWrite": ADMINISTER,
    "Permission/GenericCreate": "Permission/GenericWrite",
    "Permission/GenericUpdate": "Permission/GenericWrite",
    "Permission/GenericDelete": "Permission/GenericWrite",
    "Permission/GenericConfigure": "Permission/GenericUpdate",
    "Permission/FullControl": ADMINISTER,
}

_H = "hudson.model.Hudson"
_I = "hudson.model.Item"
_R = "hudson.model.Run"
_V = "hudson.model.View"
_C = "hudson.model.Computer"
_CRED = "com.cloudbees.plugins.credentials.CredentialsProvider"
_DEPRECATED = "deprecated since Jenkins 2.222; matrix-auth lists it among DANGEROUS_PERMISSIONS"

_ROWS: tuple[Permission, ...] = (
    Permission(ADMINISTER, f"{_H}.Administer", None),
    Permission(READ, f"{_H}.Read", "Permission/GenericRead"),
    Permission("Overall/Manage", f"{_H}.Manage", ADMINISTER),
    Permission(
        "Overall/SystemRead", f"{_H}.SystemRead", ADMINISTER, enabled=False,
        note="needs -Djenkins.security.SystemReadPermission=true",
    ),
    Permission("Overall/RunScripts", f"{_H}.RunScripts", ADMINISTER, note=_DEPRECATED),
    Permission("Overall/UploadPlugins", f"{_H}.UploadPlugins", ADMINISTER, note=_DEPRECATED),
    Permission("Overall/ConfigureUpdateCenter", f"{_H}.ConfigureUpdateCenter", ADMINISTER, note=_DEPRECATED),
    Permission("Job/Create", f"{_I}.Create", "Permission/GenericCreate"),
    Permission("Job/Delete", f"{_I}.Delete", "Permission/GenericDelete"),
    Permission("Job/Configure", f"{_I}.Configure", "Permission/GenericConfigure"),
    Permission("Job/Read", f"{_I}.Read", "Permission/GenericRead"),
    Permission("Job/Discover", f"{_I}.Discover", "Job/Read"),
    Permission(
        "Job/ExtendedRead", f"{_I}.ExtendedRead", "Job/Configure", enabled=False,
        note="needs -Dhudson.security.ExtendedReadPermission=true",
    ),
    Permission("Job/Build", f"{_I}.Build", "Permission/GenericUpdate"),
    Permission("Job/Workspace", f"{_I}.Workspace", "Permission/GenericRead"),
    Permission(
        "Job/WipeOut", f"{_I}.WipeOut", None, enabled=False,
        note="needs -Dhudson.security.WipeOutPermission=true",
    ),
    Permission("Job/Cancel", f"{_I}.Cancel", "Permission/GenericUpdate"),
    Permission(
        "Job/Move", f"{_I}.Move",
        "Permission/GenericCreate", plugin="cloudbees-folder",
    ),
    Permission("Run/Delete", f"{_R}.Delete", "Permission/GenericDelete"),
    Permission("Run/Update", f"{_R}.Update", "Permission/GenericUpdate"),
    Permission(
        "Run/Artifacts", f"{_R}.Artifacts", None, enabled=False,
        note="needs -Dhudson.security.ArtifactsPermission=true",
    ),
    Permission(
        "Run/Replay", f"{_R}.Replay",
        "Job/Configure", plugin="workflow-cps",
    ),
    Permission("View/Create", f"{_V}.Create", "Permission/GenericCreate"),
    Permission("View/Delete", f"{_V}.Delete", "Permission/GenericDelete"),
    Permission("View/Configure", f"{_V}.Configure", "Permission/GenericConfigure"),
    Permission("View/Read", f"{_V}.Read", "Permission/GenericRead"),
    Permission("Agent/Configure", f"{_C}.Configure", "Permission/GenericConfigure"),
    Permission(
        "Agent/ExtendedRead", f"{_C}.ExtendedRead", "Agent/Configure", enabled=False,
        note="needs -Dhudson.security.ExtendedReadPermission=true",
    ),
    Permission("Agent/Delete", f"{_C}.Delete", "Permission/GenericDelete"),
    Permission("Agent/Create", f"{_C}.Create", "Permission/GenericCreate"),
    Permission("Agent/Disconnect", f"{_C}.Disconnect", ADMINISTER),
    Permission("Agent/Connect", f"{_C}.Connect", "Agent/Disconnect"),
    Permission("Agent/Build", f"{_C}.Build", "Permission/GenericWrite"),
    Permission("Agent/Provision", f"{_C}.Provision", ADMINISTER),  # declared in Cloud, in Computer's group
    Permission("SCM/Tag", "hudson.scm.SCM.Tag", "Permission/GenericCreate"),
    Permission("Credentials/Create", f"{_CRED}.Create", "Permission/GenericCreate", plugin="credentials"),
    Permission("Credentials/Update", f"{_CRED}.Update", "Permission/GenericUpdate", plugin="credentials"),
    Permission("Credentials/View", f"{_CRED}.View", "Permission/GenericRead", plugin="credentials"),
    Permission("Credentials/Delete", f"{_CRED}.Delete", "Permission/GenericDelete", plugin="credentials"),
    Permission(
        "Credentials/ManageDomains", f"{_CRED}.ManageDomains", "Permission/GenericConfigure", plugin="credentials",
    ),
    Permission(
        "Credentials/UseOwn", f"{_CRED}.UseOwn", "Job/Build", enabled=False, plugin="credentials",
        note="needs -Dcom.cloudbees.plugins.credentials.UseOwnPermission=true",
    ),
    Permission(
        "Credentials/UseItem", f"{_CRED}.UseItem", "Job/Configure", enabled=False, plugin="credentials",
        note="needs -Dcom.cloudbees.plugins.credentials.UseItemPermission=true",
    ),
)

CATALOG: Mapping[str, Permission] = {p.id: p for p in _ROWS}
_BY_JAVA_ID: Mapping[str, str] = {p.java_id: p.id for p in _ROWS}


def lookup(permission_id: str) -> Permission | None:
    return CATALOG.get(permission_id)


def java_id(permission_id: str) -> str | None:
    p = CATALOG.get(permission_id)
    return p.java_id if p else None


def from_java_id(value: str) -> str | None:
    """`hudson.model.Item.Read` -> `Job/Read` (matrix-auth accepts both forms)."""
    return _BY_JAVA_ID.get(value)


def _parent(pid: str) -> str | None:
    p = CATALOG.get(pid)
    if p is not None:
        return p.implied_by
    return GENERIC.get(pid)


def _enabled(pid: str, extra_enabled: frozenset[str]) -> bool:
    p = CATALOG.get(pid)
    if p is None:
        return True  # generic permissions and extra (plugin) permissions
    return p.enabled or pid in extra_enabled


@lru_cache(maxsize=None)
def _chain(pid: str) -> tuple[str, ...]:
    """`pid`, then what implies it, up to the root (hasPermission's walk)."""
    out: list[str] = []
    cur: str | None = pid
    while cur is not None and cur not in out:
        out.append(cur)
        cur = _parent(cur)
    return tuple(out)


def has_permission(
    granted: Iterable[str], pid: str, *, enabled_overrides: frozenset[str] = frozenset()
) -> bool:
    """Would a principal holding `granted` pass Jenkins' check for `pid`?

    Mirrors GlobalMatrixAuthorizationStrategy.AclImpl / SidACL: walk `pid`, its impliedBy,
    and so on; a disabled permission in the walk is skipped (it neither grants nor blocks).
    """
    held = granted if isinstance(granted, (set, frozenset)) else set(granted)
    for step in _chain(pid):
        if not _enabled(step, enabled_overrides):
            continue
        if step in held:
            return True
    return False


def implied_closure(
    granted: Iterable[str],
    *,
    universe: Iterable[str] | None = None,
    enabled_overrides: frozenset[str] = frozenset(),
) -> frozenset[str]:
    """Every catalog permission (plus `universe` extras) that `granted` passes in Jenkins."""
    held = frozenset(granted)
    names = list(CATALOG) if universe is None else list(universe)
    return frozenset(p for p in names if has_permission(held, p, enabled_overrides=enabled_overrides))


def java_id_of_declaring_class(value: str) -> str | None:
    """The catalog id a Java-looking id most likely means when it names the class that
    declares the permission instead of its group's owner (`...RelocationAction.Move`,
    `hudson.slaves.Cloud.Provision`): the one catalog permission with that name, if unique.
    Jenkins does not accept such ids (Permission.fromId finds no group for that class)."""
    owner, dot, name = value.rpartition(".")
    if not dot or not owner or value in _BY_JAVA_ID:
        return None
    hits = [p.id for p in _ROWS if p.id.split("/", 1)[1] == name]
    return hits[0] if len(hits) == 1 else None


def suggest(value: str, candidates: Iterable[str] | None = None) -> str | None:
    """The closest known permission id, for a did-you-mean hint (one lookup; for many, build
    a `suggest.Suggester` once)."""
    from .suggest import Suggester

    pool = list(CATALOG) if candidates is None else list(candidates)
    if "/" not in value:
        misplaced = java_id_of_declaring_class(value)
        if misplaced is not None and misplaced in pool:
            return misplaced
    return Suggester(pool).suggest(value)


# --- Permission scopes: where a permission may be granted -------------------------------------
#
# core PermissionScope.java:96-116: JENKINS; ITEM_GROUP in JENKINS; ITEM in ITEM_GROUP; RUN in
# ITEM; COMPUTER in JENKINS (Cloud's own scope, Cloud.java:272, is in JENKINS too).
# `Permission.isContainedBy(s)` (Permission.java:200-206): one of the permission's scopes is
# `s` or inside it. matrix-auth adds a permission read from an item's config.xml only when it is
# contained by the property's scope (AuthorizationContainer.java:211-217, "Tried to add
# inapplicable permission ... skipping", a WARNING only): ITEM_GROUP for the folder property
# (folder/properties/AuthorizationMatrixProperty.java:164-167), ITEM for the job property
# (hudson/security/AuthorizationMatrixProperty.java, DescriptorImpl.getPermissionScope).
FOLDER_SCOPE = "ITEM_GROUP"
JOB_SCOPE = "ITEM"
_SCOPE_PARENT: Mapping[str, str | None] = {
    "JENKINS": None, "ITEM_GROUP": "JENKINS", "ITEM": "ITEM_GROUP", "RUN": "ITEM", "COMPUTER": "JENKINS", "CLOUD": "JENKINS",
}
# By permission group, then the exceptions (each from the `new Permission(...)` cited above the
# catalog rows): Item.CREATE is ITEM_GROUP (Item.java:259-265); Computer.CREATE is JENKINS
# (Computer.java:1767-1773); Cloud.PROVISION is Cloud's scope (Cloud.java:272,279-281);
# credentials' UseOwn/UseItem are ITEM only (CredentialsProvider.java:134-158), its others
# ITEM, ITEM_GROUP and JENKINS (:165-201); View's are ITEM_GROUP (View.java:1129-1132); Run's
# RUN (Run.java:2566-2570; workflow-cps ReplayAction.java:467-468 too); SCM/Tag ITEM
# (SCM.java:761); cloudbees-folder's Job/Move ITEM (RelocationAction.java:55).
_GROUP_SCOPES: Mapping[str, tuple[str, ...]] = {
    "Overall": ("JENKINS",), "Job": ("ITEM",), "Run": ("RUN",), "View": ("ITEM_GROUP",), "Agent": ("COMPUTER",),
    "SCM": ("ITEM",), "Credentials": ("ITEM", "ITEM_GROUP", "JENKINS"),
}
_SCOPE_EXCEPTIONS: Mapping[str, tuple[str, ...]] = {
    "Job/Create": ("ITEM_GROUP",), "Agent/Create": ("JENKINS",), "Agent/Provision": ("CLOUD",),
    "Credentials/UseOwn": ("ITEM",), "Credentials/UseItem": ("ITEM",),
}


def scopes(permission_id: str) -> tuple[str, ...] | None:
    """The PermissionScopes of a catalog permission (None: not in the catalog, scope unknown)."""
    p = CATALOG.get(permission_id)
    if p is None:
        return None
    return _SCOPE_EXCEPTIONS.get(p.id) or _GROUP_SCOPES[p.group]


def _contained(scope: str, container: str) -> bool:
    cur: str | None = scope
    while cur is not None:
        if cur == container:
            return True
        cur = _SCOPE_PARENT[cur]
    return False


def allowed_on(permission_id: str, container: str) -> bool | None:
    """Does matrix-auth keep `permission_id` in a matrix of scope `container` (FOLDER_SCOPE or
    JOB_SCOPE)? None when the permission's scopes are unknown (a plugin's extra permission)."""
    found = scopes(permission_id)
    if found is None:
        return None
    return any(_contained(s, container) for s in found)


def ultimately_implied_by_administer(permission_id: str) -> bool:
    """Does the implication chain of `permission_id` end at Overall/Administer? matrix-auth's
    NonInheritingStrategy lets global administrators through for exactly these
    (matrix-auth-3.2.8 inheritance/NonInheritingStrategy.java:47-67, isUltimatelyImpliedByAdminister)."""
    return _chain(permission_id)[-1] == ADMINISTER
