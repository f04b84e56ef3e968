"""Reports beyond promtool's text: the HTML report's charts and page, the Markdown summary, JUnit
per assertion, and what a terminal gets (colour, progress). Chart coordinates are checked
against the chart's own scale with times and values worked out by hand from the fixtures;
the browser suite (test_report_browser.py) checks the same page as Chromium draws it."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest

from ruletest import cli
from ruletest.reporting.charts import GroupCharts, LineChart, group_charts
from ruletest.reporting.html import html_report
from ruletest.reporting.junit import junit_xml
from ruletest.reporting.markdown import markdown_summary
from ruletest.reporting.outcomes import run_time
from ruletest.reporting.svg import downsample, nice_time_ticks, nice_value_ticks, path_data, simplify
from ruletest.reporting.terminal import GREEN, RED, Progress, colour_verdicts, use_colour
from ruletest.results import CaseResult, FileResult, GroupResult, Location
from ruletest.runner import RunOptions

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "fixtures" / "high_error_rate_test.yml"
VEZA_DEFECT = REPO / "tests" / "data" / "veza_original" / "high_error_rate_defect_test.yml"

pytest_plugins = ["pytester"]


def traced(*paths: Path) -> list[FileResult]:
    sem = cli.test_semantics(3, [])
    assert not isinstance(sem, str)
    return [r for r, _ in cli.run_files([str(p) for p in paths], RunOptions(sem, trace=True))]


def ruletest(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruletest.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


# --- geometry -----------------------------------------------------------------------------


def test_downsample_keeps_each_columns_extremes_and_ends() -> None:
    # 10 000 points over 100 columns of 2 units: a sine with one spike in column 37.
    import math

    pts = [(i / 50, math.sin(i / 300)) for i in range(10_000)]
    pts[3_710] = (pts[3_710][0], 50.0)
    out = downsample(pts, 2.0)
    assert len(out) <= 4 * 100
    assert out[0] == pts[0] and out[-1] == pts[-1]
    assert (pts[3_710][0], 50.0) in out  # the spike survives
    for col in range(100):
        inside = [p for p in pts if int(p[0] // 2.0) == col]
        kept = [p for p in out if int(p[0] // 2.0) == col]
        assert min(p[1] for p in kept) == min(p[1] for p in inside)
        assert max(p[1] for p in kept) == max(p[1] for p in inside)


def test_simplify_drops_flat_runs_not_shape() -> None:
    flat = [(float(x), 10.0) for x in range(500)]
    assert simplify(flat) == [(0.0, 10.0), (499.0, 10.0)]
    zigzag = [(0.0, 0.0), (1.0, 5.0), (2.0, 0.0)]
    assert simplify(zigzag) == zigzag


def test_ticks_and_paths() -> None:
    # 0.11 over about five ticks is 0.022 a tick: the first round step (1, 2, 2.5, 5 x 10^k) above is 0.025.
    assert nice_value_ticks(0, 0.11) == pytest.approx([0, 0.025, 0.05, 0.075, 0.1, 0.125])
    # A constant 5 is padded by half its size (2.5 .. 7.5), five ticks of 1 from 2 to 8.
    assert nice_value_ticks(5, 5) == [2, 3, 4, 5, 6, 7, 8]
    assert nice_time_ticks(0, 150_000) == [0, 30_000, 60_000, 90_000, 120_000, 150_000]
    assert nice_time_ticks(7 * 86_400_000, 14 * 86_400_000)[:2] == [7 * 86_400_000, 8 * 86_400_000]
    assert path_data([[(1, 2)], [(3, 4), (5.25, 6)]]) == "M1 2h0M3 4L5.2 6"


def _chart_x(c: LineChart, t_ms: int) -> float:
    f = c.frame
    return f.x0 + (t_ms - (f.t0 - f.start)) * (f.x1 - f.x0) / (f.t1 - f.t0)


def _chart_y(c: LineChart, v: float) -> float:
    f = c.frame
    return f.y1 - (v - f.v0) * (f.y1 - f.y0) / (f.v1 - f.v0)


def _entry_lines(path: Path) -> list[int]:
    """Lines of the `- alertname:` entries of a test file, as a reader counts them."""
    return [i + 1 for i, ln in enumerate(path.read_text().splitlines()) if ln.strip().startswith("- alertname:")]


def _fixture_charts() -> GroupCharts:
    (result,) = traced(FIXTURE)
    charts = group_charts(result.groups[0])
    assert charts is not None
    return charts


def test_alert_chart_of_a_known_fixture() -> None:
    # fixtures/high_error_rate_test.yml, first group: 1335 ok and 165 failing requests per 15s,
    # so job:http_requests_5xx:ratio_rate5m = 165 / 1500 = 0.11 from the first evaluation
    # with two samples (15s); the rule is `... > 0.1` with `for: 2m`: pending from 15s,
    # firing from 2m15s, the last evaluation (eval_times 2m and 2m15s).
    charts = _fixture_charts()
    (alert,) = charts.alerts
    c = alert.chart
    assert (c.frame.t0 - c.frame.start, c.frame.t1 - c.frame.start) == (0, 150_000)  # one step past 2m15s
    (th,) = c.thresholds
    assert th.value == 0.1 and th.label == "> 0.1"
    assert th.y == pytest.approx(_chart_y(c, 0.1))
    (line,) = c.lines
    nums = [float(x) for x in re.findall(r"-?[\d.]+", line.d)]
    xs, ys = nums[0::2], nums[1::2]
    assert min(xs) == pytest.approx(_chart_x(c, 15_000), abs=0.05)
    assert max(xs) == pytest.approx(_chart_x(c, 135_000), abs=0.05)
    assert all(y == pytest.approx(_chart_y(c, 0.11), abs=0.05) for y in ys)
    (row,) = c.rows
    assert [(r.state, r.start, r.end) for r in row.runs] == [("inactive", 0, 15_000), ("pending", 15_000, 135_000),
                                                             ("firing", 135_000, 150_000)]
    for r in row.runs:
        assert r.x == pytest.approx(_chart_x(c, r.start))
        assert r.x + r.width == pytest.approx(_chart_x(c, r.end))
    assert [(m.t, m.passed) for m in c.markers] == [(120_000, True), (135_000, True)]
    assert [m.x for m in c.markers] == pytest.approx([_chart_x(c, 120_000), _chart_x(c, 135_000)])
    # The passing check at 2m15s shows what fired, with its rendered annotation.
    check = alert.checks[1]
    assert check.status == "passed" and check.where.endswith(f"high_error_rate_test.yml:{_entry_lines(FIXTURE)[1]}")
    assert dict(check.got[0].annotations)["description"] == (
        "Le taux d'erreur HTTP 5xx de veza-backend-api est de 11% (seuil 10%)")


def test_input_chart_of_a_known_fixture() -> None:
    # status="200" is 0+1335x20 at 15s steps, loaded up to the last evaluation (2m15s):
    # 10 samples, the last 9 * 1335 = 12015.
    (chart,) = _fixture_charts().inputs
    assert chart.title == "http_requests_total"
    assert [i.text for i in chart.legend] == ['{status="200"}', '{status="503"}']
    assert chart.common == '{endpoint="/api/v1/messages", job="veza-backend-api", method="GET"}'
    nums = [float(x) for x in re.findall(r"-?[\d.]+", chart.lines[0].d)]
    assert (nums[0], nums[1]) == pytest.approx((_chart_x(chart, 0), _chart_y(chart, 0)), abs=0.05)
    assert (nums[-2], nums[-1]) == pytest.approx((_chart_x(chart, 135_000), _chart_y(chart, 12_015)), abs=0.05)


def test_gaps_stale_markers_and_counter_resets(tmp_path: Path) -> None:
    (tmp_path / "r.yml").write_text("groups: []\n")
    (tmp_path / "t.yml").write_text(textwrap.dedent("""
        rule_files: [r.yml]
        evaluation_interval: 1m
        tests:
          - interval: 1m
            input_series:
              - series: 'reqs_total{i="a"}'
                values: '1 2 3 _ _ 5 6 1 2 stale 4'
            promql_expr_test:
              - expr: vector(1)
                eval_time: 10m
                exp_samples: [{labels: '{}', value: 1}]
        """))
    (result,) = traced(tmp_path / "t.yml")
    charts = group_charts(result.groups[0])
    assert charts is not None
    (chart,) = charts.inputs
    # Samples at 0,1,2 | gap (3m, 4m missing) | 5,6,7(reset: 6 -> 1),8 | stale at 9m | 10.
    segments = chart.lines[0].d.split("M")[1:]
    assert len(segments) == 3
    assert [round(m.x, 1) for m in chart.marks if m.kind == "stale"] == [round(_chart_x(chart, 540_000), 1)]
    reset = [m for m in chart.marks if m.kind == "reset"]
    assert [round(m.x, 1) for m in reset] == [round(_chart_x(chart, 420_000), 1)]
    assert reset[0].y == pytest.approx(_chart_y(chart, 1), abs=0.05)


def test_long_runs_with_many_series_stay_small(tmp_path: Path) -> None:
    # A week at 15s (40 320 samples) for 30 series: at most 4 points per 2-unit column each.
    (tmp_path / "r.yml").write_text("groups: []\n")
    series = "\n".join(f"      - series: 'm{{i=\"{i}\"}}'\n        values: '0+1x40320'" for i in range(30))
    (tmp_path / "t.yml").write_text(
        "rule_files: [r.yml]\nevaluation_interval: 15s\ntests:\n  - interval: 15s\n    input_series:\n"
        f"{series}\n    promql_expr_test:\n      - expr: count(m)\n        eval_time: 7d\n"
        "        exp_samples: [{labels: '{}', value: 30}]\n")
    (result,) = traced(tmp_path / "t.yml")
    charts = group_charts(result.groups[0])
    assert charts is not None
    (chart,) = charts.inputs
    assert len(chart.lines) == 30 and len({(ln.colour, ln.dash) for ln in chart.lines}) == 30
    plot_columns = (chart.frame.x1 - chart.frame.x0) / 2
    assert all(ln.points <= 4 * (plot_columns + 1) for ln in chart.lines)
    assert len(html_report([result])) < 1_000_000


LIFECYCLE = REPO / "fixtures" / "lifecycle_test.yml"


def test_alerts_tested_only_by_state_assertions_are_charted() -> None:
    # fixtures/lifecycle_test.yml, first group (alert_state_test only): as in high_error_rate_test.yml
    # the ratio is 0.11 from 15s, so HighErrorRate is pending from 15s and firing from 2m15s.
    # fires_at makes the rules run on after the last time the test names (2m15s) until the input
    # is stale: the input is loaded up to 2m15s (samples 0s..2m15s), rate(...[5m]) needs two
    # samples in (t-5m, t], the last t with two (2m, 2m15s) is 6m45s, so it resolves at 7m; the
    # run ends one step after the last sample's lookback: 2m15s + 5m + 15s = 7m30s.
    (result,) = traced(LIFECYCLE)
    charts = group_charts(result.groups[0], lambda p: os.path.relpath(p, REPO))
    assert charts is not None
    (alert,) = charts.alerts
    assert alert.name == "HighErrorRate" and alert.checks == ()
    c = alert.chart
    assert (c.frame.t0 - c.frame.start, c.frame.t1 - c.frame.start) == (0, 465_000)  # one step past 7m30s
    (row,) = c.rows
    assert [(r.state, r.start, r.end) for r in row.runs] == [
        ("inactive", 0, 15_000), ("pending", 15_000, 135_000), ("firing", 135_000, 420_000),
        ("inactive", 420_000, 465_000)]
    # One marker per alert_state_test entry, at its time: at 0s, the window 15s..2m, fires_at 2m15s.
    assert [(m.t, m.passed) for m in c.markers] == [(0, True), (15_000, True), (135_000, True)]
    assert [m.x for m in c.markers] == pytest.approx([_chart_x(c, 0), _chart_x(c, 15_000), _chart_x(c, 135_000)])
    assert [m.end_x for m in c.markers] == [None, pytest.approx(_chart_x(c, 120_000)), None]
    lines = [i + 1 for i, ln in enumerate(LIFECYCLE.read_text().splitlines()) if "{alertname: HighErrorRate" in ln]
    assert [(v.status, v.expectation, v.where) for v in alert.states] == [
        ("passed", "HighErrorRate is inactive at 0s", f"fixtures/lifecycle_test.yml:{lines[0]}"),
        ("passed", 'HighErrorRate{job="veza-backend-api"} is pending from 15s to 2m',
         f"fixtures/lifecycle_test.yml:{lines[1]}"),
        ("passed", "HighErrorRate first fires at 2m15s", f"fixtures/lifecycle_test.yml:{lines[2]}")]


STATE_FAILS = """
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - name: down
    interval: 1m
    input_series:
      - series: 'up{job="api"}'
        values: '1 1 0 0 0 0 0 1 1 1'
    alert_state_test:
      - {alertname: Down, at: 3m, state: firing}
      - {alertname: Down, from: 0m, to: 9m, never: firing}
"""


def test_failed_state_assertion_shows_its_timeline_in_the_page(tmp_path: Path) -> None:
    # up is 0 from 2m to 6m: Down (for: 2m) is pending at 2m and 3m, firing from 4m, resolved at 7m.
    (tmp_path / "rules.yml").write_text("groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up == 0\n"
                                        "    for: 2m\n")
    (tmp_path / "t.yml").write_text(STATE_FAILS)
    page = html_report(traced(tmp_path / "t.yml"), root=str(tmp_path))
    states = page.split('<table class="states">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr class="(\w+)" data-case="([^"]+)">.*?<strong>([^<]*)</strong>', states)
    assert rows == [("failed", "down::Down is firing at 3m", "it is pending"),
                    ("failed", "down::Down is never firing from 0s to 9m", "it is firing at 4m")]
    details = re.findall(r'<pre class="problem">(.*?)</pre>', states, re.S)
    assert len(details) == 2
    assert "state timeline:" in details[0] and "expression value around 3m:" in details[0]
    assert "4m  firing" in details[1] and "expression value around 4m:" in details[1]
    # The failure list above the charts says what failed in one message; the timeline is beside the chart.
    outcomes = page.split('<table class="outcomes">', 1)[1].split("</table>", 1)[0]
    assert "alert_state_test: Down is firing at 3m, err: it is pending" in outcomes
    assert "state timeline:" not in outcomes
    chart = page.split('data-alert="Down"', 1)[1]
    assert [int(t) for t in re.findall(r'<g class="assert fail" data-t="(\d+)">', chart)] == [180_000, 0]
    assert chart.count('<rect class="window"') == 1


def test_alerts_behind_notification_tests_are_charted(tmp_path: Path) -> None:
    # Down (for: 0m) fires from 2m, when up goes to 0; Quiet (up > 5) never fires and is not drawn.
    (tmp_path / "rules.yml").write_text(
        "groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up == 0\n  - alert: Quiet\n    expr: up > 5\n")
    (tmp_path / "am.yml").write_text("route:\n  receiver: d\nreceivers:\n- name: d\n  webhook_configs: [{url: 'http://hook'}]\n")
    (tmp_path / "t.yml").write_text(textwrap.dedent("""
        rule_files: [rules.yml]
        evaluation_interval: 1m
        alertmanager: {config: am.yml}
        tests:
          - interval: 1m
            input_series:
              - series: up
                values: '1 1 0 0 0 0'
            notification_test:
              - {eval_time: 5m, receiver: d, exp_notifications: []}
        """))
    (result,) = traced(tmp_path / "t.yml")
    charts = group_charts(result.groups[0])
    assert charts is not None
    (alert,) = charts.alerts
    assert alert.name == "Down" and alert.chart.markers == ()
    (row,) = alert.chart.rows
    assert [(r.state, r.start) for r in row.runs] == [("inactive", 0), ("firing", 120_000)]
    # The notification (sent after Alertmanager's default group_wait, 30s, at 2m30s) is not drawn
    # as an assertion: its explanation (what was routed, when) stays in the failure list.
    page = html_report([result], root=str(tmp_path))
    outcomes = page.split('<table class="outcomes">', 1)[1].split("</table>", 1)[0]
    assert "0: at 2m30s, firing" in outcomes and "alerts routed to d, at each rule evaluation:" in outcomes


# --- the page -----------------------------------------------------------------------------


class _Refs(HTMLParser):
    """Every URL-bearing attribute and every element name of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "action", "srcset", "poster")]


def test_page_is_self_contained_and_failures_come_first() -> None:
    page = html_report(traced(FIXTURE, VEZA_DEFECT))
    refs = _Refs()
    refs.feed(page)
    assert all(u.startswith("#") for u in refs.urls), refs.urls  # in-page links only
    assert "link" not in refs.tags and "img" not in refs.tags
    assert "default-src 'none'" in page  # the browser may fetch nothing at all
    assert "url(" not in page.split("<main", 1)[0]  # no fonts or images from CSS
    assert "<script src" not in page
    names = re.findall(r'<span class="gname">([^<]*)</span>', page)
    assert names[:2] == ["busy service, 5% errors", "quiet service, every request fails"]
    assert names[2:] == ["HighErrorRate fires just above 10% after 2m",
                         "HighErrorRate silent at 9% and on a busy service with 5% errors"]
    assert 'id="filter"' in page
    totals = dict(re.findall(r'data-total="(\w+)">([^<]*)<', page))
    assert (totals["files"], totals["groups"], totals["cases"], totals["passed"], totals["failed"]) == (
        "2", "4", "5", "3", "2")


def test_templates_ship_in_the_package() -> None:
    import ruletest.reporting

    folder = Path(ruletest.reporting.__file__).parent / "html_templates"
    assert {p.name for p in folder.iterdir()} >= {"report.html.j2", "group.html.j2", "charts.html.j2", "report.css",
                                                  "filter.js"}


@pytest.mark.slow
def test_built_wheel_contains_and_renders_the_templates(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
                            str(REPO)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("ruletest-*.whl")
    site = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                                str(wheel)], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    script = ("import ruletest, sys; from ruletest.reporting.html import html_report; "
              "assert ruletest.__file__.startswith(sys.argv[1]), ruletest.__file__; "
              "print(len(html_report([])))")
    proc = subprocess.run([sys.executable, "-c", script, str(site)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(site)}, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 1000


# --- Markdown -----------------------------------------------------------------------------


def test_markdown_summary() -> None:
    md = markdown_summary(traced(FIXTURE, VEZA_DEFECT), duration_s=1.25)
    lines = md.splitlines()
    assert lines[0] == "## ruletest: ❌ 2 failed, 3 passed"
    assert "| files | groups | cases | passed | failed | duration |" in lines
    assert "| 2 | 4 | 5 | 3 | 2 | 1.2 s |" in lines
    assert f"- **`busy service, 5% errors::HighErrorRate@9m`** at `{VEZA_DEFECT}:{_entry_lines(VEZA_DEFECT)[0]}`" in lines
    assert "    + firing, not expected:        " in md  # the failure's first lines, fenced
    assert md.count("```text") == 2


def test_markdown_caps_failures() -> None:
    md = markdown_summary(traced(VEZA_DEFECT), max_failures=1)
    assert md.count("- **`") == 1
    assert "- … and 1 more failures (see the JUnit or HTML report)" in md


def test_markdown_duration_of_a_fast_run() -> None:
    # A 26 ms run is "26 ms", not "0.0 s".
    md = markdown_summary(traced(FIXTURE), duration_s=0.026)
    assert "| 1 | 2 | 3 | 3 | 0 | 26 ms |" in md.splitlines()
    assert [run_time(x) for x in (0.0004, 0.026, 1.25, 125.0)] == ["< 1 ms", "26 ms", "1.2 s", "2 min 5 s"]


# --- JUnit --------------------------------------------------------------------------------


def test_junit_one_testcase_per_assertion_named_like_pytest(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.mkdir("fixtures")
    (pytester.path / "rules").mkdir()
    for name in ("alerts.yml", "recording_rules.yml"):
        (pytester.path / "rules" / name).write_text((REPO / "rules" / name).read_text())
    (pytester.path / "fixtures" / FIXTURE.name).write_text(FIXTURE.read_text())
    pytester.makeini("[pytest]\nruletest_files = fixtures/*.yml\n")
    collected = pytester.runpytest("--collect-only", "-q").stdout.lines
    ids = [ln.split("::", 1)[1] for ln in collected if ln.startswith("fixtures/")]
    assert len(ids) == 3
    out = tmp_path / "junit.xml"
    ruletest("test", "--junit", str(out), f"fixtures/{FIXTURE.name}", cwd=pytester.path)
    suite = ET.parse(out).getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ids
    assert [c.get("line") for c in cases] == [str(n) for n in _entry_lines(FIXTURE)]
    for c in cases:
        props = {p.get("name"): p.get("value") for p in c.iter("property")}
        assert props == {"file": f"fixtures/{FIXTURE.name}", "line": c.get("line")}
        assert float(c.get("time", "x")) >= 0
    assert sum(float(c.get("time", "0")) for c in cases) <= float(suite.get("time", "0")) + 0.003


def test_junit_times_each_group_on_its_first_case() -> None:
    # pytest's junitxml writes each testcase's own time with 3 decimals (f"{duration:.3f}"); under
    # the plugin the item that runs the simulation carries its time and the others almost none.
    # The same here: a group's 4 ms on its first case (not 4/3 ms each, which rounds to 0.000),
    # and the file's own 1 ms (reading it and its rule files) on the file's first case.
    def case(i: int) -> CaseResult:
        return CaseResult(f"g::c{i}", "alert", f"c{i}", Location("t.yml", i), True)

    groups = [GroupResult("g", 0, Location("t.yml", 1), [case(1), case(2), case(3)], duration_s=0.004),
              GroupResult("h", 1, Location("t.yml", 9), [case(4)], duration_s=0.002)]
    result = FileResult("t.yml", groups=groups, duration_s=0.007)
    root = ET.fromstring(junit_xml([result]))
    assert [c.get("time") for c in root.iter("testcase")] == ["0.005", "0.000", "0.000", "0.002"]
    assert root.find("testsuite").get("time") == "0.007"  # type: ignore[union-attr]


def test_junit_promtool_compat_keeps_promtools_shape(tmp_path: Path) -> None:
    # promtool's util/junitxml/junitxml.go: <testsuites><testsuite name tests failures errors
    # skipped timestamp><testcase name><failure>text</failure>; one testcase per test group.
    out = tmp_path / "junit.xml"
    ruletest("test", "--promtool-compat", "--junit", str(out), str(VEZA_DEFECT))
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites" and not root.attrib
    (suite,) = root
    assert set(suite.attrib) == {"name", "tests", "failures", "errors", "skipped", "timestamp"}
    assert [c.get("name") for c in suite] == ["busy service, 5% errors", "quiet service, every request fails"]
    assert all(set(c.attrib) == {"name"} and [f.tag for f in c] == ["failure"] for c in suite)


# --- terminal -----------------------------------------------------------------------------


class _Tty(StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_without_no_color() -> None:
    assert use_colour(_Tty(), {})
    assert not use_colour(_Tty(), {"NO_COLOR": "1"})
    assert not use_colour(_Tty(), {"TERM": "dumb"})
    assert use_colour(_Tty(), {"NO_COLOR": ""})  # no-color.org: only a non-empty value counts
    assert not use_colour(StringIO(), {})
    assert colour_verdicts("Unit Testing:  x.yml\n  SUCCESS\n") == f"Unit Testing:  x.yml\n  {GREEN}SUCCESS\x1b[0m\n"
    assert colour_verdicts("  FAILED:\n    name: a\n").startswith(f"  {RED}")


def test_progress_line_after_a_delay_and_erased() -> None:
    now = [0.0]
    out = _Tty()
    p = Progress(out, 3, delay_s=2.0, clock=lambda: now[0])
    p.group_done(True)
    p.files_done(1)
    assert out.getvalue() == ""  # a quick run shows nothing
    now[0] = 2.5
    p.group_done(False)
    assert out.getvalue() == "\r\x1b[Kruletest: 1/3 files, 2 groups, 1 failed, 2s"
    now[0] = 2.6
    p.group_done(True)  # redrawn at most five times a second
    assert out.getvalue().count("ruletest:") == 1
    p.clear()
    assert out.getvalue().endswith("\r\x1b[K")
    quiet = StringIO()
    q = Progress(quiet, 1, delay_s=0, clock=lambda: now[0])  # not a terminal: never drawn
    q.group_done(True)
    assert quiet.getvalue() == ""


def _run_in_pty(args: list[str], env: dict[str, str]) -> tuple[str, str]:
    """(stdout through a pipe, stderr through a terminal)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ruletest.cli", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=slave, env={**os.environ, **env})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    out = proc.stdout.read().decode() if proc.stdout else ""
    proc.wait()
    os.close(master)
    return out, b"".join(chunks).decode()


def test_cli_colours_a_terminal_but_not_a_pipe() -> None:
    out, err = _run_in_pty(["test", str(VEZA_DEFECT)], {"NO_COLOR": ""})
    assert f"{RED}\x1b[1mFAILED:" in err  # stderr is the terminal
    assert "\x1b[" not in out  # stdout is a pipe
    out, err = _run_in_pty(["test", str(VEZA_DEFECT)], {"NO_COLOR": "1"})
    assert "\x1b[" not in err


@pytest.mark.slow
def test_cli_progress_on_stderr_only_for_long_runs(tmp_path: Path) -> None:
    # Eight groups of 20 000 evaluations of an hour-long window: a few seconds in all. The values
    # change at every step, so no evaluation can reuse an earlier one's window.
    (tmp_path / "r.yml").write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: avg_over_time(up[1h]) < 0.5\n")
    group = ("  - interval: 15s\n    input_series:\n      - series: up\n        values: '1+1x20000'\n"
             "    alert_rule_test:\n      - alertname: Down\n        eval_time: 80h\n        exp_alerts: []\n")
    (tmp_path / "t.yml").write_text("rule_files: [r.yml]\nevaluation_interval: 15s\ntests:\n" + group * 8)
    out, err = _run_in_pty(["test", str(tmp_path / "t.yml")], {})
    assert re.search(r"\r\x1b\[Kruletest: 0/1 files, [1-8] groups, \d+s", err), err
    assert err.endswith("\r\x1b[K")  # erased before the run's own output
    assert "ruletest:" not in out and out.startswith("Unit Testing:")


# --- CLI and pytest -----------------------------------------------------------------------


def test_cli_writes_html_and_appends_markdown(tmp_path: Path) -> None:
    html, md = tmp_path / "report.html", tmp_path / "summary.md"
    md.write_text("# earlier step\n")
    proc = ruletest("test", "--html", str(html), "--summary-md", str(md), str(VEZA_DEFECT))
    assert proc.returncode == 1, proc.stderr
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and 'class="plot"' in page
    assert 'data-total="failed">2<' in page
    assert md.read_text().startswith("# earlier step\n## ruletest: ❌ 2 failed, 0 passed\n")
    bad = ruletest("test", "--html", str(tmp_path / "missing" / "r.html"), str(FIXTURE))
    assert bad.returncode == 2
    assert "ruletest test: cannot write the HTML report" in bad.stderr and "Traceback" not in bad.stderr


def test_pytest_option_writes_the_report(pytester: pytest.Pytester) -> None:
    pytester.mkdir("fixtures")
    (pytester.path / "rules").mkdir()
    for name in ("alerts.yml", "recording_rules.yml"):
        (pytester.path / "rules" / name).write_text((REPO / "rules" / name).read_text())
    (pytester.path / "fixtures" / FIXTURE.name).write_text(FIXTURE.read_text())
    pytester.makeini("[pytest]\nruletest_files = fixtures/*.yml\n")
    result = pytester.runpytest("--ruletest-html=report.html")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["ruletest: HTML report written to report.html"])
    page = (pytester.path / "report.html").read_text()
    assert 'data-total="cases">3<' in page and page.count('class="band st-firing"') == 1
    # Only the files whose items ran are reported.
    pytester.runpytest("--ruletest-html=none.html", "-k", "nothing-matches")
    assert 'data-total="files">0<' in (pytester.path / "none.html").read_text()


@pytest.mark.slow
def test_readme_report_commands_run(tmp_path: Path) -> None:
    """The README's Reports examples, run as written in a copy of the repository's fixtures."""
    import shutil

    block = (REPO / "README.md").read_text().split("\n## Reports\n", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [ln for ln in block.splitlines() if ln.strip()]
    assert len(commands) == 4
    for folder in ("fixtures", "rules", "alertmanager"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for command in commands:
        if (tmp_path / "report.html").exists():
            (tmp_path / "report.html").unlink()
        proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
        if "html" in command:
            assert 'data-total="failed">0<' in (tmp_path / "report.html").read_text()
    assert (tmp_path / "summary.md").read_text().startswith("## ruletest: ✅ ")
    root = ET.parse(tmp_path / "junit.xml").getroot()
    assert all(set(c.attrib) == {"name"} for c in root.iter("testcase"))  # the last one: promtool's shape


@pytest.mark.slow
def test_pytest_option_under_xdist(pytester: pytest.Pytester) -> None:
    # Items run in workers; the controlling process runs their files once more for the report.
    import xdist  # noqa: F401 (a [test] dependency: missing, this errors instead of skipping)

    pytester.mkdir("fixtures")
    (pytester.path / "rules").mkdir()
    for name in ("alerts.yml", "recording_rules.yml"):
        (pytester.path / "rules" / name).write_text((REPO / "rules" / name).read_text())
    (pytester.path / "fixtures" / FIXTURE.name).write_text(FIXTURE.read_text())
    pytester.makeini("[pytest]\nruletest_files = fixtures/*.yml\n")
    result = pytester.runpytest("-n", "2", "-p", "xdist", "--ruletest-html=report.html")
    result.assert_outcomes(passed=3)
    page = (pytester.path / "report.html").read_text()
    assert 'data-total="cases">3<' in page and page.count('class="band st-firing"') == 1
