"""A real browser as a client: headless Chromium (or Chrome) loads a page from a
student's server, and what the page's own script wrote into it is read back
(--dump-dom). Loopback URLs only; every run is bounded, and the browser and all its
processes are ended when it returns."""
import shutil
import subprocess
import tempfile
from pathlib import Path

from . import platform

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
         "chrome")
PLACES = ("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
          "/Applications/Chromium.app/Contents/MacOS/Chromium",
          r"C:\Program Files\Google\Chrome\Application\chrome.exe",
          r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-extensions", "--no-default-browser-check",
         "--virtual-time-budget=10000")

BY_HAND = ("no Chromium or Chrome found. To try it by hand: run http_server --root "
           "FOLDER --port 8080, open http://127.0.0.1:8080/ in a browser, and see the "
           "page's style and image arrive (the browser's developer tools, Network tab, "
           "list each request and its status).")


def find():
    """The path of a Chromium or Chrome, or None."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in PLACES if Path(p).exists()), None)


def dump_dom(url, timeout=60.0):
    """Loads URL (loopback only) in a headless browser and returns (DOM text, stderr).
    Raises TimeoutError if the browser takes more than TIMEOUT s."""
    assert url.startswith(("http://127.0.0.1:", "http://[::1]:")), url
    exe = find()
    with tempfile.TemporaryDirectory(prefix="kit-browser-") as profile:
        args = [exe, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url]
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, **platform.tree_options())
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"the browser did not finish within {timeout:g} s") from None
        finally:
            end_tree(proc)
        return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def end_tree(proc):
    """Ends the browser and every process it started (its renderers, its GPU and
    network services), and collects it."""
    platform.kill_tree(proc)
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
