"""The only module that talks to Jenkins: python-jenkins for the session, auth and crumb,
plus the REST calls python-jenkins gets wrong or lacks (jenkins-facts E).

Import cost matters (offline commands never load requests): `requests` and `jenkins` are
imported inside `JenkinsClient.__init__`.

Every failure surfaces as a `JenkinsError` subclass whose message says what happened and
what to do; nothing from python-jenkins or requests escapes. Messages never contain a
credential: the auth header values live only in the session, and callers redact anyway.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode
from xml.sax.saxutils import quoteattr

from . import _client_parse as parse
from . import _endpoints as endpoints
from ._client_errors import (CascMessage, CascRejected, CredentialsRefused, Denied, ItemNotFound, JenkinsError, ServerError,
                             Unreachable, timed_out)
from ._client_types import RETRY_STATUSES, Auth, Connection, ControllerStatus, PluginInfo, Reply, WhoAmI
from ._endpoints import FOLDER_CLASS, item_url
from .jcasc import CASC_ENDPOINTS
from .live.redact import register_secret

# The values, errors and item URLs live in small private modules (_client_types,
# _client_errors, _endpoints, _client_parse); this module is the one that speaks HTTP and the
# one the rest of the package imports them from.
__all__ = [
    "Auth", "Connection", "Reply", "WhoAmI", "PluginInfo", "CascMessage", "JenkinsClient",
    "JenkinsError", "Unreachable", "CredentialsRefused", "Denied", "ServerError", "CascRejected", "fetch",
    "ItemNotFound", "item_url", "FOLDER_CLASS",
]


class JenkinsClient:
    """One identity against one Jenkins. Cheap to make; `as_auth` gives a sibling."""

    def __init__(self, conn: Connection, auth: Auth = Auth()) -> None:
        import jenkins  # python-jenkins: session, auth resolution, crumb
        import requests

        self.conn = conn
        self.auth = auth
        self._requests = requests
        self._jenkins = jenkins
        user, password = (auth.user, auth.secret) if auth.kind == "token" else (None, None)
        # python-jenkins reads JENKINS_API_EXTRA_HEADERS at construction and logs the header
        # values (secrets, typically) at WARNING; this client sets its own headers instead.
        saved = os.environ.pop("JENKINS_API_EXTRA_HEADERS", None)
        try:
            self._server = jenkins.Jenkins(conn.base, username=user, password=password, timeout=conn.timeout)  # type: ignore[arg-type]  # the stub says int; python-jenkins hands it to requests, which takes a float
        finally:
            if saved is not None:
                os.environ["JENKINS_API_EXTRA_HEADERS"] = saved
        self._server._session.verify = conn.verify  # type: ignore[attr-defined]  # private python-jenkins attribute; not in types-python-jenkins
        from .transport import prepare_session

        prepare_session(self._server._session)  # type: ignore[attr-defined]  # private python-jenkins attribute; not in types-python-jenkins
        self._crumb_field: str | None = None  # None: not fetched yet; "": Jenkins has no crumb issuer
        self._crumb_value: str | None = None
        if conn.verify is False:
            # said once by the command (--insecure); not once per request
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        if auth.kind == "jwt" and auth.header and auth.secret:
            # python-jenkins has no header API; the session headers go on every request,
            # the crumb fetch included (jenkins-facts E, "Custom headers", route 2).
            for header in (auth.header, *auth.also):
                self._server._session.headers[header] = auth.secret  # type: ignore[attr-defined]  # private python-jenkins attribute; not in types-python-jenkins

    def as_auth(self, auth: Auth) -> "JenkinsClient":
        return JenkinsClient(self.conn, auth)

    # ---------------------------------------------------------------- transport

    def _url(self, path: str) -> str:
        return self.conn.base + path.lstrip("/")

    def _crumb(self, req: Any) -> None:
        """Add the crumb (fetched once per session, through the same bounded exchange as every
        other request). Anonymous may not read the crumb issuer; the POST then goes without
        one and Jenkins answers 403. A 404 means CSRF protection is off."""
        if self._crumb_field is None:
            try:
                reply = self._once("GET", endpoints.CRUMB_ISSUER, None, None, None, True)
            except JenkinsError:
                return
            if reply.status == 404:
                self._crumb_field = ""
            elif reply.ok:
                found = parse.crumb(reply.text)
                if found is not None:
                    self._crumb_field, self._crumb_value = found
                    register_secret(self._crumb_value)
        if self._crumb_field and self._crumb_value:
            req.headers[self._crumb_field] = self._crumb_value

    def request(self, method: str, path: str, *, body: str | bytes | Mapping[str, str] | None = None, content_type: str | None = None,
                params: Mapping[str, str] | None = None, read: bool = False, follow: bool = True) -> Reply:
        """One HTTP exchange; never raises on an HTTP status. Raises `Unreachable` when there
        is no answer. `read=True` (idempotent) retries with backoff on no-answer and 502-504."""
        attempts = 1 + (self.conn.retries if read else 0)
        delay = self.conn.backoff
        last: Exception | None = None
        for attempt in range(attempts):
            if attempt:
                self.conn.sleep(delay)
                delay *= 2
            try:
                reply = self._once(method, path, body, content_type, params, follow)
                if method == "POST" and reply.status == 403 and "No valid crumb" in reply.text:
                    # the crumb died with its session (a restart, an expired session): the
                    # CrumbFilter refused the request before anything ran, so one retry is safe
                    self.reset_session()
                    reply = self._once(method, path, body, content_type, params, follow)
            except Unreachable as exc:
                last = exc
                continue
            if reply.status in RETRY_STATUSES and attempt + 1 < attempts:
                continue
            return reply
        assert last is not None
        raise last

    def _once(self, method: str, path: str, body: str | bytes | Mapping[str, str] | None, content_type: str | None,
              params: Mapping[str, str] | None, follow: bool) -> Reply:
        from . import transport

        where = f"{method} /{path.lstrip('/')}"
        try:
            self._server._maybe_add_auth()  # type: ignore[attr-defined]  # private python-jenkins attribute; not in types-python-jenkins
            answer = transport.exchange(
                self._server._session, method, self._url(path),  # type: ignore[attr-defined]  # private python-jenkins attribute
                timeout=self.conn.timeout, verify=self.conn.verify, body=body, params=params, follow=follow,
                headers={"Content-Type": content_type} if content_type else None,
                before_send=self._crumb if method == "POST" else None)
        except transport.TimedOut:
            raise timed_out(f"{self.conn.url}: no complete answer to {where} within {self.conn.timeout:g}s",
                              hint="check that Jenkins is up and reachable from here; raise --timeout for a slow controller") from None
        except transport.TooLarge:
            raise ServerError(f"{self.conn.url}: the answer to {where} is larger than "
                              f"{transport.MAX_RESPONSE_BYTES // (1024 * 1024)} MiB; it was not read",
                              hint="is --url the Jenkins root (and not something serving a download)?") from None
        except transport.OtherOrigin as exc:
            raise ServerError(f"{self.conn.url}: {where} was redirected to another origin ({exc.target}); "
                              "the tool never follows a redirect away from --url, so no credential was sent there",
                              hint="pass the address Jenkins answers on directly as --url (a reverse proxy or an http to https "
                                   "redirect in front of Jenkins is the usual cause)") from None
        except transport.TlsFailed:
            raise Unreachable(f"{self.conn.url}: the TLS handshake failed",
                              hint="pass --ca-bundle FILE with the CA that signed Jenkins' certificate (or --insecure for a test setup)") from None
        except transport.ConnectFailed:
            raise Unreachable(f"{self.conn.url}: cannot connect ({where}: connection refused or dropped)",
                              hint="check --url / JENKINS_URL and that Jenkins is running") from None
        except transport.TransportError as exc:
            raise Unreachable(f"{self.conn.url}: request failed ({where}: {exc})", hint="check --url / JENKINS_URL") from None
        except self._jenkins.JenkinsException as exc:  # auth negotiation (python-jenkins _maybe_add_auth)
            raise CredentialsRefused(f"{self.conn.url}: authentication failed ({type(exc).__name__})",
                                     hint="check the credentials") from None
        return Reply(answer.status, answer.text, answer.headers, answer.content)

    def call(self, method: str, path: str, *, what: str, read: bool = False, **kw: Any) -> Reply:
        """`request`, with a non-2xx answer turned into the matching error."""
        reply = self.request(method, path, read=read, **kw)
        if reply.ok:
            return reply
        raise self.error_for(reply, what)

    def error_for(self, reply: Reply, what: str) -> JenkinsError:
        who = self.auth.describe()
        if reply.status == 401:
            return CredentialsRefused(f"{what}: Jenkins refused {who} (401)",
                                      hint="check --user/JENKINS_USER_ID and --token/JENKINS_API_TOKEN; API tokens are made under <user>/Security in Jenkins",
                                      status=401, body=reply.text)
        if reply.status == 403:
            crumb = "crumb" in reply.text.lower()
            if crumb and self.auth.kind != "anonymous" and self._treated_as_anonymous():
                # the CSRF filter runs before the Overall/Read check (core web-fragment.xml), so
                # a request whose credential Jenkins did not accept meets the crumb check first
                # (an anonymous request cannot fetch a crumb): the credential is the problem
                return Denied(f"{what}: {who} is treated as anonymous by Jenkins (403 before the request ran)",
                              hint=self._anonymous_hint(), status=403, body=reply.text)
            as_whom = reply.headers.get("X-You-Are-Authenticated-As")
            needs = reply.headers.get("X-Required-Permission")
            detail = ("the CSRF crumb was refused" if crumb else
                      f"authenticated as {as_whom!r}" + (f", which lacks {needs}" if needs else "") if as_whom else "forbidden")
            hint = self._anonymous_hint() if as_whom == "anonymous" and self.auth.kind != "anonymous" else (
                "the credentials need Overall/Administer")
            return Denied(f"{what}: denied for {who} (403: {detail})", hint=hint, status=403, body=reply.text)
        if reply.status == 404:
            return ServerError(f"{what}: not found (404)", hint="is the plugin installed and --url the Jenkins root?", status=404, body=reply.text)
        if reply.status in RETRY_STATUSES:
            return Unreachable(f"{what}: Jenkins is not available ({reply.status})", hint="wait until Jenkins is up and run again",
                               status=reply.status, body=reply.text)
        return ServerError(f"{what}: Jenkins answered {reply.status}: {parse.excerpt(reply.text)}", status=reply.status, body=reply.text)

    def _anonymous_hint(self) -> str:
        if self.auth.kind == "jwt":
            return ("the JWT was not accepted (Jenkins treats the request as anonymous): check its issuer, audience and "
                    "expiry, and that Jenkins can fetch the JWKS that holds its key")
        return f"once jwt-auth is the realm, API tokens are anonymous: pass {self.conn.jwt_options}"

    def _treated_as_anonymous(self) -> bool:
        """Ask the unprotected /whoAmI who Jenkins takes this credential for."""
        try:
            return self.whoami().anonymous
        except JenkinsError:
            return False

    # ---------------------------------------------------------------- reads

    def version(self) -> str | None:
        """Core version from the X-Jenkins header, which even a denied answer carries."""
        reply = self.request("GET", endpoints.ROOT, read=True)
        if reply.status in RETRY_STATUSES:
            raise self.error_for(reply, "reading the Jenkins version")
        if reply.status == 401:
            raise self.error_for(reply, "reading the Jenkins version")
        return reply.headers.get("X-Jenkins")

    def whoami(self) -> WhoAmI:
        """`/whoAmI/api/json` (unprotected); python-jenkins' get_whoami uses /me, which
        fails for anonymous (jenkins-facts E, D.6)."""
        reply = self.call("GET", endpoints.WHO_AM_I, what="asking /whoAmI", read=True)
        return parse.whoami(self._json(reply, "/whoAmI"))

    def plugins(self) -> dict[str, PluginInfo]:
        """pluginManager/api/json (hudson/PluginWrapper.java @Exported; needs SystemRead)."""
        reply = self.call("GET", endpoints.PLUGIN_MANAGER, what="listing plugins", read=True, params={"depth": "1"})
        return parse.plugins(self._json(reply, "the plugin manager"))

    def update_center(self) -> dict[str, Any]:
        reply = self.call("GET", endpoints.UPDATE_CENTER, what="reading the update center", read=True, params={"depth": "1"})
        return self._json(reply, "the update center")

    def update_center_offers(self) -> dict[str, str] | None:
        """name -> the newest version the update sites offer: `availables` (not installed)
        and `updates` (installed, newer offered) of each site (hudson/model/UpdateSite.java
        @Exported getAvailables, getUpdates). None when the update centre cannot be read."""
        try:
            reply = self.call("GET", endpoints.UPDATE_CENTER, what="reading the update centre", read=True,
                              params={"tree": "sites[id,availables[name,version],updates[name,version]]"})
            sites = self._json(reply, "the update centre").get("sites")
        except JenkinsError:
            return None
        return parse.update_center_offers(sites)

    def _json(self, reply: Reply, what: str) -> dict[str, Any]:
        try:
            data = json.loads(reply.text)
        except ValueError:
            raise ServerError(f"{what}: expected JSON, got: {parse.excerpt(reply.text, 120)}",
                              hint="is --url the Jenkins root (not a proxy login page)?") from None
        if not isinstance(data, dict):
            raise ServerError(f"{what}: unexpected JSON")
        return data

    # ---------------------------------------------------------------- JCasC

    def casc_export(self) -> str:
        """POST configuration-as-code/export: a read, so retried like one."""
        return self.call("POST", CASC_ENDPOINTS["export"], what="exporting the configuration", read=True).text

    def casc_check(self, text: str) -> list[CascMessage]:
        """Server-side validation of the posted document only (no merge with on-disk files).

        configuration-as-code-plugin ConfigurationAsCode.java doCheck: 200 + JSON warnings,
        400 + `[{"line":-1,"message":...}]` on error (PR #2648); older: `warning` key, 500 HTML.
        """
        reply = self.request("POST", CASC_ENDPOINTS["check"], body=text.encode("utf-8"), content_type="application/x-yaml")
        if reply.ok:
            return parse.casc_messages(reply.text)
        if reply.status in (400, 500):
            messages = parse.casc_messages(reply.text)
            if not messages:
                messages = [CascMessage(-1, "JCasC rejected the document (this JCasC version hides the reason behind a 500 page; "
                                            "see the Jenkins log)")]
            raise CascRejected("the server-side check failed", messages, status=reply.status, body=reply.text)
        raise self.error_for(reply, "checking the configuration")

    def casc_has_configure(self) -> bool:
        """Does this JCasC have `configure` (PR #2815), which answers errors as JSON?
        An empty body is refused with 400 before anything is configured."""
        reply = self.request("POST", CASC_ENDPOINTS["configure"], body=b"", content_type="application/x-yaml")
        return reply.status == 400

    def casc_apply(self, text: str, *, use_configure: bool) -> None:
        """Apply a document. `configure` gives the reason of a failure; `apply`'s 500 page
        hides it (ConfigurationAsCode.java doApply / doConfigure, jenkins-facts A.2)."""
        endpoint = CASC_ENDPOINTS["configure" if use_configure else "apply"]
        reply = self.request("POST", endpoint, body=text.encode("utf-8"), content_type="application/x-yaml")
        if reply.ok:
            return
        if reply.status in (400, 500):
            messages = parse.casc_messages(reply.text) if use_configure else []
            if not messages:
                messages = [CascMessage(-1, f"JCasC answered {reply.status}; `apply` hides the reason (see the Jenkins log)")]
            raise CascRejected(f"JCasC refused the change ({reply.status})", messages, status=reply.status, body=reply.text)
        raise self.error_for(reply, "applying the configuration")

    # ---------------------------------------------------------------- plugins and restart

    def install_plugins(self, wanted: Iterable[tuple[str, str | None]]) -> None:
        """POST pluginManager/installNecessaryPlugins, the REST path; python-jenkins'
        install_plugin breaks on real Jenkins (jenkins-facts E). The body is the XML that
        jenkins core/src/main/java/hudson/PluginManager.java parseRequestedPlugins reads:
        any element's `plugin="name@version"`; Jenkins installs what is missing or older."""
        # an unpinned plugin asks for version 0: anything installed satisfies it, else the
        # update center's current release is installed
        items = "".join("<install plugin=" + quoteattr(f"{name}@{version or '0'}") + "/>" for name, version in wanted)
        self.call("POST", endpoints.INSTALL_PLUGINS, what="installing plugins",
                  body=f"<jenkins>{items}</jenkins>".encode("utf-8"), content_type="text/xml")

    def safe_restart(self) -> None:
        """POST safeRestart (a GET only shows the confirmation page since 2.414)."""
        reply = self.request("POST", endpoints.SAFE_RESTART, follow=False)
        if reply.status >= 400:
            raise self.error_for(reply, "asking for a safe restart")

    def reset_session(self) -> None:
        """After a restart: sessions and crumbs are gone; python-jenkins never refreshes its
        crumb by itself (jenkins-facts E)."""
        self._crumb_field = None
        self._crumb_value = None
        self._server._session.cookies.clear()  # type: ignore[attr-defined]  # private python-jenkins attribute; not in types-python-jenkins

    def controller_status(self) -> ControllerStatus:
        """GET api/json?tree=quietingDown once, no retries: whatever the answer, or none."""
        try:
            reply = self._once("GET", endpoints.ROOT_API, None, None, {"tree": "quietingDown"}, True)
        except Unreachable:
            return ControllerStatus(False, None, None, None)
        quiet = parse.quieting_down(reply.text) if reply.ok else None
        return ControllerStatus(True, reply.status, reply.headers.get("X-Jenkins-Session"), quiet)

    def busy_executors(self) -> int | None:
        """How many executors run a build (hudson/model/ComputerSet.java getBusyExecutors);
        None when Jenkins does not say. Asked once, no retries, like `controller_status`: it is
        asked inside the restart's poll loop, which is its own retry, and retrying a 503 here
        (seconds of backoff) would hide the restart's unavailable window from that loop."""
        try:
            reply = self._once("GET", endpoints.COMPUTERS, None, None, {"tree": "busyExecutors"}, True)
            if not reply.ok:
                return None
            busy = self._json(reply, "the computer set").get("busyExecutors")
        except JenkinsError:
            return None
        return parse.busy_executors(busy)

    def run_script(self, script: str) -> str:
        """POST scriptText (Administer). Jenkins answers 200 even when the script throws,
        with the stack trace as the output (jenkins-facts D.5), so callers read the text."""
        reply = self.call("POST", endpoints.SCRIPT_TEXT, what="running a script console check",
                          body={"script": script}, content_type=None)
        return reply.text

    def probe(self, method: str, path: str) -> Reply:
        """A behaviour probe: the raw answer, whatever its status."""
        return self.request(method, path, read=method == "GET")

    # ---------------------------------------------------------------- items (folders and jobs)

    def _item_call(self, method: str, path: str, endpoint: str, what: str, **kw: Any) -> Reply:
        reply = self.request(method, item_url(path) + endpoint, **kw)
        if reply.status == 404:
            raise ItemNotFound(f"{what}: {path!r} was not found (404)",
                               hint="check the path in authorization.items; Jenkins also answers 404 when the credential cannot read "
                                    "the item", status=404, body=reply.text)
        if not reply.ok:
            raise self.error_for(reply, what)
        return reply

    def item_config(self, path: str) -> bytes:
        """GET the item's config.xml (core AbstractItem.doConfigDotXml; needs Configure or
        ExtendedRead), as the exact bytes Jenkins sent."""
        return self._item_call("GET", path, endpoints.ITEM_CONFIG, f"reading the configuration of {path!r}", read=True).content

    def post_item_config(self, path: str, xml: bytes) -> None:
        """POST config.xml: Jenkins replaces the item's whole configuration with it
        (AbstractItem.updateByXml; needs Configure). UTF-8, declared, so the servlet does not
        read it as ISO-8859-1."""
        self._item_call("POST", path, endpoints.ITEM_CONFIG, f"writing the configuration of {path!r}", body=xml,
                        content_type="application/xml; charset=utf-8")

    def item_children(self, path: str | None) -> list[tuple[str, bool]]:
        """(name, is a folder) for each item directly in `path` (None: the top level) that the
        credential can read, from api/json at depth 1: a folder's entry lists `jobs`
        (cloudbees-folder AbstractFolder.getItems is exported as `jobs`)."""
        where = "" if path is None else item_url(path)
        what = "listing the items of " + ("Jenkins" if path is None else repr(path))
        reply = self.request("GET", where + endpoints.ITEM_API, read=True, params={"depth": "1"})
        if reply.status == 404 and path is not None:
            raise ItemNotFound(f"{what}: not found (404)", status=404, body=reply.text)
        if not reply.ok:
            raise self.error_for(reply, what)
        return parse.item_children(self._json(reply, what))

    def create_folder(self, path: str) -> None:
        """Create an empty folder (cloudbees-folder) at `path`; its parent must exist. The form
        `createItem?name=N&mode=<class>` (core ItemGroupMixIn.createTopLevelItem: `mode` is the
        item type's descriptor id; Jenkins answers with a redirect to the new item's configure
        page). matrix-auth then adds Read and Configure for the creator when it lacks them."""
        parent, _, name = path.rpartition("/")
        where = (item_url(parent) if parent else "") + endpoints.CREATE_ITEM
        body = urlencode({"name": name, "mode": FOLDER_CLASS})
        reply = self.request("POST", where, body=body, content_type="application/x-www-form-urlencoded", follow=False)
        if reply.status in (200, 302, 303):
            return
        if reply.status == 404:
            raise ItemNotFound(f"creating the folder {path!r}: its parent {parent!r} was not found (404)", status=404, body=reply.text)
        raise self.error_for(reply, f"creating the folder {path!r}")



def fetch(url: str, *, timeout: float = 10.0, verify: bool | str = True) -> Reply:
    """One GET from this machine (not through Jenkins), e.g. Pomerium's JWKS: no credential,
    bounded like every other request."""
    import requests

    from . import transport

    session = requests.Session()
    transport.prepare_session(session)
    try:
        answer = transport.exchange(session, "GET", url, timeout=timeout, verify=verify)
    except transport.OtherOrigin as exc:
        raise Unreachable(f"{transport.shown_url(url)}: redirected to another origin ({exc.target}); not followed") from None
    except transport.TransportError as exc:
        raise Unreachable(f"{transport.shown_url(url)}: no usable answer from here ({type(exc).__name__})") from None
    finally:
        session.close()
    return Reply(answer.status, answer.text, answer.headers)
