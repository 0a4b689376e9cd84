"""Item ACLs under matrix-auth's project matrix, and the permission scopes they depend on.

matrix-auth-3.2.8 (jenkinsci/matrix-auth-plugin@matrix-auth-3.2.8):
- src/main/java/hudson/security/ProjectMatrixAuthorizationStrategy.java:52-96 `getACL(Job)`:
  the job's AuthorizationMatrixProperty through its inheritance strategy, else the parent's
  ACL; `getACL(AbstractItem)`: the folder's property (cloudbees-folder's class), else the
  parent's; `getACL(ItemGroup)`: a parent item's ACL, or the root ACL for Jenkins itself.
- inheritance/InheritanceStrategy.java:54-74: `getEffectiveACL` = hasPermission(a, p, child =
  the property's own SidACL, parent = the parent item's ACL when the parent is an item, root).
- inheritance/InheritParentStrategy.java:47-74, InheritGlobalStrategy.java:44-71,
  NonInheritingStrategy.java:45-81 (the rules in `decide` below; `checkParentPermissions` is
  true unless a system property turns it off, InheritanceStrategy.java:43-47).
- Under any other strategy (globalMatrix included) core's AuthorizationStrategy.getACL(Job /
  AbstractItem) is the root ACL (jenkins-2.568.2 AuthorizationStrategy.java:91-93, 127-129):
  item properties are ignored.

The property's own ACL is a SidACL over its entries, matched exactly like the global matrix
(acl.py), so SID matching and the implication walk live in one place.
"""

from __future__ import annotations

from typing import Callable, Protocol

from . import acl
from . import permissions as P
from .item_xml import INHERIT_GLOBAL, NON_INHERITING, ItemMatrix
from .state import Identity, Strategy

ITEM_READ, ITEM_DISCOVER = "Job/Read", "Job/Discover"
P_ADMINISTER = "Overall/Administer"

# ------------------------------------------------------------------ permission scopes
# jenkins-2.568.2 core/src/main/java/hudson/security/PermissionScope.java:80-116: JENKINS;
# ITEM_GROUP in JENKINS; ITEM in ITEM_GROUP; RUN in ITEM; COMPUTER in JENKINS.
# hudson/slaves/Cloud.java:272 adds a Cloud scope contained by JENKINS.
_CONTAINERS: dict[str, tuple[str, ...]] = {
    "JENKINS": (), "ITEM_GROUP": ("JENKINS",), "ITEM": ("ITEM_GROUP",), "RUN": ("ITEM",),
    "COMPUTER": ("JENKINS",), "CLOUD": ("JENKINS",),
}

# Each permission's scopes, by Java id, read where it is constructed (the source lines of
# permissions.py). The generic permissions and Administer use the deprecated constructor
# whose scope is JENKINS (Permission.java:170-182).
SCOPES: dict[str, tuple[str, ...]] = {
    **{f"hudson.security.Permission.{n}": ("JENKINS",) for n in (
        "FullControl", "GenericRead", "GenericWrite", "GenericCreate", "GenericUpdate", "GenericDelete",
        "GenericConfigure")},
    **{f"hudson.model.Hudson.{n}": ("JENKINS",) for n in (
        "Administer", "Manage", "SystemRead", "Read", "RunScripts", "UploadPlugins", "ConfigureUpdateCenter")},
    "hudson.model.Item.Create": ("ITEM_GROUP",),  # Item.java:259-265
    **{f"hudson.model.Item.{n}": ("ITEM",) for n in (  # Item.java:266-336
        "Delete", "Configure", "Read", "Discover", "ExtendedRead", "Build", "Workspace", "WipeOut", "Cancel")},
    "hudson.model.Item.Move": ("ITEM",),  # cloudbees-folder RelocationAction.java:55
    **{f"hudson.model.Run.{n}": ("RUN",) for n in ("Delete", "Update", "Artifacts")},  # Run.java:2566-2570
    "hudson.model.Run.Replay": ("RUN",),  # workflow-cps ReplayAction.java:467-468
    **{f"hudson.model.View.{n}": ("ITEM_GROUP",) for n in ("Create", "Delete", "Configure", "Read")},  # View.java:1129-1132
    **{f"hudson.model.Computer.{n}": ("COMPUTER",) for n in (  # Computer.java:1742-1794
        "Configure", "ExtendedRead", "Delete", "Disconnect", "Connect", "Build")},
    "hudson.model.Computer.Create": ("JENKINS",),  # Computer.java:1767-1773
    "hudson.model.Computer.Provision": ("CLOUD",),  # Cloud.java:279-281
    "hudson.scm.SCM.Tag": ("ITEM",),  # SCM.java:761
    # credentials CredentialsProvider.java:134-153 (UseOwn, UseItem), :170-201 (SCOPES)
    **{f"com.cloudbees.plugins.credentials.CredentialsProvider.{n}": ("ITEM",) for n in ("UseOwn", "UseItem")},
    **{f"com.cloudbees.plugins.credentials.CredentialsProvider.{n}": ("ITEM", "ITEM_GROUP", "JENKINS") for n in (
        "Create", "Update", "View", "Delete", "ManageDomains")},
}


def _scope_contained_by(scope: str, target: str) -> bool:
    return scope == target or any(_scope_contained_by(c, target) for c in _CONTAINERS[scope])


def contained_by(java_id: str, target: str) -> bool:
    """Permission.isContainedBy(scope) (Permission.java:200-206). A permission the table
    does not know (a simulator extra) is scoped JENKINS, like the deprecated constructors."""
    return any(_scope_contained_by(s, target) for s in SCOPES.get(java_id, ("JENKINS",)))


def ultimately_implied_by_administer(pid: str) -> bool:
    """NonInheritingStrategy.isUltimatelyImpliedByAdminister (:76-81)."""
    chain = P.implied_by_chain(pid)
    return (chain[-1] if chain else P.java_id(pid)) == P.ADMINISTER


# ------------------------------------------------------------------ the ACL of an item
class AclItem(Protocol):
    """What the ACL needs of an item: its parent (None at the top level) and its matrix
    property as Jenkins loaded it (None when it has none)."""

    @property
    def parent(self) -> "AclItem | None": ...

    @property
    def matrix(self) -> ItemMatrix | None: ...


Check = Callable[[str], bool]


def decide(inheritance: str, pid: str, child: Check, parent: Check | None, root: Check) -> bool:
    """InheritanceStrategy.hasPermission for the three strategies (SYSTEM never asks here)."""
    read_like = pid in (ITEM_READ, ITEM_DISCOVER)
    if inheritance == NON_INHERITING:
        if ultimately_implied_by_administer(pid) and root(P_ADMINISTER):
            return True  # global Administer still passes (NonInheritingStrategy.java:50-61)
        if parent is not None and read_like:
            return parent(pid) and child(pid)
        return child(pid)
    if inheritance == INHERIT_GLOBAL:
        if parent is not None and read_like:
            # SECURITY-2180: Read/Discover also needs the parent's (InheritGlobalStrategy.java:50-69)
            return (child(pid) or root(pid)) and parent(pid)
        return child(pid) or root(pid)
    # InheritParentStrategy (and the default)
    if parent is not None and read_like:
        return parent(pid)  # the child's own Read grant does not matter (:53-61)
    if parent is None:
        return root(pid) or child(pid)
    return parent(pid) or child(pid)



def has_item_permission(strategy: Strategy, ident: Identity, item: AclItem | None, pid: str) -> bool:
    """The item's ACL (None: Jenkins itself, the root ACL) asked for `pid` ("Title/Name")."""

    def root(p: str) -> bool:
        return acl.has_permission(strategy, ident, p)

    if strategy.kind != "projectMatrix":
        return root(pid)

    def item_acl(it: AclItem | None, p: str) -> bool:
        if it is None:
            return root(p)
        m = it.matrix
        if m is None:
            return item_acl(it.parent, p)  # no property: the parent's ACL
        own = Strategy(kind="globalMatrix", grants=m.grants())
        par = it.parent
        parent_check: Check | None = (lambda q: item_acl(par, q)) if par is not None else None
        return decide(m.inheritance, p, lambda q: acl.has_permission(own, ident, q), parent_check, root)

    return item_acl(item, pid)
