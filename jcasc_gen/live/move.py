"""Moving a Jenkins that already runs jwtAuth to another issuer or audience (a new route host, a
Pomerium upgrade across 0.21.3, a new authenticate host before 0.21.3), JWKS URL or header.

The trouble: the tool mints tokens for the spec's values, which the live realm does not accept
yet, and once the realm changes the old values stop working. A realm switch is atomic, so a
single post that fails halfway, or a new realm that turns out not to accept the new token, would
leave nobody able to administer Jenkins (API tokens are anonymous under jwtAuth). So, acting with
a JWT for what the live realm accepts now (`CurrentCredential`, from --current-issuer and
--current-audience):

  1. bridge matrix   the spec's entries + Overall/Administer for both tokens' names
  2. bridge realm    the spec's realm, its issuer and audience lists widened by the live ones:
                     jwt-auth takes comma lists (jwt_realm.py), so both tokens are accepted
  3. prove           a fresh token for the old values, then one for the new values, administer
  4. final realm     the spec's realm, posted with the new token (proven under the bridge);
                     not posted when the bridge already is the spec's realm (a spec that
                     lists the live values too, for a transition)
  5. prove           the new token administers under the final realm

After any failure one of the two tokens is accepted by whatever realm Jenkins holds (the bridge
accepts both, the old realm the old, the final the new), so the rollback (steps/rollback.py)
always has a credential, and it proves the old realm with a token for the old values.

What cannot be bridged: jwt-auth reads exactly one header (JwtAuthSecurityRealm.java:181
`request.getHeader(headerName)`) and one `jwksUrl` (line 208-212). The tool sends its token for
the old values in both the old and the new header (`--current-header`), so a header move is safe
for the tool; people's requests need the proxy to send the new header before the switch
(docs/apply.md, "Moving a running setup"). A JWKS URL moves with the bridge realm: both tokens are
signed with one key, and the guard refuses the move unless the new JWKS lists that key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .. import pomerium_facts, tokens
from ..jcasc import managed_sections, target_document
from ..jwt_realm import accepted_values, join_values
from ..model import Spec
from .credentials import Credentials, CurrentCredential
from .guard import Refusal

if TYPE_CHECKING:
    from .steps.context import ApplyRun

__all__ = ["MovePlan", "live_jwt_realm", "bridge_realm", "move_plan", "guard_refusals", "switch", "diagnose",
           "choose_current"]


def choose_current(creds: Credentials, make_client: Callable[[Any], Any]) -> None:
    """With several values for the current issuer or audience, settle on the first pair the
    live realm accepts (one /whoAmI each); before the token for them is first used."""
    from ..client import JenkinsError

    def accepted(auth: Any) -> bool:
        try:
            return not make_client(auth).whoami().anonymous
        except JenkinsError:
            return False

    if creds.current is not None and creds.current.chosen is None:
        creds.current.choose(accepted)


def live_jwt_realm(document: Any) -> dict[str, Any] | None:
    """The live jwtAuth realm's attributes (as exported), or None when the realm is another."""
    realm = managed_sections(document)["jenkins"].get("securityRealm")
    if isinstance(realm, dict) and isinstance(realm.get("jwtAuth"), dict):
        return dict(realm["jwtAuth"])
    return None


def _setting(realm: Mapping[str, Any], key: str) -> str | None:
    value = realm.get(key)
    return value if isinstance(value, str) else None


def bridge_realm(live: Mapping[str, Any], target: Mapping[str, Any]) -> dict[str, Any]:
    """The spec's realm, accepting also every issuer and audience the live realm accepts. A live
    list that is empty accepts anything, and so does the bridge. Raises ValueError when a list
    cannot be written so jwt-auth reads it as the union (an unclosed quote, say)."""
    out = dict(target)
    for key in ("acceptedIssuer", "acceptedAudience"):
        live_values = accepted_values(_setting(live, key))
        out[key] = "" if live_values is None else join_values(_setting(target, key), live_values)
    return out


def _shown(values: list[str] | None) -> str:
    return "any (no restriction)" if values is None else repr(values)


@dataclass(frozen=True)
class MovePlan:
    """What a move changes, from the live realm (read with the token for its current values)
    to the spec's."""

    from_issuers: list[str] | None  # None: no restriction
    from_audiences: list[str] | None
    to_issuers: list[str] | None
    to_audiences: list[str] | None
    from_header: str | None
    to_header: str
    from_jwks_url: str | None
    to_jwks_url: str | None
    acting: str  # which token reads and acts now

    def lines(self) -> list[str]:
        out = [f"move     the live realm accepts issuers {_shown(self.from_issuers)} and audiences {_shown(self.from_audiences)}; "
               f"apply moves it to issuers {_shown(self.to_issuers)} and audiences {_shown(self.to_audiences)} through a "
               "bridge realm that accepts both, acting with " + self.acting]
        if (self.from_header or "").lower() != self.to_header.lower():
            out.append(f"move     header {self.from_header} -> {self.to_header}: jwt-auth reads one header; people's requests "
                       f"need {self.to_header} from the proxy before apply runs")
        if self.from_jwks_url != self.to_jwks_url:
            out.append(f"move     jwksUrl {self.from_jwks_url} -> {self.to_jwks_url} (with the bridge realm; apply refuses "
                       "unless the new JWKS lists the signing key)")
        return out

    def to_json(self) -> dict[str, Any]:
        return {"from": {"issuers": self.from_issuers, "audiences": self.from_audiences, "header": self.from_header,
                         "jwks_url": self.from_jwks_url},
                "to": {"issuers": self.to_issuers, "audiences": self.to_audiences, "header": self.to_header,
                       "jwks_url": self.to_jwks_url},
                "acting": self.acting}


def move_plan(spec: Spec, document: Any, current: CurrentCredential) -> MovePlan | None:
    """The move, when the live realm is jwtAuth and differs from the spec's; else None."""
    live = live_jwt_realm(document)
    if live is None:
        return None
    target = target_document(spec)["jenkins"]["securityRealm"]["jwtAuth"]
    return MovePlan(accepted_values(_setting(live, "acceptedIssuer")), accepted_values(_setting(live, "acceptedAudience")),
                    accepted_values(target["acceptedIssuer"]), accepted_values(target["acceptedAudience"]),
                    _setting(live, "headerName"), target["headerName"], _setting(live, "jwksUrl"), target["jwksUrl"] or None,
                    current.describe())


def guard_refusals(spec: Spec, document: Any, current: CurrentCredential) -> list[Refusal]:
    """Why the move cannot be bridged safely: the bridge must accept the token for the current
    values (or the run would lose it, its rollback credential, the moment the bridge lands)."""
    live = live_jwt_realm(document)
    if live is None:
        return []
    target = target_document(spec)["jenkins"]["securityRealm"]["jwtAuth"]
    try:
        bridge = bridge_realm(live, target)
    except ValueError as exc:
        return [Refusal(f"the bridge realm cannot be written: {exc}",
                        "write the live realm's acceptedIssuer/acceptedAudience as plain comma lists (Manage Jenkins > "
                        "Security), then run again")]
    bridge_cfg = replace(spec.jwt, issuers=tuple(accepted_values(bridge["acceptedIssuer"]) or ()),
                         audiences=tuple(accepted_values(bridge["acceptedAudience"]) or ()))
    problems = tokens.acceptance_problems(bridge_cfg, current.claims(), alg=current.post.alg())
    return [Refusal(f"the bridge realm would not accept {current.describe()}: {p}",
                    "the token for the current values must also carry the claims the spec's realm reads "
                    "(jwt.username_claim, jwt.groups_claim)") for p in problems]


# ---------------------------------------------------------------------- apply


def switch(run: ApplyRun, target_realm: Mapping[str, Any], strategy: Mapping[str, Any]) -> None:
    """Steps 1-5 above; raises (and the run rolls back) when a step fails."""
    from .steps.change import bridge_matrix, post_document

    current, post = run.creds.current, run.creds.post
    assert current is not None and post is not None and run.acting is not None and run.snapshot is not None
    live = live_jwt_realm(run.snapshot) or {}
    bridge = bridge_realm(live, target_realm)
    new_name = tokens.identity(run.spec.jwt, current.claims())[0]
    admins = [n for n in dict.fromkeys((run.acting_name, new_name, post.principal)) if n]
    post_document(run, "bridge matrix (the spec's entries + Overall/Administer for "
                       f"{' and '.join(repr(n) for n in admins)} while the realm moves)", run.acting,
                  {"jenkins": {"authorizationStrategy": bridge_matrix(dict(strategy), admins)}}, "strategy",
                  "bridge (the spec's entries + Overall/Administer for " + ", ".join(repr(n) for n in admins) + ")",
                  activity="move")
    accepts = (f"issuers {_shown(accepted_values(bridge['acceptedIssuer']))} and audiences "
               f"{_shown(accepted_values(bridge['acceptedAudience']))}")
    post_document(run, f"bridge realm jwtAuth accepting {accepts}", run.acting,
                  {"jenkins": {"securityRealm": {"jwtAuth": bridge}}}, "realm", f"jwtAuth (bridge accepting {accepts})",
                  activity="move")
    _prove(run, current.auth(), current.describe(), "the bridge realm")
    _prove(run, post.auth(), "the JWT for the spec's values", "the bridge realm")
    new = run.post_client()
    assert new is not None
    if bridge == dict(target_realm):  # the spec keeps the live values too: the bridge is its realm
        run.log("apply", "the bridge realm is the spec's (it accepts the live values too): nothing more to post", activity="move")
        run.known["realm"] = "jwtAuth"
        run.acting, run.acting_name = new, _prove(run, post.auth(), "the JWT for the spec's values", "the spec's realm")
        return
    post_document(run, "realm jwtAuth (the spec's values only)", new, {"jenkins": {"securityRealm": {"jwtAuth": dict(target_realm)}}},
                  "realm", "jwtAuth", activity="move")
    run.acting, run.acting_name = new, _prove(run, post.auth(), "the JWT for the spec's values", "the spec's realm")


def _prove(run: ApplyRun, auth: Any, what: str, realm: str) -> str:
    ok, name, _ = run.admin_check(run.client(auth))
    if not ok:
        raise RuntimeError(f"under {realm}, {what} does not administer Jenkins: {name}")
    run.log("apply", f"under {realm}, {what} administers Jenkins as {name!r}", activity="move")
    return name


# ---------------------------------------------------------------------- diagnosis


def diagnose(creds: Credentials, spec: Spec, make_client: Callable[[Any], Any]) -> tuple[str, str]:
    """(message, hint) for when Jenkins treats the spec's JWT as anonymous: which issuer,
    audience and header the token had, what the live realm accepts as far as can be found out
    without an administrator (the export, when some token can read it; a probe with the issuer
    Pomerium sends on the other side of 0.21.3; the JWKS from here), and the flags to add."""
    post = creds.post
    assert post is not None
    claims = post.claims()
    said = (f"Jenkins treats the spec's JWT ({post.source}) as anonymous: it had iss {claims.get('iss')!r} and aud "
            f"{claims.get('aud')!r}, in header {post.header_name}")
    problems = tokens.acceptance_problems(spec.jwt, claims, alg=post.alg())
    if problems:
        return (said + "; even the spec's realm would refuse it: " + "; ".join(problems),
                "fix the spec's jwt settings, or give a JWT they accept")
    said += " (the spec's realm accepts them)"
    if post.given is not None:  # a given token may simply not verify against the JWKS (read from here)
        from ..client import fetch
        from .given_jwt import check_given

        refusals, _ = check_given(post, spec.jwt.jwks_url, run_script=None,
                                  fetch_here=lambda url: fetch(url, timeout=creds.conn.timeout))
        if refusals:
            return said + "; " + refusals[0].message, refusals[0].hint or ""
    current = creds.current
    if current is not None:
        said += f"; {current.describe()} is treated as anonymous too"
    probe = _probe(creds, spec, make_client)
    parts = [said]
    flags: list[str] = []
    if probe.live is not None:
        live = probe.live
        iss, aud = accepted_values(_setting(live, "acceptedIssuer")), accepted_values(_setting(live, "acceptedAudience"))
        header, jwks = _setting(live, "headerName"), _setting(live, "jwksUrl")
        how = f", read with {probe.describe()}" if probe.issuer else ""
        parts.append(f"the live realm (from its export{how}) accepts issuers {_shown(iss)} and audiences "
                     f"{_shown(aud)}, reads header {header} and fetches keys from {jwks}")
        rejected = []
        if iss is not None and claims.get("iss") not in iss:
            rejected.append("the issuer")
            flags.append("--current-issuer " + ",".join(iss))
        if aud is not None and claims.get("aud") not in aud:
            rejected.append("the audience")
            flags.append("--current-audience " + ",".join(aud))
        if header and header.lower() != post.header_name.lower():
            rejected.append("the header")
            flags.append("--current-header " + header)
        if rejected:
            parts.append("so it rejects " + " and ".join(rejected))
    elif probe.issuer is not None:
        parts.append(f"{probe.describe()} is accepted: the live realm accepts that issuer")
        flags.append("--current-issuer " + probe.issuer)
    kid_note = _jwks_note(creds, spec, post.kid())
    if kid_note:
        parts.append(kid_note)
    if not flags and not kid_note:
        parts.append("so the live realm rejects them: it accepts another issuer or audience, reads another header, or "
                     "cannot verify the signature against its jwksUrl")
    message = "; ".join(parts)
    if kid_note and not flags:
        hint = ("give the key Pomerium signs with now (the first key of its signing_key), or publish this key first: "
                "docs/apply.md, \"Moving a running setup\"")
    elif flags:
        hint = ("if Jenkins is moving to the spec's values, add " + " ".join(flags) + " (what the live realm accepts now): "
                "apply then moves it through a bridge realm that accepts both; plan, verify and diff --live take them too")
    else:
        hint = ("if Jenkins is moving to the spec's values (a new route host, a Pomerium upgrade across 0.21.3, a new "
                "authenticate host), add --current-issuer ISS --current-audience AUD with what the live realm accepts now "
                "(its acceptedIssuer and acceptedAudience, as written in Manage Jenkins > Security or the JCasC file it "
                "booted from; a comma list is fine), and --current-header NAME if it reads another header; apply then "
                "moves it through a bridge realm that accepts both")
    return message, hint


@dataclass(frozen=True)
class _Probe:
    issuer: str | None = None  # an issuer the live realm accepts, found by a probe
    era: str = ""  # "before" / "since" 0.21.3
    live: dict[str, Any] | None = None  # the live realm's settings, when some token could read the export

    def describe(self) -> str:
        return f"a token with iss {self.issuer!r} (what Pomerium {self.era} 0.21.3 sends)"


def _probe(creds: Credentials, spec: Spec, make_client: Callable[[Any], Any]) -> _Probe:
    """What can be learnt about the live realm without an administrator. With the signing key,
    one token with the issuer the spec's Pomerium sends on the other side of 0.21.3 (an upgrade
    across it is the commonest move); an accepted token then reads the export, if it may."""
    from ..client import Auth, JenkinsError
    from .state import parse_export

    post = creds.post
    pom = spec.pomerium
    if post is None or not post.can_mint or pom is None:
        return _Probe()
    minted = post.claims().get("iss")
    old = pomerium_facts.authenticate_host(pom.authenticate_url)
    for iss in dict.fromkeys((old, pomerium_facts.route_host(spec.jenkins_url))):
        if iss == minted:
            continue
        auth = Auth.jwt(post.header_name, post.mint(post.principal, post.groups, overrides={"iss": iss}), post.principal)
        try:
            client = make_client(auth)
            if client.whoami().anonymous:
                continue
        except JenkinsError:
            continue
        found = _Probe(iss, "before" if iss == old else "since")
        try:
            return replace(found, live=live_jwt_realm(parse_export(client.casc_export())))
        except JenkinsError:
            return found
    return _Probe()


def _jwks_note(creds: Credentials, spec: Spec, kid: str | None) -> str:
    """A sentence when the spec's JWKS, fetched from here, does not list the key the token is
    signed with (the signing key changed, or the URL serves another Pomerium's keys)."""
    from ..client import JenkinsError, fetch
    from .given_jwt import jwks_keys

    url = spec.jwt.jwks_url
    if not url or not kid:
        return ""
    try:
        reply = fetch(url, timeout=creds.conn.timeout)
    except JenkinsError:
        return ""
    keys = jwks_keys(reply.text) if reply.ok else None
    if keys is None or any(k.get("kid") == kid for k in keys):
        return ""
    return (f"the JWKS at {url} (read from here) does not list the key the token is signed with (kid {kid[:12]}...): "
            "Pomerium signs with another key")
