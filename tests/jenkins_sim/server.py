"""JenkinsSim: the controller state plus a real HTTP server on 127.0.0.1.

Request pipeline, in the real order (jenkins-facts B.3, D, H; core META-INF/web-fragment.xml):
  fault injection -> (restarting: 503) -> Basic API-token check (401) -> jwt-auth filter
  (overwrites the identity) -> CSRF crumb on POST (API-token requests exempt) ->
  Overall/Read (403 + X-You-Are-Authenticated-As) -> the endpoint's own permission.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import posixpath
import secrets as _secrets
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections import Counter
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qs, urlsplit

from . import acl, casc, item_acl, item_routes, script
from . import permissions as P
from .auth import basic_check, jwt_filter
from .faults import Fault, Faults
from .gauge import Gauge
from .item_names import endpoint_of
from .items import Item, ItemTree
from .plugins import PluginManager
from .state import ANONYMOUS, Build, Identity, JwtRealm, LocalRealm, Realm, Strategy

DEFAULT_PLUGINS = {"configuration-as-code": "1987.v4ade2e49fb_b_c", "matrix-auth": "3.2.8"}
# The update centre: the releases a controller would be offered. configuration-as-code
# 2117.vc05a_0b_e6b_f4e and skip-certificate-check 50.vcfa_cdb_b_27312 are real releases
# (tags of jenkinsci/configuration-as-code-plugin, the plugin site); matrix-auth 3.2.9 is a
# made-up next release, so an upgrade over the installed 3.2.8 can be simulated.
DEFAULT_AVAILABLE = {
    "jwt-auth": "0.3.0",
    "skip-certificate-check": "50.vcfa_cdb_b_27312",
    "matrix-auth": "3.2.9",
    "configuration-as-code": "2117.vc05a_0b_e6b_f4e",
    # plugins that define permissions (the releases of their repositories' newest tags)
    "cloudbees-folder": "6.1100.ve9eed61d16c4",
    "credentials": "1502.v5c95e620ddfe",
    "workflow-cps": "4350.vcc65d4958821",
    # the Helm chart's pin (jenkinsci/helm-charts charts/jenkins/values.yaml), for specs with output.helm
    "kubernetes": "4540.v612369217f87",
    # for specs with output.job_dsl (a jenkinsci/job-dsl-plugin release tag)
    "job-dsl": "3654.vdf58f53e2d15",
}
SYSTEM_READ = "Overall/SystemRead"
MANAGE = "Overall/Manage"
CRUMB_FIELD = "Jenkins-Crumb"  # hudson/security/csrf/CrumbIssuer.java default request field

# jenkins: core/src/main/java/jenkins/model/Jenkins.java ALWAYS_READABLE_PATHS, plus the
# unprotected root actions WhoAmI (hudson/security/WhoAmI.java) and JCasC's TokenReloadAction
UNPROTECTED = {
    "404", "_404", "_404_simple", "login", "loginError", "logout", "accessDenied", "adjuncts", "error",
    "oops", "signup", "tcpSlaveAgentListener", "federatedLoginService", "securityRealm",
    "whoAmI", "reload-configuration-as-code",
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sim: "JenkinsSim"

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out (hang faults) or vanish are expected here

    def drop_all(self) -> None:
        """A JVM that goes down takes its keep-alive connections with it."""
        with self.conn_lock:
            conns = list(self.connections)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class JenkinsSim:
    """A simulated Jenkins controller with configuration-as-code, matrix-auth and
    (optionally) jwt-auth. See tests/jenkins_sim/README.md."""

    def __init__(
        self,
        *,
        version: str = "2.516.3",
        casc_version: str | None = None,
        casc_has_configure: bool = True,
        casc_json_check: bool = True,
        plugins: dict[str, str] | None = None,
        available_plugins: dict[str, str] | None = None,
        disabled_plugins: Iterable[str] = (),
        users: dict[str, str] | None = None,
        security_realm: Realm | None = None,
        authorization: Strategy | str = "loggedInUsersCanDoAnything",
        allow_anonymous_read: bool = False,
        casc_files: Iterable[str | tuple[str, str]] | None = None,
        env: dict[str, str] | None = None,
        secrets: dict[str, str] | None = None,
        files: dict[str, str] | None = None,
        extra_permissions: Iterable[str] | Mapping[str, str | None] | None = None,
        restart_seconds: float = 0.05,
        restart_notice_seconds: float = 0.05,
        restart_refuses_connections: bool = False,
        install_seconds: float = 0.02,
        csrf: bool = True,
        port: int = 0,
        gauge: Gauge | None = None,
    ) -> None:
        self.version = version
        self.casc_has_configure = casc_has_configure
        self.casc_json_check = casc_json_check
        self.plugin_manager = PluginManager(
            dict(DEFAULT_PLUGINS if plugins is None else plugins),
            dict(DEFAULT_AVAILABLE if available_plugins is None else available_plugins),
            install_seconds,
        )
        if casc_version is not None:
            self.plugin_manager.plugins["configuration-as-code"].version = casc_version
        for name in disabled_plugins:  # disabled at the last start: installed, not loaded
            self.plugin_manager.plugins[name].enabled = False
            self.plugin_manager.plugins[name].active = False
        self.users: dict[str, str] = dict({"admin": "admin-token"} if users is None else users)
        self.local_user_ids: list[str] = list(self.users)
        # user records (hudson.model.User): id -> {"fullName", "email"}; jwt-auth creates them
        self.user_records: dict[str, dict[str, Any]] = {u: {"fullName": u, "email": None} for u in self.users}
        self._realm: Realm = security_realm or LocalRealm()
        if isinstance(authorization, Strategy):
            self._strategy = authorization
        else:
            self._strategy = Strategy(kind=authorization, allow_anonymous_read=allow_anonymous_read)
        self.casc_files: list[tuple[str, str]] = []
        for i, f in enumerate(casc_files or []):
            self.casc_files.append(f if isinstance(f, tuple) else (f"/var/jenkins_home/casc_configs/{i:02d}.yaml", f))
        self.env: dict[str, str] = dict(env or {})
        self.secrets: dict[str, str] = dict(secrets or {})
        self.files: dict[str, str] = dict(files or {})
        # plugin permissions the table does not model: `Title/Name` -> the plugin providing it
        # (None: always there); they exist only while that plugin is active
        self.extra_permissions: dict[str, str | None] = (
            dict(extra_permissions) if isinstance(extra_permissions, Mapping) else dict.fromkeys(extra_permissions or ()))
        self.restart_seconds = restart_seconds
        # Jenkins.safeRestart serves HudsonIsRestarting (503) for 10 s before it restarts;
        # the tests shorten it
        self.restart_notice_seconds = restart_notice_seconds
        self.restart_refuses_connections = restart_refuses_connections
        self.csrf = csrf
        self.system_message: str | None = None
        self.num_executors = 2
        self.mode = "NORMAL"
        self.quieting_down = False
        self.builds: list[Build] = []  # running builds: they keep a safe restart waiting
        self.change_delays: list[float] = []  # delay_changes()
        self.changes_in_flight = 0  # JCasC changes being applied right now
        self.faults = Faults()
        self.lock = threading.RLock()
        self.sessions: dict[str, dict[str, Any]] = {}
        self._crumb_salt = _secrets.token_bytes(16)
        # Jenkins.SESSION_HASH: computed once per JVM start, sent as X-Jenkins-Session
        self.instance_id = uuid.uuid4().hex[:8]
        self.restart_count = 0
        self.restarting = False
        self.restart_phase: str | None = None  # None | "quieting" | "notice" (HudsonIsRestarting) | "down" (HudsonIsLoading)
        self._restart_pending = False
        self.boot_error: str | None = None
        self.requests: list[tuple[str, str]] = []  # (method, path) log for assertions
        # requests being answered now and at most (gauge.py); pass one gauge to several simulators
        # to count across them
        self.gauge = gauge if gauge is not None else Gauge()
        self.casc_log: list[str] = []  # WARNING lines (unresolved variables ...)
        self.log: list[str] = []  # Jenkins' own WARNING lines ("WARNING <logger>: <message>")
        self.items = ItemTree(self)  # folders and jobs (items.py)
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if self.casc_files:
            self._boot_from_files()

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> str:
        self._bind(self._port)
        return self.url

    def _bind(self, port: int) -> None:
        srv = _Server(("127.0.0.1", port), _Handler)
        srv.sim = self
        self._server = srv
        self._port = srv.server_address[1]
        self._thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True)
        self._thread.start()

    def _unbind(self) -> None:
        srv, self._server = self._server, None
        if srv is not None:
            srv.shutdown()
            srv.server_close()
            srv.drop_all()

    def stop(self) -> None:
        self.faults.clear()
        self._unbind()

    def __enter__(self) -> "JenkinsSim":
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/"

    @property
    def port(self) -> int:
        return self._port

    # ---------------------------------------------------------------- state views
    @property
    def security_realm(self) -> Realm:
        return self._realm

    @security_realm.setter
    def security_realm(self, realm: Realm) -> None:
        self._realm = realm

    @property
    def authorization(self) -> Strategy:
        return self._strategy

    @authorization.setter
    def authorization(self, st: Strategy) -> None:
        self._strategy = st

    @property
    def plugins(self) -> dict[str, Any]:
        return self.plugin_manager.plugins

    def active_plugins(self) -> set[str]:
        return self.plugin_manager.active()

    def export_yaml(self) -> str:
        """ConfigurationAsCode export of the modelled sections (jenkins-facts A.6)."""
        with self.lock:
            j: dict[str, Any] = {
                "authorizationStrategy": casc.describe_strategy(self._strategy),
                "securityRealm": casc.describe_realm(self._realm, self.local_user_ids),
                "numExecutors": self.num_executors,
                "mode": casc.Plain(self.mode),
            }
            if self.system_message:
                j["systemMessage"] = self.system_message
            return casc.export_yaml(j)

    def has_permission(self, ident: Identity, pid: str) -> bool:
        return acl.has_permission(self._strategy, ident, pid, version=self.version)

    def has_item_permission(self, ident: Identity, full_name: str, pid: str) -> bool:
        """The ACL of the item `full_name` (`a/b`; "" is Jenkins itself) asked for `pid`."""
        return self.has_item_access(ident, self.items.require(full_name) if full_name else None, pid)

    def has_item_access(self, ident: Identity, item: Item | None, pid: str) -> bool:
        return item_acl.has_item_permission(self._strategy, ident, item, pid)

    def permission_table(self) -> P.Table:
        """The permissions that exist now (core's and the active plugins')."""
        return P.Table(self.active_plugins(), self.extra_permissions)

    def endpoint_counts(self) -> Counter[tuple[str, str]]:
        """(method, endpoint) -> requests so far; item paths collapse to `/{item}/...`."""
        return Counter((m, endpoint_of(p)) for m, p in list(self.requests))

    def identify(self, headers: dict[str, str]) -> Identity:
        """The identity the filter chain would give these request headers (no 401 path)."""
        return self._authenticate(_Headers(headers))[1] or ANONYMOUS

    def install_plugin_now(self, name: str, version: str, *, active: bool = True) -> None:
        """Test helper: put a plugin on disk directly (as if present at boot)."""
        from .state import LONG_NAMES, PluginState

        with self.plugin_manager.lock:
            self.plugin_manager.plugins[name] = PluginState(name, version, active=active, long_name=LONG_NAMES.get(name))

    # ---------------------------------------------------------------- faults
    def fail_next(self, path: str, count: int = 1, status: int = 500, *, method: str | None = None,
                  skip: int = 0) -> None:
        self.faults.add(Fault(path, count, "status", status=status, method=method, skip=skip))

    def hang_next(self, path: str, count: int = 1, seconds: float = 5.0, *, method: str | None = None,
                  skip: int = 0) -> None:
        self.faults.add(Fault(path, count, "hang", seconds=seconds, method=method, skip=skip))

    def drop_next(self, path: str, count: int = 1, *, method: str | None = None, skip: int = 0) -> None:
        self.faults.add(Fault(path, count, "drop", method=method, skip=skip))

    def before_next(self, path: str, action: Callable[["JenkinsSim"], None], count: int = 1, *,
                    method: str | None = None, skip: int = 0) -> None:
        """Run `action(sim)` when a matching request arrives, then answer it normally (a
        change someone else makes between a client's requests)."""
        self.faults.add(Fault(path, count, "call", method=method, skip=skip, action=action))

    def redirect_next(self, path: str, location: str, count: int = 1, status: int = 302) -> None:
        """Answer `status` with `Location: location` (a reverse proxy, a moved Jenkins, or a
        hostile server sending the client elsewhere)."""
        self.faults.add(Fault(path, count, "redirect", status=status, location=location))

    def trickle_next(self, path: str, count: int = 1, seconds: float = 5.0, head: bool = False) -> None:
        """Answer 200 one byte at a time, spread over `seconds`: the body (head=False) or the
        status line and headers (head=True). Every single read is quick; the whole is slow."""
        self.faults.add(Fault(path, count, "trickle-head" if head else "trickle", seconds=seconds))

    def oversize_next(self, path: str, count: int = 1, size: int | None = None, declared: bool = False) -> None:
        """Answer 200 with a body of `size` bytes (None: never ending); `declared` sends its
        Content-Length first."""
        self.faults.add(Fault(path, count, "oversize", size=size, declared=declared))

    def fail_apply_halfway(self) -> None:
        """The next apply/configure/reload sets authorizationStrategy, then fails before
        securityRealm (JCasC configures authorizationStrategy first)."""
        self.faults.apply_halfway = True

    def restart_never_returns(self, refuse_connections: bool = False) -> None:
        self.faults.restart_never_returns = True
        self.faults.restart_refuses = refuse_connections

    def expire_crumbs(self) -> None:
        """Every crumb issued so far stops validating (as after a session/salt change)."""
        with self.lock:
            self._crumb_salt = _secrets.token_bytes(16)

    def disable_plugin(self, name: str) -> None:
        """Disable a plugin (its disable file): it stays loaded until the next restart, and
        no restart loads it again until it is enabled."""
        self.plugin_manager.set_enabled(name, False)

    def fail_plugin_install(self, name: str) -> None:
        self.plugin_manager.fail_installs.add(name)

    # ---------------------------------------------------------------- builds
    def start_build(self, seconds: float | None = None) -> "Build":
        """A build on an executor of the built-in node; it ends after `seconds`, or when
        `build.finish()` is called (None)."""
        build = Build(None if seconds is None else time.monotonic() + seconds)
        with self.lock:
            self.builds.append(build)
        return build

    def busy_executors(self) -> int:
        """ComputerSet.getBusyExecutors: executors running a build."""
        with self.lock:
            self.builds = [b for b in self.builds if b.running()]
            return len(self.builds)

    # ---------------------------------------------------------------- restart
    def begin_restart(self) -> None:
        """Jenkins.safeRestart (core Jenkins.java 4670-4697): quietDownInfo is set before the
        response (a redirect) goes out; the "safe-restart thread" then waits, for as long as
        it takes, until no executor is busy (doQuietDown(block=true, timeout=0) polling
        RestartListener.isAllReady every second) while Jenkins answers normally; if the quiet
        down was cancelled meanwhile it gives up, else it serves HudsonIsRestarting (503) for
        10 s and restarts the JVM (a new SESSION_HASH)."""
        with self.lock:
            if self._restart_pending:
                return
            self._restart_pending = True
            self.quieting_down = True
            self.restart_phase = "quieting"
        refuse = self.restart_refuses_connections or (self.faults.restart_never_returns and self.faults.restart_refuses)

        def run() -> None:
            time.sleep(0.05)  # let the /safeRestart response and its redirect go out
            while self.quieting_down and self.busy_executors():
                time.sleep(0.01)
            if not self.quieting_down:
                with self.lock:  # "Safe-restart mode cancelled"
                    self._restart_pending = False
                    self.restart_phase = None
                return
            self.restart_phase = "notice"
            self.restarting = True
            time.sleep(self.restart_notice_seconds)
            if refuse:
                self._unbind()
            self.restart_phase = "down"
            if self.faults.restart_never_returns:
                return
            time.sleep(self.restart_seconds)
            self._finish_restart()
            if refuse:
                self._bind(self._port)

        threading.Thread(target=run, daemon=True).start()

    def _finish_restart(self) -> None:
        with self.lock:
            self.plugin_manager.on_restart()
            self.sessions.clear()  # sessions (and so crumbs) do not survive a restart
            self._crumb_salt = _secrets.token_bytes(16)
            if isinstance(self._realm, JwtRealm):
                # a new realm instance from config.xml: new (empty) JWKS resolver
                old = self._realm
                self._realm = JwtRealm(**old.config())
            self.quieting_down = False
            self.builds.clear()  # (a real restart waits for them; builds started during the notice die)
            self.instance_id = uuid.uuid4().hex[:8]  # a new JVM, a new SESSION_HASH
            self.restart_count += 1
            self.items.reload_from_disk()  # items load from their config.xml files again
            self.boot_error = None
            if self.casc_files:
                self._boot_from_files()
            self.restarting = False
            self.restart_phase = None
            self._restart_pending = False

    def _boot_from_files(self) -> None:
        """At startup JCasC applies the standard sources (ConfigurationAsCode.init, an
        @Initializer); a ConfiguratorException there is ConfigurationAsCodeBootFailure: Jenkins
        does not start, every path answers 503 with the message (configuration-as-code
        2115.vf6de120eef70 ConfigurationAsCode.java:385-394). The same at the first start as
        after a restart."""
        try:
            self._apply_sources([])
        except casc.CascError as e:
            self.boot_error = e.message

    # ---------------------------------------------------------------- casc
    def _context(self) -> casc.Context:
        return casc.Context(
            plugins_active=self.active_plugins(),
            extra_permissions=self.extra_permissions,
            resolver=casc.Resolver(self.env, self.secrets, self.files),
            new_root_message=self.casc_has_configure,
        )

    def _standard_sources(self) -> list[casc.YamlSource]:
        return [casc.YamlSource(name, text) for name, text in self.casc_files]

    def casc_sources(self) -> list[str]:
        """ConfigurationAsCode.getSources() after a configure (configuration-as-code-plugin
        2115.vf6de120eef70 ConfigurationAsCode.java:406-458): CASC_JENKINS_CONFIG split on commas
        (inputToCandidateSources), else `$JENKINS_HOME/jenkins.yaml` when it exists. Here the
        variable is `env["CASC_JENKINS_CONFIG"]`; without it the folders of `casc_files` stand
        for it (as the chart's CASC_JENKINS_CONFIG names the sidecar's folder)."""
        raw = self.env.get("CASC_JENKINS_CONFIG")
        if raw is None:
            raw = ",".join(dict.fromkeys(posixpath.dirname(path) for path, _ in self.casc_files))
        return [s.strip() for s in raw.split(",") if s.strip()]

    def check(self, text: str) -> list[dict[str, Any]]:
        """`check` validates only the posted document (PR #1518)."""
        ctx = self._context()
        casc.build_plan(ctx, casc.load([casc.YamlSource("/configuration-as-code/check", text)]))
        return ctx.warnings

    def _apply_sources(self, extra: list[casc.YamlSource]) -> None:
        """ConfigurationAsCode.configureWith: standard sources + posted YAML, merged;
        validated on a copy first (checkWith), then configured (A.2)."""
        ctx = self._context()
        doc = casc.load(self._standard_sources() + extra)
        plan = casc.build_plan(ctx, doc)  # failed validation changes nothing
        self.casc_log.extend(ctx.resolver.warnings)
        with self.lock:
            if plan.strategy is not None:
                self._strategy = plan.strategy
            if self.faults.apply_halfway:
                self.faults.apply_halfway = False
                raise casc.CascError("jenkins_sim: injected failure after authorizationStrategy, before securityRealm")
            if plan.realm is not None:
                self._realm = plan.realm
                if isinstance(plan.realm, LocalRealm):
                    for uid in plan.local_users:
                        if uid not in self.local_user_ids:
                            self.local_user_ids.append(uid)
            if "systemMessage" in plan.scalars:
                self.system_message = plan.scalars["systemMessage"]
            if "numExecutors" in plan.scalars:
                self.num_executors = plan.scalars["numExecutors"]
            if "mode" in plan.scalars:
                self.mode = plan.scalars["mode"]

    def apply(self, text: str, source_name: str = "/configuration-as-code/apply") -> None:
        with self.lock:
            delay = self.change_delays.pop(0) if self.change_delays else 0.0
        with self.lock:
            self.changes_in_flight += 1
        try:
            if delay:
                # a slow configure: the request thread carries on after the client has gone
                # (Jetty does not abandon a running request when its client disconnects)
                time.sleep(delay)
            self._apply_sources([casc.YamlSource(source_name, text)])
        finally:
            with self.lock:
                self.changes_in_flight -= 1

    def delay_changes(self, *seconds: float) -> None:
        """The next JCasC apply/configure changes, one per value, are applied only after that
        many seconds (0: at once); the answer comes after that, so a client with a shorter
        timeout gives up while the change is still on its way."""
        with self.lock:
            self.change_delays.extend(seconds)

    def reload(self) -> None:
        self._apply_sources([])

    # ---------------------------------------------------------------- auth pipeline
    def _authenticate(self, headers: Any) -> tuple[bool, Identity | None, bool, str | None]:
        """-> (ok, identity, api_token_attribute, failed_user)."""
        res = basic_check(headers.get("Authorization"), self.users)
        if not res.ok:
            return False, None, False, res.failed_user
        ident = res.identity or ANONYMOUS
        realm = self._realm
        if isinstance(realm, JwtRealm):
            # jwt-auth: the JWT filter runs last and overwrites the authentication (B.3)
            ident = jwt_filter(realm, headers, on_user=self._record_user)
        return True, ident, res.api_token, None

    def _record_user(self, uid: str, full_name: str | None, email: str | None) -> None:
        with self.lock:
            rec = self.user_records.setdefault(uid, {"fullName": uid, "email": None})
            if full_name is not None:
                rec["fullName"] = full_name
            if email is not None:
                rec["email"] = email

    def crumb_for(self, name: str, session_id: str) -> str:
        # hudson/security/csrf/DefaultCrumbIssuer.java: digest of name;sessionId + salt
        return hmac.new(self._crumb_salt, f"{name};{session_id}".encode(), hashlib.sha256).hexdigest()


class _Headers:
    def __init__(self, d: dict[str, str]) -> None:
        self._d = {k.lower(): v for k, v in d.items()}

    def get(self, k: str, default: Any = None) -> Any:
        return self._d.get(k.lower(), default)


def _parse_tree(spec: str) -> dict[str, Any]:
    """Stapler's `tree` parameter (org/kohsuke/stapler/export/TreePruner.java ByDepth /
    NamedPathPruner): `a,b[c,d]`; `{m,n}` ranges are accepted and ignored here."""
    out: dict[str, Any] = {}
    i = 0

    def parse(level: dict[str, Any]) -> None:
        nonlocal i
        name = ""
        while i < len(spec):
            ch = spec[i]
            i += 1
            if ch == "[":
                sub: dict[str, Any] = {}
                parse(sub)
                level[name.strip()] = sub
                name = ""
            elif ch == "]":
                if name.strip():
                    level[name.strip()] = {}
                return
            elif ch == "{":
                while i < len(spec) and spec[i] != "}":
                    i += 1
                i += 1
            elif ch == ",":
                if name.strip():
                    level[name.strip()] = {}
                name = ""
            else:
                name += ch
        if name.strip():
            level[name.strip()] = {}

    parse(out)
    return out


def prune_tree(obj: Any, spec: str | dict[str, Any]) -> Any:
    """Keep only the named properties (and `_class`, which Stapler always writes)."""
    wanted = _parse_tree(spec) if isinstance(spec, str) else spec
    if isinstance(obj, list):
        return [prune_tree(x, wanted) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out = {k: v for k, v in obj.items() if k == "_class"}
    for k, sub in wanted.items():
        if k in obj:
            out[k] = prune_tree(obj[k], sub) if sub else obj[k]
    return out


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)} [Jenkins]</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *a: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; with Nagle here and delayed ACKs in the
        # client every request would wait ~40 ms. Real Jenkins (Jetty) sets TCP_NODELAY too.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.conn_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.conn_lock:
                self.server.connections.discard(self.connection)

    # ------------------------------------------------------------ plumbing
    @property
    def sim(self) -> JenkinsSim:
        return self.server.sim

    def _body(self) -> bytes:
        if getattr(self, "_cached_body", None) is None:
            n = int(self.headers.get("Content-Length") or 0)
            self._cached_body = self.rfile.read(n) if n > 0 else b""
        return self._cached_body

    def _send(
        self, status: int, body: str | bytes = b"", ctype: str = "text/html;charset=utf-8",
        headers: dict[str, str] | None = None, jenkins_headers: bool = True,
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        if jenkins_headers:
            # hudson/Functions.advertiseHeaders, hudson/model/Api.setHeaders (D.3)
            self.send_header("X-Jenkins", self.sim.version)
            self.send_header("X-Jenkins-Session", self.sim.instance_id)
            self.send_header("X-Hudson", "1.395")
        if data or status not in (204, 304):
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        for c in getattr(self, "_cookies", []):
            self.send_header("Set-Cookie", c)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _json(self, obj: Any, status: int = 200) -> None:
        tree = getattr(self, "query", {}).get("tree")
        if tree:
            obj = prune_tree(obj, tree)
        self._send(status, json.dumps(obj, separators=(",", ":")), "application/json;charset=utf-8",
                   {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "deny"})

    def _error(self, status: int, message: str) -> None:
        # Jetty's sendError page (used by CrumbFilter, JCasC's sendError(403), ...)
        self._send(status, _page(f"Error {status} {message}", f"<p>{html.escape(message)}</p>"))

    def _redirect(self, location: str) -> None:
        self._send(302, b"", headers={"Location": location})

    def _session_id(self) -> str | None:
        raw = self.headers.get("Cookie") or ""
        for part in raw.split(";"):
            k, _, v = part.strip().partition("=")
            if k == "JSESSIONID" and v in self.sim.sessions:
                return v
        return None

    def _ensure_session(self) -> str:
        sid = self._session_id()
        if sid is None:
            sid = uuid.uuid4().hex
            self.sim.sessions[sid] = {}
            self._cookies = [f"JSESSIONID={sid}; Path=/; HttpOnly"]
        return sid

    # ------------------------------------------------------------ denial responses
    def _deny(self, ident: Identity, pid: str, report: bool = True, message: str | None = None) -> None:
        """`report=False`: a plain AccessDeniedException (not AccessDeniedException3), which
        carries no diagnosis headers (AccessDeniedHandlerImpl.java:48-56); `message` is its text."""
        headers = {
            # AccessDeniedException3.reportAsHeadersImpl (D.6)
            "X-You-Are-Authenticated-As": ident.name,
            "X-You-Are-In-Group-Disabled": "JENKINS-39402: use -Dhudson.security.AccessDeniedException2.REPORT_GROUP_HEADERS=true or use /whoAmI to diagnose",
            "X-Required-Permission": P.java_id(pid),
            "X-Permission-Implied-By": ", ".join(P.implied_by_chain(pid)),
        } if report else {}
        if ident.anonymous:
            # hudson/security/HudsonAuthenticationEntryPoint.java: 403 "Authentication required"
            # with a meta refresh to the login page
            body = (
                "<html><head><meta http-equiv='refresh' content='1;url=/login?from=%2F'/>"
                "<script>window.location.replace('/login?from=%2F');</script></head>"
                "<body style='background-color:white; color:white;'>\n\nAuthentication required\n"
                "<!--\n-->\n</body></html>"
            )
            self._send(403, body, headers=headers)
        else:
            # hudson/security/AccessDeniedHandlerImpl.java + /accessDenied view
            msg = message or f"{ident.name} is missing the {pid} permission"
            self._send(403, _page("Access Denied", f"<p>{html.escape(msg)}</p>"), headers=headers)

    # ------------------------------------------------------------ entry points
    def do_GET(self) -> None:  # noqa: N802
        self._counted()

    def do_POST(self) -> None:  # noqa: N802
        self._counted()

    def do_HEAD(self) -> None:  # noqa: N802
        self._counted()

    def do_PUT(self) -> None:  # noqa: N802
        self._counted()

    def do_DELETE(self) -> None:  # noqa: N802
        self._counted()

    def _counted(self) -> None:
        with self.sim.gauge:
            self._handle()

    def _handle(self) -> None:
        sim = self.sim
        self._cookies: list[str] = []
        self._cached_body: bytes | None = None
        parts = urlsplit(self.path)
        path = parts.path or "/"
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        sim.requests.append((self.command, path))
        self._body()  # always drain the body so keep-alive stays in sync

        fault = sim.faults.take(path, self.command)
        if fault is not None and fault.kind == "call":
            assert fault.action is not None
            fault.action(sim)
            fault = None
        if fault is not None:
            if fault.kind == "drop":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if fault.kind == "hang":
                time.sleep(fault.seconds)
            elif fault.kind == "redirect":
                self._send(fault.status, b"", headers={"Location": fault.location})
                return
            elif fault.kind in ("trickle", "trickle-head", "oversize"):
                self._misbehave(fault)
                return
            else:
                self._send(fault.status, _page(f"Error {fault.status}", "<p>jenkins_sim injected fault</p>"))
                return

        if sim.restarting:
            if sim.restart_phase == "notice":
                # hudson/util/HudsonIsRestarting.java doDynamic: 503 for every request while the
                # safe-restart thread waits its 10 s
                self._send(503, _page("Restarting Jenkins", "<p>Please wait while Jenkins is restarting...</p>"),
                           jenkins_headers=False)
            else:
                # hudson/util/HudsonIsLoading.java: every request gets 503 while Jenkins starts
                self._send(503, _page("Starting Jenkins", "<p>Please wait while Jenkins is getting ready to work...</p>"),
                           jenkins_headers=False)
            return

        if sim.boot_error is not None:
            # configuration-as-code ConfigurationAsCode.init(): a ConfiguratorException at startup
            # becomes ConfigurationAsCodeBootFailure; WebAppMain publishes it as the app, whose
            # doDynamic answers every path with 503 and error.jelly ("Error loading
            # configuration" + the message). Jenkins.cleanUp() cleared the instance, so no
            # X-Jenkins headers (Functions.advertiseHeaders needs it).
            self._send(503, _page("Error loading configuration", f"<p>{html.escape(sim.boot_error)}</p>"),
                       jenkins_headers=False)
            return

        ok, ident, api_token, failed_user = sim._authenticate(self.headers)
        if not ok:
            # jenkins/security/BasicHeaderProcessor.java fail(): 401 + WWW-Authenticate
            self._send(401, _page("Error 401", f"<p>Invalid password/token for user: {html.escape(failed_user or '')}</p>"),
                       headers={"WWW-Authenticate": 'Basic realm="Jenkins"'})
            return
        assert ident is not None
        self.ident = ident

        segs = [s for s in path.split("/") if s]
        first = segs[0] if segs else ""
        # TokenReloadAction authenticates with its own token, not a crumb
        crumb_exempt = api_token or first == "reload-configuration-as-code"
        if self.command == "POST" and sim.csrf and not crumb_exempt and not self._crumb_ok(ident):
            # hudson/security/csrf/CrumbFilter.java, a servlet filter that runs right after the
            # authentication filter and before Stapler (core META-INF/web-fragment.xml), so
            # before the Overall/Read check below; ApiCrumbExclusion exempts API-token requests
            self._error(403, "No valid crumb was included in the request")
            return

        if first not in UNPROTECTED and not sim.has_permission(ident, acl.READ):
            # jenkins/model/Jenkins.java getTarget(): Overall/Read on everything else (D.6)
            self._deny(ident, acl.READ)
            return

        self._route(path, segs)

    def _misbehave(self, fault: Fault) -> None:
        """Answers no real Jenkins gives, for the client's bounds (issue 10 class 8)."""
        self.close_connection = True
        body = b'{"_class":"hudson.model.Hudson","quietingDown":false}' + b" " * 60
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Jenkins: {self.sim.version}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        try:
            if fault.kind == "oversize":
                headers = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                if fault.declared and fault.size is not None:
                    headers += f"Content-Length: {fault.size}\r\n"
                self.wfile.write((headers + "\r\n").encode())
                block = b"[" + b"0," * 32767 + b"0"
                sent = 0
                while fault.size is None or sent < fault.size:
                    self.wfile.write(block)
                    sent += len(block)
                return
            data = head + body if fault.kind == "trickle-head" else body
            if fault.kind == "trickle":
                self.wfile.write(head)
                self.wfile.flush()
            pause = fault.seconds / len(data)
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                time.sleep(pause)
        except OSError:
            pass  # the client gave up, as it should

    def _crumb_ok(self, ident: Identity) -> bool:
        given = self.headers.get(CRUMB_FIELD)
        if given is None:
            ctype = self.headers.get("Content-Type") or ""
            if ctype.startswith("application/x-www-form-urlencoded"):
                # getParameterNames() reads (consumes) a form body (D.5)
                given = parse_qs(self._body().decode("utf-8", "replace")).get(CRUMB_FIELD, [None])[-1]
        sid = self._session_id()
        if not given or sid is None:
            return False
        return hmac.compare_digest(given, self.sim.crumb_for(ident.name, sid))

    def _need(self, pid: str) -> bool:
        if self.sim.has_permission(self.ident, pid):
            return True
        self._deny(self.ident, pid)
        return False

    def _post_only(self) -> bool:
        if self.command != "POST":
            # @RequirePOST: 405 (JCasC testDoConfigure_RequiresPost)
            self._send(405, _page("Error 405", "<p>This URL requires POST</p>"))
            return False
        return True

    # ------------------------------------------------------------ routing
    def _route(self, path: str, segs: list[str]) -> None:
        sim = self.sim
        if segs and segs[0] == "manage" and len(segs) > 1 and segs[1] == "configuration-as-code":
            segs = segs[1:]  # management links also resolve under /manage/ (A.1)
        key = "/".join(segs)
        # with `tree`, Stapler walks as deep as the tree names (the depth parameter is ignored)
        depth = 99 if "tree" in self.query else int(self.query.get("depth", "0") or 0)

        if key == "":
            self._send(200, _page("Dashboard", f"<p>Jenkins {html.escape(sim.version)}</p>"))
        elif key == "api/json":
            self._json(self._root_json())
        elif key == "computer/api/json":
            # hudson/model/ComputerSet.java @Exported getBusyExecutors / getTotalExecutors
            self._json({"_class": "hudson.model.ComputerSet", "busyExecutors": sim.busy_executors(),
                        "displayName": "Nodes", "totalExecutors": sim.num_executors})
        elif key in ("login", "securityRealm", "logout", "error", "oops", "accessDenied"):
            self._send(200, _page("Sign in", "<p>jenkins_sim</p>"))
        elif key == "whoAmI/api/json":
            # hudson/security/WhoAmI.java exported fields (D.1)
            self._json({
                "_class": "hudson.security.WhoAmI",
                "anonymous": self.ident.anonymous,
                "authenticated": self.ident.authenticated,
                "authorities": list(self.ident.authorities),
                "name": self.ident.name,
            })
        elif key in ("whoAmI", "whoAmI/"):
            self._send(200, _page("Who Am I", f"<p>{html.escape(self.ident.name)}</p>"))
        elif key == "me/api/json":
            if self.ident.anonymous:
                # Jenkins.getMe(): AccessDeniedException "/me is not available when not logged in"
                self._deny(self.ident, acl.READ)
                return
            uid = self.ident.name
            rec = sim.user_records.get(uid, {"fullName": uid, "email": None})
            props: list[dict[str, Any]] = []
            if rec.get("email"):
                props.append({"_class": "hudson.tasks.Mailer$UserProperty", "address": rec["email"]})
            self._json({"_class": "hudson.model.User", "absoluteUrl": f"{sim.url}user/{uid.lower()}",
                        "description": None, "fullName": rec["fullName"], "id": uid, "property": props})
        elif key == "crumbIssuer/api/json":
            if not sim.csrf:
                self._send(404, _page("Not Found", ""))
                return
            sid = self._ensure_session()  # issuing a crumb creates a session (D.2)
            self._json({"_class": "hudson.security.csrf.DefaultCrumbIssuer",
                        "crumb": sim.crumb_for(self.ident.name, sid), "crumbRequestField": CRUMB_FIELD})
        elif key == "pluginManager/api/json":
            if self._need(SYSTEM_READ):  # PluginManager.getApi: SYSTEM_READ (D.4)
                self._json(sim.plugin_manager.manager_json(depth))
        elif key == "pluginManager/installNecessaryPlugins":
            if not self._post_only() or not self._need(acl.ADMINISTER):
                return
            try:
                requested = sim.plugin_manager.parse_request(self._body())
            except ValueError as e:
                self._send(500, _page("Oops!", f"<p>A problem occurred while processing the request. Logging ID={uuid.uuid4()}</p>"))
                sim.casc_log.append(str(e))
                return
            sim.plugin_manager.install(requested)
            # PluginManager.doInstallNecessaryPlugins: redirectViaContextPath (newer cores:
            # "pluginManager/updates/", older: "updateCenter")
            self._redirect(sim.url + "pluginManager/updates/")
        elif len(segs) == 4 and segs[:2] == ["pluginManager", "plugin"] and segs[3] in ("makeEnabled", "makeDisabled"):
            # PluginWrapper.doMakeEnabled/doMakeDisabled (PluginWrapper.java:1346-1360): ADMINISTER
            if not self._post_only() or not self._need(acl.ADMINISTER):
                return
            if not sim.plugin_manager.set_enabled(segs[2], segs[3] == "makeEnabled"):
                self._send(404, _page("Not Found", ""))
                return
            self._send(200, b"")
        elif key in ("pluginManager/updates", "pluginManager", "updateCenter"):
            if self._need(SYSTEM_READ):
                self._send(200, _page("Plugins", ""))
        elif key == "updateCenter/api/json":
            if self._need(SYSTEM_READ):
                self._json(sim.plugin_manager.update_center_json(depth))
        elif key in ("safeRestart", "restart"):
            if not self._need(MANAGE):
                return
            if self.command != "POST":
                self._send(200, _page("Restart", "<p>Are you sure about restarting Jenkins?</p>"))
                return
            sim.begin_restart()
            self._redirect(sim.url)  # Jenkins.doSafeRestart redirects to "."
        elif key in ("quietDown", "cancelQuietDown"):
            if not self._post_only() or not self._need(MANAGE):
                return
            sim.quieting_down = key == "quietDown"
            self._redirect(sim.url)
        elif key == "scriptText":
            self._script_text()
        elif segs and segs[0] == "configuration-as-code":
            self._casc("/".join(segs[1:]))
        elif segs and segs[0] == "reload-configuration-as-code":
            self._token_reload()
        elif segs and segs[0] in ("job", "createItem"):
            item_routes.handle(self, path)
        else:
            self._send(404, _page("Not Found", f"<p>{html.escape(path)}</p>"))

    def _root_json(self) -> dict[str, Any]:
        sim = self.sim
        return {
            "_class": "hudson.model.Hudson",
            "assignedLabels": [{"name": "built-in"}],
            "mode": sim.mode,
            "nodeDescription": "the Jenkins controller's built-in node",
            "nodeName": "",
            "numExecutors": sim.num_executors,
            "description": sim.system_message,
            "jobs": item_routes.root_jobs(sim, self.ident, int(self.query.get("depth", "0") or 0)),
            "overallLoad": {},
            "primaryView": {"_class": "hudson.model.AllView", "name": "all", "url": sim.url},
            "quietDownReason": None,
            "quietingDown": sim.quieting_down,
            "slaveAgentPort": -1,
            "unlabeledLoad": {"_class": "jenkins.model.UnlabeledLoadStatistics"},
            "url": sim.url,
            "useCrumbs": sim.csrf,
            "useSecurity": True,
            "views": [{"_class": "hudson.model.AllView", "name": "all", "url": sim.url}],
        }

    def _script_text(self) -> None:
        # Jenkins._doScript: ADMINISTER; script from the `script` parameter, POST only (D.5)
        if not self._need(acl.ADMINISTER):
            return
        form = parse_qs(self._body().decode("utf-8", "replace"), keep_blank_values=True)
        text = form.get("script", [None])[-1] or self.query.get("script")
        if text is None:
            self._send(200, _page("Script Console", ""))
            return
        if self.command != "POST":
            self._send(405, _page("Error 405", "<p>requires POST</p>"))
            return
        self._send(200, script.run(self.sim, text), "text/plain;charset=utf-8")

    # ------------------------------------------------------------ JCasC
    def _oops(self) -> None:
        # the 500 error page hides the exception message (shows only a logging id)
        self._send(500, _page("Oops!", "<p>A problem occurred while processing the request.</p>"
                              f"<p>Logging ID={uuid.uuid4()}</p>"))

    def _casc(self, action: str) -> None:
        """configuration-as-code-plugin: plugin/src/main/java/io/jenkins/plugins/casc/ConfigurationAsCode.java (A.2)."""
        sim = self.sim
        action = action.strip("/")
        if "configuration-as-code" not in sim.active_plugins():
            self._send(404, _page("Not Found", ""))  # the ManagementLink exists only with the plugin active
            return
        if action == "":
            if self._need(SYSTEM_READ):
                self._send(200, _page("Configuration as Code", ""))
            return
        if action == "schema":
            if not sim.has_permission(self.ident, SYSTEM_READ):
                self._error(403, "Forbidden")
                return
            self._send(200, json.dumps(casc.schema(sim.active_plugins())), "application/json; charset=utf-8")
            return
        if action not in ("check", "apply", "configure", "export", "reload", "replace", "viewExport"):
            self._send(404, _page("Not Found", ""))
            return
        if action == "configure" and not sim.casc_has_configure:
            self._send(404, _page("Not Found", ""))  # configure arrived in PR #2815 (2026-04)
            return
        if not self._post_only():
            return
        if action == "export":
            if not sim.has_permission(self.ident, SYSTEM_READ):
                self._error(403, "Forbidden")
                return
            self._send(200, sim.export_yaml(), "application/x-yaml; charset=utf-8",
                       {"Content-Disposition": "attachment; filename=jenkins.yaml"})
            return
        if action == "reload":
            if not sim.has_permission(self.ident, MANAGE):
                self._error(403, "Forbidden")
                return
            try:
                sim.reload()
            except casc.CascError as e:
                # error.jelly forwarded with no error status set
                self._send(200, _page("Error", f"<p>{html.escape(e.message)}</p>"))
                return
            self._redirect(sim.url + "configuration-as-code/")
            return
        if not sim.has_permission(self.ident, acl.ADMINISTER):
            if action == "configure":
                self._error(403, "Requires ADMINISTER permission")
            else:
                self._error(403, "Forbidden")
            return
        text = self._body().decode("utf-8", "replace")
        if action == "check":
            try:
                warnings = sim.check(text)
            except casc.CascError as e:
                if sim.casc_json_check:
                    self._send(400, json.dumps([{"line": -1, "message": e.message}], separators=(",", ":")), "application/json")
                else:
                    self._oops()
                return
            if sim.casc_json_check:
                self._send(200, json.dumps(warnings, separators=(",", ":")), "application/json")
            else:
                legacy = [{"line": w["line"], "warning": w["message"]} for w in warnings]
                self._send(200, json.dumps(legacy, separators=(",", ":")), "application/json")
            return
        if action == "apply":
            try:
                sim.apply(text)
            except casc.CascError:
                self._oops()
                return
            self._send(200, b"")
            return
        if action == "configure":
            if not self._body():
                self._send(400, json.dumps([{"line": -1, "message": "Request body cannot be empty."}]), "application/json")
                return
            try:
                sim.apply(text, "/configuration-as-code/configure")
            except casc.CascError as e:
                self._send(400, json.dumps([{"line": -1, "message": e.message}], separators=(",", ":")), "application/json")
                return
            self._send(200, "Configuration successfully applied.", "text/plain;charset=utf-8")
            return
        self._redirect(sim.url + "configuration-as-code/")

    def _token_reload(self) -> None:
        """configuration-as-code-plugin: .../casc/TokenReloadAction.java."""
        sim = self.sim
        token = sim.env.get("CASC_RELOAD_TOKEN")
        if not token:
            self._send(404, _page("Not Found", ""))
            return
        if self.query.get("casc-reload-token") != token:
            self._send(401, _page("Error 401", ""))
            return
        try:
            sim.reload()
        except casc.CascError as e:
            self._json({"status": "error", "message": f"Failed to reload configuration: {e.message}"}, 500)
            return
        self._send(200, b"")
