"""The access report for 10,000 principals: how long `jcasc-gen report` takes, how large the file
is, and how fast headless Chromium draws and filters it. Prints figures; asserts nothing.

Run `benchmarks/run report` (or `python benchmarks/report.py [--repeat N]`). The browser part
needs Chromium and websocket-client (the test extra); it is skipped, saying so, without them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, REPO)

from make_spec import spec_text  # noqa: E402

PY = sys.executable
ITEMS = 10


def with_items(text: str, n: int) -> str:
    """The spec under the project matrix with `n` team folders, half of them not inheriting."""
    text = text.replace("authorization:\n", "authorization:\n  strategy: project\n", 1)
    items = "  items:\n" + "".join(
        f"    - path: folder-{i}\n      inherit: {'none' if i % 2 else 'parent'}\n      grants:\n"
        f"        - group: folder-{i}-team\n          permissions: [Job/Read, Job/Build, Job/Configure]\n" for i in range(n))
    return text + items


def timed(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def browser_figures(page: str, repeat: int) -> dict[str, Any]:
    from tests.report.browser import Browser, BrowserError, chromium_path

    if chromium_path() is None:
        return {"skipped": "no chromium"}
    try:
        import websocket  # noqa: F401
    except ImportError:
        return {"skipped": "no websocket-client"}
    best: dict[str, float] = {}
    heap = 0.0
    try:
        with Browser(1280, 900, timeout=120) as b:
            for _ in range(repeat):
                b.open("file://" + page)
                figures = {
                    "load_ms": b.js("performance.getEntriesByType('navigation')[0].loadEventEnd"),
                    # a table is drawn when it comes near the viewport: scrolled to at once, from navigation
                    # start until the first table's rows are built and two frames later (on screen)
                    "first_table_ms": b.js(
                        "new Promise(r => { document.getElementById('c0-s0').scrollIntoView(); "
                        "const f = () => performance.getEntriesByName('jcasc-report-ready').length ? "
                        "requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))) : "
                        "requestAnimationFrame(f); f(); })"),
                    "filter_permission_ms": b.js(
                        "(() => { const s = document.getElementById('f-permission'), t = performance.now(); "
                        "s.value = 'Job/Configure'; s.dispatchEvent(new Event('change')); return performance.now() - t; })()"),
                    "filter_name_ms": b.js(
                        "(() => { const s = document.getElementById('f-permission'); s.value = ''; "
                        "const i = document.getElementById('f-principal'); i.value = 'person99'; const t = performance.now(); "
                        "s.dispatchEvent(new Event('change')); return performance.now() - t; })()"),
                    "next_page_ms": b.js(
                        "(() => { const i = document.getElementById('f-principal'); i.value = ''; "
                        "document.getElementById('f-permission').dispatchEvent(new Event('change')); "
                        "const t = performance.now(); document.querySelector('#c0-s0 button[data-go=\"1\"]').click(); "
                        "return performance.now() - t; })()"),
                }
                for k, v in figures.items():
                    best[k] = min(best.get(k, v), v)
                metrics = {m["name"]: m["value"] for m in b.call("Performance.getMetrics")["metrics"]} \
                    if b.call("Performance.enable") is not None else {}
                heap = max(heap, metrics.get("JSHeapUsedSize", 0.0))
    except BrowserError as exc:
        return {"skipped": str(exc)}
    best["js_heap_mib"] = heap / 2**20
    return best


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("-n", type=int, default=10_000, help="principals (default 10,000)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for label, text in (("no items", spec_text(args.n)), (f"{ITEMS} folders", with_items(spec_text(args.n), ITEMS))):
            spec = os.path.join(tmp, "spec.yaml")
            with open(spec, "w", encoding="utf-8") as fh:
                fh.write(text)
            html = os.path.join(tmp, "access.html")
            csv = os.path.join(tmp, "access.csv")
            base = [PY, "-m", "jcasc_gen", "report", spec, "--time", "2026-12-01T00:00:00Z"]
            t_html = timed(base + ["-o", html], args.repeat)
            t_csv = timed(base + ["--format", "csv", "-o", csv], 1)
            print(f"report, {args.n:,} principals, {label}: html {t_html:.2f} s, {os.path.getsize(html) / 2**20:.2f} MiB; "
                  f"csv {t_csv:.2f} s, {os.path.getsize(csv) / 2**20:.1f} MiB")
            shown = ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                              for k, v in browser_figures(html, args.repeat).items())
            print(f"  chromium: {shown}")


if __name__ == "__main__":
    main()
