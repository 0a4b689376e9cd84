"""The simulator's own permission table, written from the `Permission` definitions of Jenkins
core and the plugins, independently of the product's catalog (`jcasc_gen/permissions.py`).
tests/sim/test_permission_table.py compares the two entry by entry; docs/fidelity.md has a
row per fact below.

How Jenkins models permissions (jenkinsci/jenkins@jenkins-2.568.2):
- core/src/main/java/hudson/security/PermissionGroup.java:63-79 — a group has an owner class
  and an id, the English title of its `Messages` key (`Item.Permissions.Title=Job`).
- core/src/main/java/hudson/security/Permission.java:142-157 — a permission belongs to a group;
  its id is `group.owner.getName() + '.' + name` (:154), whatever class declares the field.
  So cloudbees-folder's `RelocationAction.RELOCATE` is `hudson.model.Item.Move`.
- Permission.java:240-253 `fromId`: load the class before the last '.', find the group whose
  owner it is, then the permission by name in that group; null when any step fails.
- A permission exists only once the class that declares it is loaded: a plugin's permissions
  exist only while the plugin is active (the group may be core's, the permission is not).

How matrix-auth reads one (jenkinsci/matrix-auth-plugin@matrix-auth-3.2.8):
- AuthorizationContainer.java:222-232 `parsePermission`: `Permission.fromId`, else
  `PermissionFinder.findPermission`, else IllegalArgumentException
  `Failed to parse '<p>' --- no such permission`.
- integrations/PermissionFinder.java:44-79: `^([^/]+)/(.+)$`; the group whose id equals the
  first part exactly (the generic group owned by hudson.security.Permission is skipped), then
  `fromId(owner + "." + name)`.
- AuthorizationContainer.java:301-325 `hasPermission`: walk p, p.impliedBy, ...; a disabled
  permission in the walk is skipped (it neither grants nor stops the walk).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

CORE = "jenkinsci/jenkins@jenkins-2.568.2"
CREDENTIALS = "jenkinsci/credentials-plugin@1502.v5c95e620ddfe"
FOLDER = "jenkinsci/cloudbees-folder-plugin@6.1100.ve9eed61d16c4"
CPS = "jenkinsci/workflow-cps-plugin@4350.vcc65d4958821"


@dataclass(frozen=True)
class Group:
    """A PermissionGroup: `owner` class name, `title` (its id), the plugin that declares it."""

    owner: str
    title: str
    plugin: str | None
    source: str


@dataclass(frozen=True)
class PermissionDef:
    """One `new Permission(group, name, description, impliedBy, enabled, scopes)`."""

    owner: str  # the group's owner class: the id's prefix
    name: str
    implied_by: str | None  # the Java id of impliedBy
    enabled: bool  # the default (system properties off)
    plugin: str | None  # the plugin whose class declares it; None = core
    source: str
    enabling_property: str | None = None  # the system property that turns a disabled one on

    @property
    def id(self) -> str:
        return f"{self.owner}.{self.name}"


_C = "core/src/main/java/"
GROUPS: tuple[Group, ...] = (
    # Permission.java:297 HUDSON_PERMISSIONS; hudson/model/Messages.properties:140 Overall
    Group("hudson.model.Hudson", "Overall", None, f"{CORE}:{_C}hudson/security/Permission.java:297"),
    # Permission.java:318 GROUP; hudson/security/Messages.properties:58 N/A
    Group("hudson.security.Permission", "N/A", None, f"{CORE}:{_C}hudson/security/Permission.java:318"),
    Group("hudson.model.Item", "Job", None, f"{CORE}:{_C}hudson/model/Item.java:258"),
    Group("hudson.model.Run", "Run", None, f"{CORE}:{_C}hudson/model/Run.java:2565"),
    Group("hudson.model.View", "View", None, f"{CORE}:{_C}hudson/model/View.java:1125"),
    Group("hudson.model.Computer", "Agent", None, f"{CORE}:{_C}hudson/model/Computer.java:1741"),
    Group("hudson.scm.SCM", "SCM", None, f"{CORE}:{_C}hudson/scm/SCM.java:756"),
    Group("com.cloudbees.plugins.credentials.CredentialsProvider", "Credentials", "credentials",
          f"{CREDENTIALS}:src/main/java/com/cloudbees/plugins/credentials/CredentialsProvider.java:125"),
)

_HUDSON, _GEN, _ITEM = "hudson.model.Hudson", "hudson.security.Permission", "hudson.model.Item"
_RUN, _VIEW, _COMP = "hudson.model.Run", "hudson.model.View", "hudson.model.Computer"
_CRED = "com.cloudbees.plugins.credentials.CredentialsProvider"
ADMINISTER = f"{_HUDSON}.Administer"
G_READ, G_WRITE = f"{_GEN}.GenericRead", f"{_GEN}.GenericWrite"
G_CREATE, G_UPDATE = f"{_GEN}.GenericCreate", f"{_GEN}.GenericUpdate"
G_DELETE, G_CONFIGURE = f"{_GEN}.GenericDelete", f"{_GEN}.GenericConfigure"


def _core(path: str, line: int) -> str:
    return f"{CORE}:{_C}{path}:{line}"


_CP = f"{CREDENTIALS}:src/main/java/com/cloudbees/plugins/credentials/CredentialsProvider.java"

PERMISSIONS: tuple[PermissionDef, ...] = (
    PermissionDef(_HUDSON, "Administer", None, True, None, _core("hudson/security/Permission.java", 308)),
    PermissionDef(_GEN, "FullControl", ADMINISTER, True, None, _core("hudson/security/Permission.java", 328)),
    PermissionDef(_GEN, "GenericRead", ADMINISTER, True, None, _core("hudson/security/Permission.java", 333)),
    PermissionDef(_GEN, "GenericWrite", ADMINISTER, True, None, _core("hudson/security/Permission.java", 338)),
    PermissionDef(_GEN, "GenericCreate", G_WRITE, True, None, _core("hudson/security/Permission.java", 343)),
    PermissionDef(_GEN, "GenericUpdate", G_WRITE, True, None, _core("hudson/security/Permission.java", 348)),
    PermissionDef(_GEN, "GenericDelete", G_WRITE, True, None, _core("hudson/security/Permission.java", 353)),
    PermissionDef(_GEN, "GenericConfigure", G_UPDATE, True, None, _core("hudson/security/Permission.java", 358)),
    PermissionDef(_HUDSON, "Manage", ADMINISTER, True, None, _core("jenkins/model/Jenkins.java", 5844)),
    PermissionDef(_HUDSON, "SystemRead", ADMINISTER, False, None, _core("jenkins/model/Jenkins.java", 5856),
                  "jenkins.security.SystemReadPermission"),
    PermissionDef(_HUDSON, "Read", G_READ, True, None, _core("jenkins/model/Jenkins.java", 5866)),
    PermissionDef(_HUDSON, "RunScripts", ADMINISTER, True, None, _core("jenkins/model/Jenkins.java", 5869)),
    PermissionDef(_HUDSON, "UploadPlugins", ADMINISTER, True, None, _core("hudson/PluginManager.java", 2481)),
    PermissionDef(_HUDSON, "ConfigureUpdateCenter", ADMINISTER, True, None, _core("hudson/PluginManager.java", 2485)),
    PermissionDef(_ITEM, "Create", G_CREATE, True, None, _core("hudson/model/Item.java", 259)),
    PermissionDef(_ITEM, "Delete", G_DELETE, True, None, _core("hudson/model/Item.java", 266)),
    PermissionDef(_ITEM, "Configure", G_CONFIGURE, True, None, _core("hudson/model/Item.java", 273)),
    PermissionDef(_ITEM, "Read", G_READ, True, None, _core("hudson/model/Item.java", 280)),
    PermissionDef(_ITEM, "Discover", f"{_ITEM}.Read", True, None, _core("hudson/model/Item.java", 287)),
    PermissionDef(_ITEM, "ExtendedRead", f"{_ITEM}.Configure", False, None, _core("hudson/model/Item.java", 299),
                  "hudson.security.ExtendedReadPermission"),
    PermissionDef(_ITEM, "Build", G_UPDATE, True, None, _core("hudson/model/Item.java", 308)),
    PermissionDef(_ITEM, "Workspace", G_READ, True, None, _core("hudson/model/Item.java", 315)),
    # Functions.java:2406 isWipeOutPermissionEnabled
    PermissionDef(_ITEM, "WipeOut", None, False, None, _core("hudson/model/Item.java", 322),
                  "hudson.security.WipeOutPermission"),
    PermissionDef(_ITEM, "Cancel", G_UPDATE, True, None, _core("hudson/model/Item.java", 330)),
    PermissionDef(_ITEM, "Move", G_CREATE, True, "cloudbees-folder",
                  f"{FOLDER}:src/main/java/com/cloudbees/hudson/plugins/folder/relocate/RelocationAction.java:55"),
    PermissionDef(_RUN, "Delete", G_DELETE, True, None, _core("hudson/model/Run.java", 2566)),
    PermissionDef(_RUN, "Update", G_UPDATE, True, None, _core("hudson/model/Run.java", 2567)),
    # Functions.java:2391 isArtifactsPermissionEnabled
    PermissionDef(_RUN, "Artifacts", None, False, None, _core("hudson/model/Run.java", 2569),
                  "hudson.security.ArtifactsPermission"),
    PermissionDef(_RUN, "Replay", f"{_ITEM}.Configure", True, "workflow-cps",
                  f"{CPS}:plugin/src/main/java/org/jenkinsci/plugins/workflow/cps/replay/ReplayAction.java:467"),
    PermissionDef(_VIEW, "Create", G_CREATE, True, None, _core("hudson/model/View.java", 1129)),
    PermissionDef(_VIEW, "Delete", G_DELETE, True, None, _core("hudson/model/View.java", 1130)),
    PermissionDef(_VIEW, "Configure", G_CONFIGURE, True, None, _core("hudson/model/View.java", 1131)),
    PermissionDef(_VIEW, "Read", G_READ, True, None, _core("hudson/model/View.java", 1132)),
    PermissionDef(_COMP, "Configure", G_CONFIGURE, True, None, _core("hudson/model/Computer.java", 1742)),
    PermissionDef(_COMP, "ExtendedRead", f"{_COMP}.Configure", False, None, _core("hudson/model/Computer.java", 1752),
                  "hudson.security.ExtendedReadPermission"),
    PermissionDef(_COMP, "Delete", G_DELETE, True, None, _core("hudson/model/Computer.java", 1760)),
    PermissionDef(_COMP, "Create", G_CREATE, True, None, _core("hudson/model/Computer.java", 1767)),
    PermissionDef(_COMP, "Disconnect", ADMINISTER, True, None, _core("hudson/model/Computer.java", 1774)),
    PermissionDef(_COMP, "Connect", f"{_COMP}.Disconnect", True, None, _core("hudson/model/Computer.java", 1781)),
    PermissionDef(_COMP, "Build", G_WRITE, True, None, _core("hudson/model/Computer.java", 1788)),
    # declared in Cloud, but in Computer.PERMISSIONS: the id is hudson.model.Computer.Provision
    PermissionDef(_COMP, "Provision", ADMINISTER, True, None, _core("hudson/slaves/Cloud.java", 279)),
    PermissionDef("hudson.scm.SCM", "Tag", G_CREATE, True, None, _core("hudson/scm/SCM.java", 761)),
    # UseOwn's impliedBy is Item.BUILD unless its own property is set (then Administer)
    PermissionDef(_CRED, "UseOwn", f"{_ITEM}.Build", False, "credentials", f"{_CP}:134",
                  "com.cloudbees.plugins.credentials.UseOwnPermission"),
    PermissionDef(_CRED, "UseItem", f"{_ITEM}.Configure", False, "credentials", f"{_CP}:150",
                  "com.cloudbees.plugins.credentials.UseItemPermission"),
    PermissionDef(_CRED, "Create", G_CREATE, True, "credentials", f"{_CP}:172"),
    PermissionDef(_CRED, "Update", G_UPDATE, True, "credentials", f"{_CP}:179"),
    PermissionDef(_CRED, "View", G_READ, True, "credentials", f"{_CP}:186"),
    PermissionDef(_CRED, "Delete", G_DELETE, True, "credentials", f"{_CP}:193"),
    PermissionDef(_CRED, "ManageDomains", G_CONFIGURE, True, "credentials", f"{_CP}:200"),
)

_GROUP_BY_OWNER: Mapping[str, Group] = {g.owner: g for g in GROUPS}
_BY_ID: Mapping[str, PermissionDef] = {p.id: p for p in PERMISSIONS}
_SHORT = re.compile(r"^([^/]+)/(.+)$")  # PermissionFinder.PERMISSION_PATTERN


def short_form(p: PermissionDef) -> str:
    """PermissionDefinition.toString(): `group.getId() + "/" + name` (what export shows)."""
    return f"{_GROUP_BY_OWNER[p.owner].title}/{p.name}"


def extra_definition(short: str, plugin: str | None) -> tuple[Group, PermissionDef]:
    """A permission of a plugin the table does not model (`JenkinsSim(extra_permissions=...)`):
    its own group titled as written, with an invented owner class, implied by nothing."""
    title, _, name = short.partition("/")
    owner = "org.example.sim." + re.sub(r"\W", "_", title)
    return Group(owner, title, plugin, "simulator extra"), PermissionDef(owner, name, None, True, plugin, "simulator extra")


class Table:
    """The permissions that exist in one Jenkins: core's, plus those of the active plugins."""

    def __init__(self, active_plugins: Iterable[str] = (), extras: Mapping[str, str | None] | None = None) -> None:
        active = set(active_plugins)
        groups = dict(_GROUP_BY_OWNER)
        perms = dict(_BY_ID)
        for short, plugin in (extras or {}).items():
            g, p = extra_definition(short, plugin)
            groups.setdefault(g.owner, g)
            perms[p.id] = p
        self._groups = {o: g for o, g in groups.items() if g.plugin is None or g.plugin in active}
        self._perms = {i: p for i, p in perms.items() if (p.plugin is None or p.plugin in active) and p.owner in self._groups}

    def from_id(self, value: str) -> PermissionDef | None:
        """Permission.fromId: class before the last '.', its group, the name in the group."""
        owner, dot, name = value.rpartition(".")
        if not dot or owner not in self._groups:
            return None
        return self._perms.get(f"{owner}.{name}")

    def find(self, value: str) -> PermissionDef | None:
        """PermissionFinder.findPermission: `Title/Name`, the generic group excluded."""
        m = _SHORT.match(value)
        if m is None:
            return None
        for g in self._groups.values():
            if g.owner != _GEN and g.title == m.group(1):
                return self.from_id(f"{g.owner}.{m.group(2)}")
        return None

    def short(self, p: PermissionDef) -> str:
        return f"{self._groups[p.owner].title}/{p.name}"

    def parse(self, value: str) -> PermissionDef | None:
        """AuthorizationContainer.parsePermission without the exception."""
        return self.from_id(value) or self.find(value)


def definition(pid: str) -> PermissionDef | None:
    """Any known permission by `Title/Name` (plugins' included), for the ACL walk."""
    return _ALL_BY_SHORT.get(pid)


_ALL_BY_SHORT: Mapping[str, PermissionDef] = {short_form(p): p for p in PERMISSIONS}


def java_id(pid: str) -> str:
    p = definition(pid)
    return p.id if p is not None else pid


def implied_by_chain(pid: str) -> list[str]:
    """Java ids of what implies `pid`, nearest first (X-Permission-Implied-By)."""
    out: list[str] = []
    p = definition(pid)
    cur = p.implied_by if p is not None else None
    while cur is not None:
        out.append(cur)
        nxt = _BY_ID.get(cur)
        cur = nxt.implied_by if nxt is not None else None
    return out


def has_permission(granted: Iterable[str], pid: str, enabled: frozenset[str] = frozenset()) -> bool:
    """AuthorizationContainer.hasPermission's walk over `Title/Name` grants. `enabled` names
    disabled permissions whose system property is set. A permission the table does not know
    (a simulator extra) implies nothing and is implied by nothing."""
    held = set(granted)
    p = definition(pid)
    if p is None:
        return pid in held
    cur: PermissionDef | None = p
    while cur is not None:
        short = short_form(cur)
        if (cur.enabled or short in enabled) and short in held:
            return True
        cur = _BY_ID.get(cur.implied_by) if cur.implied_by is not None else None
    return False
