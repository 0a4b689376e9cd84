"""Conformance: config.xml, createItem, the creator's entries and builds (issue 12).

Sources: jenkinsci/jenkins@jenkins-2.568.2 AbstractItem.java:842-952, ItemGroupMixIn.java:147-348,
Items.java:737-751, ParameterizedJobMixIn.java:205-237, BuildAuthorizationToken.java:114-139,
Queue.java:612-673,2451, XStream2.java:383-386, CharacterEncodingFilter.java:88-104,
AbstractModelObject/error.jelly:27-28; jenkinsci/matrix-auth-plugin@matrix-auth-3.2.8
AuthorizationMatrixProperty.java:269-316, folder AuthorizationMatrixProperty.java:225-273,
AbstractAuthorizationContainerConverter.java:51-74; cloudbees-folder Folder.java:240-276.
"""

from __future__ import annotations

import re
from typing import Callable

import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.jenkins_sim import JenkinsSim, PomeriumSide
from tests.jenkins_sim import item_xml as X

from .helpers import Client, auth, item_sim

Factory = Callable[..., JenkinsSim]
FOLDER_PROP = "com.cloudbees.hudson.plugins.folder.properties.AuthorizationMatrixProperty"
XML_UTF8 = {"Content-Type": "application/xml; charset=UTF-8"}


def get(sim: JenkinsSim, path: str, user: str = "admin") -> requests.Response:
    return requests.get(sim.url + path, auth=auth(user), timeout=5, allow_redirects=False)


def post(sim: JenkinsSim, path: str, user: str = "admin", data: bytes | str | None = None,
         headers: dict[str, str] | None = None) -> requests.Response:
    return requests.post(sim.url + path, auth=auth(user), data=data, headers=headers, timeout=5, allow_redirects=False)


def outside_matrix(xml: str) -> str:
    return re.sub(rf"<{FOLDER_PROP}>.*?</{FOLDER_PROP}>", "<MATRIX/>", xml, flags=re.S)


# ------------------------------------------------------------------ config.xml
def test_get_config_xml_needs_configure(jenkins_sim_factory: Factory) -> None:
    """writeConfigDotXml checks EXTENDED_READ (AbstractItem.java:888-889); ExtendedRead is
    disabled by default, so the impliedBy walk skips it and only Configure passes. The answer
    is XStream's: `<?xml version="1.1" encoding="UTF-8"?>` and the document (XStream2.java:383-386)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f", inherit="none", entries=[("USER", "alice", "Job/Read"), ("USER", "bob", "Job/Read"),
                                                       ("USER", "bob", "Job/Configure"), ("USER", "carol", "Job/ExtendedRead"),
                                                       ("USER", "carol", "Job/Read")])
    r = get(sim, "job/f/config.xml", "alice")
    assert r.status_code == 403
    assert r.headers["X-Required-Permission"] == "hudson.model.Item.ExtendedRead"
    assert r.headers["X-Permission-Implied-By"].startswith("hudson.model.Item.Configure")
    assert get(sim, "job/f/config.xml", "carol").status_code == 403  # a grant of the disabled permission does nothing
    ok = get(sim, "job/f/config.xml", "bob")
    assert ok.status_code == 200 and ok.headers["Content-Type"].startswith("application/xml")
    assert ok.text.startswith('<?xml version="1.1" encoding="UTF-8"?>\n<com.cloudbees.hudson.plugins.folder.Folder ')


def test_post_config_xml_needs_configure_and_replaces_everything(jenkins_sim_factory: Factory) -> None:
    """updateByXml checks CONFIGURE (:927) and replaces the item's whole configuration with
    the posted document: what the post leaves out is gone."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f", inherit="none", entries=[("USER", "alice", "Job/Read"), ("USER", "bob", "Job/Read"),
                                                       ("USER", "bob", "Job/Configure")])
    before = get(sim, "job/f/config.xml").text
    r = post(sim, "job/f/config.xml", "alice", before.encode(), XML_UTF8)
    assert r.status_code == 403 and r.headers["X-Required-Permission"] == "hudson.model.Item.Configure"
    slim = re.sub(r"  <healthMetrics>.*?</healthMetrics>\n", "", before, flags=re.S)
    assert post(sim, "job/f/config.xml", "bob", slim.encode(), XML_UTF8).status_code == 200
    after = get(sim, "job/f/config.xml").text
    assert "WorstChildHealthMetric" not in after and after == slim


def test_other_settings_survive_a_matrix_only_edit_byte_for_byte(jenkins_sim_factory: Factory) -> None:
    """GET, change only the matrix property, POST: every other element comes back as it was;
    the property itself comes back as matrix-auth writes it (strategy first, entries by
    permission id then type then sid, Java ids; AbstractAuthorizationContainerConverter.java:51-74)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f", inherit="parent", entries=[("USER", "alice", "Job/Read")])
    before = get(sim, "job/f/config.xml").text
    edited = re.sub(rf"<{FOLDER_PROP}>.*?</{FOLDER_PROP}>", X.property_xml(FOLDER_PROP, X.NON_INHERITING, [
        "USER:Job/Read:zed", "GROUP:hudson.model.Item.Build:team-a", "USER:hudson.model.Item.Build:alice"]),
        before, flags=re.S)
    assert post(sim, "job/f/config.xml", data=edited.encode(), headers=XML_UTF8).status_code == 200
    after = get(sim, "job/f/config.xml").text
    assert outside_matrix(after) == outside_matrix(before)
    assert (f"    <{FOLDER_PROP}>\n"
            '      <inheritanceStrategy class="org.jenkinsci.plugins.matrixauth.inheritance.NonInheritingStrategy"/>\n'
            "      <permission>GROUP:hudson.model.Item.Build:team-a</permission>\n"
            "      <permission>USER:hudson.model.Item.Build:alice</permission>\n"
            "      <permission>USER:hudson.model.Item.Read:zed</permission>\n"
            f"    </{FOLDER_PROP}>\n") in after


_ELEMENT = st.from_regex(r"[a-z][a-zA-Z0-9._-]{0,12}", fullmatch=True)
_TEXT = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=20)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(_ELEMENT, _TEXT), min_size=1, max_size=4))
def test_any_other_property_survives_byte_for_byte(others: list[tuple[str, str]]) -> None:
    """Random other properties around the matrix: after the post, everything outside the matrix
    property is the posted text, byte for byte."""
    with JenkinsSim(plugins={"configuration-as-code": "1", "matrix-auth": "3.2.8", "cloudbees-folder": "6.1100.ve9eed61d16c4"},
                    users={"admin": "admin-token"}) as sim:
        sim.items.add_folder("f")
        props = "".join(f"\n    <{n} a='{X.escape(t)}'>{X.escape(t)}</{n}>" for n, t in others)
        matrix = X.property_xml(FOLDER_PROP, X.INHERIT_GLOBAL, ["USER:Job/Build:bob", "GROUP:Job/Read:x & y"])
        doc = sim.items.config_xml("f").replace("<properties>", f"<properties>{props}\n    {matrix}", 1)
        r = requests.post(sim.url + "job/f/config.xml", data=doc.encode(), headers=XML_UTF8,
                          auth=("admin", "admin-token"), timeout=5)
        assert r.status_code == 200
        assert outside_matrix(sim.items.config_xml("f")) == outside_matrix(doc)


def test_unknown_ids_vanish_on_the_way_back(jenkins_sim_factory: Factory) -> None:
    """A client that writes an id Jenkins does not know gets 200, and reads back the property
    without it (skipped with a warning while unmarshalling, then written from memory)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f")
    doc = sim.items.config_xml("f").replace("<properties>", "<properties>\n    " + X.property_xml(
        FOLDER_PROP, X.INHERIT_PARENT, ["USER:hudson.model.Item.Read:alice", "USER:hudson.model.Item.Bulid:alice"]), 1)
    assert post(sim, "job/f/config.xml", data=doc.encode(), headers=XML_UTF8).status_code == 200
    back = get(sim, "job/f/config.xml").text
    assert "Item.Read:alice" in back and "Bulid" not in back
    assert any("Failed to parse 'hudson.model.Item.Bulid'" in line for line in sim.log)


def test_broken_posts_fail_and_change_nothing(jenkins_sim_factory: Factory) -> None:
    """Not well-formed: IOException "Failed to process config.xml"; another item class:
    "Expecting ... but got ..." (AbstractItem.java:929-941). Both 500, nothing changed. Other
    methods than GET/POST (HEAD too) are 400 (:874-877)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f")
    sim.items.add_job("j")
    before = sim.items.config_xml("f")
    assert post(sim, "job/f/config.xml", data=b"<com.cloudbees.hudson.plugins.folder.Folder>", headers=XML_UTF8).status_code == 500
    assert post(sim, "job/f/config.xml", data=sim.items.config_xml("j").encode(), headers=XML_UTF8).status_code == 500
    assert sim.items.config_xml("f") == before
    assert requests.head(sim.url + "job/f/config.xml", auth=auth("admin"), timeout=5).status_code == 400
    assert requests.put(sim.url + "job/f/config.xml", auth=auth("admin"), data=before.encode(), timeout=5).status_code == 400


def test_post_reads_the_body_with_the_content_type_charset(jenkins_sim_factory: Factory) -> None:
    """updateByXml reads req.getReader(): the declared charset, else ISO-8859-1 (the
    CharacterEncodingFilter leaves XML submissions alone, CharacterEncodingFilter.java:95-101;
    the container's default is an assumption, see docs/fidelity.md)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f")
    doc = sim.items.config_xml("f").replace("<properties>", "<properties>\n    " + X.property_xml(
        FOLDER_PROP, X.INHERIT_PARENT, ["USER:Job/Read:josé"]), 1).encode()
    post(sim, "job/f/config.xml", data=doc, headers={"Content-Type": "application/xml"})
    assert "josÃ©" in sim.items.config_xml("f")
    post(sim, "job/f/config.xml", data=doc, headers=XML_UTF8)
    assert "USER:hudson.model.Item.Read:josé" in sim.items.config_xml("f")


def test_crumb_is_needed_without_an_api_token(jenkins_sim_factory: Factory, pomerium_side: PomeriumSide) -> None:
    """config.xml and createItem are POSTs: the CSRF crumb filter applies as everywhere
    (API-token requests are exempt)."""
    from .helpers import ADMIN, HDR, jwt_sim
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    sim.install_plugin_now("cloudbees-folder", "6.1100.ve9eed61d16c4")
    sim.items.add_folder("f")
    c = Client(sim.url, headers={HDR: pomerium_side.mint(ADMIN, [])})
    xml = c.get("job/f/config.xml").content
    assert c.post("job/f/config.xml", data=xml, headers=XML_UTF8).status_code == 403
    c.fetch_crumb()
    assert c.post("job/f/config.xml", data=xml, headers=XML_UTF8).status_code == 200


# ------------------------------------------------------------------ createItem
def test_create_item_needs_job_create_on_the_parent(jenkins_sim_factory: Factory) -> None:
    """ItemGroupMixIn.createTopLevelItem checks Item.CREATE on the parent first (:148): the
    root ACL for `/createItem`, the folder's for `/job/f/createItem`."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f", inherit="parent", entries=[("USER", "alice", "Job/Create"), ("USER", "alice", "Job/Read"),
                                                         ("USER", "bob", "Job/Read")])
    q = "?name=new&mode=com.cloudbees.hudson.plugins.folder.Folder"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = post(sim, "job/f/createItem" + q, "bob", b"", form)
    assert r.status_code == 403 and r.headers["X-Required-Permission"] == "hudson.model.Item.Create"
    assert post(sim, "createItem" + q, "alice", b"", form).status_code == 403
    r = post(sim, "job/f/createItem" + q, "alice", b"", form)
    assert r.status_code == 302 and r.headers["Location"] == sim.url + "job/f/job/new/configure"
    assert sim.items.get("f/new") is not None


def test_create_item_from_xml(jenkins_sim_factory: Factory) -> None:
    """An XML body (Content-Type application/xml or text/xml) creates the item from it:
    200, no body (ItemGroupMixIn.java:189-193); the class comes from the root element; the
    bytes are parsed by the document's own declaration (an InputStream, not a Reader)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f")
    doc = X.XML_DECLARATION + X.body(sim.items.config_xml("f")).replace("Team f", "Équipe")
    r = post(sim, "createItem?name=g", data=doc.encode("utf-8"), headers={"Content-Type": "application/xml"})
    assert r.status_code == 200 and r.text == ""
    assert sim.items.require("g").kind.key == "folder"
    assert "Équipe" in sim.items.config_xml("g")
    r = post(sim, "job/g/createItem?name=app", data=sim.items.config_xml("f").replace(
        "com.cloudbees.hudson.plugins.folder.Folder", "project").encode(), headers={"Content-Type": "text/xml"})
    assert r.status_code == 200 and sim.items.require("g/app").kind.key == "freestyle"


def test_create_item_failures(jenkins_sim_factory: Factory) -> None:
    """Failures are 400 with the message in X-Error (error.jelly): no Content-Type, no name,
    a bad name, an unknown mode, an existing name. GET on the root's createItem is 405
    (@RequirePOST), on a folder's 404 (@POST matches only POST)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    folder = "&mode=com.cloudbees.hudson.plugins.folder.Folder"
    cases = [
        ("createItem?name=x" + folder, None, "No Content-Type header set"),
        ("createItem?mode=x", form, "Query parameter 'name' is required"),
        ("createItem?name=a%3Bb" + folder, form, "‘;’ is an unsafe character"),
        ("createItem?name=x&mode=hudson.model.Nope", form, "No item type ‘hudson.model.Nope’ is known"),
        ("createItem?name=x", form, "No mode given"),
        ("createItem?name=F" + folder, form, "A job already exists with the name ‘F’"),
    ]
    for path, headers, message in cases:
        r = post(sim, path, headers=headers)
        assert r.status_code == 400, path
        assert r.headers["X-Error"] == message.encode("latin-1", "replace").decode("latin-1"), path
    assert get(sim, "createItem?name=x" + folder).status_code == 405
    assert get(sim, "job/f/createItem?name=x" + folder).status_code == 404


def test_create_item_over_a_hidden_item_is_vague(jenkins_sim_factory: Factory) -> None:
    """An existing item the user cannot see: getItem gives null, then
    verifyItemDoesNotAlreadyExist (as SYSTEM) finds it and, without Discover, fails with an
    empty message ("at least be as vague as possible", Items.java:737-751); with Discover,
    403."""
    sim = item_sim(jenkins_sim_factory, ("USER", "bob", "Job/Create"))
    sim.items.add_folder("hidden", inherit="none")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = post(sim, "createItem?name=HIDDEN&mode=hudson.model.FreeStyleProject", "bob", b"", form)
    assert r.status_code == 400 and r.headers["X-Error"] == ""
    sim.items.add_folder("seen", inherit="none", entries=[("USER", "bob", "Job/Discover")])
    assert post(sim, "createItem?name=seen&mode=hudson.model.FreeStyleProject", "bob", b"", form).status_code == 403


def test_folders_need_cloudbees_folder(jenkins_sim_factory: Factory) -> None:
    """Without the plugin the Folder class is no item type (Items.all() has no descriptor)."""
    sim = jenkins_sim_factory(users={"admin": "admin-token"})
    r = requests.post(sim.url + "createItem?name=f&mode=com.cloudbees.hudson.plugins.folder.Folder", auth=auth("admin"),
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=5)
    assert r.status_code == 400 and "is known" in r.headers["X-Error"]


def test_creator_without_read_or_configure_gets_entries(jenkins_sim_factory: Factory) -> None:
    """matrix-auth's ItemListenerImpl.onCreated (folder property :228-273, job property
    :272-316): under the project matrix, a creator who lacks Read or Configure on the new item
    gets USER entries for them, on a new InheritParent property if the item had none."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f", inherit="none", entries=[("USER", "bob", "Job/Create"), ("USER", "bob", "Job/Read")])
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert post(sim, "job/f/createItem?name=app&mode=hudson.model.FreeStyleProject", "bob", b"", form).status_code == 302
    m = sim.items.matrix("f/app")
    assert m is not None and m.inheritance == X.INHERIT_PARENT
    assert sorted((e.type, e.short, e.sid) for e in m.entries) == [("USER", "Job/Configure", "bob")]  # bob reads via f
    assert "<hudson.security.AuthorizationMatrixProperty>" in sim.items.config_xml("f/app")
    # the administrator can do everything: nothing added
    assert post(sim, "job/f/createItem?name=app2&mode=hudson.model.FreeStyleProject", "admin", b"", form).status_code == 302
    assert sim.items.matrix("f/app2") is None


def test_creator_entries_join_an_existing_property(jenkins_sim_factory: Factory) -> None:
    """A posted config.xml that already has a matrix property: the entries are added to it."""
    sim = item_sim(jenkins_sim_factory, ("USER", "carol", "Job/Create"))
    doc = X.XML_DECLARATION + X.insert_property(
        "<com.cloudbees.hudson.plugins.folder.Folder>\n  <properties/>\n</com.cloudbees.hudson.plugins.folder.Folder>",
        X.property_xml(FOLDER_PROP, X.NON_INHERITING, ["GROUP:Job/Build:team-c"]))
    assert post(sim, "createItem?name=c", "carol", doc.encode(), XML_UTF8).status_code == 200
    m = sim.items.matrix("c")
    assert m is not None and m.inheritance == X.NON_INHERITING
    assert sorted((e.type, e.short, e.sid) for e in m.entries) == [
        ("GROUP", "Job/Build", "team-c"), ("USER", "Job/Configure", "carol"), ("USER", "Job/Read", "carol")]
    assert get(sim, "job/c/api/json", "carol").status_code == 200


def test_no_creator_entries_outside_the_project_matrix(jenkins_sim_factory: Factory) -> None:
    """The listener acts only when the strategy is a ProjectMatrixAuthorizationStrategy."""
    sim = item_sim(jenkins_sim_factory, ("USER", "bob", "Job/Create"), kind="globalMatrix")
    r = post(sim, "createItem?name=x&mode=hudson.model.FreeStyleProject", "bob", b"",
             {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 302 and sim.items.matrix("x") is None


# ------------------------------------------------------------------ build
def test_build_answers_201_with_the_queue_item(jenkins_sim_factory: Factory) -> None:
    """ParameterizedJobMixIn.doBuild: Job/Build (BuildAuthorizationToken.checkPermission), POST
    only (405 + Allow: POST after the permission check), then 201 with the queue item's URL; a
    job already waiting keeps its queue item (Queue.scheduleInternal, ScheduleResult.existing)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("team-a", inherit="none", entries=[("GROUP", "authenticated", "Job/Read"), ("USER", "alice", "Job/Build")])
    sim.items.add_job("team-a/app")
    sim.items.add_job("team-a/other", kind="pipeline")
    r = post(sim, "job/team-a/job/app/build", "bob")
    assert r.status_code == 403 and r.headers["X-Required-Permission"] == "hudson.model.Item.Build"
    assert get(sim, "job/team-a/job/app/build", "bob").status_code == 403
    g = get(sim, "job/team-a/job/app/build", "alice")
    assert g.status_code == 405 and g.headers["Allow"] == "POST"
    first = post(sim, "job/team-a/job/app/build", "alice")
    assert first.status_code == 201 and first.headers["Location"] == sim.url + "queue/item/1/"
    assert post(sim, "job/team-a/job/app/build", "alice").headers["Location"] == sim.url + "queue/item/1/"
    assert post(sim, "job/team-a/job/other/build", "alice").headers["Location"] == sim.url + "queue/item/2/"
    assert [(q.id, q.job, q.by) for q in sim.items.queue] == [(1, "team-a/app", "alice"), (2, "team-a/other", "alice")]
    assert get(sim, "job/team-a/job/app/api/json", "alice").json()["inQueue"] is True
    assert post(sim, "job/team-a/build", "admin").status_code == 404  # a folder has no build


def test_disabled_job_is_409_before_any_permission(jenkins_sim_factory: Factory) -> None:
    """doBuild checks isBuildable() first: 409 "X is not buildable" (:210-212)."""
    sim = item_sim(jenkins_sim_factory, ("GROUP", "authenticated", "Job/Read"))
    sim.items.add_job("app", config_xml=X.XML_DECLARATION + "<project>\n  <disabled>true</disabled>\n</project>")
    assert post(sim, "job/app/build", "bob").status_code == 409


# ------------------------------------------------------------------ faults on items
def test_faults_reach_item_endpoints_by_method_and_glob(jenkins_sim_factory: Factory) -> None:
    """fail/drop/hang reach any item path; `method` and `skip` pick one request of several."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("a")
    sim.items.add_folder("a/b")
    sim.fail_next("/job/*/config.xml", status=503, method="POST")
    assert get(sim, "job/a/job/b/config.xml").status_code == 200
    doc = sim.items.config_xml("a/b").encode()
    assert post(sim, "job/a/job/b/config.xml", data=doc, headers=XML_UTF8).status_code == 503
    assert post(sim, "job/a/job/b/config.xml", data=doc, headers=XML_UTF8).status_code == 200
    sim.drop_next("/job/a/config.xml", skip=1)
    assert get(sim, "job/a/config.xml").status_code == 200
    try:
        get(sim, "job/a/config.xml")
        raise AssertionError("the second request must be dropped")
    except requests.ConnectionError:
        pass


def test_a_change_between_two_reads(jenkins_sim_factory: Factory) -> None:
    """before_next runs a change right before a chosen request: someone else edits the item
    between a client's first and second read."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("a")

    def edit(s: JenkinsSim) -> None:
        s.items.set_config_xml("a", s.items.config_xml("a").replace("builds &amp; deploys", "changed"))

    sim.before_next("/job/a/config.xml", edit, method="GET", skip=1)
    first = get(sim, "job/a/config.xml").text
    second = get(sim, "job/a/config.xml").text
    assert "changed" not in first and "changed" in second


def test_concurrent_creates_and_reads(jenkins_sim_factory: Factory) -> None:
    """Clients with bounded concurrency: creates, listings and config reads in parallel all
    answer normally and every item lands once."""
    from concurrent.futures import ThreadPoolExecutor
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("f")
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    def work(i: int) -> tuple[int, int, int]:
        c = post(sim, f"job/f/createItem?name=j{i}&mode=hudson.model.FreeStyleProject", data=b"", headers=form).status_code
        return c, get(sim, "job/f/api/json").status_code, get(sim, "job/f/config.xml").status_code

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(24)))
    assert set(results) == {(302, 200, 200)}
    assert len(get(sim, "job/f/api/json").json()["jobs"]) == 24
