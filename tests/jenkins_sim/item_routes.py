"""HTTP for items: `/job/A/job/B/...` (index, api/json, config.xml, createItem, build) and
the root's `/createItem`. Called by server.py's router after the request pipeline (faults,
authentication, crumb, Overall/Read) has passed.

Sources, jenkinsci/jenkins@jenkins-2.568.2 unless named:
- Resolving `/job/NAME`: Hudson.getJob -> Jenkins.getItem (Jenkins.java:3021-3032) and
  cloudbees-folder AbstractFolder.getItem (AbstractFolder.java:935-950): an item the user
  cannot Read is null (404); with Discover but not Read, AccessDeniedException (403, no
  permission headers). Then AbstractItem.getTarget (AbstractItem.java:993-1002) checks
  Discover and Read again (passes here).
- config.xml: AbstractItem.doConfigDotXml (:842-877): GET -> writeConfigDotXml needs
  ExtendedRead (:888-905; disabled by default, so only Configure passes it), POST ->
  updateByXml needs Configure (:926-952), any other method 400.
- createItem: Jenkins.doCreateItem (@RequirePOST) / cloudbees-folder Folder.doCreateItem
  (@POST) -> ItemGroupMixIn.createTopLevelItem (ItemGroupMixIn.java:147-210),
  createProjectFromXML (:276-325), createProject (:328-348), Items.verifyItemDoesNotAlreadyExist
  (Items.java:737-751); errors are `Failure`s: 400 with the message in X-Error
  (AbstractModelObject/error.jelly:27-28).
- build: ParameterizedJobMixIn.doBuild (ParameterizedJobMixIn.java:205-237),
  BuildAuthorizationToken.checkPermission (BuildAuthorizationToken.java:114-139).
- api/json: Api.doJson with ByDepth(1 - depth) (Api.java:123; stapler TreePruner.java:46-71):
  nested objects show only properties of visibility >= 2 at depth 0 (name, url, color).
"""

from __future__ import annotations

import html
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from .item_kinds import kind_by_class, kind_of_root
from .item_names import ItemError, check_good_name, java_trim, raw_encode, stapler_decode, url_tokens
from .items import Item, ItemTree
from . import item_xml as X
from .state import Identity


class Handler(Protocol):
    """The parts of server._Handler this module uses."""

    command: str
    path: str
    query: dict[str, str]
    headers: Any
    ident: Identity

    @property
    def sim(self) -> Any: ...

    def _body(self) -> bytes: ...

    def _send(self, status: int, body: str | bytes = b"", ctype: str = ..., headers: dict[str, str] | None = None,
              jenkins_headers: bool = True) -> None: ...

    def _json(self, obj: Any, status: int = 200) -> None: ...

    def _deny(self, ident: Identity, pid: str, report: bool = True, message: str | None = None) -> None: ...

    def _redirect(self, location: str) -> None: ...


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><title>{html.escape(title)} [Jenkins]</title></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>")


def _not_found(h: Handler) -> None:
    h._send(404, _page("Not Found", ""))


def _failure(h: Handler, message: str) -> None:
    """hudson.model.Failure -> error.jelly: 400, the message in X-Error and on the page."""
    h._send(400, _page("Error", f"<p>{html.escape(message)}</p>"), headers={"X-Error": _header_safe(message)})


def _header_safe(s: str) -> str:
    # an HTTP header value is ISO-8859-1; other characters as "?" is an assumption (Jetty not read)
    return s.encode("latin-1", "replace").decode("latin-1")


def _oops(h: Handler) -> None:
    h._send(500, _page("Oops!", "<p>A problem occurred while processing the request.</p>"))


def handle(h: Handler, path: str) -> None:
    sim = h.sim
    tree: ItemTree = sim.items
    tokens = url_tokens(path)
    item: Item | None = None
    i = 0
    while i < len(tokens) and tokens[i] == "job":
        if i + 1 >= len(tokens) or (item is not None and not item.is_folder):
            return _not_found(h)  # a job has no getJob
        name = stapler_decode(tokens[i + 1])
        child = tree.find(item, name)
        if child is None:
            return _not_found(h)
        if not sim.has_item_access(h.ident, child, "Job/Read"):
            if sim.has_item_access(h.ident, child, "Job/Discover"):
                # org.springframework.security.access.AccessDeniedException: no diagnosis headers
                msg = f"Please login to access job {name}" if item is None else f"Please log in to access {name}"
                return h._deny(h.ident, "Job/Read", report=False, message=msg)
            return _not_found(h)
        item = child
        i += 2
    own_url = sim.url + "".join(t + "/" for t in tokens[:i])  # Stapler's ancestor URL: the raw tokens
    action = "/".join(tokens[i:])
    if item is None:
        if action == "createItem":
            if h.command != "POST":  # Jenkins.doCreateItem is @RequirePOST
                return h._send(405, _page("Error 405", "<p>This URL requires POST</p>"))
            return _create_item(h, None)
        return _not_found(h)
    if action == "":
        h._send(200, _page(item.name, f"<p>{html.escape(item.full_name)}</p>"))
    elif action == "api/json":
        depth = int(h.query.get("depth", "0") or 0)
        h._json(item_json(sim, h.ident, item, depth, {id(item): own_url}))
    elif action == "config.xml":
        _config_xml(h, item)
    elif action == "createItem" and item.is_folder:
        if h.command != "POST":  # Folder.doCreateItem is @POST: other verbs find no method
            return _not_found(h)
        _create_item(h, item)
    elif action == "build" and not item.is_folder:
        _build(h, item)
    else:
        _not_found(h)


# ------------------------------------------------------------------ config.xml
def _config_xml(h: Handler, item: Item) -> None:
    sim = h.sim
    if h.command == "GET":
        if not sim.has_item_access(h.ident, item, "Job/ExtendedRead"):
            return h._deny(h.ident, "Job/ExtendedRead")
        h._send(200, sim.items.config_xml(item.full_name), "application/xml")
    elif h.command == "POST":
        if not sim.has_item_access(h.ident, item, "Job/Configure"):
            return h._deny(h.ident, "Job/Configure")
        try:
            text = _request_text(h)
            with sim.lock:
                sim.items.ingest(item, text, at_startup=False, saved=True)
        except (X.XmlError, ItemError) as e:
            # IOException "Failed to process config.xml" / "Expecting ... but got ..." -> 500
            sim.log.append(f"WARNING hudson.model.AbstractItem: POST {item.full_name}/config.xml: {e}")
            return _oops(h)
        h._send(200, b"")
    else:
        h._send(400, _page("Error 400", ""))  # rsp.sendError(SC_BAD_REQUEST), HEAD included


def _request_text(h: Handler) -> str:
    """req.getReader(): the Content-Type's charset, else the servlet default ISO-8859-1
    (core CharacterEncodingFilter.java:88-104 leaves XML submissions alone)."""
    ctype = h.headers.get("Content-Type") or ""
    charset = "iso-8859-1"
    for part in ctype.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        if k.lower() == "charset" and v:
            charset = v.strip('"')
    try:
        return h._body().decode(charset)
    except (LookupError, UnicodeDecodeError) as e:
        raise X.XmlError(str(e)) from None


# ------------------------------------------------------------------ createItem
def _create_item(h: Handler, parent: Item | None) -> None:
    sim = h.sim
    tree: ItemTree = sim.items
    if not sim.has_item_access(h.ident, parent, "Job/Create"):
        return h._deny(h.ident, "Job/Create")
    ctype = h.headers.get("Content-Type")
    mode = _param(h, "mode")
    if ctype is None and mode != "copy":
        return _failure(h, "No Content-Type header set")
    is_xml = ctype is not None and (ctype.startswith("application/xml") or ctype.startswith("text/xml"))
    name = _param(h, "name")
    if name is None:
        return _failure(h, "Query parameter 'name' is required")
    try:
        check_good_name(name)
    except ItemError as e:
        return _failure(h, str(e))
    name = java_trim(name)
    with sim.lock:
        existing = tree.find(parent, name)
        if existing is not None:
            if sim.has_item_access(h.ident, existing, "Job/Read"):
                return _failure(h, f"A job already exists with the name ‘{name}’")
            if sim.has_item_access(h.ident, existing, "Job/Discover"):
                msg = f"Please login to access job {name}" if parent is None else f"Please log in to access {name}"
                return h._deny(h.ident, "Job/Read", report=False, message=msg)
            return _failure(h, "")  # "Cannot hide its existence, so at least be as vague as possible."
        if mode == "copy":
            return _failure(h, "jenkins_sim: mode=copy is not simulated")
        if is_xml:
            try:
                text = X.decode_stream(h._body())
                _, root = X.scan(text)
                kind = kind_of_root(root.name)
                if kind is None:
                    raise ItemError(f"Unable to read: no class for element {root.name}")
                created = tree.create(parent, name, kind, text)
            except (X.XmlError, ItemError) as e:
                sim.log.append(f"WARNING hudson.model.ItemGroupMixIn: createItem {name}: {e}")
                return _oops(h)
            _on_created(h, created)
            return h._send(200, b"")
        if mode is None:
            return _failure(h, "No mode given")
        kind = kind_by_class(mode)
        if kind is None or (kind.plugin is not None and kind.plugin not in sim.active_plugins()):
            return _failure(h, f"No item type ‘{mode}’ is known")
        created = tree.create(parent, name, kind, None)
        _on_created(h, created)
    h._redirect(sim.url + created.url + "configure")


def _param(h: Handler, key: str) -> str | None:
    """ServletRequest.getParameter: the query string, then a form body; blank values kept."""
    values = parse_qs(urlsplit(h.path).query, keep_blank_values=True).get(key)
    if values is None and (h.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
        values = parse_qs(h._body().decode("utf-8", "replace"), keep_blank_values=True).get(key)
    return values[0] if values else None


def _on_created(h: Handler, item: Item) -> None:
    """ItemListener.fireOnCreated: matrix-auth's listeners add the creator's entries."""
    sim = h.sim
    if sim.authorization.kind == "projectMatrix":
        sim.items.add_creator_entries(item, h.ident, lambda pid: sim.has_item_access(h.ident, item, pid))


# ------------------------------------------------------------------ build
def _build(h: Handler, job: Item) -> None:
    sim = h.sim
    if job.disabled:
        # isBuildable() is checked before any permission
        return h._send(409, _page("Error", f"<p>{html.escape(job.full_name)} is not buildable</p>"))
    if not sim.has_item_access(h.ident, job, "Job/Build"):
        return h._deny(h.ident, "Job/Build")
    if h.command != "POST":
        return h._send(405, _page("Error 405", "<p>This URL requires POST</p>"), headers={"Allow": "POST"})
    q = sim.items.schedule(job, h.ident.name)
    h._send(201, b"", headers={"Location": sim.url + q.url})


# ------------------------------------------------------------------ api/json
def _url(sim: Any, item: Item, ancestors: dict[int, str]) -> str:
    """AbstractItem.getUrl with a request: the nearest ancestor's URL as requested, else the
    parent's URL + the short URL (AbstractItem.java:537-591, Functions.getNearestAncestorUrl)."""
    if id(item) in ancestors:
        return ancestors[id(item)]
    base = sim.url if item.parent is None else _url(sim, item.parent, ancestors)
    return base + f"job/{raw_encode(item.name)}/"


def _display(item: Item) -> str:
    return item.root_child_text("displayName") or item.name


def _full_display(item: Item) -> str:
    return _display(item) if item.parent is None else f"{_full_display(item.parent)} » {_display(item)}"


def brief_json(sim: Any, item: Item, ancestors: dict[int, str]) -> dict[str, Any]:
    """An item nested at depth 0: the properties of visibility >= 2."""
    out: dict[str, Any] = {"_class": item.kind.java_class, "name": item.name, "url": _url(sim, item, ancestors)}
    if not item.is_folder:
        out["color"] = _color(sim, item)
    return out


def _color(sim: Any, item: Item) -> str:
    """Job.getIconColor without builds is NOTBUILT (Job.java:1256-1266); a disabled job is
    DISABLED (AbstractProject.java:720-725, WorkflowJob.java:278-284). A waiting queue item
    is no build: no `_anime`."""
    return "disabled" if item.disabled else "notbuilt"


def item_json(sim: Any, ident: Identity, item: Item, depth: int, ancestors: dict[int, str]) -> dict[str, Any]:
    url = _url(sim, item, ancestors)
    out: dict[str, Any] = {
        "_class": item.kind.java_class,
        "actions": [],
        "description": item.root_child_text("description"),
        "displayName": _display(item),
        "displayNameOrNull": item.root_child_text("displayName"),
        "fullDisplayName": _full_display(item),
        "fullName": item.full_name,
        "name": item.name,
        "url": url,
    }
    if item.is_folder:
        children = readable_children(sim, ident, item)
        out["healthReport"] = []
        out["jobs"] = [item_json(sim, ident, c, depth - 1, ancestors) if depth > 0 else brief_json(sim, c, ancestors)
                       for c in children]
        all_view = {"_class": "hudson.model.AllView", "name": "All", "url": url}
        out["primaryView"] = all_view
        out["views"] = [all_view]
        return out
    queued = next((q for q in sim.items.queue if q.job == item.full_name), None)
    out.update({
        "buildable": not item.disabled,
        "builds": [],
        "color": _color(sim, item),
        "firstBuild": None,
        "healthReport": [],
        "inQueue": queued is not None,
        "keepDependencies": item.root_child_text("keepDependencies") == "true",
        "lastBuild": None,
        "lastCompletedBuild": None,
        "lastFailedBuild": None,
        "lastStableBuild": None,
        "lastSuccessfulBuild": None,
        "lastUnstableBuild": None,
        "lastUnsuccessfulBuild": None,
        "nextBuildNumber": item.next_build_number,
        "property": [],
        "queueItem": None if queued is None else {"_class": "hudson.model.Queue$WaitingItem", "id": queued.id},
        "concurrentBuild": item.root_child_text("concurrentBuild") == "true",
        "disabled": item.disabled,
    })
    return out


def readable_children(sim: Any, ident: Identity, parent: Item | None) -> list[Item]:
    """ItemGroup.getItems(): the children the user can Read, in the map's order
    (Jenkins.java:1771-1789, AbstractFolder.java:898-916)."""
    return [c for c in sim.items.children(parent) if sim.has_item_access(ident, c, "Job/Read")]


def root_jobs(sim: Any, ident: Identity, depth: int = 0) -> list[dict[str, Any]]:
    """`jobs` of the root's api/json: Jenkins.getItems is exported like a folder's, so the root
    honours `depth` the same way (Api.java:123, ByDepth(1 - depth)): whole items at depth >= 1."""
    children = readable_children(sim, ident, None)
    if depth > 0:
        return [item_json(sim, ident, c, depth - 1, {}) for c in children]
    return [brief_json(sim, c, {}) for c in children]

