"""``ruletest capture`` and ``ruletest backtest`` against a real Prometheus 2.42 serving generated
data, and their errors (unreachable server, HTTP and query errors, timeouts, too many series)."""

from __future__ import annotations

import http.server
import math
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

from ruletest.api import Scenario
from ruletest.authoring.backtest import backtest
from ruletest.authoring.capture import CaptureError, capture
from ruletest.authoring.compress import compress
from ruletest.authoring.promapi import Client, PrometheusAPIError
from ruletest.series import expand_values
from tests import needs
from tests.prometheus_server import free_port, prometheus

BASE = 1_600_000_000  # 2020-09-13T12:26:40Z; the server keeps 100 years
STEP = 15

RULES = """\
groups:
  - name: rec
    rules:
      - record: job:http_errors:ratio_rate5m
        expr: sum by (job) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m]))
  - name: alerts
    rules:
      - alert: HighErrorRate
        expr: job:http_errors:ratio_rate5m > 0.1
        for: 2m
        labels: {severity: page}
        annotations: {summary: "{{ $labels.job }} errors at {{ $value | humanizePercentage }}"}
      - alert: DBBusy
        expr: db_connections > 80
        for: 5m
        annotations: {summary: "{{ $labels.instance }} has {{ $value }} connections"}
"""


def openmetrics() -> str:
    """One hour at 15s. Errors: +5 per step until sample 100, +20 after (requests +100). The
    database: 50 connections, 90 from sample 60 to 119. A gauge with float steps, a counter reset."""
    lines = ["# TYPE http_requests_total counter"]
    for i in range(241):
        t = BASE + i * STEP
        errors = 5 * i if i <= 100 else 500 + 20 * (i - 100)
        lines.append(f'http_requests_total{{job="api",instance="a",status="200"}} {100 * i} {t}')
        lines.append(f'http_requests_total{{job="api",instance="a",status="500"}} {errors} {t}')
    lines.append("# TYPE db_connections gauge")
    lines += [f'db_connections{{instance="db-1"}} {90 if 60 <= i < 120 else 50} {BASE + i * STEP}' for i in range(241)]
    lines.append("# TYPE temperature gauge")
    lines += [f'temperature{{room="a"}} {20 + 0.1 * i} {BASE + i * STEP}' for i in range(241)]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # Only tests marked needs("prometheus-server") use it: they do not get here without the binaries.
    with prometheus(openmetrics(), tmp_path_factory.mktemp("prometheus")) as url:
        yield url


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "rules.yml").write_text(RULES)
    (tmp_path / "tests").mkdir()
    return tmp_path


def ruletest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruletest.cli", *args], cwd=cwd, capture_output=True, text=True)


START, END = str(BASE + 20 * 60), str(BASE + 50 * 60)  # 20m to 50m into the data


@pytest.mark.slow
@pytest.mark.needs("prometheus-server")
def test_captured_fixture_reproduces_the_servers_results(server: str, project: Path) -> None:
    out = project / "tests" / "captured_test.yml"
    out.write_text(capture(server, [project / "rules.yml"], start=START, end=END, step="15s", prometheus=2, output=out))
    doc = yaml.safe_load(out.read_text())
    group = doc["tests"][0]
    # The alerts read 5m windows: series from 15m into the data, one value every 15s up to 50m.
    series = {s["series"]: expand_values(s["values"]) for s in group["input_series"]}
    assert set(series) == {'db_connections{instance="db-1"}', 'http_requests_total{instance="a", job="api", status="200"}',
                           'http_requests_total{instance="a", job="api", status="500"}'}
    assert all(len(v) == 35 * 4 + 1 for v in series.values())
    assert doc["rule_files"] == ["../rules.yml"] and doc["group_eval_order"] == ["rec", "alerts"]
    # The server's own answers, and the engine's on the captured series (Prometheus 2 semantics,
    # like the server), at every step of the captured range.
    s = Scenario(interval="15s", prometheus=2)
    for desc, values in series.items():
        s.series(desc, list(values))
    run = s.run(until="35m")
    client = Client(server)
    for expr in ("rate(http_requests_total[5m])", "db_connections > 80",
                 'sum by (job) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m]))'):
        for found in client.query_range(expr, (BASE + 20 * 60) * 1000, (BASE + 50 * 60) * 1000, STEP * 1000):
            for t, value in found.points:
                ours = run.query(expr, f"{(t - (BASE + 15 * 60) * 1000) // 1000}s")
                key = next(k for k in ours if all(f'{n}="{v}"' in k for n, v in found.labels if n != "__name__"))
                assert math.isclose(ours[key], value, rel_tol=1e-12), (expr, t)
    # The test passes in ruletest and (Prometheus 2.42) in promtool.
    assert ruletest("test", "--prometheus", "2", str(out), cwd=project).returncode == 0
    if needs.available("promtool"):
        proc = subprocess.run(["promtool", "test", "rules", out.name], cwd=out.parent, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout


@pytest.mark.slow
@pytest.mark.needs("prometheus-server")
def test_expectations_are_what_happened(server: str, project: Path) -> None:
    doc = yaml.safe_load(capture(server, [project / "rules.yml"], start=START, end=END, step="15s", prometheus=2))
    checks = [(c["alertname"], c["eval_time"], c["exp_alerts"]) for c in doc["tests"][0]["alert_rule_test"]]
    # Test time 0 is 15m into the data. DBBusy: 90 connections from sample 60 (15m) to 119, for
    # 5m: firing at the first check (5m = 20m into the data), resolved at sample 120 (test 15m).
    db = [(t, [a["exp_labels"] for a in exp]) for name, t, exp in checks if name == "DBBusy"]
    assert db == [("5m", [{"instance": "db-1"}]), ("15m", []), ("35m", [])]
    # HighErrorRate: a closed 5m window (Prometheus 2) holds 20 increments, m of them +20 errors
    # (from sample 101): the ratio (5n + 15m) / (105n + 15m) exceeds 0.1 when m > 0.407 n, so m = 9,
    # sample 109 (27m15s into the data, test 12m15s); firing 2m later: test 14m15s.
    her = [(t, exp) for name, t, exp in checks if name == "HighErrorRate"]
    assert [t for t, _ in her] == ["5m", "14m15s", "35m"]
    assert her[0][1] == []
    assert her[1][1][0]["exp_labels"] == {"job": "api", "severity": "page"}
    assert her[1][1][0]["exp_annotations"]["summary"].startswith("api errors at ")


@pytest.mark.slow
@pytest.mark.needs("prometheus-server")
def test_anonymized_capture_keeps_matched_labels(server: str, project: Path) -> None:
    doc = yaml.safe_load(capture(server, [project / "rules.yml"], start=START, end=END, step="15s", prometheus=2,
                                 anonymize=True))
    series = sorted(s["series"] for s in doc["tests"][0]["input_series"])
    # status is matched by the recording rule (status=~"5..") and stays; job and instance do not.
    assert series == ['db_connections{instance="instance-2"}',
                      'http_requests_total{instance="instance-1", job="job-1", status="200"}',
                      'http_requests_total{instance="instance-1", job="job-1", status="500"}']


@pytest.mark.slow
@pytest.mark.needs("prometheus-server")
def test_errors_write_nothing(server: str, project: Path) -> None:
    with pytest.raises(CaptureError, match=r'selects 2 series, more than --max-series 1'):
        capture(server, [project / "rules.yml"], start=START, end=END, step="15s", max_series=1)
    with pytest.raises(CaptureError, match=r"answered HTTP 404"):
        capture(server + "/nope", [project / "rules.yml"], start=START, end=END)
    with pytest.raises(PrometheusAPIError, match=r"answered HTTP 400 Bad Request: bad_data: .*parse error"):
        Client(server).query_range("rate(x)", BASE * 1000, BASE * 1000, 15_000)
    out = project / "tests" / "x_test.yml"
    proc = ruletest("capture", "--url", server, "--rules", "rules.yml", "--start", START, "--end", END,
                    "--max-series", "1", "-o", str(out), cwd=project)
    assert proc.returncode == 1 and "more than --max-series 1" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
    out.write_text("kept\n")
    proc = ruletest("capture", "--url", server, "--rules", "rules.yml", "--start", START, "-o", str(out), cwd=project)
    assert proc.returncode == 2 and "exists (use --force to overwrite)" in proc.stderr
    assert out.read_text() == "kept\n"


@pytest.mark.slow
@pytest.mark.needs("prometheus-server")
def test_backtest_on_captured_and_live_data_and_against_a_base(server: str, project: Path) -> None:
    captured = project / "tests" / "captured_test.yml"
    captured.write_text(capture(server, [project / "rules.yml"], start=START, end=END, step="15s", prometheus=2,
                                output=captured))
    from_file = backtest([project / "rules.yml"], data=captured, prometheus=2)
    from_server = backtest([project / "rules.yml"], url=server, start=START, end=END, step="15s", prometheus=2)
    assert from_file == from_server
    # Absolute times: DBBusy fires from 20m into the data to its last 90 at 29m45s; HighErrorRate
    # from 29m15s (see above) to the end.
    got = [(f.alert, f.start_ms // 1000 - BASE, f.end_ms // 1000 - BASE, f.still_firing) for f in from_file]
    assert got == [("DBBusy", 20 * 60, 29 * 60 + 45, False), ("HighErrorRate", 29 * 60 + 15, 50 * 60, True)]
    # A change raising the threshold to 20% makes HighErrorRate silent: --base shows what changes.
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=a", *args], cwd=project, check=True,
                       capture_output=True)

    git("init", "-q")
    git("add", "rules.yml")
    git("commit", "-q", "-m", "rules")
    (project / "rules.yml").write_text(RULES.replace("> 0.1", "> 0.2"))
    proc = ruletest("backtest", "--rules", "rules.yml", "--data", str(captured), "--base", "HEAD", "--prometheus", "2",
                    cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1:] == [
        '- HighErrorRate{job="api", severity="page"}: firing 2020-09-13T12:55:55Z to the end of the data '
        "(still firing) (21m)",
        "1 firing interval(s) no longer, 0 new"]


# --- errors without a server --------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html>not prometheus</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_unreachable_silent_and_foreign_servers(project: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CaptureError, match=rf"cannot reach Prometheus at {closed}"):
        capture(closed, [project / "rules.yml"], start="-1h")
    proc = ruletest("capture", "--url", closed, "--rules", "rules.yml", "--start", "now-1h", "-o", "out.yml", cwd=project)
    assert proc.returncode == 1 and "cannot reach Prometheus" in proc.stderr and "Traceback" not in proc.stderr
    assert not (project / "out.yml").exists()
    # A server that accepts the connection and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        with pytest.raises(CaptureError, match=r"did not answer within 0.3s"):
            capture(f"http://127.0.0.1:{silent.getsockname()[1]}", [project / "rules.yml"], start="-1h", timeout=0.3)
    finally:
        silent.close()
    web = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=web.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(CaptureError, match=r"did not return a Prometheus API response \(not JSON\)"):
            capture(f"http://127.0.0.1:{web.server_address[1]}", [project / "rules.yml"], start="-1h")
    finally:
        web.shutdown()
        web.server_close()


def test_bad_arguments(project: Path) -> None:
    with pytest.raises(CaptureError, match="no alerting rule named 'Nope'"):
        capture("http://127.0.0.1:1", [project / "rules.yml"], start="-1h", alerts=["Nope"])
    with pytest.raises(CaptureError, match="not a time: 'yesterday'"):
        capture("http://127.0.0.1:1", [project / "rules.yml"], start="yesterday")
    proc = ruletest("backtest", "--rules", "rules.yml", cwd=project)
    assert proc.returncode == 2 and "give either --data FILE or --url URL --start TIME" in proc.stderr


# --- compression ------------------------------------------------------------------------------------------


def test_compress_examples() -> None:
    # Written by hand from promtool's notation: a+bxn is n+1 values, _xn is n missing ones.
    assert compress([0, 15, 30, 45]) == "0+15x3"
    assert compress([5, 5, 5, None, None, 7]) == "5x2 _x2 7"
    assert compress([3, 1, -1]) == "3-2x2"
    assert compress([20.0 + 0.1 * i for i in range(3)]) == "20 20.1 20.2"  # 20 + 0.1 + 0.1 is not 20.2
    assert compress([math.nan, math.nan, math.nan, math.inf]) == "NaNx2 Inf"
    assert compress([7, 7]) == "7 7"  # as short as 7x1, and plainer


def test_compress_round_trips() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    floats = st.one_of(st.none(), st.integers(-1000, 1000).map(float), st.floats(allow_nan=True, width=64))
    runs = st.builds(lambda a, b, n: [a + b * k for k in range(n)], st.integers(-50, 50).map(float),
                     st.sampled_from([0.0, 1.0, 0.5, 15.0, -3.0]), st.integers(1, 30))

    @given(st.lists(st.one_of(floats.map(lambda v: [v]), runs), max_size=12))
    def check(chunks: list[list[float | None]]) -> None:
        values = [v for chunk in chunks for v in chunk]
        got = expand_values(compress(values))
        assert len(got) == len(values)
        for a, b in zip(got, values, strict=True):
            assert (a is None and b is None) or (isinstance(a, float) and isinstance(b, float) and (
                a == b or (math.isnan(a) and math.isnan(b))))

    check()


class _EmptyPrometheus(http.server.BaseHTTPRequestHandler):
    """Answers every range query with no series, and remembers the requests."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        _EmptyPrometheus.seen.append((self.path, self.headers.get("Authorization")))
        body = b'{"status":"success","data":{"resultType":"matrix","result":[]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_headers_time_range_and_one_query_per_selector(project: Path) -> None:
    web = http.server.HTTPServer(("127.0.0.1", 0), _EmptyPrometheus)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    _EmptyPrometheus.seen.clear()
    try:
        proc = ruletest("capture", "--url", f"http://127.0.0.1:{web.server_address[1]}/prom", "--rules", "rules.yml",
                        "--start", "2020-09-13T12:46:40Z", "--end", str(BASE + 30 * 60), "--step", "30s",
                        "--header", "Authorization: Bearer t0k3n", cwd=project)
    finally:
        web.shutdown()
        web.server_close()
    assert proc.returncode == 0, proc.stderr
    # The two alerts read three selectors (the recording rule's two and db_connections); windows
    # of 5m move the start 5m earlier: 12:41:40Z is 1600000900.
    paths = sorted(p for p, _ in _EmptyPrometheus.seen)
    assert len(paths) == 3 and all(p.startswith("/prom/api/v1/query_range?") for p in paths)
    assert all("start=1600000900.000" in p and "end=1600001800.000" in p and "step=30.000" in p for p in paths)
    assert {auth for _, auth in _EmptyPrometheus.seen} == {"Bearer t0k3n"}
    assert "input_series: []" in proc.stdout
