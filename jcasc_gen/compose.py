"""`output.compose: true`: the guide's whole stack (Pomerium, the verify app, Jenkins) with none
of its manual steps. Registers `docker-compose.yaml`, `jenkins/Dockerfile` and `.env.example`
with `render.register`, so they are rendered, parsed back, checked and diffed like every
other generated file.

What replaces the guide's clicks:
- plugins are baked into the image: `jenkins-plugin-cli --plugin-file` reads plugins.txt
  (plugin-installation-manager-tool README, "Plugin Input Format");
- the setup wizard is off: `-Djenkins.install.runSetupWizard=false` (jenkins core
  jenkins/install/InstallState.java reads that system property);
- JCasC reads the mounted jenkins.yaml named by CASC_JENKINS_CONFIG
  (configuration-as-code-plugin ConfigurationAsCode.java, CASC_JENKINS_CONFIG_ENV);
- Pomerium's secrets come from `.env` (never generated with values) and are mapped from the
  spec's variable names onto the option names Pomerium reads (`render.pomerium_env`);
- Jenkins fetches the JWKS from the Jenkins route's own https URL. Inside the compose network
  that host name is an alias of the Pomerium container, so the fetch reaches Pomerium without
  leaving the host, and the certificate check stays on: the one-shot `tls` service
  (tls/make-trust.sh, run in the Jenkins image, which has openssl and keytool) makes a local CA
  and a certificate for the route hosts, which Pomerium serves (its CERTIFICATE_FILE and
  CERTIFICATE_KEY_FILE options, read from the environment: pomerium config/options.go
  bindEnvs), and a copy of the JDK's trust store with that CA, which the Jenkins JVM uses
  (JENKINS_JAVA_OPTS, as the jenkinsci/docker README recommends for controller JVM options).
  Without it Pomerium serves a certificate of a CA it derives from the shared secret
  (config/envoyconfig/tls.go getAllCertificates, pkg/cryptutil/certificates.go
  GenerateCertificate), which the JVM does not trust, and every JWT would be anonymous.
  Both services start only once `tls` completed (depends_on: service_completed_successfully).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .model import SecretRef, Spec
from .render import _FileRule, pomerium_env, register

__all__ = ["compose_document", "dockerfile_lines", "env_names", "trust_script", "CASC_PATH", "PLUGINS_PATH",
           "TRUST_SCRIPT", "TRUST_STORE", "POMERIUM_CERT", "POMERIUM_KEY"]

CASC_PATH = "/etc/jenkins/casc/jenkins.yaml"  # outside jenkins_home, so the volume never shadows it
PLUGINS_PATH = "/usr/share/jenkins/ref/plugins.txt"  # the official image's ref folder (jenkins-plugin-cli's default)
POMERIUM_CONFIG = "/pomerium/config.yaml"  # where the pomerium/pomerium image looks by default
TRUST_SCRIPT = "tls/make-trust.sh"  # generated into the output folder, mounted into the `tls` service
POMERIUM_TLS_DIR = "/pomerium/tls"  # volume pomerium_tls in the pomerium service
POMERIUM_CERT = f"{POMERIUM_TLS_DIR}/cert.pem"
POMERIUM_KEY = f"{POMERIUM_TLS_DIR}/key.pem"
TRUST_DIR = "/etc/jcasc-gen/trust"  # volume jenkins_trust in the jenkins service (no key in it)
TRUST_STORE = f"{TRUST_DIR}/cacerts"
# The JDK's trust store password (the JDK ships cacerts with it); the store holds only public
# certificates, so this is not a secret.
TRUST_STORE_PASSWORD = "changeit"
WIZARD_OFF = "-Djenkins.install.runSetupWizard=false"  # core jenkins/install/InstallState.java
_TLS_OUT = ("/out/pomerium", "/out/trust")  # where the tls service sees the two volumes
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _interpolation(name: str) -> str:
    """`${NAME:?...}`: compose refuses to start when the variable is unset (compose spec,
    "Interpolation"). This is the one value that must keep a single `$`; NAME is checked by
    the schema (secretRef env pattern) and again here."""
    if not _ENV_NAME.match(name):
        raise ValueError(f"not an environment variable name: {name!r}")
    return "${" + name + ":?set " + name + " in .env}"


def env_names(spec: Spec) -> list[str]:
    """The spec's secret variables, each once, in spec order (for .env.example)."""
    return list(dict.fromkeys(spec_var for _, spec_var in pomerium_env(spec)))


def _hosts(spec: Spec) -> list[str]:
    """Route host names that must resolve to Pomerium inside the compose network."""
    pom = spec.pomerium
    assert pom is not None
    urls = [spec.jenkins_url, pom.authenticate_url] + ([pom.verify_url] if pom.verify_url else [])
    hosts = [urlsplit(u).hostname or "" for u in urls]
    return [h for h in dict.fromkeys(hosts) if h]


def _file_secrets(spec: Spec) -> list[str]:
    pom = spec.pomerium
    assert pom is not None
    refs = [pom.idp.client_id, pom.idp.client_secret, pom.signing_key, pom.shared_secret, pom.cookie_secret]
    return list(dict.fromkeys(r.value for r in refs if isinstance(r, SecretRef) and r.kind == "file"))


def compose_document(spec: Spec) -> dict[str, Any]:
    """docker-compose.yaml as data: the template writes it, parse-back compares with it."""
    images = spec.output.images
    up = urlsplit(spec.upstream)
    files = _file_secrets(spec)
    build = {"context": ".", "dockerfile": "jenkins/Dockerfile"}
    after_tls = {"tls": {"condition": "service_completed_successfully"}}
    tls: dict[str, Any] = {
        # The Jenkins image: it has openssl, keytool and the JDK trust store to start from.
        "build": build,
        "user": "root",  # fresh named volumes belong to root
        "entrypoint": ["/bin/sh", f"/opt/jcasc-gen/{TRUST_SCRIPT}"],
        "command": [*_TLS_OUT, *_hosts(spec)],
        "volumes": [f"./{TRUST_SCRIPT}:/opt/jcasc-gen/{TRUST_SCRIPT}:ro", f"pomerium_tls:{_TLS_OUT[0]}",
                    f"jenkins_trust:{_TLS_OUT[1]}"],
        "restart": "no",
    }
    pomerium: dict[str, Any] = {
        "image": images["pomerium"],
        "restart": "unless-stopped",
        "ports": ["443:443"],
        "depends_on": after_tls,
        # Optional, so CI can pass the variables from its own environment instead (compose >= 2.24).
        "env_file": [{"path": ".env", "required": False}],
        "environment": {**{pvar: _interpolation(svar) for pvar, svar in pomerium_env(spec)},
                        "CERTIFICATE_FILE": POMERIUM_CERT, "CERTIFICATE_KEY_FILE": POMERIUM_KEY},
        "volumes": [f"./pomerium/config.yaml:{POMERIUM_CONFIG}:ro", f"pomerium_tls:{POMERIUM_TLS_DIR}:ro"]
        + [{"type": "bind", "source": f, "target": f, "read_only": True} for f in files if f.startswith("/")],
        "networks": {"default": {"aliases": _hosts(spec)}},
    }
    services: dict[str, Any] = {"tls": tls, "pomerium": pomerium}
    if spec.pomerium is not None and spec.pomerium.verify_url:
        services["verify"] = {"image": images["verify"], "restart": "unless-stopped", "expose": ["8000"]}
    port = up.port or (443 if up.scheme == "https" else 80)
    java_opts = " ".join((WIZARD_OFF, f"-Djavax.net.ssl.trustStore={TRUST_STORE}",
                          f"-Djavax.net.ssl.trustStorePassword={TRUST_STORE_PASSWORD}"))
    jenkins: dict[str, Any] = {
        "build": build,
        "restart": "unless-stopped",
        "expose": [str(port)],
        # Only this host can reach Jenkins directly (jcasc-gen apply/verify --url); users go through Pomerium.
        "ports": [f"127.0.0.1:{port}:{port}"],
        # This value replaces the image's JENKINS_JAVA_OPTS, so it repeats the wizard switch.
        "environment": {"JENKINS_JAVA_OPTS": java_opts},
        "volumes": ["jenkins_home:/var/jenkins_home", f"./jenkins.yaml:{CASC_PATH}:ro", f"jenkins_trust:{TRUST_DIR}:ro"],
        "depends_on": {**after_tls, "pomerium": {"condition": "service_started"}},
    }
    if port != 8080:
        jenkins["environment"]["JENKINS_OPTS"] = f"--httpPort={port}"
    if up.hostname and up.hostname != "jenkins":
        jenkins["networks"] = {"default": {"aliases": [up.hostname]}}
    services["jenkins"] = jenkins
    return {"services": services, "volumes": {"jenkins_home": {}, "pomerium_tls": {}, "jenkins_trust": {}}}


def trust_script(spec: Spec) -> str:
    """tls/make-trust.sh without its header line: the same for every spec (the hosts are its
    arguments, in docker-compose.yaml)."""
    from .resources import data_dir

    text = data_dir("templates").joinpath("tls").joinpath("make-trust.sh.j2").read_text(encoding="utf-8")
    return text.split("\n", 1)[1]


def dockerfile_lines(spec: Spec) -> list[tuple[str, str]]:
    """(instruction, argument) pairs of jenkins/Dockerfile."""
    return [
        ("FROM", spec.output.images["jenkins"]),
        # JENKINS_JAVA_OPTS, not JAVA_OPTS, which jenkins-plugin-cli reads too (jenkinsci/docker README)
        ("ENV", f"JENKINS_JAVA_OPTS={WIZARD_OFF}"),
        ("ENV", f"CASC_JENKINS_CONFIG={CASC_PATH}"),
        ("COPY", f"--chown=jenkins:jenkins plugins.txt {PLUGINS_PATH}"),
        ("RUN", f"jenkins-plugin-cli --plugin-file {PLUGINS_PATH}"),
    ]


def _parse_dockerfile(text: str) -> list[tuple[str, str]]:
    out = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, argument = line.strip().partition(" ")
        out.append((instruction, argument.strip()))
    return out


def _parse_env_example(text: str) -> list[str]:
    return [line.split("=", 1)[0] for line in text.splitlines() if line and not line.startswith("#")]


def _compose_context(spec: Spec) -> dict[str, Any]:
    doc = compose_document(spec)
    relative = [f for f in _file_secrets(spec) if not f.startswith("/")]
    return {"services": doc["services"], "volumes": list(doc["volumes"]), "relative_files": relative}


def _unescape_dollars(value: Any) -> Any:
    if isinstance(value, dict):
        return {_unescape_dollars(k): _unescape_dollars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unescape_dollars(v) for v in value]
    return value.replace("$$", "$") if isinstance(value, str) else value


def _parse_compose(text: str) -> Any:
    """What compose itself reads: YAML, then `$$` is a literal `$` (compose spec, Interpolation)."""
    from .render import parse_yaml

    return _unescape_dollars(parse_yaml(text))


def _wanted(spec: Spec) -> bool:
    return spec.output.compose and spec.pomerium is not None


register("docker-compose.yaml", _FileRule("docker-compose.yaml.j2", "compose", _compose_context, compose_document, _parse_compose, when=_wanted))
register("jenkins/Dockerfile", _FileRule("jenkins/Dockerfile.j2", "plain", lambda s: {"lines": dockerfile_lines(s)},
                                         dockerfile_lines, _parse_dockerfile, when=_wanted))
register(TRUST_SCRIPT, _FileRule("tls/make-trust.sh.j2", "plain", lambda s: {}, trust_script,
                                 lambda text: text.split("\n", 1)[1], when=_wanted))
register(".env.example", _FileRule("env.example.j2", "plain", lambda s: {"names": env_names(s)}, env_names, _parse_env_example,
                                   when=_wanted))
