"""``sim viz`` end to end: the real server, driven in headless Chromium through Playwright.

Needs Debian's ``chromium`` (/usr/bin/chromium) and the ``playwright`` Python package; CI
installs both, so a missing browser fails the test instead of skipping it. Saves the
screenshot ``docs/figures/viz.png``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIGURE = ROOT / "docs" / "figures" / "viz.png"
STEPS_CHECKED = 3
STEPS_SHOWN = 12


def _sync_playwright():
    if not CHROMIUM.exists():
        pytest.fail(f"browser not installed: {CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "browser driver not installed: the playwright package is missing "
            "(pip install playwright; the browser itself is Debian's chromium)"
        )
    return sync_playwright


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sim_command() -> list[str]:
    script = Path(sys.executable).with_name("sim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def _wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            pytest.fail(f"sim viz exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"sim viz did not answer HTTP 200 at {url} within {timeout} s:\n{log.read_text()}")


@pytest.fixture
def sync_playwright():
    """Playwright's entry point, or a failure if the browser or its driver is missing."""
    return _sync_playwright()


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    log = tmp_path / "server.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*_sim_command(), "viz", "scenarios/baseline.toml", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for_http(url, proc, log)
        yield url, log
    finally:
        proc.terminate()  # sim viz stops its solara server on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "sim viz: stopped" in log.read_text()
    with socket.socket() as sock:  # the solara child is gone too: the port is free again
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))


@pytest.mark.slow
def test_browser_steps_the_model_and_plots_change(sync_playwright, server, tmp_path):
    url, _log = server
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(url)
            month = page.locator(".sim-month")
            month.wait_for(timeout=60_000)
            assert month.inner_text().startswith("Month 0 of 120 · next 2023-02")
            plot = page.locator("img.sim-plot-spending")
            plot.wait_for()
            before = plot.screenshot()
            step = page.get_by_role("button", name="Step")
            for k in range(1, STEPS_SHOWN + 1):
                step.click()
                page.wait_for_function(
                    "k => document.querySelector('.sim-month').innerText"
                    ".startsWith(`Month ${k} of`)",
                    arg=k,
                    timeout=30_000,
                )
                if k == STEPS_CHECKED:
                    assert month.inner_text().startswith("Month 3 of 120 · next 2023-05")
                    page.wait_for_timeout(500)  # let the new image load
                    assert plot.screenshot() != before, "the spending plot did not change"
            assert page.locator(".sim-events").inner_text().count("2023-") > 0
            page.wait_for_timeout(500)
            page.screenshot(path=str(tmp_path / "viz.png"), full_page=True)
        finally:
            browser.close()
    assert not [u for u in failed if u.startswith(url)], failed
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp_path / "viz.png", FIGURE)
