"""Run the simulator by hand:

    python -m tests.jenkins_sim --port 18080 --user admin:s3cret --pomerium --pomerium-port 18081 --signing-key-out key.pem

Prints the URL (and the Pomerium JWKS URL plus a minted admin token with --pomerium), then
serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from .pomerium import PomeriumSide
from .server import DEFAULT_PLUGINS, JenkinsSim


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.jenkins_sim", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: a free one)")
    ap.add_argument("--version", default="2.516.3", help="core version (X-Jenkins)")
    ap.add_argument("--user", action="append", default=[], metavar="NAME:TOKEN", help="local user with API token")
    ap.add_argument("--plugin", action="append", default=[], metavar="NAME:VERSION", help="installed plugin")
    ap.add_argument("--jwt-auth-installed", action="store_true", help="jwt-auth 0.3.0 installed and active")
    ap.add_argument("--casc-file", action="append", default=[], metavar="PATH", help="a JCasC file on disk")
    ap.add_argument("--old-casc", action="store_true", help="JCasC without /configure and JSON check errors")
    ap.add_argument("--strategy", default="loggedInUsersCanDoAnything",
                    choices=["unsecured", "loggedInUsersCanDoAnything"])
    ap.add_argument("--restart-seconds", type=float, default=1.0, help="how long a restart keeps Jenkins down")
    ap.add_argument("--restart-notice-seconds", type=float, default=1.0,
                    help="how long a safe restart answers 503 before it restarts (real Jenkins: 10)")
    ap.add_argument("--pomerium", action="store_true", help="also serve a fake Pomerium JWKS and mint a token")
    ap.add_argument("--pomerium-port", type=int, default=0, help="with --pomerium: the JWKS port on 127.0.0.1 (0: a free one)")
    ap.add_argument("--admin-email", default="admin@example.com")
    ap.add_argument("--signing-key-out", metavar="FILE",
                    help="with --pomerium: write the fake Pomerium's signing key (PEM) here, for jcasc-gen --signing-key-file")
    a = ap.parse_args(argv)

    plugins = dict(DEFAULT_PLUGINS)
    for spec in a.plugin:
        n, _, v = spec.partition(":")
        plugins[n] = v or "1.0"
    if a.jwt_auth_installed:
        plugins["jwt-auth"] = "0.3.0"
    users = dict(u.split(":", 1) for u in a.user) if a.user else None
    files = []
    for path in a.casc_file:
        with open(path, encoding="utf-8") as f:
            files.append((path, f.read()))
    sim = JenkinsSim(version=a.version, plugins=plugins, users=users, casc_files=files,
                     casc_has_configure=not a.old_casc, casc_json_check=not a.old_casc,
                     authorization=a.strategy, restart_seconds=a.restart_seconds,
                     restart_notice_seconds=a.restart_notice_seconds, port=a.port)
    print(f"Jenkins simulator: {sim.start()}", flush=True)
    for u, t in sim.users.items():
        print(f"  user {u} api token {t}", flush=True)
    side = None
    if a.pomerium:
        side = PomeriumSide()
        side.start(a.pomerium_port)
        print(f"Pomerium JWKS: {side.jwks_url}", flush=True)
        if a.signing_key_out:
            fd = os.open(a.signing_key_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(side.private_key_pem)
            print(f"Pomerium signing key written to {a.signing_key_out}", flush=True)
        print(f"Admin assertion (x-pomerium-jwt-assertion, 1 h): "
              f"{side.mint(a.admin_email, ['jenkins-admins'], expires_in=3600)}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    sim.stop()
    if side:
        side.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
