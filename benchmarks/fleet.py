"""The fleet runner at scale: `apply --all` and `plan --all` on N simulated controllers.

The simulators (tests/jenkins_sim) run in processes of their own, so their work does not share
the runner's interpreter; the runner is a fresh `python -m jcasc_gen` process, timed wall clock,
its peak memory read by /usr/bin/time. Each apply starts from fresh simulators (install
jwt-auth, safe restart, check, apply, verify).

Figures: the wall time of the run; the sum and the slowest of the controllers' own times (the
JSON summary's `seconds`); the ideal with P at a time, max(slowest, sum / P); and the runner's
peak RSS. Prints figures, asserts nothing.

    python benchmarks/fleet.py                   # 50 controllers, P = 1, 4, 8, 16
    python benchmarks/fleet.py --controllers 10 --parallel 4
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PY = sys.executable
TOKEN = "bench-token"
SERVERS = 2  # simulator processes (the controllers are spread over them)


def _serve(names: list[str], out: str, restart_seconds: float) -> None:
    """In a child process: start a simulator per name (and one Pomerium side in the first
    process), write their URLs to `out`, serve until stdin closes."""
    import logging

    logging.disable(logging.CRITICAL)  # the simulated jwt-auth logs every refused token
    sys.path.insert(0, REPO)
    from tests.jenkins_sim import JenkinsSim, PomeriumSide

    side = None
    if names and names[0] == "--pomerium":
        names = names[1:]
        side = PomeriumSide()
        side.start()
    sims = {n: JenkinsSim(users={"admin": TOKEN}, restart_seconds=restart_seconds) for n in names}
    urls = {n: s.start() for n, s in sims.items()}
    info: dict[str, Any] = {"urls": urls}
    if side is not None:
        info["jwks_url"] = side.jwks_url
        info["key"] = side.private_key_pem
    with open(out + ".tmp", "w", encoding="utf-8") as fh:
        json.dump(info, fh)
    os.replace(out + ".tmp", out)
    sys.stdin.read()
    for s in sims.values():
        s.stop()
    if side is not None:
        side.stop()


class Simulators:
    """N simulated controllers over SERVERS processes, and one Pomerium side."""

    def __init__(self, n: int, tmp: str, restart_seconds: float) -> None:
        self.names = [f"c{i:02d}" for i in range(n)]
        self.procs: list[subprocess.Popen[str]] = []
        self.urls: dict[str, str] = {}
        self.info: dict[str, Any] = {}
        parts = [self.names[i::SERVERS] for i in range(SERVERS)]
        files = []
        for i, part in enumerate(parts):
            out = os.path.join(tmp, f"sims-{i}-{time.monotonic_ns()}.json")
            args = (["--pomerium"] if i == 0 else []) + part
            self.procs.append(subprocess.Popen([PY, __file__, "serve", out, str(restart_seconds), *args], stdin=subprocess.PIPE,
                                               text=True, cwd=REPO))
            files.append(out)
        for out in files:
            while not os.path.exists(out):
                time.sleep(0.05)
            with open(out, encoding="utf-8") as fh:
                data = json.load(fh)
            self.urls.update(data["urls"])
            self.info.update({k: v for k, v in data.items() if k != "urls"})

    def close(self) -> None:
        for p in self.procs:
            assert p.stdin is not None
            p.stdin.close()
        for p in self.procs:
            p.wait(30)


def spec_text(jwks_url: str, urls: dict[str, str]) -> str:
    entries = "".join(f"  {n}:\n    jenkins: {{url: https://jenkins-{n}.example.com, api_url: {u}}}\n" for n, u in urls.items())
    return (
        "version: 1\n"
        "pomerium:\n  version: \"0.33\"\n  authenticate_url: https://authenticate.example.com\n"
        "  idp: {provider: google, client_id: {env: IDP_CLIENT_ID}, client_secret: {env: IDP_CLIENT_SECRET}}\n"
        "  signing_key: {env: POMERIUM_SIGNING_KEY}\n"
        f"jwt:\n  jwks_url: {jwks_url}\n"
        "authorization:\n  grants:\n"
        "    - user: alice@example.com\n      permissions: [Overall/Administer]\n"
        "    - group: devs\n      permissions: [Overall/Read, Job/Read]\n"
        "plugins:\n  versions:\n    configuration-as-code: \"1987.v4ade2e49fb_b_c\"\n"
        "controllers:\n" + entries
    )


def run(command: str, n: int, parallel: int, tmp: str, restart_seconds: float) -> dict[str, Any]:
    sims = Simulators(n, tmp, restart_seconds)
    try:
        spec = os.path.join(tmp, "fleet.yaml")
        with open(spec, "w", encoding="utf-8") as fh:
            fh.write(spec_text(sims.info["jwks_url"], sims.urls))
        key = os.path.join(tmp, "key.pem")
        with open(key, "w", encoding="utf-8") as fh:
            fh.write(sims.info["key"])
        argv = [PY, "-m", "jcasc_gen", command, spec, "--all", "--parallel", str(parallel), "--format", "json",
                "--signing-key-file", key, "--user", "admin", "--token", TOKEN, "--timeout", "30"]
        if command == "apply":
            argv += ["--yes", "--poll-interval", "0.05", "--restart-timeout", "60"]
        timer = shutil.which("time") or "/usr/bin/time"
        report = os.path.join(tmp, "report.json")
        start = time.perf_counter()
        with open(report, "w", encoding="utf-8") as out:
            proc = subprocess.run([timer, "-f", "%M", *argv], stdout=out, stderr=subprocess.PIPE, text=True, cwd=REPO)
        wall = time.perf_counter() - start
        with open(report, encoding="utf-8") as fh:
            doc = json.load(fh)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{command} --all exited {proc.returncode}:\n{proc.stderr[-3000:]}")
        seconds = [row["seconds"] for row in doc["summary"]]
        rss_kib = int(proc.stderr.strip().splitlines()[-1])
        return {"wall": wall, "sum": sum(seconds), "slowest": max(seconds), "rss_mib": rss_kib / 1024,
                "codes": sorted({row["exit_code"] for row in doc["summary"]})}
    finally:
        sims.close()


def main(argv: list[str] | None = None) -> None:
    if argv is None and len(sys.argv) > 3 and sys.argv[1] == "serve":
        _serve(sys.argv[4:], sys.argv[2], float(sys.argv[3]))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--controllers", type=int, default=50)
    p.add_argument("--parallel", type=int, action="append", help="repeat; default 1, 4, 8, 16")
    p.add_argument("--command", choices=("apply", "plan"), action="append", help="repeat; default apply and plan")
    p.add_argument("--restart-seconds", type=float, action="append",
                   help="how long a simulated restart takes (repeat); default 0.05 (the work is the tool's and the "
                        "simulators' CPU) and 2 (apply waits, as on a real Jenkins, whose restart takes far longer)")
    args = p.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; {args.controllers} controllers "
          f"over {SERVERS} simulator processes")
    for command in args.command or ["apply", "plan"]:
        for restart in (args.restart_seconds or [0.05, 2.0]) if command == "apply" else [0.05]:
            base: float | None = None
            for parallel in args.parallel or [1, 4, 8, 16]:
                with tempfile.TemporaryDirectory() as tmp:
                    f = run(command, args.controllers, parallel, tmp, restart)
                base = f["sum"] if parallel == 1 else base
                _report(command, args.controllers, parallel, restart, f, base)
    if not args.command:
        # memory: the runner keeps each controller's outcome, and no more than `parallel` run
        for n in (10, 50, 200):
            with tempfile.TemporaryDirectory() as tmp:
                f = run("plan", n, 8, tmp, 0.05)
            print(f"memory: plan --all {n:>3} controllers --parallel 8: runner peak RSS {f['rss_mib']:5.1f} MiB   wall {f['wall']:5.2f} s")


def _report(command: str, n: int, parallel: int, restart: float, f: dict[str, Any], base: float | None) -> None:
    """`base`: the controllers' sum with one at a time, the work without contention."""
    ideal = max(f["slowest"], f["sum"] / parallel)
    alone = f" sum(P=1)/P {base / parallel:6.2f} s" if base is not None else ""
    print(f"{command:5} --all {n} controllers, restart {restart:4.2f} s, --parallel {parallel:>2}: wall {f['wall']:6.2f} s   "
          f"controllers: sum {f['sum']:6.2f} s, slowest {f['slowest']:5.2f} s   max(slowest, sum/P) {ideal:6.2f} s"
          f"{alone}   wall/max {f['wall'] / ideal:4.2f}   runner peak RSS {f['rss_mib']:5.1f} MiB   exit codes {f['codes']}")


if __name__ == "__main__":
    main()
