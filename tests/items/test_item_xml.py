"""jcasc_gen/item_xml.py: only the matrix property of an item's config.xml changes.

The property-based test builds random folder and job documents (other properties, views,
comments, CDATA, processing instructions, attributes holding `>` and quotes, escaped text,
any indentation), with or without a matrix property in any of matrix-auth's forms, replaces the
matrix and checks that every byte outside it is what it was, and that the document reads back
as the target. Hostile documents (DTDs, entities, oversize, other encodings) are refused.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from jcasc_gen import item_xml
from jcasc_gen.item_xml import Entry, ItemXmlError
from jcasc_gen.items import FOLDER_PROPERTY, INHERIT_CLASSES, JOB_PROPERTY

FOLDER = "com.cloudbees.hudson.plugins.folder.Folder"


def _attr_value() -> st.SearchStrategy[str]:
    return st.text(alphabet=st.sampled_from(list("ab >'<&\"é${}")), max_size=8)


def _escape_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attr(s: str) -> str:
    return _escape_text(s).replace('"', "&quot;")


_names = st.sampled_from(["description", "displayName", "hudson.model.ParametersDefinitionProperty", "icon",
                          "org.example.Some-Prop_1", "views", "a", "b.c"])
_text = st.text(alphabet=st.sampled_from(list("xyz &<>\"'é\n\t]")), max_size=12)


@st.composite
def _element(draw: Any, depth: int = 0) -> str:
    name = draw(_names)
    attrs = draw(st.dictionaries(st.sampled_from(["class", "plugin", "reference"]), _attr_value(), max_size=2))
    quote = draw(st.sampled_from(['"', "'"]))
    attr_text = "".join(f" {k}={quote}{_escape_attr(v).replace(quote, '&apos;' if quote == chr(39) else '&quot;')}{quote}"
                        for k, v in attrs.items())
    kind = draw(st.sampled_from(["empty", "text", "children", "cdata"] if depth < 2 else ["empty", "text", "cdata"]))
    if kind == "empty":
        return f"<{name}{attr_text}{draw(st.sampled_from(['/>', ' />']))}"
    if kind == "text":
        return f"<{name}{attr_text}>{_escape_text(draw(_text))}</{name}>"
    if kind == "cdata":
        return f"<{name}{attr_text}><![CDATA[{draw(_text).replace(']]>', '')}]]></{name}>"
    parts = draw(st.lists(st.one_of(_element(depth + 1), st.just("<!-- a comment <x> -->"), st.just("<?pi data?>")), max_size=3))
    pad = draw(st.sampled_from(["", "\n  ", "\n\t", " "]))
    return f"<{name}{attr_text}>" + "".join(pad + p for p in parts) + pad + f"</{name}>"


_entries = st.frozensets(st.builds(Entry, st.sampled_from(["USER", "GROUP", "EITHER"]),
                                   st.text(alphabet=st.sampled_from(list("abcAB-@.é'&<")), min_size=1, max_size=6),
                                   st.sampled_from(["Job/Read", "Job/Build", "Run/Delete", "Credentials/View", "View/Read"])),
                         max_size=6)


@st.composite
def _matrix_property(draw: Any, cls: str) -> str:
    """A matrix property in one of the forms Jenkins has written over the years."""
    form = draw(st.sampled_from(["typed", "legacy", "blocks", "empty", "no-strategy"]))
    entries = draw(_entries)
    ind = draw(st.sampled_from(["\n      ", "\n", ""]))
    parts = []
    if form == "typed":
        parts.append(f'<inheritanceStrategy class="{INHERIT_CLASSES[draw(st.sampled_from(list(INHERIT_CLASSES)))]}"/>')
    if form == "blocks":
        parts.append("<blocksInheritance>true</blocksInheritance>")
    for e in sorted(entries):
        text = item_xml.permission_text(e) if form != "legacy" else item_xml.permission_text(Entry("EITHER", e.sid, e.permission))
        parts.append(f"<permission>{_escape_text(text)}</permission>")
    if form == "empty":
        return f"<{cls}/>"
    return f"<{cls}>" + "".join(ind + p for p in parts) + ind + f"</{cls}>"


@st.composite
def _document(draw: Any) -> tuple[bytes, bool]:
    folder = draw(st.booleans())
    root = FOLDER if folder else draw(st.sampled_from(["project", "flow-definition"]))
    cls = FOLDER_PROPERTY if folder else JOB_PROPERTY
    others = draw(st.lists(_element(), max_size=3))
    has_matrix = draw(st.booleans())
    props = list(others)
    if has_matrix:
        props.insert(draw(st.integers(0, len(props))), draw(_matrix_property(cls)))
    pad = draw(st.sampled_from(["\n    ", "\n  ", " ", ""]))
    if props:
        properties = "<properties>" + "".join(pad + p for p in props) + draw(st.sampled_from(["\n  ", ""])) + "</properties>"
    else:
        properties = draw(st.sampled_from(["<properties/>", "<properties></properties>", "<properties>\n  </properties>"]))
    before = draw(st.lists(_element(), max_size=2))
    after = draw(st.lists(_element(), max_size=2))
    marker = "<healthMetrics/>" if folder else "<keepDependencies>false</keepDependencies>"
    body = "\n  ".join([*before, properties, *after, marker])
    decl = draw(st.sampled_from(["<?xml version='1.1' encoding='UTF-8'?>\n", '<?xml version="1.0"?>\n', ""]))
    plugin = ' plugin="cloudbees-folder@6.1100.ve9eed61d16c4"' if folder else ""
    return (f"{decl}<{root}{plugin}>\n  {body}\n</{root}>\n").encode("utf-8"), has_matrix


@settings(max_examples=150, deadline=None)
@given(doc=_document(), inherit=st.sampled_from(["parent", "global", "none"]), target=_entries)
def test_only_the_matrix_changes(doc: tuple[bytes, bool], inherit: str, target: frozenset[Entry]) -> None:
    raw, has_matrix = doc
    ET.fromstring(raw)  # the generator writes well-formed XML
    before = item_xml.parse(raw)
    assert (before.matrix is not None) == has_matrix
    new = item_xml.replace_matrix(before, inherit, target)
    after = item_xml.parse(new)
    assert after.matrix is not None
    assert after.matrix.inherit == inherit and after.matrix.entries == target and not after.matrix.unknown
    assert after.kind == before.kind
    # every byte outside the matrix property is what it was
    if before.property_span is not None:
        span = before.property_span
        new_span = after.property_span
        assert new_span is not None and new[:new_span.start] == raw[:span.start] and new[new_span.end:] == raw[span.end:]
    elif before.properties_span is not None and not before.properties_span.empty:
        assert item_xml.remove_matrix(after) == raw
    # putting the snapshot's bytes back restores the document exactly
    assert item_xml.restore_property(after, before.property_bytes) == raw or (
        before.properties_span is not None and before.properties_span.empty)
    # and the rest of the tree reads the same
    def others(data: bytes) -> list[bytes]:
        tree = ET.fromstring(data)
        return [ET.tostring(child) for child in tree if child.tag != "properties"] + [
            ET.tostring(p) for child in tree if child.tag == "properties" for p in child if p.tag not in (FOLDER_PROPERTY, JOB_PROPERTY)]
    assert others(new) == others(raw)


def test_marshalling_order_is_matrix_auths() -> None:
    """Permissions by Java id, then EITHER, GROUP, USER, then sid case-insensitively."""
    entries = [Entry("USER", "zed", "Job/Read"), Entry("GROUP", "Beta", "Job/Read"), Entry("GROUP", "alpha", "Job/Read"),
               Entry("EITHER", "x", "Job/Read"), Entry("USER", "amy", "Job/Build")]
    assert item_xml.entry_lines(entries) == [
        "USER:hudson.model.Item.Build:amy", "hudson.model.Item.Read:x", "GROUP:hudson.model.Item.Read:alpha",
        "GROUP:hudson.model.Item.Read:Beta", "USER:hudson.model.Item.Read:zed"]


def test_the_property_is_inserted_into_properties() -> None:
    raw = (b"<?xml version='1.1' encoding='UTF-8'?>\n<project>\n  <description>d</description>\n  <keepDependencies>false</keepDependencies>\n"
           b"  <properties/>\n  <builders/>\n</project>")
    config = item_xml.parse(raw)
    assert config.kind == "job" and config.matrix is None
    new = item_xml.replace_matrix(config, "global", [Entry("USER", "bob", "Job/Build")])
    assert new.decode() == (
        "<?xml version='1.1' encoding='UTF-8'?>\n<project>\n  <description>d</description>\n  <keepDependencies>false</keepDependencies>\n"
        "  <properties>\n    <hudson.security.AuthorizationMatrixProperty>\n"
        '      <inheritanceStrategy class="org.jenkinsci.plugins.matrixauth.inheritance.InheritGlobalStrategy"/>\n'
        "      <permission>USER:hudson.model.Item.Build:bob</permission>\n"
        "    </hudson.security.AuthorizationMatrixProperty>\n  </properties>\n  <builders/>\n</project>")


def test_values_are_escaped_and_read_back() -> None:
    raw = b"<com.cloudbees.hudson.plugins.folder.Folder><properties/></com.cloudbees.hudson.plugins.folder.Folder>"
    entries = {Entry("GROUP", "a&b <c> \"d\" 'e'", "Job/Read"), Entry("USER", "x:y:z", "Job/Build")}
    new = item_xml.replace_matrix(item_xml.parse(raw), "none", entries)
    assert item_xml.parse(new).matrix == item_xml.Matrix("none", frozenset(entries))


def test_unknown_permission_ids_are_kept_as_written() -> None:
    raw = (b"<project><keepDependencies>false</keepDependencies><properties><hudson.security.AuthorizationMatrixProperty>"
           b"<permission>USER:com.example.Plugin.Frob:bob</permission><permission>not-a-permission</permission>"
           b"</hudson.security.AuthorizationMatrixProperty></properties></project>")
    m = item_xml.parse(raw).matrix
    assert m is not None and m.entries == {Entry("USER", "bob", "com.example.Plugin.Frob")} and m.unknown == ("not-a-permission",)
    assert m.inherit == "parent"  # matrix-auth's default when the element is absent


HOSTILE = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
                      b"<project><properties>&lol2;</properties></project>",
    "external entity": b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><project>&x;</project>',
    "parameter entity": b'<!DOCTYPE p [<!ENTITY % x SYSTEM "http://127.0.0.1:9/evil.dtd"> %x;]><project/>',
    "external DTD": b'<!DOCTYPE project SYSTEM "http://127.0.0.1:9/evil.dtd"><project/>',
    "undeclared entity": b"<project><description>&nbsp;</description></project>",
    "latin-1": b"<?xml version='1.0' encoding='ISO-8859-1'?><project><description>\xe9</description></project>",
    "utf-16": "<project/>".encode("utf-16"),
    "not well-formed": b"<project><properties></project>",
    "empty": b"",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_documents_are_refused(name: str) -> None:
    with pytest.raises(ItemXmlError):
        item_xml.parse(HOSTILE[name])


def test_huge_documents_are_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(item_xml, "MAX_BYTES", 1000)
    with pytest.raises(ItemXmlError, match="over the 1000-byte limit"):
        item_xml.parse(b"<project>" + b"x" * 1000 + b"</project>")


def test_deep_nesting_is_read_or_refused_cleanly() -> None:
    raw = b"<project>" + b"<a>" * 50_000 + b"</a>" * 50_000 + b"<properties/></project>"
    try:
        config = item_xml.parse(raw)
    except ItemXmlError:
        return
    assert config.properties_span is not None


def test_an_item_whose_kind_is_unknown_is_refused() -> None:
    config = item_xml.parse(b"<org.example.Strange><properties/></org.example.Strange>")
    assert config.kind is None
    with pytest.raises(ItemXmlError, match="folder or a job"):
        item_xml.replace_matrix(config, "parent", [])
