"""`output.compose: true` for the spec format's sample (the guide's stack): parsed, the compose
file and Dockerfile say what the spec says; no secret value anywhere; `$` is `$$`."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from jcasc_gen.cli import main
from jcasc_gen.model import load_spec_text
from jcasc_gen.render import RenderError, render

from .conftest import SPEC

COMPOSE_SPEC = SPEC.replace("  dir: generated\n", "  dir: generated\n  compose: true\n")


def _files(text: str = COMPOSE_SPEC) -> dict[str, str]:
    return render(load_spec_text(text).spec)


def test_compose_services_volumes_ports_env() -> None:
    files = _files()
    compose = yaml.safe_load(files["docker-compose.yaml"])
    assert set(compose["services"]) == {"tls", "pomerium", "verify", "jenkins"}
    pom = compose["services"]["pomerium"]
    assert pom["image"] == "pomerium/pomerium:v0.33.1"
    assert pom["ports"] == ["443:443"]
    assert "./pomerium/config.yaml:/pomerium/config.yaml:ro" in pom["volumes"]
    # the spec's variable names mapped onto the options Pomerium reads from its environment
    assert pom["environment"] == {
        "IDP_CLIENT_ID": "${IDP_CLIENT_ID:?set IDP_CLIENT_ID in .env}",
        "IDP_CLIENT_SECRET": "${IDP_CLIENT_SECRET:?set IDP_CLIENT_SECRET in .env}",
        "SIGNING_KEY": "${POMERIUM_SIGNING_KEY:?set POMERIUM_SIGNING_KEY in .env}",
        # the certificate the tls service made (tests/gitops/test_compose_stack.py)
        "CERTIFICATE_FILE": "/pomerium/tls/cert.pem",
        "CERTIFICATE_KEY_FILE": "/pomerium/tls/key.pem",
    }
    assert pom["env_file"] == [{"path": ".env", "required": False}]
    # route hosts resolve to Pomerium inside the network: the JWKS fetch keeps its certificate check
    assert pom["networks"]["default"]["aliases"] == ["jenkins.corp.example.com", "authenticate.corp.example.com", "verify.corp.example.com"]
    assert compose["services"]["verify"]["expose"] == ["8000"]
    jenkins = compose["services"]["jenkins"]
    assert jenkins["build"] == {"context": ".", "dockerfile": "jenkins/Dockerfile"}
    assert jenkins["volumes"] == ["jenkins_home:/var/jenkins_home", "./jenkins.yaml:/etc/jenkins/casc/jenkins.yaml:ro",
                                  "jenkins_trust:/etc/jcasc-gen/trust:ro"]
    assert jenkins["ports"] == ["127.0.0.1:8080:8080"]
    assert compose["volumes"] == {"jenkins_home": {}, "pomerium_tls": {}, "jenkins_trust": {}}
    assert "skip-certificate-check" not in files["plugins.txt"]


def test_dockerfile_bakes_plugins_and_points_casc_at_the_mount() -> None:
    files = _files()
    lines = [ln for ln in files["jenkins/Dockerfile"].splitlines() if ln and not ln.startswith("#")]
    assert lines == [
        "FROM jenkins/jenkins:2.568.2-jdk21",
        "ENV JENKINS_JAVA_OPTS=-Djenkins.install.runSetupWizard=false",
        "ENV CASC_JENKINS_CONFIG=/etc/jenkins/casc/jenkins.yaml",
        "COPY --chown=jenkins:jenkins plugins.txt /usr/share/jenkins/ref/plugins.txt",
        "RUN jenkins-plugin-cli --plugin-file /usr/share/jenkins/ref/plugins.txt",
    ]
    mount = yaml.safe_load(files["docker-compose.yaml"])["services"]["jenkins"]["volumes"][1]
    assert mount.split(":")[1] == "/etc/jenkins/casc/jenkins.yaml"


def test_env_example_lists_names_only() -> None:
    files = _files()
    names = [ln for ln in files[".env.example"].splitlines() if ln and not ln.startswith("#")]
    assert names == ["IDP_CLIENT_ID=", "IDP_CLIENT_SECRET=", "POMERIUM_SIGNING_KEY="]


def test_dollar_is_doubled_and_file_secrets_are_mounted() -> None:
    text = COMPOSE_SPEC.replace("  verify_url:", "  shared_secret: {file: /run/secrets/po$$mer}\n  verify_url:")
    files = _files(text)
    raw = files["docker-compose.yaml"]
    assert '"/run/secrets/po$$$$mer"' in raw  # the spec's `$$` is two literal dollars: compose needs `$$$$`
    pom = yaml.safe_load(raw)["services"]["pomerium"]
    bind = pom["volumes"][2]
    assert bind["type"] == "bind" and bind["read_only"] is True


def test_custom_images_and_upstream() -> None:
    text = COMPOSE_SPEC.replace("  compose: true\n", "  compose: true\n  images: {jenkins: registry.corp/jenkins:2.516-jdk21}\n")
    text = text.replace("  url: https://jenkins.corp.example.com\n", "  url: https://jenkins.corp.example.com\n  upstream: http://ci:9090\n")
    files = _files(text)
    assert files["jenkins/Dockerfile"].splitlines()[3] == "FROM registry.corp/jenkins:2.516-jdk21"
    jenkins = yaml.safe_load(files["docker-compose.yaml"])["services"]["jenkins"]
    assert jenkins["networks"]["default"]["aliases"] == ["ci"]
    assert jenkins["environment"]["JENKINS_OPTS"] == "--httpPort=9090"
    assert jenkins["ports"] == ["127.0.0.1:9090:9090"]


def test_no_compose_files_unless_asked() -> None:
    assert "docker-compose.yaml" not in _files(SPEC)


def test_image_with_a_newline_is_a_spec_error(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(COMPOSE_SPEC.replace("  compose: true\n", '  compose: true\n  images: {jenkins: "x\\nRUN curl evil"}\n'))
    assert main(["generate", str(spec)]) == 2
    assert not (tmp_path / "generated").exists()
    assert "output.images.jenkins" in capsys.readouterr().err


def test_generate_then_check_and_diff_are_clean(tmp_path: pathlib.Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(COMPOSE_SPEC)
    assert main(["generate", str(spec)]) == 0
    assert (tmp_path / "generated" / "docker-compose.yaml").is_file()
    assert main(["check", str(spec)]) == 0
    assert main(["diff", str(spec)]) == 0
    secret_words = ("BEGIN", "PRIVATE")
    for path in (tmp_path / "generated").rglob("*"):
        if path.is_file():
            assert not any(w in path.read_text() for w in secret_words)


def test_parse_back_catches_a_template_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    from jcasc_gen import compose

    real = compose.compose_document
    monkeypatch.setattr(compose, "compose_document", lambda spec: {**real(spec), "volumes": {}})
    monkeypatch.setitem(__import__("jcasc_gen.render", fromlist=["FILES"]).FILES, "docker-compose.yaml",
                        compose._FileRule("docker-compose.yaml.j2", "compose", compose._compose_context,
                                          compose.compose_document, compose._parse_compose, when=compose._wanted))
    with pytest.raises(RenderError):
        _files()
