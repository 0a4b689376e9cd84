"""A tiny `/scriptText` interpreter for the Groovy one-liners a deployment tool needs.

jenkins: core/src/main/java/jenkins/model/Jenkins.java `_doScript` and
hudson/util/RemotingDiagnostics.java Script.call: the output is everything printed,
followed by `Result: <value>` only when the last expression is non-null; an exception is
printed as a stack trace in a 200 response (jenkins-facts D.5).

Supported (with `Jenkins.instance`, `Jenkins.get()`, `Jenkins.getInstance()`,
`jenkins.model.Jenkins.instance` all meaning the controller):
  print/println of any supported expression or a string literal, `return X`, bare X;
  Jenkins.VERSION; J.securityRealm.class.name; J.authorizationStrategy.class.name;
  J.updateCenter.isRestartRequiredForCompletion() (or .restartRequiredForCompletion);
  J.pluginManager.getPlugin("x")?.isActive() / ?.active / ?.getVersion() / ?.version / ?.isEnabled();
  J.updateCenter.getPlugin("x").deploy(); J.updateCenter.getPlugin("x").getNeededDependencies().each{it.deploy()};
  J.isQuietingDown(); J.safeRestart(); J.restart();
  new URL('<url>').getText() and .getText().contains('<text>') (a real fetch: the JWKS probes);
  groovy.json.JsonOutput.toJson(io.jenkins.plugins.casc.ConfigurationAsCode.get().getSources())
  (or `.sources`): JCasC's configured sources as Groovy's JsonOutput writes a string list.
Also a script that walks JCasC's standard sources (`io.jenkins.plugins.casc.ConfigurationAsCode
.get().getSources()`, expanded with `configs(source)`), parses each file with SnakeYAML and
prints, per file, `MARK {"source": path, "sections": [the keys of a listed set that its
`jenkins:` mapping has]}` (JsonOutput), then an end line: the simulator answers it from
`sim.casc_files`, as that Groovy would on a controller whose CASC_JENKINS_CONFIG holds them
(configuration-as-code-plugin ConfigurationAsCode.java:165-167 getSources, :800-822 configs).
Anything else prints a Groovy-like stack trace (status 200), as a failing script does.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import JenkinsSim

_J = re.compile(r"\b(?:jenkins\.model\.)?Jenkins\s*\.\s*(?:instance|get\(\)|getInstance\(\))")


class ScriptError(Exception):
    pass


def _split(script: str) -> list[str]:
    out: list[str] = []
    cur = ""
    quote: str | None = None
    for ch in script:
        if quote:
            cur += ch
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            cur += ch
        elif ch in ";\n":
            if cur.strip():
                out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def _groovy_str(v: Any) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    return str(v)


# A Groovy string literal: single-quoted (plain) or double-quoted (a GString; only plain text
# is simulated), with backslash escapes.
_GSTR = r"'((?:[^'\\]|\\.)*)'" + "|" + r'"((?:[^"\\$]|\\.)*)"'


def _unescape(match: re.Match[str], first: int) -> str:
    raw = match.group(first) if match.group(first) is not None else match.group(first + 1)
    return re.sub(r"\\(.)", r"\1", raw)


def _url_text(url: str) -> str:
    """`new URL(url).getText()`: a real HTTP(S) fetch from the controller's JVM.

    JDK sun/net/www/protocol/http/HttpURLConnection.java getInputStream: 404 and 410 throw
    FileNotFoundException(url), any other status >= 400 IOException("Server returned HTTP
    response code: N for URL: url"); an unreachable host is a java.net.ConnectException and an
    untrusted certificate a javax.net.ssl.SSLHandshakeException (the JVM trust store).
    """
    import ssl
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback test URLs
            return resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            raise ScriptError(f"java.io.FileNotFoundException: {url}") from None
        raise ScriptError(f"java.io.IOException: Server returned HTTP response code: {exc.code} for URL: {url}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ssl.SSLError):
            raise ScriptError("javax.net.ssl.SSLHandshakeException: PKIX path building failed") from None
        raise ScriptError(f"java.net.ConnectException: Connection refused ({exc.reason})") from None
    except OSError as exc:
        raise ScriptError(f"java.net.ConnectException: {exc}") from None


def _eval(sim: "JenkinsSim", expr: str) -> Any:
    e = expr.strip()
    m = re.fullmatch(r"new\s+URL\(\s*(?:" + _GSTR + r")\s*\)\.(?:getText\(\)|text)\.contains\(\s*(?:" + _GSTR + r")\s*\)", e)
    if m:
        return _unescape(m, 3) in _url_text(_unescape(m, 1))
    m = re.fullmatch(r"groovy\.json\.JsonOutput\.toJson\(\s*io\.jenkins\.plugins\.casc\.ConfigurationAsCode\.get\(\)"
                     r"\.(?:getSources\(\)|sources)\s*\)", e)
    if m:
        if "configuration-as-code" not in sim.active_plugins():
            raise ScriptError("groovy.lang.MissingPropertyException: No such property: io for class: Script1")
        # JsonOutput writes a compact array; non-ASCII as \\uXXXX (groovy.json.JsonOutput, CharBuf)
        return json.dumps(sim.casc_sources(), separators=(",", ":"))
    m = re.fullmatch(r"new\s+URL\(\s*(?:" + _GSTR + r")\s*\)\.(?:getText\(\)|text)", e)
    if m:
        return _url_text(_unescape(m, 1))
    lit = re.fullmatch(r"\"([^\"]*)\"|'([^']*)'", e)
    if lit:
        return lit.group(1) if lit.group(1) is not None else lit.group(2)
    if e == "null":
        return None
    e = _J.sub("J", e).replace(" ", "")
    if e in ("Jenkins.VERSION", "J.version", "J.getVersion()", "jenkins.model.Jenkins.VERSION"):
        return sim.version
    if e in ("J.securityRealm.class.name", "J.getSecurityRealm().getClass().getName()", "J.securityRealm.getClass().getName()"):
        return sim.security_realm.class_name
    if e in ("J.authorizationStrategy.class.name", "J.getAuthorizationStrategy().getClass().getName()", "J.authorizationStrategy.getClass().getName()"):
        return sim.authorization.class_name
    if e in ("J.updateCenter.isRestartRequiredForCompletion()", "J.updateCenter.restartRequiredForCompletion",
             "J.getUpdateCenter().isRestartRequiredForCompletion()"):
        return sim.plugin_manager.restart_required()
    if e in ("J.isQuietingDown()", "J.quietingDown"):
        return sim.quieting_down
    if e in ("J.safeRestart()", "J.restart()", "J.doSafeRestart()"):
        sim.begin_restart()
        return None
    m = re.fullmatch(r"J\.(?:pluginManager|getPluginManager\(\))\.getPlugin\([\"']([^\"']+)[\"']\)(\??)\.(\w+)(\(\))?", e)
    if m:
        name, safe, member, _call = m.groups()
        p = sim.plugin_manager.plugins.get(name)
        if p is None:
            if safe:
                return None
            raise ScriptError(f"java.lang.NullPointerException: Cannot get property '{member}' on null object")
        attr = {"isActive": "active", "active": "active", "getVersion": "version", "version": "version",
                "isEnabled": "enabled", "enabled": "enabled", "getShortName": "name", "shortName": "name"}.get(member)
        if attr is not None:
            return getattr(p, attr)
    m = re.fullmatch(r"J\.(?:updateCenter|getUpdateCenter\(\))\.getPlugin\([\"']([^\"']+)[\"']\)\.(deploy\(\)|getNeededDependencies\(\)\.each\{it\.deploy\(\)\})", e)
    if m:
        name, what = m.groups()
        if name not in sim.plugin_manager.available:
            raise ScriptError(f"java.lang.NullPointerException: Cannot invoke method {what.split('(')[0]}() on null object")
        if what.startswith("deploy"):
            sim.plugin_manager.install({name: sim.plugin_manager.available[name]})
            return "java.util.concurrent.FutureTask@5c6e1f3a"
        return "[]"
    raise ScriptError(
        "groovy.lang.MissingPropertyException: No such property: " + expr.strip()[:80]
        + " (this script is not simulated by tests/jenkins_sim/script.py)"
    )


def _casc_sources(sim: "JenkinsSim", script: str) -> str | None:
    """The JCasC sources walk described in the module docstring, or None when the script is
    not of that shape."""
    import json

    import yaml

    mark = re.search(r"println\('([^' ]+) ' \+ groovy\.json\.JsonOutput\.toJson\(\[source:", script)
    end = re.search(r"println\('([^']+)'\)\s*$", script.strip())
    keys = re.search(r"\[((?:'\w+'(?:,\s*)?)+)\]\.findAll", script)
    if not (mark and end and keys and ".getSources()" in script):
        return None
    if "configuration-as-code" not in sim.active_plugins():
        return "groovy.lang.MissingPropertyException: No such property: io for class: Script1\n\tat Script1.run(Script1.groovy:1)\n"
    wanted = re.findall(r"'(\w+)'", keys.group(1))
    lines = []
    for path, text in sim.casc_files:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            item: dict[str, Any] = {"source": path, "error": "org.yaml.snakeyaml.scanner.ScannerException"}
        else:
            j = doc.get("jenkins") if isinstance(doc, dict) else None
            item = {"source": path, "sections": [k for k in wanted if isinstance(j, dict) and k in j]}
        lines.append(f"{mark.group(1)} {json.dumps(item, separators=(',', ':'))}\n")
    return "".join(lines) + end.group(1) + "\n"


def run(sim: "JenkinsSim", script: str) -> str:
    if "io.jenkins.plugins.casc.ConfigurationAsCode.get()" in script:
        walked = _casc_sources(sim, script)
        if walked is not None:
            return walked
    out: list[str] = []
    last: Any = None
    try:
        for stmt in _split(script):
            m = re.fullmatch(r"(print|println)\s*(?:\((.*)\)|\s(.*))", stmt, re.S)
            if m:
                val = _eval(sim, m.group(2) if m.group(2) is not None else m.group(3))
                out.append(_groovy_str(val) + ("\n" if m.group(1) == "println" else ""))
                last = None
                continue
            if stmt.startswith("return "):
                last = _eval(sim, stmt[7:])
                break
            last = _eval(sim, stmt)
    except ScriptError as e:
        return "".join(out) + f"{e}\n\tat Script1.run(Script1.groovy:1)\n"
    if last is not None:
        out.append(f"Result: {_groovy_str(last)}\n")
    return "".join(out)
