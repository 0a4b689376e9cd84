"""Conformance: the item tree over HTTP (issue 12): addressing, names, visibility, api/json.

Sources: jenkinsci/jenkins@jenkins-2.568.2 Jenkins.java:489,1771-1789,3021-3032,
AbstractItem.java:470-490,538-604,993-1002, Util.java:882-998, Item.java:202-207;
jenkinsci/cloudbees-folder-plugin@6.1100.ve9eed61d16c4 AbstractFolder.java:188,898-950;
jenkinsci/stapler@2088.v915606dc8e86 TokenList.java:58-72,163-196, AncestorImpl.java:49,
TreePruner.java:46-71.
"""

from __future__ import annotations

from typing import Callable
from urllib.parse import quote

import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.jenkins_sim import JenkinsSim
from tests.jenkins_sim.item_names import ItemError, check_good_name, endpoint_of, raw_encode, stapler_decode

from .helpers import auth, item_sim

Factory = Callable[..., JenkinsSim]


def get(sim: JenkinsSim, path: str, user: str = "admin") -> requests.Response:
    return requests.get(sim.url + path, auth=auth(user), timeout=5, allow_redirects=False)


def test_nested_items_are_addressed_by_job_segments(jenkins_sim_factory: Factory) -> None:
    """`/job/a/job/b/`: Stapler asks each item group for its child (Hudson.getJob,
    AbstractFolder.getJob); full names join with '/' (AbstractItem.getFullName)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("a")
    sim.items.add_folder("a/b")
    sim.items.add_job("a/b/app")
    r = get(sim, "job/a/job/b/job/app/api/json")
    assert r.status_code == 200
    j = r.json()
    assert (j["_class"], j["name"], j["fullName"]) == ("hudson.model.FreeStyleProject", "app", "a/b/app")
    assert j["url"] == sim.url + "job/a/job/b/job/app/"
    assert get(sim, "job/a/job/b/job/app/job/x/api/json").status_code == 404  # a job has no children
    assert get(sim, "job/a/job/nope/api/json").status_code == 404


def test_folder_json_lists_children_like_depth_zero(jenkins_sim_factory: Factory) -> None:
    """A folder's `jobs` (AbstractFolder.getItems, @Exported(name="jobs")); at depth 0 nested
    objects show only visibility >= 2 properties: name, url, and color for jobs (Api.java:123,
    stapler TreePruner.ByDepth)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("a")
    sim.items.add_folder("a/sub")
    sim.items.add_job("a/app", kind="pipeline")
    j = get(sim, "job/a/api/json").json()
    assert j["jobs"] == [
        {"_class": "org.jenkinsci.plugins.workflow.job.WorkflowJob", "name": "app", "url": sim.url + "job/a/job/app/",
         "color": "notbuilt"},
        {"_class": "com.cloudbees.hudson.plugins.folder.Folder", "name": "sub", "url": sim.url + "job/a/job/sub/"},
    ]
    deep = get(sim, "job/a/api/json?depth=1").json()
    assert [c["fullName"] for c in deep["jobs"]] == ["a/app", "a/sub"]


def test_root_json_honours_depth_like_a_folder(jenkins_sim_factory: Factory) -> None:
    """The root's `jobs` (Jenkins.getItems, @Exported(name = "jobs"), Jenkins.java:1770-1773) is
    pruned by the same Api.doJson depth (Api.java:123): whole items, a folder's own `jobs`
    included, at depth 1."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("a")
    sim.items.add_job("a/app")
    sim.items.add_job("top")
    brief = get(sim, "api/json").json()["jobs"]
    assert all("jobs" not in j for j in brief)
    deep = {j["name"]: j for j in get(sim, "api/json?depth=1").json()["jobs"]}
    assert [c["name"] for c in deep["a"]["jobs"]] == ["app"] and "jobs" not in deep["top"]


def test_names_are_case_insensitive_and_listed_in_that_order(jenkins_sim_factory: Factory) -> None:
    """Children live in a TreeMap with String.CASE_INSENSITIVE_ORDER (Jenkins.java:489,
    AbstractFolder.java:188): any case finds the item, a second name differing only in case is
    "already exists", listings are sorted ignoring case."""
    sim = item_sim(jenkins_sim_factory)
    for n in ("beta", "Alpha", "gamma"):
        sim.items.add_folder(n)
    assert [c["name"] for c in get(sim, "api/json").json()["jobs"]] == ["Alpha", "beta", "gamma"]
    r = get(sim, "job/ALPHA/api/json")
    assert r.status_code == 200 and r.json()["fullName"] == "Alpha"
    # Stapler's ancestor URL is the request's own token: the URL echoes the case asked for
    assert r.json()["url"] == sim.url + "job/ALPHA/"
    try:
        sim.items.add_folder("BETA")
        raise AssertionError("a case variant must be refused")
    except ItemError as e:
        assert "already exists" in str(e)


def test_unreadable_items_are_absent(jenkins_sim_factory: Factory) -> None:
    """Jenkins.getItem / AbstractFolder.getItem: without Read and Discover the item is null
    (404, as if it did not exist); listings leave it out (getItems filters on Read)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("team-a", inherit="none", entries=[("USER", "alice", "Job/Read")])
    sim.items.add_job("team-a/app")
    sim.items.add_folder("team-b", inherit="none", entries=[("USER", "bob", "Job/Read")])
    for path in ("job/team-a/", "job/team-a/api/json", "job/team-a/job/app/api/json", "job/team-a/config.xml"):
        assert get(sim, path, "bob").status_code == 404, path
    assert get(sim, "job/team-a/job/app/api/json", "alice").status_code == 200
    assert [c["name"] for c in get(sim, "api/json", "alice").json()["jobs"]] == ["team-a"]
    assert [c["name"] for c in get(sim, "api/json", "admin").json()["jobs"]] == ["team-a", "team-b"]


def test_discover_without_read_is_403_without_diagnosis(jenkins_sim_factory: Factory) -> None:
    """With Discover but not Read, getItem throws AccessDeniedException ("Please login to
    access job X"): 403. It is not an AccessDeniedException3, so AccessDeniedHandlerImpl
    sends no X-Required-Permission (AccessDeniedHandlerImpl.java:48-56)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("team-a", inherit="none", entries=[("USER", "bob", "Job/Discover")])
    r = get(sim, "job/team-a/api/json", "bob")
    assert r.status_code == 403 and "X-Required-Permission" not in r.headers
    assert "Please login to access job team-a" in r.text
    anon = requests.get(sim.url + "job/team-a/", timeout=5)
    assert anon.status_code == 403  # anonymous lacks Overall/Read before any item lookup


def test_names_with_spaces_and_non_ascii_are_raw_encoded(jenkins_sim_factory: Factory) -> None:
    """AbstractItem.getShortUrl uses Util.rawEncode (UTF-8, upper-case hex); Stapler decodes
    each token back (TokenList.decode)."""
    sim = item_sim(jenkins_sim_factory)
    sim.items.add_folder("équipe a")
    sim.items.add_job("équipe a/déploiement (prod)")
    listing = get(sim, "api/json").json()["jobs"]
    assert listing[0]["url"] == sim.url + "job/%C3%A9quipe%20a/"
    r = get(sim, "job/%C3%A9quipe%20a/job/d%C3%A9ploiement%20(prod)/api/json")
    assert r.status_code == 200 and r.json()["fullName"] == "équipe a/déploiement (prod)"


def test_raw_encode_known_values() -> None:
    """Util.rawEncode's map (Util.java:882-896): `!$&'()*+,-.=@_` and alphanumerics stay."""
    assert raw_encode("a b") == "a%20b"
    assert raw_encode("x!$&'()*+,-.=@_y") == "x!$&'()*+,-.=@_y"
    assert raw_encode('"#%/:;<>?[\\]^`{|}~') == "%22%23%25%2F%3A%3B%3C%3E%3F%5B%5C%5D%5E%60%7B%7C%7D%7E"
    assert raw_encode("€") == "%E2%82%AC" and raw_encode("\U0001d11e") == "%F0%9D%84%9E"


def test_stapler_decode_is_lenient() -> None:
    """TokenList.decode: a truncated %H at the end vanishes, bad UTF-8 is U+FFFD, `+` stays."""
    assert stapler_decode("a%2") == "a" and stapler_decode("a%") == "a"
    assert stapler_decode("a+b") == "a+b"
    assert stapler_decode("%FF") == "\ufffd"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=12))
def test_raw_encode_round_trips_through_stapler(name: str) -> None:
    """The class of names: whatever Jenkins encodes, Stapler decodes back to the same name,
    and the encoded segment holds no character a URL path would split or end on."""
    enc = raw_encode(name)
    assert all(c not in enc for c in "/\\?# ")
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in name):  # a lone surrogate encodes as '?'
        assert stapler_decode(enc) == name


@settings(max_examples=15, deadline=None)
@given(st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=10))
def test_any_good_name_is_reachable_at_its_url(name: str) -> None:
    """Over HTTP: an item with any name checkGoodName accepts is found at the URL Jenkins
    gives it, and its fullName is the name."""
    try:
        check_good_name(name)
    except ItemError:
        return
    if name != name.strip() or not name.strip(" \t\r\n\x0b\x0c"):
        return  # createItem trims; the Python API takes names as Jenkins stores them
    with JenkinsSim(plugins={"configuration-as-code": "1", "matrix-auth": "3.2.8", "cloudbees-folder": "6.1100.ve9eed61d16c4"},
                    users={"admin": "admin-token"}) as sim:
        sim.items.add_folder(name)
        listing = requests.get(sim.url + "api/json", auth=("admin", "admin-token"), timeout=5).json()["jobs"]
        assert listing[0]["url"] == sim.url + f"job/{raw_encode(name)}/"
        r = requests.get(listing[0]["url"] + "api/json", auth=("admin", "admin-token"), timeout=5)
        assert r.status_code == 200 and r.json()["fullName"] == name


def test_check_good_name_messages() -> None:
    """Jenkins.checkGoodName and its messages (hudson/model/Messages.properties)."""
    cases = {"": "No name is specified", " .. ": "“..” is not an allowed name", "a/b": "‘/’ is an unsafe character",
             "a\x01": "No control code is allowed: a\\u1;", "end.": "A name cannot end with ‘.’"}
    for name, msg in cases.items():
        try:
            check_good_name(name)
            raise AssertionError(name)
        except ItemError as e:
            assert str(e) == msg


def test_endpoint_counts_collapse_item_paths(jenkins_sim_factory: Factory) -> None:
    """Request counts per endpoint, whatever the item: tests can hold a client to a request
    count proportional to the number of items."""
    sim = item_sim(jenkins_sim_factory)
    for i in range(3):
        sim.items.add_folder(f"f{i}")
        get(sim, f"job/f{i}/config.xml")
        get(sim, f"job/f{i}/api/json")
    counts = sim.endpoint_counts()
    assert counts[("GET", "/{item}/config.xml")] == 3 and counts[("GET", "/{item}/api/json")] == 3
    assert endpoint_of("/job/a/job/b%20c/createItem") == "/{item}/createItem"
    assert endpoint_of("/createItem") == "/createItem" and endpoint_of("/job/a/") == "/{item}/"
    assert quote("b c") == "b%20c"


def test_the_readme_example_runs() -> None:
    """The item example in tests/jenkins_sim/README.md runs as written."""
    import pathlib
    import re as _re
    text = (pathlib.Path(__file__).resolve().parents[1] / "jenkins_sim" / "README.md").read_text(encoding="utf-8")
    block = _re.search(r"### Items.*?```python\n(.*?)```", text, _re.S)
    assert block is not None
    exec(compile(block.group(1), "README.md", "exec"), {})


def test_items_are_not_in_the_jcasc_export(jenkins_sim_factory: Factory) -> None:
    """JCasC has no configurator for folders or jobs; its export is unchanged by items."""
    sim = item_sim(jenkins_sim_factory)
    before = sim.export_yaml()
    sim.items.add_folder("team-a", inherit="none", entries=[("USER", "alice", "Job/Read")])
    assert sim.export_yaml() == before and "team-a" not in before
