"""Requests and time of plan, apply and verify for folder and job matrices, against the
Jenkins simulator: N team folders (N = 10 and 1,000), each with other settings and a job, on a
Jenkins that already has the spec's realm and global matrix, so the runs change only items.

What should hold: apply's requests grow with the number of items in the spec (one read per
item at preflight, then one read, one write and one read back per changed item), never with
anything else; at most `jcasc_gen.live.items.WORKERS` item requests are in flight at once.
Printed, not asserted.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import threading
import time
from collections import Counter

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from jcasc_gen.cli import main  # noqa: E402
from jcasc_gen.model import load_spec_text  # noqa: E402
from jcasc_gen.render import render, without_job_dsl  # noqa: E402
from tests.jenkins_sim import DEFAULT_PLUGINS, ITEM_PLUGINS, JenkinsSim, PomeriumSide  # noqa: E402

PERMS = "[Job/Read, Job/Build, Job/Cancel, Job/Configure, Job/Workspace, Run/Update]"


def _spec(n: int, jwks_url: str) -> str:
    items = "".join(f"    - path: team-{i:04d}\n      inherit: none\n      grants:\n        - group: team-{i:04d}\n"
                    f"          permissions: {PERMS}\n" for i in range(n))
    return ("version: 1\njenkins:\n  url: https://jenkins.example.com\npomerium:\n  version: \"0.33\"\n"
            "  authenticate_url: https://authenticate.example.com\n"
            "  idp: {provider: google, client_id: {env: IDP_CLIENT_ID}, client_secret: {env: IDP_CLIENT_SECRET}}\n"
            "  signing_key: {env: POMERIUM_SIGNING_KEY}\n"
            f"jwt:\n  jwks_url: {jwks_url}\n"
            "authorization:\n  strategy: project\n  grants:\n"
            "    - user: alice@example.com\n      permissions: [Overall/Administer]\n"
            "    - group: authenticated\n      permissions: [Overall/Read]\n"
            f"  items:\n{items}"
            'plugins:\n  versions:\n    configuration-as-code: "1987.v4ade2e49fb_b_c"\n')


class _InFlight:
    """The most item requests the simulator handled at once."""

    def __init__(self, sim: JenkinsSim) -> None:
        self.now = self.peak = 0
        self.lock = threading.Lock()
        items = sim.items
        for name in ("config_xml", "ingest"):
            original = getattr(items, name)

            def wrapped(*args: object, __original=original, **kw: object) -> object:
                with self.lock:
                    self.now += 1
                    self.peak = max(self.peak, self.now)
                try:
                    time.sleep(0.001)  # long enough for overlapping requests to show
                    return __original(*args, **kw)
                finally:
                    with self.lock:
                        self.now -= 1

            setattr(items, name, wrapped)


def count(n: int) -> dict[str, object]:
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp, PomeriumSide() as pomerium, \
            JenkinsSim(plugins={**DEFAULT_PLUGINS, **ITEM_PLUGINS, "jwt-auth": "0.3.0"}) as sim:
        text = _spec(n, pomerium.jwks_url)
        for i in range(n):
            sim.items.add_folder(f"team-{i:04d}")
            sim.items.add_job(f"team-{i:04d}/app")
        sim.apply(without_job_dsl(render(load_spec_text(text).spec)["jenkins.yaml"]))
        spec = os.path.join(tmp, "spec.yaml")
        with open(spec, "w", encoding="utf-8") as fh:
            fh.write(text)
        key = os.path.join(tmp, "key.pem")
        with open(key, "w", encoding="utf-8") as fh:
            fh.write(pomerium.private_key_pem)
        creds = ["--url", sim.url, "--signing-key-file", key]
        inflight = _InFlight(sim)
        steps = {
            "plan": ["plan", spec, *creds, "--no-walk"],
            "apply": ["apply", spec, *creds, "--yes"],
            "verify": ["verify", spec, *creds],
            "plan-with-walk": ["plan", spec, *creds],
            "apply-again": ["apply", spec, *creds, "--yes"],
        }
        for name, argv in steps.items():
            before = len(sim.requests)
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
                code = main(argv)
            if code not in (0, 1):
                raise SystemExit(f"{name} failed with exit {code}:\n{err.getvalue()[-3000:]}")
            taken = time.perf_counter() - started
            requests = sim.requests[before:]
            item_requests = Counter((m, p.rsplit("/", 1)[-1]) for m, p in requests if p.startswith("/job/"))
            out[name] = {"requests": len(requests), "item requests": dict(item_requests), "seconds": round(taken, 2)}
        out["most item requests at once"] = inflight.peak
    return out


if __name__ == "__main__":
    for n in (10, 1000):
        print(n, count(n))
