"""Headless Chromium for the web tests: Debian's chromium and chromedriver, driven by Selenium,
with axe-core (shipped inside a PyPI package) for accessibility checks. Nothing is downloaded
while the tests run."""
from __future__ import annotations

import shutil
import socket
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
SERIOUS = ("serious", "critical")


def need_browser() -> None:
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Chromium and chromedriver are not installed (bash scripts/system-deps.sh installs them)")


def chrome(javascript: bool = True):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1600"):
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    return driver


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app served by waitress on loopback, in a thread, for the browser to visit."""

    def __init__(self, app):
        from waitress.server import create_server
        self.port = free_port()
        self.server = create_server(app, host="127.0.0.1", port=self.port, threads=4)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.close()


def axe_source() -> str:
    import axe_selenium_python
    return (Path(axe_selenium_python.__file__).parent / "node_modules" / "axe-core" / "axe.min.js").read_text()


def accessibility_problems(driver) -> list[str]:
    """Serious and critical axe-core violations on the page the driver shows, one line each."""
    driver.execute_script(axe_source())
    result = driver.execute_async_script("const done = arguments[arguments.length - 1];"
                                         "axe.run(document).then(done, e => done({error: String(e)}));")
    assert "error" not in result, result
    return [f"{driver.current_url}: {v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"] if v["impact"] in SERIOUS]
