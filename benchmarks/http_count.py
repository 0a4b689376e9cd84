"""Count the HTTP requests plan, apply and verify send, against the Jenkins simulator.

The number must not grow with the number of principals: the matrix travels in one JCasC
document, and verify probes a fixed set of endpoints.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from jcasc_gen.cli import main  # noqa: E402
from tests.jenkins_sim import JenkinsSim, PomeriumSide  # noqa: E402

TOKEN = "bench-token"


def _spec(n: int, jwks_url: str) -> str:
    lines = [
        "version: 1",
        "jenkins:\n  url: https://jenkins.example.com",
        "pomerium:",
        '  version: "0.33"',
        "  authenticate_url: https://authenticate.example.com",
        "  idp: {provider: google, client_id: {env: IDP_CLIENT_ID}, client_secret: {env: IDP_CLIENT_SECRET}}",
        "  signing_key: {env: POMERIUM_SIGNING_KEY}",
        f"jwt:\n  jwks_url: {jwks_url}",
        "authorization:",
        "  roles:\n    dev: [Overall/Read, Job/Read, Job/Build]",
        "  grants:",
        "    - user: alice@example.com\n      permissions: [Overall/Administer]",
        "    - group: authenticated\n      permissions: [Overall/Read]",
    ]
    for i in range(n - 2):
        kind = "user" if i % 2 else "group"
        lines.append(f"    - {kind}: p{i}.example\n      roles: [dev]\n      permissions: [Job/Cancel, View/Read]")
    # JCasC pinned to what the simulator runs, so only jwt-auth is installed
    lines.append('plugins:\n  versions:\n    configuration-as-code: "1987.v4ade2e49fb_b_c"')
    return "\n".join(lines) + "\n"


def count_requests(n: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp, PomeriumSide() as pomerium, \
            JenkinsSim(users={"admin": TOKEN}) as sim:
        spec = os.path.join(tmp, "spec.yaml")
        with open(spec, "w", encoding="utf-8") as fh:
            fh.write(_spec(n, pomerium.jwks_url))
        key = os.path.join(tmp, "key.pem")
        with open(key, "w", encoding="utf-8") as fh:
            fh.write(pomerium.private_key_pem)
        creds = ["--url", sim.url, "--user", "admin", "--token", TOKEN, "--signing-key-file", key]
        steps = {
            "plan": ["plan", spec, *creds],
            "apply": ["apply", spec, *creds, "--yes", "--poll-interval", "0.02", "--restart-timeout", "20"],
            "verify": ["verify", spec, *creds],
            "apply-again": ["apply", spec, *creds, "--yes"],
        }
        for name, argv in steps.items():
            before = len(sim.requests)
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
                code = main(argv)
            if code not in (0, 1):
                raise SystemExit(f"{name} failed with exit {code}:\n{err.getvalue()[-3000:]}")
            counts[name] = len(sim.requests) - before
    return counts


if __name__ == "__main__":
    for n in (10, 10_000):
        print(n, count_requests(n))
