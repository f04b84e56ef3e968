"""The HTML report as headless Chromium draws it: no console errors, nothing fetched, and for a
known fixture the series, the threshold and the state bands where the chart's scale puts them.

Expected positions are computed here from the scale each chart declares (``data-t0``/``data-x0``
... on its ``<svg>``) and times and values worked out by hand from the fixture, and compared
with the geometry Chromium reports (``getBBox``) and the pixels it paints.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import Browser, Page, png_pixels, png_size

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "fixtures" / "high_error_rate_test.yml"
VEZA_DEFECT = REPO / "tests" / "data" / "veza_original" / "high_error_rate_defect_test.yml"

pytestmark = [pytest.mark.slow, pytest.mark.needs("chromium")]


def report(tmp: Path, *files: Path) -> Path:
    out = tmp / "report.html"
    proc = subprocess.run([sys.executable, "-m", "ruletest.cli", "test", "--html", str(out), *map(str, files)],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    return out


@pytest.fixture
def browser() -> Iterator[Browser]:
    b = Browser()
    try:
        yield b
    finally:
        b.close()
    assert b._proc.poll() is not None  # the browser is gone, not left behind


class Chart:
    """A chart's declared scale, from the data-* attributes of its <svg>."""

    def __init__(self, attrs: dict[str, str]) -> None:
        self.t0, self.t1 = float(attrs["t0"]), float(attrs["t1"])
        self.x0, self.x1 = float(attrs["x0"]), float(attrs["x1"])
        self.v0, self.v1 = float(attrs["v0"]), float(attrs["v1"])
        self.ybottom, self.ytop = float(attrs["ybottom"]), float(attrs["ytop"])

    def x(self, t_ms: float) -> float:
        return self.x0 + (t_ms - self.t0) * (self.x1 - self.x0) / (self.t1 - self.t0)

    def y(self, v: float) -> float:
        return self.ybottom - (v - self.v0) * (self.ybottom - self.ytop) / (self.v1 - self.v0)


def geometry(page: Page, svg_selector: str) -> dict[str, Any]:
    """The chart's scale and the bounding boxes (in the SVG's units) of what it draws."""
    script = """(() => {
      const svg = document.querySelector(SELECTOR);
      const box = e => { const b = e.getBBox(); return {x: b.x, y: b.y, w: b.width, h: b.height}; };
      return JSON.stringify({
        scale: Object.assign({}, svg.dataset),
        series: [...svg.querySelectorAll('path.series')].map(p => ({title: p.querySelector('title').textContent,
                                                                   box: box(p)})),
        thresholds: [...svg.querySelectorAll('line.threshold')].map(l => ({value: +l.dataset.value, box: box(l)})),
        bands: [...svg.querySelectorAll('rect.band')].map(r => ({state: r.getAttribute('class').split('st-')[1],
                                                                 box: box(r), screen: r.getBoundingClientRect()})),
        asserts: [...svg.querySelectorAll('g.assert')].map(g => ({t: +g.dataset.t, cls: g.getAttribute('class'),
                                                                  box: box(g.querySelector('circle'))})),
        xticks: [...svg.querySelectorAll('g.xt text')].map(t => ({label: t.textContent, x: +t.getAttribute('x')})),
      });
    })()""".replace("SELECTOR", json.dumps(svg_selector))
    return dict(json.loads(page.evaluate(script)))


def test_fixture_chart_geometry_and_pixels(tmp_path: Path, browser: Browser) -> None:
    page = browser.open(report(tmp_path, FIXTURE))
    assert page.errors == []
    assert page.requests() == [(tmp_path / "report.html").resolve().as_uri()]  # nothing else was fetched
    assert 'id="f0g0"' in page.dom()
    # Passed groups are collapsed: open the first one as a reader would.
    assert page.evaluate("document.querySelector('#f0g0 details').open") is False
    page.evaluate("document.querySelector('#f0g0 summary').click()")
    assert page.evaluate("document.querySelector('#f0g0 details').open") is True

    # fixtures/high_error_rate_test.yml, first group (evaluation_interval 15s, eval_times 2m
    # and 2m15s): job:http_requests_5xx:ratio_rate5m = 165 / (1335 + 165) = 0.11 from the
    # first evaluation with two samples (15s); `> 0.1` for 2m: pending from 15s, firing from
    # 2m15s to the end of that last evaluation step (2m30s).
    g = geometry(page, '#f0g0 .alert-section[data-alert="HighErrorRate"] svg.plot')
    c = Chart(g["scale"])
    ticks = {t["label"]: t["x"] for t in g["xticks"]}
    assert (ticks["1m"], ticks["2m"]) == pytest.approx((c.x(60_000), c.x(120_000)), abs=0.06)  # the declared scale
    (threshold,) = g["thresholds"]
    assert threshold["value"] == 0.1
    assert threshold["box"]["y"] == pytest.approx(c.y(0.1), abs=0.06)
    (series,) = g["series"]
    assert series["box"]["x"] == pytest.approx(c.x(15_000), abs=0.06)
    assert series["box"]["x"] + series["box"]["w"] == pytest.approx(c.x(135_000), abs=0.06)
    assert series["box"]["y"] == pytest.approx(c.y(0.11), abs=0.06) and series["box"]["h"] < 0.1
    spans = [(b["state"], b["box"]["x"], b["box"]["x"] + b["box"]["w"]) for b in g["bands"]]
    assert spans == [("inactive", pytest.approx(c.x(0), abs=0.06), pytest.approx(c.x(15_000), abs=0.06)),
                     ("pending", pytest.approx(c.x(15_000), abs=0.06), pytest.approx(c.x(135_000), abs=0.06)),
                     ("firing", pytest.approx(c.x(135_000), abs=0.06), pytest.approx(c.x(150_000), abs=0.06))]
    assert [(a["t"], a["cls"]) for a in g["asserts"]] == [(120_000, "assert pass"), (135_000, "assert pass")]
    assert [a["box"]["x"] + a["box"]["w"] / 2 for a in g["asserts"]] == pytest.approx(
        [c.x(120_000), c.x(135_000)], abs=0.06)

    # The input chart: status="200" is 0+1335x20 at 15s, loaded up to 2m15s: from 0 at 0s to
    # 9 * 1335 = 12015 at 2m15s.
    g = geometry(page, "#f0g0 .chart-input svg.plot")
    c = Chart(g["scale"])
    ok = next(s["box"] for s in g["series"] if 'status="200"' in s["title"])
    assert (ok["x"], ok["x"] + ok["w"]) == pytest.approx((c.x(0), c.x(135_000)), abs=0.06)
    assert (ok["y"], ok["y"] + ok["h"]) == pytest.approx((c.y(12_015), c.y(0)), abs=0.06)

    # Pixels: the middle of each band is painted in its state's colour.
    bands = geometry(page, '#f0g0 .alert-section[data-alert="HighErrorRate"] svg.plot')["bands"]
    scroll = page.evaluate("window.scrollY")
    top = min(b["screen"]["top"] for b in bands) + scroll
    left = min(b["screen"]["left"] for b in bands)
    png = page.screenshot(clip={"x": left, "y": top, "width": 1000, "height": 12})
    width, _, rows = png_pixels(png)
    colours = {"inactive": (0xEA, 0xEE, 0xF2), "pending": (0xD4, 0xA7, 0x2C), "firing": (0xCF, 0x22, 0x2E)}
    for b in bands:
        px = int(b["screen"]["left"] + b["screen"]["width"] / 2 - left)
        py = int(b["screen"]["top"] + b["screen"]["height"] / 2 + scroll - top)
        assert 0 <= px < width
        rgb = tuple(rows[py][4 * px:4 * px + 3])
        assert all(abs(a - e) <= 3 for a, e in zip(rgb, colours[b["state"]], strict=True)), (b["state"], rgb)


def test_failing_veza_alert_and_the_filter(tmp_path: Path, browser: Browser) -> None:
    page = browser.open(report(tmp_path, FIXTURE, VEZA_DEFECT))
    assert page.errors == []
    shot = page.screenshot()
    assert png_size(shot) == (1280, 900)
    assert len(shot) > 20_000  # a drawn page compresses less than a blank one
    groups = json.loads(page.evaluate(
        "JSON.stringify([...document.querySelectorAll('section.group')].map(s => [s.className, "
        "s.querySelector('.gname').textContent]))"))
    assert groups[:2] == [["group failed", "busy service, 5% errors"], ["group failed",
                                                                        "quiet service, every request fails"]]
    # The guide's rule, rate(http_requests_total{status=~"5.."}[5m]) > 0.1, on a quiet service:
    # 0.25 failing requests every 15s; over the 5m window (Prometheus 3) the rate reaches
    # 20 * 0.25 / 300 s = 0.0167/s at most, below 0.1: never pending, and the assertion at 9m fails.
    second = page.evaluate("document.querySelectorAll('section.group')[1].id")
    g = geometry(page, f"#{second} .alert-section svg.plot")
    c = Chart(g["scale"])
    assert [b["state"] for b in g["bands"]] == []  # no instance ever existed
    (a,) = g["asserts"]
    assert (a["t"], a["cls"]) == (540_000, "assert fail")
    assert a["box"]["x"] + a["box"]["w"] / 2 == pytest.approx(c.x(540_000), abs=0.06)
    (series,) = g["series"]
    assert series["box"]["y"] >= c.y(0.1)  # the whole line is under the threshold (SVG y grows down)

    def shown() -> list[str]:
        return list(json.loads(page.evaluate(
            "JSON.stringify([...document.querySelectorAll('section.group')].filter(s => !s.hidden)"
            ".map(s => s.querySelector('.gname').textContent))")))

    page.evaluate("(() => { const i = document.getElementById('filter'); i.value = 'QUIET service';"
                  " i.dispatchEvent(new Event('input')); })()")
    assert shown() == ["quiet service, every request fails"]
    assert page.evaluate("document.getElementById('shown').textContent") == "1 of 4 groups"
    page.evaluate("(() => { const i = document.getElementById('filter'); i.value = '';"
                  " i.dispatchEvent(new Event('input')); document.getElementById('failed-only').click(); })()")
    assert shown() == ["busy service, 5% errors", "quiet service, every request fails"]
    assert page.errors == []


def test_console_errors_are_caught(tmp_path: Path, browser: Browser) -> None:
    # The check the report tests rely on: a page with a script error or a blocked load is seen.
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><img src='https://example.invalid/x.png'>"
                   "<script>console.error('boom'); undefinedFunction();</script></body></html>")
    page = browser.open(bad)
    errors = page.errors
    assert any("boom" in e for e in errors)
    assert any("undefinedFunction" in e for e in errors)
