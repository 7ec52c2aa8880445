"""UI benchmark in real headless Chromium (Playwright + Debian's /usr/bin/chromium).

1. Cold start: `streamlit run Home.py` until the first page is drawn in the browser, against a
   one-line "hello" Streamlit app started the same way (ratio; target <= 1.2x).
2. Generate -> 3D view: click "Generate" until <model-viewer> has loaded the GLB (target <= 2 s).
3. Gallery with 1,000 assets: open the gallery until the first page's 24 thumbnails are
   loaded (target <= 1 s).

    .venv/bin/python bench/ui.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(script: Path, env: dict, cwd: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{port}"


def first_paint(browser, script: Path, env: dict, cwd: Path, text: str) -> float:
    """Seconds from starting the server to ``text`` drawn in the browser."""
    t0 = time.perf_counter()
    proc, url = start(script, env, cwd)
    page = browser.new_page()
    try:
        while True:
            try:
                page.goto(url, timeout=2000)
                break
            except Exception:  # server not listening yet
                time.sleep(0.05)
        page.get_by_text(text).first.wait_for(timeout=60_000)
        return time.perf_counter() - t0
    finally:
        page.close()
        proc.terminate()
        proc.wait(timeout=20)


def serve_and_open(browser, env: dict):
    """Start the workbench and open it in a new page once the server answers."""
    proc, url = start(REPO / "Home.py", env, REPO)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    for _ in range(200):
        try:
            page.goto(url, timeout=2000)
            break
        except Exception:  # not listening yet
            time.sleep(0.1)
    return proc, url, page


def make_gallery(asset_dir: Path, n: int) -> None:
    """``n`` stored assets: one real asset, copied with new ids (metadata rewritten)."""
    from core.jobs.pipeline import Job, run_to_completion
    from core.jobs.request import JobRequest

    result = run_to_completion(Job.create(JobRequest("oak barrel", formats=["glb"]), asset_dir=asset_dir))
    src = asset_dir / result.asset_id
    meta = json.loads((src / "metadata.json").read_text())
    for i in range(n - 1):
        aid = f"bench-asset-{i:04d}"
        dst = asset_dir / aid
        shutil.copytree(src, dst)
        (dst / "metadata.json").write_text(
            json.dumps(
                {
                    **meta,
                    "asset_id": aid,
                    "name": f"Barrel {i}",
                    "created_at": f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}",
                }
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        tmp = Path(tmp)
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        hello_dir = tmp / "hello"
        hello_dir.mkdir()
        (hello_dir / "hello.py").write_text('import streamlit as st\nst.write("hello")\n')
        env = {"ASSET_DIR": str(tmp / "assets")}
        hello = [
            first_paint(browser, hello_dir / "hello.py", {}, hello_dir, "hello") for _ in range(args.runs)
        ]
        app = [
            first_paint(browser, REPO / "Home.py", env, REPO, "Describe your asset") for _ in range(args.runs)
        ]
        h, a = statistics.median(hello), statistics.median(app)
        rows.append(("cold start to first page (hello app)", h, None))
        rows.append(("cold start to first page (workbench)", a, f"{a / h:.2f}x hello (target <= 1.2x)"))

        # Generate -> model-viewer loaded
        proc, url, page = serve_and_open(browser, env)
        times = []
        for _ in range(args.runs):
            page.goto(url)
            page.get_by_role("button", name="magical healing potion").click()
            expect(page.get_by_label("Description")).to_have_value("magical healing potion")
            page.get_by_role("button", name="Write spec").click()
            page.get_by_role("heading", name="Review spec").wait_for()
            page.get_by_role("button", name="Continue to Generate →").click()
            page.get_by_role("heading", name="Generate").wait_for()
            button = page.get_by_role("button", name="Generate", exact=True)
            button.wait_for()
            t0 = time.perf_counter()
            button.click()
            page.wait_for_function(
                "() => [...document.querySelectorAll('iframe')].some(f => { try {"
                " const mv = f.contentDocument && f.contentDocument.querySelector('model-viewer');"
                " return mv && mv.loaded; } catch (e) { return false; } })"
            )
            times.append(time.perf_counter() - t0)
        g = statistics.median(times)
        rows.append(("Generate -> 3D view loaded", g, f"target <= 2 s ({g / 2:.2f}x)"))
        page.close()
        proc.terminate()
        proc.wait(timeout=20)

        # Gallery with 1,000 assets
        gallery_dir = tmp / "gallery"
        make_gallery(gallery_dir, 1000)
        proc, url, page = serve_and_open(browser, {"ASSET_DIR": str(gallery_dir)})
        times = []
        for run in range(args.runs + 1):
            page.goto(url)
            page.get_by_text("Describe your asset").wait_for()
            t0 = time.perf_counter()
            page.get_by_role("link", name="Gallery").click()
            page.wait_for_function(
                "() => { const imgs = [...document.querySelectorAll('[data-testid=stImage] img')];"
                " return imgs.length >= 24 && imgs.every(i => i.complete && i.naturalWidth > 0); }"
            )
            if run:  # the first visit also fills the listing cache
                times.append(time.perf_counter() - t0)
            else:
                cold = time.perf_counter() - t0
        w = statistics.median(times)
        rows.append(("gallery 1,000 assets, first page (cold)", cold, None))
        rows.append(("gallery 1,000 assets, first page (warm)", w, f"target <= 1 s ({w:.2f}x)"))
        proc.terminate()
        proc.wait(timeout=20)
        browser.close()

    print(f"UI benchmark (median of {args.runs} runs, headless Chromium, this machine)")
    print(f"{'measure':<42}{'seconds':>9}  note")
    for name, secs, note in rows:
        print(f"{name:<42}{secs:>9.2f}  {note or ''}")


if __name__ == "__main__":
    main()
