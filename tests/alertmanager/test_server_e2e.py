"""End to end against a real Alertmanager 0.25 (Debian's prometheus-alertmanager): the server
runs on 127.0.0.1 with a temporary storage directory, alerts are posted to its v2 API at chosen
moments, a webhook receiver inside the test records what it sends, and ruletest's simulation of
the same posts must produce the same notifications (alerts, statuses, group keys, bodies) at
the same moments (within a scheduling tolerance). Timers are a few seconds, and the scenarios
run side by side in one server, routed by a `test` label."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from ruletest.alertmanager.alert import PostedAlert
from ruletest.alertmanager.dispatch import SimOptions, simulate
from ruletest.alertmanager.loader import load_config_text
from ruletest.alertmanager.sending import Post
from ruletest.alertmanager.template_set import load_template_set

pytestmark = [pytest.mark.slow, pytest.mark.needs("alertmanager")]

TOLERANCE_MS = 450


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CONFIG = """\
global:
  resolve_timeout: 4s
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
  - matchers: ['test="grouping"']
    receiver: hook
  - matchers: ['test="inhibit"']
    receiver: hook
  - matchers: ['test="resolve"']
    receiver: hook
    group_by: [alertname, instance]
  - matchers: ['test="old"']
    receiver: hook
    group_wait: 30s
  - matchers: ['test="repeat"']
    receiver: hook
    repeat_interval: 3s
  - matchers: ['test="quiet"']
    receiver: quiet
inhibit_rules:
- source_matchers: ['severity="critical"', 'test="inhibit"']
  target_matchers: ['severity="warning"']
  equal: [cluster]
receivers:
- name: hook
  webhook_configs:
  - url: 'http://127.0.0.1:{hook}/'
    send_resolved: true
- name: quiet
  webhook_configs:
  - url: 'http://127.0.0.1:{hook}/quiet'
    send_resolved: false
"""


@dataclass(frozen=True)
class Planned:
    at_ms: int
    labels: dict[str, str]
    starts_offset_ms: int | None = 0  # relative to the post; None: not sent
    ends_offset_ms: int | None = None  # relative to the post; None: not sent (resolve_timeout)


# Each scenario's posts, as offsets from the start (a test label keeps them apart).
PLAN = [
    # grouping: A1 creates the group (flush at 1s), A2 joins at 1.5s, goes out at the 3s tick.
    Planned(0, {"alertname": "G", "test": "grouping", "instance": "a1"}, 0, 30_000),
    Planned(1500, {"alertname": "G", "test": "grouping", "instance": "a2"}, 0, 30_000),
    # inhibition: the critical source mutes the same-cluster warning, not the other cluster's;
    # resolving the source (endsAt = now) unmutes it at the next tick.
    Planned(0, {"alertname": "Src", "test": "inhibit", "severity": "critical", "cluster": "c1"}, 0, 30_000),
    Planned(200, {"alertname": "Tgt", "test": "inhibit", "severity": "warning", "cluster": "c1"}, 0, 30_000),
    Planned(200, {"alertname": "Tgt2", "test": "inhibit", "severity": "warning", "cluster": "c2"}, 0, 30_000),
    Planned(2600, {"alertname": "Src", "test": "inhibit", "severity": "critical", "cluster": "c1"}, -2600, 0),
    # resolve: an alert without endsAt resolves resolve_timeout (4s) after its last post.
    Planned(0, {"alertname": "R", "test": "resolve", "instance": "r1"}, None, None),
    # old: startsAt long before group_wait flushes the new group at once.
    Planned(300, {"alertname": "O", "test": "old"}, -3_600_000, 30_000),
    # repeat: ticks at 1s, 3s, 5s; 5s - 1s > 3s repeats.
    Planned(0, {"alertname": "Rep", "test": "repeat"}, 0, 60_000),
    # send_resolved false: the resolved alert is never sent.
    Planned(0, {"alertname": "Q", "test": "quiet"}, 0, 1_500),
]
RUN_MS = 7_000


class _Hook(BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[float, str, dict[str, Any]]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.calls.append((time.time(), self.path, json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, type[_Hook], str]]:
    exe = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    assert exe is not None
    tmp = tmp_path_factory.mktemp("am")
    hook_port, am_port = _free_port(), _free_port()
    _Hook.calls = []
    httpd = HTTPServer(("127.0.0.1", hook_port), _Hook)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    config = CONFIG.replace("{hook}", str(hook_port))
    (tmp / "am.yml").write_text(config)
    url = f"http://127.0.0.1:{am_port}"
    proc = subprocess.Popen([exe, f"--config.file={tmp / 'am.yml'}", f"--storage.path={tmp / 'data'}",
                             f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address=",
                             f"--web.external-url={url}", "--log.level=error"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 10
        while True:
            try:
                urllib.request.urlopen(f"{url}/-/ready", timeout=1).read()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("Alertmanager did not start: " + (proc.stderr.read().decode()
                                                                        if proc.poll() is not None else "timeout")) from None
                time.sleep(0.05)
        yield url, am_port, _Hook, config
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
        httpd.shutdown()


def _rfc3339(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


@pytest.fixture(scope="module")
def run(server: tuple[str, int, type[_Hook], str]) -> tuple[list[Post], list[tuple[int, str, dict[str, Any]]], int, str]:
    url, _, hook, config = server
    t0 = int(time.time() * 1000)
    posts: list[Post] = []
    for p in sorted(PLAN, key=lambda p: p.at_ms):
        delay = (t0 + p.at_ms) / 1000 - time.time()
        if delay > 0:
            time.sleep(delay)
        now = int(time.time() * 1000)
        body: dict[str, Any] = {"labels": p.labels}
        starts = now + p.starts_offset_ms if p.starts_offset_ms is not None else None
        ends = now + p.ends_offset_ms if p.ends_offset_ms is not None else None
        if starts is not None:
            body["startsAt"] = _rfc3339(starts)
        if ends is not None:
            body["endsAt"] = _rfc3339(ends)
        req = urllib.request.Request(f"{url}/api/v2/alerts", json.dumps([body]).encode(),
                                     {"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=5).read()
        received = int(time.time() * 1000)
        # Times stay absolute: the webhook bodies carry them.
        posts.append(Post(received, (PostedAlert(tuple(sorted(p.labels.items())), (), starts, ends),)))
    time.sleep(max(0.0, (t0 + RUN_MS) / 1000 - time.time()))
    calls = [(int(t * 1000), path, body) for t, path, body in hook.calls]
    return posts, calls, t0, config


def _summary(body: dict[str, Any]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    alerts = tuple(sorted((a["labels"].get("alertname", "") + "/" + a["labels"].get("instance", "")
                           + a["labels"].get("cluster", ""), a["status"]) for a in body["alerts"]))
    return body["groupKey"], body["status"], alerts


def test_notifications_match_the_real_alertmanager(run: tuple[list[Post], list[tuple[int, str, dict[str, Any]]],
                                                              int, str], server: tuple[str, int, type[_Hook], str]
                                                   ) -> None:
    posts, calls, t0, config_text = run
    config = load_config_text(config_text, "am.yml")
    sim = simulate(config, load_template_set([], config.version), posts,
                   SimOptions(until_ms=t0 + RUN_MS - 300, start_ms=t0, external_url=server[0]))
    got = [(n.at_ms, _summary(json.loads(n.field("body")))) for n in sim.notifications]
    real = [(at, _summary(body)) for at, _, body in calls if at <= t0 + RUN_MS - 300]
    assert sorted(s for _, s in got) == sorted(s for _, s in real), (got, real)
    unmatched = list(got)
    for r_at, r in real:
        match = next((g for g in unmatched if g[1] == r and abs(g[0] - r_at) <= TOLERANCE_MS), None)
        assert match is not None, (r_at - t0, r, [(g_at - t0, g) for g_at, g in got if g == r])
        unmatched.remove(match)


def test_expected_behaviour_in_the_real_alertmanager(run: tuple[list[Post], list[tuple[int, str, dict[str, Any]]],
                                                                int, str]) -> None:
    # The facts the scenarios were built to show, read from the real server's calls (so the
    # comparison above compares something).
    _, calls, t0, _ = run
    by_test: dict[str, list[tuple[int, str, list[tuple[str, str]]]]] = {}
    for abs_at, _, body in calls:
        at = abs_at - t0
        test = body["commonLabels"].get("test", "")
        by_test.setdefault(test, []).append((at, body["status"], sorted(
            (a["labels"]["alertname"] + a["labels"].get("instance", "") + a["labels"].get("cluster", ""), a["status"])
            for a in body["alerts"])))
    grouping = by_test["grouping"]
    assert grouping[0][2] == [("Ga1", "firing")] and grouping[1][2] == [("Ga1", "firing"), ("Ga2", "firing")]
    inhibit = sorted(by_test["inhibit"])
    sent = [names for _, _, names in inhibit]
    assert [("Tgt2c2", "firing")] in sent and [("Srcc1", "firing")] in sent
    first_tgt = next(at for at, _, names in inhibit if names == [("Tgtc1", "firing")])
    assert first_tgt > 2600  # muted until the source resolved
    assert [s for _, s, _ in by_test["resolve"]] == ["firing", "resolved"]
    assert by_test["old"][0][0] < 1000  # flushed at once, not after its 30s group_wait
    reps = [at for at, _, _ in by_test["repeat"]]
    assert len(reps) == 2 and 3500 < reps[1] - reps[0] < 4500
    quiet = by_test["quiet"]
    assert [s for _, s, _ in quiet] == ["firing"]


def test_webhook_body_matches_byte_for_byte(run: tuple[list[Post], list[tuple[int, str, dict[str, Any]]], int, str],
                                            server: tuple[str, int, type[_Hook], str]) -> None:
    posts, calls, t0, config_text = run
    config = load_config_text(config_text, "am.yml")
    sim = simulate(config, load_template_set([], config.version), posts,
                   SimOptions(until_ms=t0 + RUN_MS - 300, start_ms=t0, external_url=server[0]))

    def keep(body: dict[str, Any]) -> bool:
        # Without startsAt/endsAt the server stamps its own receive time: not comparable.
        return body["commonLabels"].get("test") != "resolve"

    ours = {json.dumps(b, sort_keys=True) for n in sim.notifications if keep(b := json.loads(n.field("body")))}
    theirs = {json.dumps(body, sort_keys=True) for at, _, body in calls if at <= t0 + RUN_MS - 300 and keep(body)}
    assert ours == theirs
