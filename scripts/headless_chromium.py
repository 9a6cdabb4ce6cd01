"""Debian's Chromium, headless, driven by Selenium: the one setup that the report's browser test
(tests/report/report_browser_test.py), its benchmark (benchmarks/bench_report.py) and its
screenshot script (scripts/report-screenshot.py) share.

Call require_selenium() before any work: Selenium comes from Debian's python3-selenium, so where
another python3 (pyenv, a virtualenv) runs the script without it, the script starts again under
/usr/bin/python3. Then chromium(width, height) opens the browser.
"""
import os
import shutil
import sys

SYSTEM_PYTHON = "/usr/bin/python3"
INSTALL = "scripts/install-deps.sh installs it; Debian: python3-selenium chromium chromium-driver"


def _missing(what, exit_code):
    # Exit code 77 is ctest's "skipped" for the browser test; a script's missing tool is an error.
    if exit_code == 77:
        print(f"SKIP: {what} is not installed ({INSTALL})")
    else:
        print(f"{os.path.basename(sys.argv[0])}: {what} is not installed ({INSTALL})",
              file=sys.stderr)
    sys.exit(exit_code)


def require_selenium(exit_code=1):
    """Returns when Selenium imports; else re-runs the script under Debian's python3, or exits."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        if os.path.exists(SYSTEM_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(
            SYSTEM_PYTHON
        ):
            os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, *sys.argv])
        _missing("python3-selenium", exit_code)


def chromium(width, height, exit_code=1):
    """A headless Chromium whose window is width x height CSS pixels at a scale factor of 1."""
    require_selenium(exit_code)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None
    )
    if not browser or not driver:
        _missing("chromium or chromium-driver", exit_code)
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        "--force-device-scale-factor=1",
        "--hide-scrollbars",
    ):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=driver), options=opts)
