"""Conformance: jwt-auth filter semantics.

Source for all: jwt-auth-plugin:src/main/java/io/jenkins/plugins/jwt_auth/JwtAuthSecurityRealm.java
(getAuthFromToken, createFilter), jenkins-facts B.2/B.3.
"""

from __future__ import annotations

import time

from tests.jenkins_sim import DEFAULT_PLUGINS, JenkinsSim

from .helpers import ADMIN, HDR, jwt_realm, jwt_sim, whoami


def _who(sim: JenkinsSim, token: str | None, header: str = HDR, **extra: str) -> dict:  # type: ignore[type-arg]
    h = {header: token} if token is not None else {}
    h.update(extra)
    return whoami(sim.url, headers=h)


def test_valid_jwt_authenticates_with_authenticated_first(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """Authorities: AUTHENTICATED_AUTHORITY2 first, then the groups verbatim (B.2)."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    me = _who(sim, pomerium_side.mint(ADMIN, ["Admins", "devs"]))
    assert me == {"_class": "hudson.security.WhoAmI", "anonymous": False, "authenticated": True,
                  "authorities": ["authenticated", "Admins", "devs"], "name": ADMIN}


def test_no_header_is_anonymous(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """Header null or empty -> Jenkins.ANONYMOUS2."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    assert _who(sim, None)["name"] == "anonymous"
    assert _who(sim, "")["name"] == "anonymous"


def test_header_lookup_is_case_insensitive(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """request.getHeader(headerName): HTTP header names are case-insensitive."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    assert _who(sim, pomerium_side.mint(ADMIN, []), header="x-pomerium-jwt-assertion")["name"] == ADMIN


def test_bearer_substring_stripping(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """headerContent.replace("Bearer","").replace("bearer","").trim(): both spellings, anywhere;
    `BEARER` is not stripped."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side, headerName="Authorization")
    tok = pomerium_side.mint(ADMIN, [])
    assert _who(sim, "Bearer " + tok, header="Authorization")["name"] == ADMIN
    assert _who(sim, "bearer   " + tok + " Bearer", header="Authorization")["name"] == ADMIN
    assert _who(sim, "BEARER " + tok, header="Authorization")["name"] == "anonymous"


def test_bad_signature_is_anonymous(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """Signature verified with HttpsJwksVerificationKeyResolver; failure -> anonymous, silently."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    assert _who(sim, pomerium_side.mint_with_foreign_key(ADMIN, []))["name"] == "anonymous"


def test_jwks_fetched_over_http_es256_and_rs256(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """JWKS fetched from jwksUrl over real HTTP (the plugin's test uses plain http); ES256
    and RS256 keys (pomerium pkg/cryptutil/jose.go)."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    before = pomerium_side.jwks_requests
    assert _who(sim, pomerium_side.mint(ADMIN, [], alg="ES256"))["name"] == ADMIN
    assert _who(sim, pomerium_side.mint(ADMIN, [], alg="RS256"))["name"] == ADMIN
    assert pomerium_side.jwks_requests > before


def test_unreachable_jwks_is_anonymous(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """An unreachable JWKS fails verification -> anonymous."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side, jwksUrl="http://127.0.0.1:9/jwks.json")
    assert _who(sim, pomerium_side.mint(ADMIN, []))["name"] == "anonymous"


def test_new_realm_instance_refetches_jwks(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """The resolver is cached in a transient field of the realm instance: a new instance
    (JCasC apply) fetches again."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    _who(sim, pomerium_side.mint(ADMIN, []))
    first = sim.security_realm
    assert first.jwks_fetches == 1  # type: ignore[union-attr]
    _who(sim, pomerium_side.mint(ADMIN, []))
    assert first.jwks_fetches == 1  # type: ignore[union-attr]
    from .helpers import JWT_YAML
    sim.apply(JWT_YAML.format(jwks=pomerium_side.jwks_url))
    assert sim.security_realm is not first and sim.security_realm.jwks_fetches == 0  # type: ignore[union-attr]


def test_wrong_issuer_is_anonymous(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """setExpectedIssuers(true, ...): iss required and matched exactly (v0.21.0-v0.21.2 tokens carry the
    authenticate host, jenkins-facts F.1)."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    assert _who(sim, pomerium_side.mint(ADMIN, [], version="0.21.2"))["name"] == "anonymous"
    assert _who(sim, pomerium_side.mint(ADMIN, [], drop=("iss",)))["name"] == "anonymous"


def test_comma_separated_issuer_and_audience(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """acceptedIssuer/acceptedAudience are Util.tokenize(..., ",") lists."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side,
                  acceptedIssuer="authenticate.example.com,jenkins.example.com",
                  acceptedAudience="other.example.com,jenkins.example.com")
    assert _who(sim, pomerium_side.mint(ADMIN, [], version="0.21.2"))["name"] == ADMIN
    assert _who(sim, pomerium_side.mint(ADMIN, [], version="0.33.1"))["name"] == ADMIN


def test_wrong_audience_is_anonymous(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """setExpectedAudience(true, ...): aud required and must match."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    assert _who(sim, pomerium_side.mint(ADMIN, [], route_host="evil.example.com",
                                        overrides={"iss": "jenkins.example.com"}))["name"] == "anonymous"
    assert _who(sim, pomerium_side.mint(ADMIN, [], drop=("aud",)))["name"] == "anonymous"


def test_no_accepted_audience_skips_audience_check(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """Empty acceptedAudience -> setSkipDefaultAudienceValidation(): any or no aud."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side, acceptedAudience=None)
    assert _who(sim, pomerium_side.mint(ADMIN, [], overrides={"aud": "whatever"}))["name"] == ADMIN


def test_expired_beyond_leeway_is_anonymous(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """exp checked with setAllowedClockSkewInSeconds(leewaySeconds)."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side, leewaySeconds=30)
    now = time.time()
    assert _who(sim, pomerium_side.mint(ADMIN, [], now=now - 310))["name"] == ADMIN  # expired 10 s ago, leeway 30
    assert _who(sim, pomerium_side.mint(ADMIN, [], now=now - 400))["name"] == "anonymous"


def test_missing_username_claim_is_anonymous(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """Hashtable.put(null, ...) NPE -> anonymous."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    assert _who(sim, pomerium_side.mint(ADMIN, [], drop=("email",)))["name"] == "anonymous"


def test_missing_or_null_groups_is_anonymous(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """split(null) -> Arrays.asList(null) NPE -> anonymous (pomerium/pomerium#5393, 0.28.0
    sent groups:null); an empty list is fine."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    assert _who(sim, pomerium_side.mint(ADMIN, [], version="0.28.0"))["name"] == "anonymous"
    assert _who(sim, pomerium_side.mint(ADMIN, [], drop=("groups",)))["name"] == "anonymous"
    assert _who(sim, pomerium_side.mint(ADMIN, [], version="0.29.0"))["name"] == ADMIN


def test_groups_string_split_on_separator_characters(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """StringUtils.split(str, separatorChars): a set of characters (the plugin's test uses
    ", []" on "[group1, group2, group3]"); null separator splits on whitespace."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side, groupsClaimSeparator=", []")
    me = _who(sim, pomerium_side.mint(ADMIN, overrides={"groups": "[group1, group2, group3]"}))
    assert me["authorities"] == ["authenticated", "group1", "group2", "group3"]
    sim.security_realm = jwt_realm(pomerium_side)  # separator null
    me = _who(sim, pomerium_side.mint(ADMIN, overrides={"groups": "a b\tc"}))
    assert me["authorities"] == ["authenticated", "a", "b", "c"]


def test_allow_verification_failures_skips_claims_not_signature(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """allowVerificationFailures: re-parse with setSkipAllValidators() — claims unchecked,
    signature still verified."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side, allowVerificationFailures=True)
    assert _who(sim, pomerium_side.mint(ADMIN, [], version="0.21.2"))["name"] == ADMIN
    assert _who(sim, pomerium_side.mint(ADMIN, [], now=time.time() - 3600))["name"] == ADMIN
    assert _who(sim, pomerium_side.mint_with_foreign_key(ADMIN, []))["name"] == "anonymous"


def test_no_jwks_url_means_no_signature_check(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """Empty jwksUrl: setDisableRequireSignature() + setSkipSignatureVerification()."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side, jwksUrl=None)
    assert _who(sim, pomerium_side.mint_with_foreign_key(ADMIN, []))["name"] == ADMIN


def test_api_token_stops_working_under_jwt_realm(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """B.3: a valid API token authenticates in core's chain, then the JWT filter overwrites the
    identity: anonymous without a JWT; a bad token is still 401 first."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    assert whoami(sim.url, auth=("admin", "admin-token"))["name"] == "anonymous"
    import requests
    assert requests.get(sim.url + "whoAmI/api/json", auth=("admin", "bad"), timeout=5).status_code == 401
    both = whoami(sim.url, auth=("admin", "admin-token"), headers={HDR: pomerium_side.mint(ADMIN, [])})
    assert both["name"] == ADMIN


def test_case_insensitive_user_and_group_matching(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """IdStrategy.CASE_INSENSITIVE (SecurityRealm default, jwt-auth does not override) applies
    to matrix sids for users and groups (C.2)."""
    from .helpers import matrix
    st = matrix(("USER", "Admin@Example.com", "Overall/Administer"), ("GROUP", "READERS", "Overall/Read"))
    sim = jwt_sim(jenkins_sim_factory, pomerium_side, strategy=st)
    import requests
    r = requests.get(sim.url + "pluginManager/api/json", headers={HDR: pomerium_side.mint(ADMIN, [])}, timeout=5)
    assert r.status_code == 200
    r = requests.get(sim.url + "api/json", headers={HDR: pomerium_side.mint("x@example.com", ["readers"])}, timeout=5)
    assert r.status_code == 200


def test_jwt_realm_requires_plugin(jenkins_sim_factory) -> None:  # type: ignore[no-untyped-def]
    """Default state: jwt-auth not installed (DEFAULT_PLUGINS)."""
    sim = jenkins_sim_factory()
    assert "jwt-auth" not in sim.plugins and set(DEFAULT_PLUGINS) <= set(sim.plugins)


def test_jcasc_omitted_header_name_is_null(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """B.1: in JCasC an omitted string attribute is null (the `Authorization` default is only
    the web form's); with no header name no JWT is ever read, so every request is anonymous.
    The fallback symbol `jwtAuthSecurityRealm` still configures the realm."""
    sim = jenkins_sim_factory(plugins={**DEFAULT_PLUGINS, "jwt-auth": "0.3.0"})
    sim.apply(f"jenkins:\n  securityRealm:\n    jwtAuthSecurityRealm:\n      userClaimName: email\n"
              f"      groupsClaimName: groups\n      jwksUrl: {pomerium_side.jwks_url}\n")
    assert sim.security_realm.headerName is None  # type: ignore[union-attr]
    assert sim.security_realm.leewaySeconds == 0 and sim.security_realm.allowVerificationFailures is False  # type: ignore[union-attr]
    tok = pomerium_side.mint(ADMIN, [])
    assert _who(sim, "Bearer " + tok, header="Authorization")["name"] == "anonymous"
    assert any("'jwtAuthSecurityRealm' is obsolete" in w for w in sim.casc_log)


def test_issuer_list_tokens_are_not_trimmed(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """jenkins: core/src/main/java/hudson/util/QuotedStringTokenizer.java — Util.tokenize splits
    on the delimiter only; `"a, b"` yields `" b"`, so a space after the comma never matches."""
    sim = jwt_sim(jenkins_sim_factory, pomerium_side, acceptedIssuer="authenticate.example.com, jenkins.example.com")
    assert _who(sim, pomerium_side.mint(ADMIN, []))["name"] == "anonymous"
    assert _who(sim, pomerium_side.mint(ADMIN, [], version="0.21.2"))["name"] == ADMIN


def test_full_name_and_email_claims_update_user_record(jenkins_sim_factory, pomerium_side) -> None:  # type: ignore[no-untyped-def]
    """fullNameClaim/emailClaimName set: User.getById(username, true) is created/updated (B.2)."""
    import requests
    sim = jwt_sim(jenkins_sim_factory, pomerium_side)
    tok = pomerium_side.mint(ADMIN, [], overrides={"name": "Ada Admin"})
    me = requests.get(sim.url + "me/api/json", headers={HDR: tok}, timeout=5).json()
    assert me["id"] == ADMIN and me["fullName"] == "Ada Admin"
    assert me["property"] == [{"_class": "hudson.tasks.Mailer$UserProperty", "address": ADMIN}]
