"""Grouping, timing, dedup, inhibition and time intervals in the simulated pipeline. The main
timeline is the one verified against Alertmanager 0.25 in the reference (§4.7); the release
differences are from the reference's §4 and §8 and the Go source at those tags."""

from __future__ import annotations

from ruletest.alertmanager.alert import PostedAlert
from ruletest.alertmanager.config import Config
from ruletest.alertmanager.dispatch import Notification, SimOptions, simulate
from ruletest.alertmanager.loader import LoadOptions, load_config_text
from ruletest.alertmanager.sending import Post
from ruletest.alertmanager.template_set import load_template_set
from ruletest.alertmanager.version import DEFAULT, Version

S = 1000


def _config(route_extra: str = "", extra: str = "", version: Version = DEFAULT, send_resolved: bool = True) -> Config:
    text = (f"route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 3s\n  group_interval: 6s\n"
            f"  repeat_interval: 18s\n{route_extra}receivers:\n- name: hook\n  webhook_configs:\n"
            f"  - url: 'http://127.0.0.1:1/'\n    send_resolved: {str(send_resolved).lower()}\n{extra}")
    return load_config_text(text, "am.yml", LoadOptions(version=version))


def _post(at: float, name: str, starts: float | None = None, ends: float | None = None, **labels: str) -> Post:
    lab = tuple(sorted({"alertname": name, **labels}.items()))
    return Post(int(at * S), (PostedAlert(lab, (), None if starts is None else int(starts * S),
                                          None if ends is None else int(ends * S)),))


def _sent(notifications: tuple[Notification, ...]) -> list[tuple[float, str, list[str]]]:
    return [(n.at_ms / S, n.status, sorted(dict(a.labels).get("i", dict(a.labels)["alertname"]) + ":" + a.status
                                           for a in n.alerts)) for n in notifications]


def _run(config: Config, posts: list[Post], until: float) -> list[tuple[float, str, list[str]]]:
    sim = simulate(config, None, posts, SimOptions(until_ms=int(until * S), render=False))
    return _sent(sim.notifications)


def test_verified_timeline_of_alertmanager_025() -> None:
    posts = [_post(0, "G", 0, 100, i="A1"), _post(0, "J", 0, 100, i="T2"), _post(5, "G", 5, 100, i="A2"),
             _post(5, "H", -3600, 100, i="B"), _post(10, "J", 0, 10, i="T2")]
    got = _run(_config(), posts, 40)
    assert got[:5] == [
        (3.0, "firing", ["A1:firing"]),  # first tick of G after group_wait
        (3.0, "firing", ["T2:firing"]),
        (5.0, "firing", ["B:firing"]),  # B started an hour ago: its new group flushes at once
        (9.0, "firing", ["A1:firing", "A2:firing"]),  # A2 joined at 5s, sent at the next tick
        (15.0, "resolved", ["T2:resolved"]),
    ]
    # Repeat: the first tick with tick - 9s > 18s (27s in a lucky race on a real server, else 33s).
    repeats = [g for g in got[5:] if g[2] == ["A1:firing", "A2:firing"]]
    assert repeats[0][0] in (27.0, 33.0)


def test_alert_that_fires_and_resolves_within_group_wait_is_never_sent() -> None:
    assert _run(_config(), [_post(0, "X", 0, 100), _post(1, "X", 0, 1)], 30) == []


def test_send_resolved_false() -> None:
    # Two alerts; one resolves: nothing is sent for it; the repeat carries only the firing one;
    # when the last resolves, nothing is sent (reference §4.5, verified).
    posts = [_post(0, "X", 0, 100, i="a"), _post(0, "X", 0, 100, i="b"), _post(4, "X", 0, 4, i="b"),
             _post(20, "X", 0, 20, i="a")]
    got = _run(_config(send_resolved=False), posts, 60)
    assert got == [(3.0, "firing", ["a:firing", "b:firing"])]
    posts[-1] = _post(40, "X", 0, 40, i="a")
    got = _run(_config(send_resolved=False), posts, 60)
    assert got == [(3.0, "firing", ["a:firing", "b:firing"]), (27.0, "firing", ["a:firing"])]


def test_annotation_changes_do_not_notify() -> None:
    a1 = Post(0, (PostedAlert((("alertname", "X"),), (("summary", "one"),), 0, 100_000),))
    a2 = Post(4000, (PostedAlert((("alertname", "X"),), (("summary", "two"),), 0, 100_000),))
    assert _run(_config(), [a1, a2], 20) == [(3.0, "firing", ["X:firing"])]


def test_immediate_flush_on_any_insert_before_the_first_flush_until_0_29() -> None:
    # A fresh alert creates the group (tick at 3s); an old one joins at 1s: 0.25 flushes at
    # once, 0.30+ only checks the alert that creates the group.
    posts = [_post(0, "X", 0, 100, i="new"), _post(1, "X", -3600, 100, i="old")]
    assert _run(_config(), posts, 5)[0][0] == 1.0
    assert _run(_config(version=Version(0, 30)), posts, 5)[0][0] == 3.0


def test_emptied_group_is_reused_until_maintenance_in_025_and_destroyed_at_once_in_032() -> None:
    # X resolves and is notified at 9s; the group is then empty. Y arrives at 10s:
    # 0.25 - the group still exists (the 30s maintenance has not run): sent at the 15s tick;
    # 0.32 - the group was destroyed: a new group waits group_wait, sent at 13s.
    posts = [_post(0, "X", 0, 100, i="x"), _post(5, "X", 0, 5, i="x"), _post(10, "X", 10, 100, i="y")]
    assert _run(_config(), posts, 16)[-1] == (15.0, "firing", ["y:firing"])
    assert _run(_config(version=Version(0, 32)), posts, 16)[-1] == (13.0, "firing", ["y:firing"])


def test_group_keys_and_group_by_inheritance_by_release() -> None:
    text = ("route:\n  receiver: r\n  group_by: [alertname]\n  routes:\n  - matchers: [t=x]\n    group_by: []\n"
            "  - matchers: [t=y]\n    group_by: [a, a1]\nreceivers:\n- name: r\n")
    old = load_config_text(text, "am.yml")
    new = load_config_text(text, "am.yml", LoadOptions(version=Version(0, 31)))
    from ruletest.alertmanager.route import build_tree

    t_old, t_new = build_tree(old), build_tree(new)
    labels = {"alertname": "A", "t": "x", "a": "1", "a1": "2"}
    # group_by: [] inherits the parent's grouping until 0.30 (verified), means "none" from 0.31.
    assert t_old.match(labels)[0].group_labels(labels) == {"alertname": "A"}
    assert t_new.match(labels)[0].group_labels(labels) == {}
    y = {**labels, "t": "y"}
    r = t_old.match(y)[0]
    # LabelSet.String: 0.25-0.27 sort the "name=value" strings (a1="2" before a="1", verified);
    # 0.28+ sort by name.
    assert r.group_key(r.group_labels(y), Version(0, 25)) == '{}/{t="y"}:{a1="2", a="1"}'
    assert r.group_key(r.group_labels(y), Version(0, 28)) == '{}/{t="y"}:{a="1", a1="2"}'


def test_inhibition_mutes_at_flush_and_unmuting_counts_as_new() -> None:
    extra = ("inhibit_rules:\n- source_matchers: [sev=critical]\n  target_matchers: [sev=warning]\n"
             "  equal: [cluster]\n")
    posts = [_post(0, "Src", 0, 100, sev="critical", cluster="c1"), _post(0, "T", 0, 100, sev="warning", cluster="c1"),
             _post(0, "T2", 0, 100, sev="warning", cluster="c2"), _post(10, "Src", 0, 10, sev="critical", cluster="c1")]
    got = _run(_config(extra=extra), posts, 20)
    names = [(t, [x.split(":")[0] for x in a]) for t, _, a in got]
    assert (3.0, ["T2"]) in names and (3.0, ["Src"]) in names and (3.0, ["T"]) not in names
    assert (15.0, ["T"]) in names  # unmuted after the source resolved at 10s: sent at the next tick


def test_equal_labels_missing_on_both_sides_are_equal() -> None:
    from ruletest.alertmanager.alert import StoredAlert
    from ruletest.alertmanager.inhibit import inhibited_by

    config = _config(extra="inhibit_rules:\n- source_matchers: [k=s]\n  target_matchers: [k=t]\n  equal: [cluster]\n")
    src = StoredAlert((("k", "s"),), (), 0, 100, "", 0)
    assert inhibited_by(config.inhibit_rules, [src], {"k": "t"}, 1, Version()) is not None
    assert inhibited_by(config.inhibit_rules, [src], {"k": "t", "cluster": "c2"}, 1, Version()) is None
    # A source that also matches the target side does not inhibit a two-sided target (verified).
    both = _config(extra="inhibit_rules:\n- source_matchers: [kind=x]\n  target_matchers: [kind=x]\n")
    peer = StoredAlert((("kind", "x"), ("n", "1")), (), 0, 100, "", 0)
    assert inhibited_by(both.inhibit_rules, [peer], {"kind": "x", "n": "2"}, 1, Version()) is None
    # A resolved source does not inhibit.
    assert inhibited_by(config.inhibit_rules, [src], {"k": "t"}, 100, Version()) is None


def test_time_intervals_mute_at_flush_time() -> None:
    # 1970-01-01 was a Thursday; the route is muted on Thursdays 00:00-00:01 UTC.
    extra = ("time_intervals:\n- name: first-minute\n  time_intervals:\n  - weekdays: [thursday]\n"
             "    times: [{start_time: '00:00', end_time: '00:01'}]\n")
    route = "  routes:\n  - matchers: [t=x]\n    receiver: hook\n    mute_time_intervals: [first-minute]\n"
    got = _run(_config(route_extra=route, extra=extra), [_post(0, "X", 0, 1000, t="x")], 70)
    assert got[0][0] == 63.0  # ticks at 3s ... 57s are muted; 63s is past 00:01
    active = route.replace("mute_time_intervals", "active_time_intervals")
    got = _run(_config(route_extra=active, extra=extra), [_post(0, "X", 0, 1000, t="x")], 70)
    # Active only in the first minute: sent at 3s, repeated at 27s and 51s (tick - last > 18s),
    # then nothing from 63s on.
    assert [g[0] for g in got] == [3.0, 27.0, 51.0]


def test_template_error_fails_the_notification_and_is_retried() -> None:
    text = ("route:\n  receiver: s\n  group_wait: 1s\n  group_interval: 2s\nreceivers:\n- name: s\n  slack_configs:\n"
            "  - api_url: 'https://x'\n    title: '{{ .CommonLabels.Foo.Bar }}'\n")
    config = load_config_text(text, "am.yml")
    sim = simulate(config, load_template_set([], config.version), [_post(0, "X", 0, 100)], SimOptions(until_ms=5000))
    assert [(n.at_ms, n.error is not None) for n in sim.notifications] == [(1000, True), (3000, True), (5000, True)]
    assert "can't evaluate field Bar in type string" in (sim.notifications[0].error or "")
