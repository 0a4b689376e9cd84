"""Lint the jwt section and the images against what the spec's Pomerium version really does.

jwt-auth reads exactly what the spec says (a header, claim names, issuers, audiences, a JWKS URL);
Pomerium sends exactly what its version sends (pomerium_facts). Where the two disagree, Jenkins
turns requests into anonymous without an error, or worse, makes everyone the same user. Each part
of the jwt section is checked on its own, so each wrong part gets its own located finding.

jwt-auth's side (jwt-auth-plugin@jwt-auth-0.3.0, JwtAuthSecurityRealm.java): the header is read at
:181 (missing -> anonymous :183-185); the username is `getClaimValueAsString(userClaimName)` (:254,
a missing claim is null and the Hashtable.put at :281 throws: anonymous); the groups claim is a
string list or a string split by commons-lang (:257-263, a missing claim throws at :262: anonymous);
the email and full-name claims are read only when present (:287-304).
"""

from __future__ import annotations

from typing import Any, Iterator
from urllib.parse import urlsplit

from . import pomerium_facts as facts
from .diagnostics import PathItem
from .model import Spec

__all__ = ["findings"]

Finding = tuple[str, tuple[PathItem, ...], str, "str | None"]


def _written(spec: Spec, key: str) -> bool:
    jwt = spec.data.get("jwt")
    return isinstance(jwt, dict) and key in jwt


def _at(spec: Spec, key: str) -> tuple[PathItem, ...]:
    return ("jwt", key) if _written(spec, key) else ("pomerium", "version")


def findings(spec: Spec) -> Iterator[Finding]:
    pom = spec.pomerium
    if pom is None:
        return
    version = pom.version
    jwt = spec.jwt
    vtext = version.text
    route = facts.route_host(spec.jenkins_url)

    if version.before(facts.HTTP_PATH_CRITERION):
        yield ("JG028", ("pomerium", "version"), f"Pomerium {vtext} has no `http_path` policy criterion (added in v0.16.0), "
               "so the route cannot deny /reload-configuration-as-code", "use Pomerium v0.16.0 or newer (the spec's facts start at v0.21.0)")

    # -- the header
    if jwt.header.lower() != facts.HEADER.lower():
        extra = "; with `Authorization` every API-token call becomes anonymous too" if jwt.header.lower() == "authorization" else ""
        yield ("JG006", ("jwt", "header"), f"jwt.header is {jwt.header!r}, but Pomerium sends its assertion only in {facts.HEADER}{extra}",
               "remove jwt.header to use the Pomerium default")

    # -- the issuer
    sent = facts.issuers(version, spec.jenkins_url, pom.authenticate_url)
    accepted = [i for i in sent if i in jwt.issuers]
    if not accepted:
        if len(sent) == 1:
            yield ("JG008", ("jwt", "issuers"), f"Pomerium {vtext} sends iss {sent[0]!r}, which is not in {list(jwt.issuers)}",
                   "remove jwt.issuers to use the derived default" + (
                       "; Pomerium 0.21.3 and newer use the route host, not the authenticate host"
                       if version.since(facts.ISSUER_IS_ROUTE_HOST) else ""))
        else:
            yield ("JG008", ("jwt", "issuers"), f"Pomerium {vtext} sends iss {sent[0]!r} (up to 0.21.2) or {sent[1]!r} "
                   f"(0.21.3 and newer), and neither is in {list(jwt.issuers)}", "remove jwt.issuers to use the derived default")
    if version.spans(facts.ISSUER_IS_ROUTE_HOST):
        old, new = facts.authenticate_host(pom.authenticate_url), route
        missing = [i for i in sent if i not in jwt.issuers]
        tail = ("; jwt.issuers accepts both" if not missing else
                f"; jwt.issuers lacks {missing[0]!r}, so the releases that send it would make every request anonymous") if accepted else ""
        yield ("JG020", ("pomerium", "version"),
               f"Pomerium {vtext} names releases on both sides of the issuer change in 0.21.3: up to 0.21.2 iss is {old!r}, "
               f"from 0.21.3 it is {new!r}{tail}",
               "write the exact version you run (`pomerium --version`), e.g. \"0.21.4\"; the derived issuers then hold just one value")

    # -- the audience: always the route's host name (v0.21.3 headers.rego:82-83 `input.issuer`,
    # v0.21.0 :83-84 `input.from_audience`; v0.33.1 getJWTPayloadAud)
    if jwt.audiences and route not in jwt.audiences:
        yield ("JG021", ("jwt", "audiences"), f"Pomerium sends aud {route!r} (the route's host name), which is not in {list(jwt.audiences)}",
               "remove jwt.audiences to use the derived default")

    # -- the claims
    yield from _username_claim(spec, vtext)
    yield from _groups_claim(spec, vtext)
    for key, value, what in (("email_claim", jwt.email_claim, "e-mail address"), ("full_name_claim", jwt.full_name_claim, "full name")):
        if not value:
            continue
        if value not in facts.CLAIMS:
            yield ("JG024", ("jwt", key), f"Pomerium {vtext} sends no {value!r} claim, so Jenkins never learns the {what} from it",
                   f"use a claim Pomerium sends ({', '.join(facts.CLAIMS)}) or null to turn it off")
        elif value == "groups":
            yield ("JG024", ("jwt", key), f"the {value!r} claim is a list; jwt-auth would store its text form (\"[a, b]\") as the {what}",
                   "use `email` or `name`, or null to turn it off")

    # -- the JWKS: served on the route hosts at one path
    if jwt.jwks_url:
        parts = urlsplit(jwt.jwks_url)
        hosts = {route} | ({facts.route_host(pom.verify_url)} if pom.verify_url else set())
        if parts.hostname in hosts and parts.path != facts.JWKS_PATH:
            yield ("JG025", ("jwt", "jwks_url"), f"Pomerium serves its JWKS at {facts.JWKS_PATH}, not {parts.path or '/'}: "
                   "Jenkins gets no keys and every request becomes anonymous",
                   "remove jwt.jwks_url to use the derived default")

    # -- groups: null (v0.28.0)
    if facts.groups_may_be_null(version):
        yield ("JG009", ("pomerium", "version"), f"Pomerium {vtext} sends `groups: null` for users without groups, which jwt-auth turns into anonymous",
               "use Pomerium 0.29 or newer")

    yield from _image(spec, version)


def _username_claim(spec: Spec, vtext: str) -> Iterator[Finding]:
    claim = spec.jwt.username_claim
    if claim in facts.PERSON_CLAIMS:
        return
    if claim not in facts.CLAIMS:
        why = f"Pomerium {vtext} sends no {claim!r} claim, so every request becomes anonymous"
    elif claim in ("iss", "aud"):
        why = f"the {claim!r} claim is the route's host for everyone, so every person would be the same Jenkins user"
    elif claim in ("jti", "sid"):
        why = f"the {claim!r} claim changes with every {'request' if claim == 'jti' else 'session'}, so no grant ever matches a person"
    elif claim in ("iat", "exp"):
        why = f"the {claim!r} claim is a time stamp, not a person"
    else:  # groups
        why = "the 'groups' claim is a list of groups, not a person"
    yield ("JG022", _at(spec, "username_claim"), f"jwt.username_claim is {claim!r}: {why}",
           f"use a claim that names the person: {', '.join(facts.PERSON_CLAIMS)} (default email)")


def _groups_claim(spec: Spec, vtext: str) -> Iterator[Finding]:
    claim = spec.jwt.groups_claim
    if claim == "groups":
        return
    if claim not in facts.CLAIMS:
        yield ("JG023", _at(spec, "groups_claim"), f"Pomerium {vtext} sends no {claim!r} claim; jwt-auth then fails on every token "
               "(StringUtils.split(null) -> NullPointerException) and every request becomes anonymous",
               "remove jwt.groups_claim: Pomerium sends the groups in `groups`")
    else:
        yield ("JG024", _at(spec, "groups_claim"), f"the {claim!r} claim does not hold groups; jwt-auth would split its text "
               f"on {spec.jwt.groups_separator!r} and use the pieces as group names",
               "remove jwt.groups_claim: Pomerium sends the groups in `groups`")


def _image(spec: Spec, version: facts.PomeriumVersion) -> Iterator[Finding]:
    image = spec.output.images.get("pomerium", "")
    images = (spec.data.get("output") or {}).get("images") if isinstance(spec.data.get("output"), dict) else None
    if not isinstance(images, dict) or "pomerium" not in images:
        return  # the default image follows pomerium.version
    tagged = facts.image_version(image)
    where: tuple[PathItem, ...] = ("output", "images", "pomerium")
    if tagged is None:
        yield ("JG027", where, f"the Pomerium image {image!r} does not say which release it runs; jenkins.yaml is written for Pomerium {version.text}",
               f"use a tag of a release, e.g. {facts.image_for(version)}")
        return
    same = (tagged.minor_version() == version.minor_version()
            and (tagged.patch is None or version.patch is None or tagged.patch == version.patch))
    if not same:
        release = f"{tagged.major}.{tagged.minor}" + (f".{tagged.patch}" if tagged.patch is not None else "")
        yield ("JG026", where, f"the Pomerium image runs {release} but pomerium.version is {version.text!r}: jenkins.yaml "
               "(issuer, claims) is written for the version, the stack would run the image",
               f"make them agree: pomerium.version \"{release}\" or the image {facts.image_for(version)}")
