"""The README's Python examples for mutation testing, scaffolds and captures, run as written
(the capture example against a real Prometheus holding the last three hours of generated data)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.prometheus_server import prometheus

REPO = Path(__file__).resolve().parent.parent


def examples() -> list[str]:
    text = (REPO / "README.md").read_text()
    section = text.split("## Writing tests faster", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "rules", tmp_path / "rules")
    shutil.copytree(REPO / "fixtures", tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_mutation_and_scaffold_example_runs(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = examples()[0]
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("mutation score: ")
    # The one survivor the fixtures leave: histogram_quantile over increase() (rate() * 300 for
    # every bucket) interpolates the same quantile, so no test can tell them apart.
    assert ("job:http_request_duration_seconds:p95_rate5m rate(http_request_duration_seconds_bucket[5m]) → "
            "increase(http_request_duration_seconds_bucket[5m]) -> no test tells") in out


@pytest.mark.slow
@pytest.mark.needs("prometheus-server")
def test_capture_example_runs_against_a_server(workdir: Path, tmp_path_factory: pytest.TempPathFactory,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    end = int(time.time()) // 15 * 15
    lines = ["# TYPE http_requests_total counter"]
    for i in range(12 * 60 + 1):  # three hours at 15s, 13% errors throughout
        t = end - 3 * 3600 + i * 15
        lines.append(f'http_requests_total{{job="veza-backend-api",status="200"}} {100 * i} {t}')
        lines.append(f'http_requests_total{{job="veza-backend-api",status="503"}} {15 * i} {t}')
    lines.append("# EOF")
    with prometheus("\n".join(lines) + "\n", tmp_path_factory.mktemp("readme-prometheus")) as url:
        code = examples()[1].replace("http://localhost:9090", url)
        exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    # HighErrorRate fires (with job anonymised) and is still firing at the end of the capture.
    assert printed and all(p.startswith("HighErrorRate {'job': 'job-1', 'severity': 'critical'") for p in printed)
    assert printed[-1].endswith(" True")
    proc = subprocess.run([sys.executable, "-m", "ruletest.cli", "test", "fixtures/incident_test.yml"], cwd=workdir,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
