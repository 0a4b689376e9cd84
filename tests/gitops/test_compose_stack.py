"""The compose stack works with no manual step: it is valid Compose, its parts are wired to each
other, and its TLS trust is real.

No Docker engine runs here. What can run does: the generated docker-compose.yaml is validated
against the Compose Specification's JSON Schema (fixtures/compose-spec.json), every reference in
it is resolved by hand (mounts, variables, depends_on, volumes), and the generated
tls/make-trust.sh runs with the local openssl and keytool; a JVM with the stack's
JENKINS_JAVA_OPTS trust options then fetches a JWKS over https from a server using the certificate
it made, the way jwt-auth's jose4j fetch would inside the stack.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import jsonschema
import pytest
import yaml

from jcasc_gen import compose, pins
from jcasc_gen.model import load_spec_text
from jcasc_gen.render import render

from .conftest import SPEC

HERE = pathlib.Path(__file__).parent
COMPOSE_SCHEMA = json.loads((HERE / "fixtures" / "compose-spec.json").read_text(encoding="utf-8"))
COMPOSE_SPEC = SPEC.replace("  dir: generated\n", "  dir: generated\n  compose: true\n")
VARIANTS = {
    "guide": COMPOSE_SPEC,
    "upstream-port": COMPOSE_SPEC.replace("  url: https://jenkins.corp.example.com\n",
                                          "  url: https://jenkins.corp.example.com\n  upstream: http://ci:9090\n"),
    "file-secret": COMPOSE_SPEC.replace("  verify_url:", "  shared_secret: {file: /run/secrets/shared}\n  verify_url:"),
    "no-verify-v021": re.sub(r"  verify_url: .*\n", "", COMPOSE_SPEC).replace('version: "0.33"', 'version: "0.21.4"'),
}
HAVE_TOOLS = all(shutil.which(t) for t in ("openssl", "keytool", "java", "javac"))


def _files(text: str) -> dict[str, str]:
    return render(load_spec_text(text).spec)


def _compose(files: dict[str, str]) -> dict[str, Any]:
    return compose._parse_compose(files["docker-compose.yaml"])


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_valid_against_the_compose_specification(variant: str) -> None:
    doc = yaml.safe_load(_files(VARIANTS[variant])["docker-compose.yaml"])
    errors = sorted(jsonschema.Draft7Validator(COMPOSE_SCHEMA).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_schema_is_strict_enough_to_catch_a_bad_condition() -> None:
    doc = yaml.safe_load(_files(COMPOSE_SPEC)["docker-compose.yaml"])
    doc["services"]["pomerium"]["depends_on"]["tls"]["condition"] = "service_finished"
    assert list(jsonschema.Draft7Validator(COMPOSE_SCHEMA).iter_errors(doc))


def _mounts(service: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(source, target) of each volume entry, short or long syntax."""
    for entry in service.get("volumes", []):
        if isinstance(entry, dict):
            yield entry["source"], entry["target"]
        else:
            source, target = entry.split(":")[:2]
            yield source, target


def _inside(path: str, service: dict[str, Any]) -> str | None:
    """The source of the mount that holds `path` in this service."""
    for source, target in _mounts(service):
        if path == target or path.startswith(target.rstrip("/") + "/"):
            return source
    return None


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_reference_resolves(variant: str) -> None:
    files = _files(VARIANTS[variant])
    doc = _compose(files)
    services, volumes = doc["services"], doc["volumes"]
    used_volumes = set()
    for name, svc in services.items():
        for target, dep in (svc.get("depends_on") or {}).items():
            assert target in services and target != name, (name, target)
            assert dep["condition"] in ("service_started", "service_healthy", "service_completed_successfully")
        for source, _ in _mounts(svc):
            if source.startswith("./"):
                assert source[2:] in files, f"{name} mounts {source}, which is not generated"
            elif source.startswith("/"):
                assert variant == "file-secret" and source == "/run/secrets/shared"  # the spec's own file
            else:
                assert source in volumes, f"{name} mounts undeclared volume {source}"
                used_volumes.add(source)
        if "build" in svc:
            assert svc["build"]["dockerfile"] in files and svc["build"]["context"] == "."
    assert used_volumes == set(volumes)
    # every variable compose interpolates is one .env.example documents
    documented = {line.split("=", 1)[0] for line in files[".env.example"].splitlines() if line and not line.startswith("#")}
    referenced = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", files["docker-compose.yaml"].replace("$$", "")))
    assert referenced and referenced <= documented
    assert documented <= referenced


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_trust_is_wired_from_the_tls_service_to_pomerium_and_jenkins(variant: str) -> None:
    doc = _compose(_files(VARIANTS[variant]))
    tls, pomerium, jenkins = (doc["services"][n] for n in ("tls", "pomerium", "jenkins"))
    out_pomerium, out_trust, *hosts = tls["command"]
    # the certificate names every route host Pomerium answers for inside the network
    assert hosts == pomerium["networks"]["default"]["aliases"]
    assert "jenkins.corp.example.com" in hosts
    # what tls writes is what the others read, through the same volumes
    cert_volume = _inside(out_pomerium, tls)
    assert _inside(pomerium["environment"]["CERTIFICATE_FILE"], pomerium) == cert_volume
    assert _inside(pomerium["environment"]["CERTIFICATE_KEY_FILE"], pomerium) == cert_volume
    opts = jenkins["environment"]["JENKINS_JAVA_OPTS"].split()
    store = next(o.split("=", 1)[1] for o in opts if o.startswith("-Djavax.net.ssl.trustStore="))
    assert _inside(store, jenkins) == _inside(out_trust, tls) != cert_volume  # Jenkins never mounts the key
    assert "-Djenkins.install.runSetupWizard=false" in opts  # replaces the image's value: keeps the switch
    # both wait until tls completed; the script is the generated one
    for svc in (pomerium, jenkins):
        assert svc["depends_on"]["tls"] == {"condition": "service_completed_successfully"}
    assert tls["entrypoint"][0] == "/bin/sh" and _inside(tls["entrypoint"][1], tls) == f"./{compose.TRUST_SCRIPT}"
    assert tls["build"] == jenkins["build"]  # the Jenkins image has openssl and keytool


def test_dockerfile_follows_the_docker_readme() -> None:
    lines = [ln for ln in _files(COMPOSE_SPEC)["jenkins/Dockerfile"].splitlines() if ln and not ln.startswith("#")]
    assert lines[0] == f"FROM {pins.JENKINS_IMAGE}" == "FROM jenkins/jenkins:2.568.2-jdk21"
    assert "ENV JENKINS_JAVA_OPTS=-Djenkins.install.runSetupWizard=false" in lines
    assert not any(" JAVA_OPTS=" in ln for ln in lines)  # jenkins-plugin-cli reads JAVA_OPTS too
    assert "COPY --chown=jenkins:jenkins plugins.txt /usr/share/jenkins/ref/plugins.txt" in lines


def test_the_jenkins_pin_is_a_jdk21_release_tag_with_its_date() -> None:
    assert re.fullmatch(r"jenkins/jenkins:\d+\.\d+\.\d+-jdk21", pins.JENKINS_IMAGE)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", pins.JENKINS_IMAGE_PINNED)
    assert "jdk17" not in pins.JENKINS_IMAGE


# --- the trust script, run ---------------------------------------------------------------------

needs_tools = pytest.mark.skipif(not HAVE_TOOLS, reason="openssl, keytool, java and javac are needed")


def _script(tmp: pathlib.Path) -> pathlib.Path:
    path = tmp / "make-trust.sh"
    path.write_text(_files(COMPOSE_SPEC)[compose.TRUST_SCRIPT], encoding="utf-8")
    return path


def _run(script: pathlib.Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    return subprocess.run(["sh", str(script), *args], capture_output=True, text=True, timeout=120, env=env)


def _sans(cert: pathlib.Path) -> list[str]:
    out = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-ext", "subjectAltName"],
                         capture_output=True, text=True, check=True).stdout
    return sorted(s.strip() for s in out.splitlines()[1].split(","))


@needs_tools
def test_trust_script_makes_a_certificate_the_store_trusts(tmp_path: pathlib.Path) -> None:
    hosts = _compose(_files(COMPOSE_SPEC))["services"]["tls"]["command"][2:]
    script = _script(tmp_path)
    pom, trust = tmp_path / "pomerium", tmp_path / "trust"
    first = _run(script, str(pom), str(trust), *hosts)
    assert first.returncode == 0, first.stderr
    subprocess.run(["openssl", "verify", "-CAfile", str(trust / "ca.pem"), str(pom / "cert.pem")], check=True, capture_output=True)
    assert _sans(pom / "cert.pem") == sorted(f"DNS:{h}" for h in hosts)
    assert oct((pom / "key.pem").stat().st_mode & 0o777) == "0o600"
    assert oct(trust.stat().st_mode & 0o777) == "0o755" and oct((trust / "cacerts").stat().st_mode & 0o777) == "0o644"
    assert not (trust / "ca.key").exists() and not list(tmp_path.rglob("*.key"))  # the CA key is gone
    listing = subprocess.run(["keytool", "-list", "-keystore", str(trust / "cacerts"), "-storepass", "changeit"],
                             capture_output=True, text=True, check=True).stdout
    assert "jcasc-gen-local-ca" in listing
    assert len(re.findall(r"trustedCertEntry", listing)) > 50  # the JDK's own CAs stay (update centre, SCM)
    # run again: nothing changes
    before = (pom / "cert.pem").read_bytes()
    again = _run(script, str(pom), str(trust), *reversed(hosts))
    assert again.returncode == 0 and "keeping" in again.stdout
    assert (pom / "cert.pem").read_bytes() == before
    # another host list: a new certificate for exactly those hosts
    moved = _run(script, str(pom), str(trust), "jenkins.new.example.com")
    assert moved.returncode == 0 and "made" in moved.stdout
    assert _sans(pom / "cert.pem") == ["DNS:jenkins.new.example.com"]


@needs_tools
def test_trust_script_refuses_without_hosts(tmp_path: pathlib.Path) -> None:
    r = _run(_script(tmp_path), str(tmp_path / "p"), str(tmp_path / "t"))
    assert r.returncode == 2 and "usage" in r.stderr
    assert not (tmp_path / "p").exists()


FETCH_JAVA = """
import java.io.InputStream;
import java.net.URL;
public class Fetch {
    public static void main(String[] args) throws Exception {
        try (InputStream in = new URL(args[0]).openStream()) {  // what jose4j's HttpsJwks does
            System.out.print(new String(in.readAllBytes(), "UTF-8"));
        } catch (javax.net.ssl.SSLException e) {
            System.out.print("TLS: " + e.getMessage());
            System.exit(3);
        }
    }
}
"""


@needs_tools
def test_a_jvm_with_the_stack_options_fetches_the_jwks_over_https(tmp_path: pathlib.Path) -> None:
    doc = _compose(_files(COMPOSE_SPEC))
    hosts = doc["services"]["tls"]["command"][2:]
    pom, trust = tmp_path / "pomerium", tmp_path / "trust"
    assert _run(_script(tmp_path), str(pom), str(trust), *hosts).returncode == 0
    body = b'{"keys":[]}'

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pom / "cert.pem", pom / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        (tmp_path / "hosts").write_text("".join(f"127.0.0.1 {h}\n" for h in hosts))
        (tmp_path / "Fetch.java").write_text(FETCH_JAVA)
        subprocess.run(["javac", "-d", str(tmp_path), str(tmp_path / "Fetch.java")], check=True, capture_output=True, timeout=120)
        url = f"https://jenkins.corp.example.com:{server.server_address[1]}/.well-known/pomerium/jwks.json"
        # the stack's options, with the store where this test made it
        opts = doc["services"]["jenkins"]["environment"]["JENKINS_JAVA_OPTS"].replace(compose.TRUST_STORE, str(trust / "cacerts"))
        base = ["java", "-XX:TieredStopAtLevel=1", "-cp", str(tmp_path), f"-Djdk.net.hosts.file={tmp_path / 'hosts'}"]
        ok = subprocess.run([*base, *opts.split(), "Fetch", url], capture_output=True, text=True, timeout=120)
        assert ok.returncode == 0 and ok.stdout == body.decode(), ok.stdout + ok.stderr
        # without the trust store the JVM refuses the certificate: the options are what makes it work
        refused = subprocess.run([*base, "Fetch", url], capture_output=True, text=True, timeout=120)
        assert refused.returncode == 3 and "PKIX" in refused.stdout
    finally:
        server.shutdown()
        server.server_close()


def test_a_non_ascii_route_host_is_refused_for_the_stack_with_its_idna_form() -> None:
    from jcasc_gen.diagnostics import SpecError

    text = COMPOSE_SPEC.replace("https://jenkins.corp.example.com", "https://jënkins.corp.example.com")
    with pytest.raises(SpecError) as info:
        load_spec_text(text)
    (diag,) = [d for d in info.value.diagnostics if d.path == "jenkins.url"]
    assert "xn--jnkins-pva.corp.example.com" in (diag.hint or "")
    load_spec_text(text.replace("  compose: true\n", ""))  # without the stack it is fine


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]"])
def test_an_address_as_route_host_is_refused_for_the_stack(host: str) -> None:
    from jcasc_gen.diagnostics import SpecError

    text = COMPOSE_SPEC.replace("https://verify.corp.example.com", f"https://{host}")
    with pytest.raises(SpecError) as info:
        load_spec_text(text)
    assert [d.path for d in info.value.diagnostics] == ["pomerium.verify_url"]
