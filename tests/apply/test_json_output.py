"""Every command that takes `--format json` prints exactly one JSON object on stdout, in every
outcome (success, differences, an invalid spec, a lint error, an unreachable Jenkins, refused
credentials, a refused change, a usage error, a bug), and every one validates against the one
schema the package ships (`schemas/output.schema.json`, docs/json.md): `command`, `ok`, `exit`
(the process's exit code), `diagnostics`, `error`/`hint`, and for the live commands the URL
actually used."""

from __future__ import annotations

import json
import pathlib
from dataclasses import dataclass
from typing import Any, Callable

import jsonschema
import pytest
import yaml

from jcasc_gen.exitcodes import ExitCode
from tests.fleet.conftest import Fleet, fail_verify, make_fleet  # noqa: F401 (a fixture)
from tests.jenkins_sim import DEFAULT_PLUGINS

from .conftest import ADMIN, CANARY_TOKEN, Env, Run, assert_no_secret, spec_text

REPO = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "schemas" / "output.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())

OFFLINE_SPEC = """\
version: 1
jenkins: {url: https://jenkins.example.com}
pomerium:
  authenticate_url: https://authenticate.example.com
  idp: {provider: google, client_id: {env: IDP_CLIENT_ID}, client_secret: {env: IDP_CLIENT_SECRET}}
  signing_key: {env: POMERIUM_SIGNING_KEY}
authorization:
  grants:
    - user: admin@example.com
      permissions: [Overall/Administer]
    - group: devs
      permissions: [Overall/Read, Job/Read]
output: {dir: out}
"""
INVALID = OFFLINE_SPEC.replace("Job/Read]", "Job/Raed]")
LOCKOUT = OFFLINE_SPEC.replace("Overall/Administer", "Overall/Read")  # lint JG001, an error
EXPORT = """\
jenkins:
  securityRealm:
    jwtAuth: {headerName: X-Pomerium-Jwt-Assertion, userClaimName: email, groupsClaimName: groups,
              acceptedIssuer: jenkins.example.com, acceptedAudience: jenkins.example.com,
              jwksUrl: https://jenkins.example.com/.well-known/pomerium/jwks.json}
  authorizationStrategy:
    globalMatrix:
      entries:
        - user: {name: admin@example.com, permissions: [Overall/Administer]}
"""
LOCAL_EXPORT = """\
jenkins:
  securityRealm:
    local: {allowsSignup: false}
  authorizationStrategy:
    globalMatrix:
      entries:
        - user: {name: admin, permissions: [Overall/Administer]}
"""


@dataclass
class Ctx:
    tmp: pathlib.Path
    make_env: Callable[..., Env]
    make_fleet: Callable[..., Fleet]
    monkeypatch: pytest.MonkeyPatch
    _env: Env | None = None
    fleet_urls: dict[str, str] | None = None  # controller -> where it was reached

    @property
    def env(self) -> Env:
        if self._env is None:
            self._env = self.make_env()
        return self._env

    def spec(self, text: str = OFFLINE_SPEC, name: str = "offline.yaml") -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def live(self, command: str, *extra: str, spec: str | None = None, token: bool = True, key: bool = True) -> list[str]:
        return [command, spec or str(self.env.spec), *self.env.base(token=token, key=key), "--timeout", "5", *extra]

    def down(self) -> str:
        """A Jenkins that does not answer: the simulator, stopped."""
        self.env.sim.stop()
        return str(self.env.sim.url)

    def generated(self) -> str:
        spec = self.spec()
        from jcasc_gen.cli import main

        assert main(["generate", spec, "-q"]) == 0
        return spec


# (command, outcome) -> what to run, and the exit code it must end with. A case returns
# (argv, the URL the document must name or None when none is used).
Case = Callable[[Ctx], tuple[list[str], str | None]]
CASES: dict[tuple[str, str], tuple[int, Case]] = {}


def case(command: str, outcome: str, code: int) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        CASES[(command, outcome)] = (code, fn)
        return fn
    return register


# --- offline commands --------------------------------------------------------------------

for _cmd in ("validate", "lint", "generate", "check", "diff", "explain"):
    case(_cmd, "invalid spec", 2)(lambda c, cmd=_cmd: ([cmd, c.spec(INVALID)], None))
    case(_cmd, "missing file", 2)(lambda c, cmd=_cmd: ([cmd, str(c.tmp / "nowhere.yaml")], None))
    case(_cmd, "unknown option", 2)(lambda c, cmd=_cmd: ([cmd, c.spec(), "--frobnicate"], None))
    case(_cmd, "unknown controller", 2)(lambda c, cmd=_cmd: ([cmd, c.spec(), "--controller", "prod"], None))
for _cmd in ("lint", "generate", "check", "diff"):
    case(_cmd, "lint error", 2)(lambda c, cmd=_cmd: ([cmd, c.spec(LOCKOUT)], None))

case("validate", "valid", 0)(lambda c: (["validate", c.spec()], None))
case("validate", "warning under --strict", 2)(
    lambda c: (["validate", c.spec(OFFLINE_SPEC.replace("authorization:\n", "authorization:\n  roles: {unused: [Job/Read]}\n")),
                "--strict"], None))
case("lint", "clean", 0)(lambda c: (["lint", c.spec()], None))
case("lint", "accepted risk", 0)(
    lambda c: (["lint", c.spec(LOCKOUT + "lint:\n  accept: [{rule: JG001, reason: a read-only mirror}]\n"), "--strict"], None))
case("generate", "written", 0)(lambda c: (["generate", c.spec()], None))


@case("generate", "refused: a file it did not write", 2)
def _generate_refused(c: Ctx) -> tuple[list[str], str | None]:
    (c.tmp / "out").mkdir()
    (c.tmp / "out" / "jenkins.yaml").write_text("written by hand\n")
    return ["generate", c.spec()], None



case("check", "up to date", 0)(lambda c: (["check", c.generated()], None))
case("check", "out of date", 1)(lambda c: (["check", c.spec()], None))
case("diff", "no differences", 0)(lambda c: (["diff", c.generated()], None))
case("diff", "differences", 1)(lambda c: (["diff", c.spec()], None))
case("diff", "--url without --live", 2)(lambda c: (["diff", c.spec(), "--url", "http://127.0.0.1:9/"], None))
case("explain", "matrix", 0)(lambda c: (["explain", c.spec()], None))
case("explain", "principal", 0)(lambda c: (["explain", c.spec(), "user:admin@example.com"], None))
case("explain", "--group without a principal", 2)(lambda c: (["explain", c.spec(), "--group", "devs"], None))
case("report", "offline", 0)(lambda c: (["report", c.spec(), "--time", "2026-12-31T23:59:00Z"], None))
case("report", "written to a file", 0)(lambda c: (["report", c.spec(), "-o", str(c.tmp / "access.json")], None))
case("report", "invalid spec", 2)(lambda c: (["report", c.spec(INVALID)], None))
case("report", "--allowed-only is for csv", 2)(lambda c: (["report", c.spec(), "--allowed-only"], None))
case("report", "unknown option", 2)(lambda c: (["report", c.spec(), "--frobnicate"], None))
case("report", "live", 0)(lambda c: (c.live("report", "--live"), c.env.sim.url))
case("report", "live unreachable", 3)(lambda c: ((c.down(), c.live("report", "--live", "--retries", "0"))[1], c.env.sim.url))
case("import", "from an export", 0)(
    lambda c: (["import", "--from-export", c.spec(EXPORT, "export.yaml"), "--jenkins-url", "https://jenkins.example.com"], None))
case("import", "written", 0)(
    lambda c: (["import", "--from-export", c.spec(EXPORT, "export.yaml"), "-o", str(c.tmp / "new.yaml")], None))
case("import", "not an export", 2)(lambda c: (["import", "--from-export", c.spec("jenkins: 5\n", "export.yaml")], None))
case("import", "output exists", 2)(
    lambda c: (["import", "--from-export", c.spec(EXPORT, "export.yaml"), "-o", c.spec()], None))
case("import", "a local administrator only (lockout)", 2)(
    lambda c: (["import", "--from-export", c.spec(LOCAL_EXPORT, "export.yaml"),
                "--jenkins-url", "https://jenkins.example.com", "--authenticate-url", "https://authenticate.example.com",
                "--idp-provider", "google"], None))
case("import", "unknown option", 2)(lambda c: (["import", "--from-export", "x.yaml", "--frobnicate"], None))
case("import", "unreachable", 3)(
    lambda c: (["import", "--url", c.down(), "--user", "admin", "--token", CANARY_TOKEN, "--timeout", "2"], c.env.sim.url))


@case("validate", "a bug", 2)
def _bug(c: Ctx) -> tuple[list[str], str | None]:
    from jcasc_gen.commands import validate

    def broken(args: Any) -> int:
        raise RuntimeError("boom")

    c.monkeypatch.setattr(validate, "run", broken)
    return ["validate", c.spec()], None


# --- live commands ------------------------------------------------------------------------

for _cmd in ("plan", "apply", "verify"):
    case(_cmd, "invalid spec", 2)(lambda c, cmd=_cmd: (c.live(cmd, spec=c.spec(INVALID)), None))
    case(_cmd, "lint error", 2)(lambda c, cmd=_cmd: (c.live(cmd, spec=c.spec(LOCKOUT)), None))
    case(_cmd, "unreachable", 3)(lambda c, cmd=_cmd: ((c.down(), c.live(cmd, "--retries", "0"))[1], c.env.sim.url))
    case(_cmd, "unknown option", 2)(lambda c, cmd=_cmd: (c.live(cmd, "--frobnicate"), None))
    case(_cmd, "no credentials", 2)(lambda c, cmd=_cmd: (c.live(cmd, token=False, key=False), None))
    case(_cmd, "credentials refused", 3)(
        lambda c, cmd=_cmd: ([cmd, str(c.env.spec), "--url", c.env.sim.url, "--user", "admin", "--token", "wrong-token-00000000",
                              "--timeout", "5"], c.env.sim.url))
    case(_cmd, "bad --url", 2)(lambda c, cmd=_cmd: ([cmd, str(c.env.spec), "--url", "ftp://jenkins", "--user", "admin"], None))

case("plan", "changes", 1)(lambda c: (c.live("plan"), c.env.sim.url))
case("apply", "applied", 0)(lambda c: (c.live("apply", "--yes", "--poll-interval", "0.02", "--restart-timeout", "10"),
                                      c.env.sim.url))
case("apply", "not confirmed", 2)(lambda c: (c.live("apply"), c.env.sim.url))  # no --yes and no terminal
case("apply", "refused by the lockout guard", 2)(lambda c: (c.live("apply", "--yes", key=False), c.env.sim.url))
case("verify", "failed checks", 1)(lambda c: (c.live("verify"), c.env.sim.url))
case("diff", "live differences", 1)(lambda c: (c.live("diff", "--live"), c.env.sim.url))
case("diff", "live unreachable", 3)(lambda c: ((c.down(), c.live("diff", "--live", "--retries", "0"))[1], c.env.sim.url))
case("diff", "live lint error", 2)(lambda c: (c.live("diff", "--live", spec=c.spec(LOCKOUT)), None))


@case("plan", "nothing to change", 0)
def _plan_nothing(c: Ctx) -> tuple[list[str], str | None]:
    assert c.env.apply().code == 0
    return c.live("plan"), c.env.sim.url


@case("plan", "apply would refuse", 2)
def _plan_blocked(c: Ctx) -> tuple[list[str], str | None]:
    c._env = c.make_env(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"}, disabled_plugins=["jwt-auth"])
    return c.live("plan"), c.env.sim.url


@case("apply", "rolled back", 4)
def _apply_rolled_back(c: Ctx) -> tuple[list[str], str | None]:
    fail_verify(c.env.sim)
    return c.live("apply", "--yes", "--poll-interval", "0.02", "--restart-timeout", "10"), c.env.sim.url


@case("verify", "passed", 0)
def _verify_passed(c: Ctx) -> tuple[list[str], str | None]:
    assert c.env.apply().code == 0
    return c.live("verify"), c.env.sim.url


@case("diff", "live no differences", 0)
def _diff_live_same(c: Ctx) -> tuple[list[str], str | None]:
    assert c.env.apply().code == 0
    return c.live("diff", "--live"), c.env.sim.url


# --- several controllers (--all) ----------------------------------------------------------

def _fleet_case(command: str, *extra: str, down: str | None = None, fail: str | None = None) -> Case:
    def run(c: Ctx) -> tuple[list[str], str | None]:
        f = c.make_fleet(["alpha", "beta"])
        if down:
            f.sims[down].stop()
        if fail:
            fail_verify(f.sims[fail])
        argv = [command, str(f.spec), "--signing-key-file", str(f.key), "--timeout", "5", "--retries", "0", *extra]
        if command == "apply":
            argv += ["--poll-interval", "0.02", "--restart-timeout", "10"]
        c.fleet_urls = {n: s.url for n, s in f.sims.items()}
        return argv, None
    return run


case("plan", "--all: changes", 1)(_fleet_case("plan", "--all"))
case("plan", "--all: one unreachable", 3)(_fleet_case("plan", "--all", down="beta"))
case("apply", "--all: applied", 0)(_fleet_case("apply", "--all", "--yes"))
case("apply", "--all: one rolled back", 4)(_fleet_case("apply", "--all", "--yes", fail="alpha"))
case("apply", "--all without --yes", 2)(_fleet_case("apply", "--all"))
case("verify", "--all: failed checks", 1)(_fleet_case("verify", "--all"))
case("diff", "--all: live differences", 1)(_fleet_case("diff", "--live", "--all"))
case("plan", "--all on a spec without controllers", 2)(lambda c: (c.live("plan", "--all"), None))


def _one_document(out: str) -> Any:
    """stdout holds one JSON object and nothing else (json.loads refuses extra data)."""
    doc = json.loads(out)
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize("command,outcome", sorted(CASES), ids=[f"{c}: {o}" for c, o in sorted(CASES)])
def test_every_outcome_is_one_document_the_schema_accepts(command: str, outcome: str, tmp_path: pathlib.Path,
                                                           make_env: Callable[..., Env], make_fleet: Callable[..., Fleet],
                                                           monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from jcasc_gen.cli import main

    for var in ("JENKINS_URL", "JENKINS_USER_ID", "JENKINS_API_TOKEN", "JENKINS_JWT", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    expected, build = CASES[(command, outcome)]
    ctx = Ctx(tmp_path, make_env, make_fleet, monkeypatch)
    argv, url = build(ctx)
    capsys.readouterr()
    code = main([*argv, "--format", "json"])
    captured = capsys.readouterr()
    run = Run(code, captured.out, captured.err)
    assert code == expected, run.err
    doc = _one_document(run.out)
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    assert (doc["command"], doc["exit"], doc["ok"]) == (command, code, code == 0)
    if url is not None:
        assert doc["url"] == url
    for name, where in (ctx.fleet_urls or {}).items() if "summary" in doc else ():  # the run went ahead
        assert [c["url"] for c in doc["controllers"] if c["controller"] == name] == [where]
    if ctx._env is not None:
        assert_no_secret(run, ctx.env)


def test_every_command_with_format_json_has_cases_for_its_outcomes() -> None:
    """The table above covers every command that takes --format json, each with a success, an
    invalid spec or input, and a usage error; the live ones also unreachable and refused."""
    from jcasc_gen.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    with_json = {name for name, p in sub.choices.items()  # type: ignore[union-attr]
                 if any("--format" in a.option_strings and "json" in (a.choices or ()) for a in p._actions)}
    assert with_json == {c for c, _ in CASES}
    for command in with_json:
        codes = {code for (c, _), (code, _) in CASES.items() if c == command}
        assert {0, 2} <= codes, command
        if command in ("plan", "apply", "verify", "diff"):
            assert 3 in codes, command


GOOD = {"command": "plan", "ok": False, "exit": 3, "url": "http://jenkins:8080/", "diagnostics": [],
        "error": "http://jenkins:8080/: cannot connect", "hint": None}
DIAGNOSTIC = {"file": "spec.yaml", "line": 3, "col": 5, "path": "authorization.grants", "severity": "error", "code": "JG001",
              "message": "no user or group keeps Overall/Administer", "hint": None, "accepted": False, "accepted_reason": None}


@pytest.mark.parametrize("change,why", [
    ({"ok": True}, "ok must be exactly exit 0"),
    ({"exit": 7}, "an exit code the tool never uses"),
    ({"error": None}, "a failure that says nowhere why"),
    ({"error": None, "diagnostics": [{**DIAGNOSTIC, "accepted": True, "accepted_reason": "known"}]}, "an accepted finding fails nothing"),
    ({"error": None, "diagnostics": [{**DIAGNOSTIC, "severity": "warning"}]}, "a warning fails nothing"),
    ({"diagnostics": [{k: v for k, v in DIAGNOSTIC.items() if k != "accepted"}]}, "a diagnostic without `accepted`"),
    ({"command": "deploy"}, "not a command"),
    ({"exit": 1, "ok": False, "error": None}, "a plan with differences but no plan"),
    ({"summary": [{"controller": "a", "result": "changes", "exit_code": 1, "changes": 3, "seconds": 1.0}]},
     "--all without the controllers' documents"),
])
def test_the_schema_refuses_what_a_document_must_not_be(change: dict[str, Any], why: str) -> None:
    """The schema is not vacuous: a good document passes, and each of these breaks it."""
    assert not list(VALIDATOR.iter_errors(GOOD))
    assert list(VALIDATOR.iter_errors({**GOOD, **change})), why
    without_url = {k: v for k, v in GOOD.items() if k != "url"}
    assert list(VALIDATOR.iter_errors(without_url)), "a live command names its URL"


def test_the_schema_is_documented_and_shipped() -> None:
    """docs/json.md names every property the schema knows; the package carries the schema."""
    from jcasc_gen.resources import read_text

    assert json.loads(read_text("schemas", "output.schema.json")) == SCHEMA
    docs = (REPO / "docs" / "json.md").read_text(encoding="utf-8")
    missing = [name for name in SCHEMA["properties"] if f"`{name}`" not in docs]
    assert not missing, missing
