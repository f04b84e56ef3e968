"""Regenerate docs/report-veza.png, the README's picture of the HTML report: the Veza guide's
original HighErrorRate rule (tests/data/veza_original) failing its test, as headless Chromium
draws `ruletest test --html`.

    python docs/screenshot.py          # needs chromium (apt-get install -y chromium)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.browser import Browser  # noqa: E402  (the test suite's DevTools client)

TEST_FILE = "tests/data/veza_original/high_error_rate_defect_test.yml"
GROUP = "busy service, 5% errors"
OUT = REPO / "docs" / "report-veza.png"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "report.html"
        subprocess.run([sys.executable, "-m", "ruletest.cli", "test", "--html", str(html), TEST_FILE], cwd=REPO,
                       capture_output=True, check=False)
        with Browser(width=1200, height=900) as browser:
            page = browser.open(html)
            if page.errors:
                print("\n".join(page.errors), file=sys.stderr)
                return 1
            # From the group's header to its alert chart and the failed assertion.
            box = json.loads(page.evaluate("""(() => {
              const group = [...document.querySelectorAll('section.group')]
                .find(s => s.querySelector('.gname').textContent === GROUP_NAME);
              const top = group.getBoundingClientRect();
              const end = group.querySelector('.alert-section table.checks tr[data-case]');
              return JSON.stringify({x: top.left, y: top.top + window.scrollY, width: top.width,
                                     height: end.getBoundingClientRect().bottom - top.top + 8});
            })()""".replace("GROUP_NAME", json.dumps(GROUP))))
            OUT.write_bytes(page.screenshot(clip=box))
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
