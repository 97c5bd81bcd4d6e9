"""Screenshot built pages in headless Chromium, to see what a reader's browser shows.

math_rendered.png is chapter 6 of the guide: its display and inline formulas, which the
build turns into MathML (docs/hooks/mathml.py), rendered with no script and no network.

    python docs/figures/screenshots/make_screenshots.py   # needs chromium-headless-shell
                                                          # (apt) or chromium on PATH
"""

import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[3]
HERE = pathlib.Path(__file__).resolve().parent
SHOTS = {"math_rendered.png": "guide/numerics/index.html"}


def main():
    browser = next((shutil.which(b) for b in ("chromium-headless-shell", "chromium",
                                              "chromium-browser", "google-chrome")
                    if shutil.which(b)), None)
    if browser is None:
        sys.exit("no Chromium found: apt-get install chromium-headless-shell")
    with tempfile.TemporaryDirectory() as tmp:
        site = pathlib.Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                        "--site-dir", str(site)], cwd=ROOT, check=True)
        for name, page in SHOTS.items():
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                            "--hide-scrollbars", "--window-size=1400,1100",
                            f"--screenshot={HERE / name}", (site / page).as_uri()],
                           check=True, capture_output=True, timeout=120)
            print("wrote", HERE / name)


if __name__ == "__main__":
    main()
