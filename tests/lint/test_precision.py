"""Issue 19: lint precision on rules it was not tuned on. One test per false-positive shape found
in public rule sets (each shape must stay silent, with a near miss that must still be reported),
per demoted check, and per miss (each must be reported). Every rule text is small and says why.

The shapes come from public rule sets (Konflux's o11y, strimzi, the monitoring mixins,
awesome-prometheus-alerts, kubermatic); the expected verdicts follow from PromQL semantics as
stated in each test, not from ruletest's output."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ruletest.lint import lint_paths
from ruletest.lint.config import Inventory, LintConfig
from ruletest.lint.flow import flow, literal_alternatives
from ruletest.lint.model import Finding
from ruletest.lint.rule import regex_prefixes
from ruletest.promql import ast as A

# Checks added for issue 19 and tested only here (tests/lint/test_checks.py checks the catalog is covered).
PRECISION_CHECKS = {"alert/never-fires-gaps", "promql/phantom-series", "rule/promtool-duplicate"}


def group(body: str, name: str = "g", interval: str | None = None) -> str:
    head = f"  - name: {name}\n" + (f"    interval: {interval}\n" if interval else "") + "    rules:\n"
    return head + textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", "      ")


def rulefile(*groups: str) -> str:
    return "groups:\n" + "".join(groups)


def alert(expr: str, name: str = "A", labels: str = "severity: warning", extra: str = "") -> str:
    return f"- alert: {name}\n  expr: '{expr}'\n  labels: {{{labels}}}\n{extra}"


def record(name: str, expr: str, labels: str = "") -> str:
    return f"- record: {name}\n  expr: '{expr}'\n" + (f"  labels: {{{labels}}}\n" if labels else "")


def lint(tmp_path: Path, text: str, cfg: LintConfig | None = None, name: str = "rules.yml") -> list[Finding]:
    p = tmp_path / name
    p.write_text(text)
    return lint_paths([str(p)], cfg or LintConfig()).findings


def checks(tmp_path: Path, text: str, cfg: LintConfig | None = None) -> set[str]:
    return {f.check for f in lint(tmp_path, text, cfg)}


# --- rule/duplicate: the label flow decides whether two rules can write the same series ------------


def test_constant_label_replace_keeps_recording_rules_apart(tmp_path: Path) -> None:
    # Konflux's konflux_up: label_replace(v, "check", "probe", "", "") sets check to "probe" on
    # every series (the empty source label always matches the empty regex), the other rule to
    # "probe-s390x": no series of one can equal a series of the other. promtool still calls them
    # duplicates (same name, same static labels): that is rule/promtool-duplicate, off by default.
    text = rulefile(group(
        record("konflux_up", 'label_replace(avg_over_time(probe_success{job="a"}[10m]), "check", "probe", "", "")')
        + record("konflux_up", 'label_replace(avg_over_time(probe_success{job="a"}[10m]), "check", "probe-s390x", '
                               '"", "")')))
    assert "rule/duplicate" not in checks(tmp_path, text)
    found = [f for f in lint(tmp_path, text, LintConfig(enabled=frozenset({"rule/promtool-duplicate"})))
             if f.check == "rule/promtool-duplicate"]
    assert len(found) == 1 and "check labels differ" in found[0].message


def test_equality_matchers_keep_recording_rules_apart(tmp_path: Path) -> None:
    # `min by (namespace, service)` keeps service, pinned to "squid" on one side and to
    # "artifact-registry-proxy" on the other.
    text = rulefile(group(
        record("konflux_up", 'min by (namespace, service) (up{namespace="caching", service="squid"})')
        + record("konflux_up", 'min by (namespace, service) (up{namespace="caching", '
                               'service="artifact-registry-proxy"})')))
    assert "rule/duplicate" not in checks(tmp_path, text)


def test_disjoint_matchers_keep_alerts_apart(tmp_path: Path) -> None:
    # Three OldMetricsTextfile alerts, one per file="..." value: never the same alert twice.
    # A regex of literals (here b\.prom|c\.prom, dots escaped) pins as well as `=`, and `!=`
    # excludes what the other side pins.
    exprs = ['time() - node_textfile_mtime_seconds{file="a.prom"} > 3600',
             'time() - node_textfile_mtime_seconds{file=~"b\\\\.prom|c\\\\.prom"} > 3600',
             'time() - node_textfile_mtime_seconds{file="d.prom"} > 3600']
    text = rulefile(group("".join(alert(e, name="OldMetricsTextfile") for e in exprs)))
    assert "rule/duplicate" not in checks(tmp_path, text)
    text = rulefile(group(alert('rate(x_total{handler!="/q"}[5m]) > 1', name="E")
                          + alert('rate(x_total{handler="/q"}[5m]) > 2', name="E")))
    assert "rule/duplicate" not in checks(tmp_path, text)


def test_disjoint_regexes_keep_rules_apart(tmp_path: Path) -> None:
    # kubernetes-mixin records code_verb:apiserver_request_total:increase1h once per status class:
    # code=~"2.." and code=~"3.." share no value (they differ in the first character).
    text = rulefile(group("".join(record("code:requests:increase1h", f'sum by (code) (increase(requests_total'
                                         f'{{code=~"{c}.."}}[1h]))') for c in "2345")))
    assert "rule/duplicate" not in checks(tmp_path, text)
    # A prefix pattern against its own exclusion: every dse-k8s-* instance is excluded by the other.
    text = rulefile(group(alert('latency{instance=~"dse-k8s-.*"} > 3', name="L")
                          + alert('latency{instance!~"dse-k8s.*"} > 1', name="L")))
    assert "rule/duplicate" not in checks(tmp_path, text)
    text = rulefile(group(alert('latency{instance=~"dse-k8s-.*"} > 3', name="L")
                          + alert('latency{instance!~"ms-.*"} > 1', name="L")))
    assert "rule/duplicate" in checks(tmp_path, text)


def test_thresholds_that_never_hold_together(tmp_path: Path) -> None:
    # govuk's SearchApiElasticsearchClusterStatus: status == 3 and status == 1, both warnings.
    text = rulefile(group(alert("es_status == 3", name="S") + alert("es_status == 1", name="S")))
    assert "rule/duplicate" not in checks(tmp_path, text)
    # > 0.8 and > 0.9 both hold above 0.9: two identical alerts for one etcd.
    text = rulefile(group(alert("db_size / quota > 0.8", name="S") + alert("db_size / quota > 0.9", name="S")))
    assert "rule/duplicate" in checks(tmp_path, text)


def test_overlapping_copies_are_duplicates(tmp_path: Path) -> None:
    # The kafka mixin's JvmThreadsDeadlocked twice: job="integrations/kafka" is also matched by
    # job=~"integrations/kafka-zookeeper|integrations/kafka", so a deadlocked kafka JVM raises
    # the same alert (same name, same labels) from both rules.
    text = rulefile(group(
        alert('jvm_threads_deadlocked{job="integrations/kafka"} > 0', name="JvmThreadsDeadlocked")
        + alert('jvm_threads_deadlocked{job=~"integrations/kafka-zookeeper|integrations/kafka"} > 0',
                name="JvmThreadsDeadlocked")))
    # Reported on the second rule (each takes 3 lines, the first starting at line 4).
    assert [f.line for f in lint(tmp_path, text) if f.check == "rule/duplicate"] == [7]
    # A narrower copy: every instance the second selects, the first selects too.
    text = rulefile(group(alert('lag_seconds{job="mysql"} > 60', name="Lag")
                          + alert('lag_seconds{job="mysql", instance=~".*:9104"} > 60', name="Lag")))
    assert "rule/duplicate" in checks(tmp_path, text)


def test_one_alert_with_several_conditions_is_not_a_duplicate(tmp_path: Path) -> None:
    # The cortex mixin raises CortexCompactorHasNotSuccessfullyRunCompaction from three different
    # conditions: one alert, several ways to trigger it. Different expressions are not a copy;
    # promtool's name+labels check (rule/promtool-duplicate) still lists them when enabled.
    text = rulefile(group(
        alert("time() - last_run_seconds > 86400 and last_run_seconds > 0", name="C")
        + alert("last_run_seconds == 0", name="C")
        + alert("increase(runs_failed_total[2h]) >= 2", name="C")))
    assert "rule/duplicate" not in checks(tmp_path, text)
    cfg = LintConfig(enabled=frozenset({"rule/promtool-duplicate"}))
    assert [f.line for f in lint(tmp_path, text, cfg) if f.check == "rule/promtool-duplicate"] == [7, 10]


def test_labelless_recordings_of_one_name_always_collide(tmp_path: Path) -> None:
    # Both write the single series `total{}`, whatever metric each reads.
    text = rulefile(group(record("total", "sum(a)") + record("total", "sum(b)")))
    assert "rule/duplicate" in checks(tmp_path, text)


# --- alert/no-condition: a matcher can be the condition ------------------------------------------


@pytest.mark.parametrize("expr", [
    # A state label on a value metric: the temperature is the value, the state is the condition.
    'ipmi_temperature_celsius{state=~"Warning|Critical"}',
    # An info metric's value is always 1; which series exist is the information.
    'redfish_sensor_info{health!~"OK|N/A"}',
    'strimzi_kafka_resource_info{ready!="True"}',
    # A substring search: an index left over by a failed concurrent reindex exists or not.
    'pg_general_index_info_pg_relation_size{indexrelname=~".*ccnew.*"}',
    # snmp_exporter's enum as a label named after the metric (EnumAsInfo: only the current value
    # is exported). The same spelling is a count per state elsewhere (cilium_endpoint_state): the
    # check takes it as a condition rather than guess (a missed finding, not a false one).
    'snmp_f5_sysCmSyncStatusStatus{snmp_f5_sysCmSyncStatusStatus="Sync Failed"}',
    # A state label in another spelling: interface down unless ifOperStatus is 1 (up).
    'snmp_ifLastChange{ifAlias=~"WAN.*", ifOperStatus!="1"}',
    # KSM v2 exports a terminated reason only while it holds: count() >= 1 is the presence test.
    'count by (pod) (kube_pod_container_status_terminated_reason{reason="OOMKilled"}) >= 1',
])
def test_matcher_conditions(expr: str, tmp_path: Path) -> None:
    assert "alert/no-condition" not in checks(tmp_path, rulefile(group(alert(expr))))


@pytest.mark.parametrize("expr", [
    # kube-state-metrics exports every phase of every pod, valued 0 or 1: without `== 1` this
    # fires for every pod.
    'kube_pod_status_phase{phase="Failed"}',
])
def test_no_condition_still_reported(expr: str, tmp_path: Path) -> None:
    assert "alert/no-condition" in checks(tmp_path, rulefile(group(alert(expr))))


@pytest.mark.parametrize("expr", ['count(errors{job="app"}) > 0', "count by (job) (up) >= 1"])
def test_count_greater_than_zero_tests_presence_only(expr: str, tmp_path: Path) -> None:
    # count() of existing series is at least 1: `> 0` holds whenever x exists, whatever its
    # value (a test feeding 0 1 0 0 fires at every step). Only a hint: for a series exported
    # only while something is wrong (Wikimedia's gnmi alarms), presence is the condition.
    found = [f for f in lint(tmp_path, rulefile(group(alert(expr)))) if f.check == "alert/no-condition"]
    assert len(found) == 1 and str(found[0].severity) == "info" and "at least 1" in found[0].message


def test_count_of_a_filter_is_a_condition(tmp_path: Path) -> None:
    assert "alert/no-condition" not in checks(tmp_path, rulefile(group(alert("count(errors > 5) > 0"))))


def test_heartbeat_names(tmp_path: Path) -> None:
    # awesome-prometheus-alerts' PrometheusAlertmanagerE2eDeadManSwitch is a heartbeat too.
    text = rulefile(group(alert("vector(1)", name="PrometheusAlertmanagerE2eDeadManSwitch")))
    assert not {"alert/no-condition", "alert/always-fires"} & checks(tmp_path, text)


# --- alert/label-collision: a label pinned to one value cannot collapse series --------------------


def test_literal_regex_pins_a_label(tmp_path: Path) -> None:
    # instance=~"db1:9100" has one value: overwriting it with the same constant merges nothing.
    def text(regex: str) -> str:
        return rulefile(group(alert(f'sum by (instance) (rate(x_total{{instance=~"{regex}"}}[5m])) > 1',
                                    labels="severity: warning, instance: db1")))

    assert "alert/label-collision" not in checks(tmp_path, text("db1:9100"))
    # Two values: series of db1 and db2 that differ only in instance become one labelset.
    assert "alert/label-collision" in checks(tmp_path, text("db1:9100|db2:9100"))


# --- promql/nan-aggregation ----------------------------------------------------------------------


@pytest.mark.parametrize("expr", [
    # NaN < 10 is false: the comparison drops the NaN before the sum sees it.
    "sum((rate(a_total[5m]) / rate(b_total[5m]) * 100) < 10) by (instance, job) > 0",
    # `bool` turns NaN into 0.
    "sum(rate(a_total[5m]) / rate(b_total[5m]) > bool 0.5) > 1",
    # Each group holds one series (the argument has exactly the grouping labels): a NaN stays
    # in its own group.
    "avg by (source_cluster, instance) (sum by (source_cluster, instance) (rate(a_total[5m])) "
    "/ sum by (source_cluster, instance) (rate(b_total[5m]))) > 0.9",
    # A capacity is not 0 when idle, and x/0 with x > 0 is +Inf, not NaN: no silent NaN.
    "avg by (instance) (100 * (node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes) "
    "/ node_memory_MemTotal_bytes) > 90",
])
def test_nan_aggregation_false_positive_shapes(expr: str, tmp_path: Path) -> None:
    assert "promql/nan-aggregation" not in checks(tmp_path, rulefile(group(alert(expr))))


def test_nan_aggregation_of_rates(tmp_path: Path) -> None:
    # An idle endpoint has both rates 0: 0/0 is NaN, and sum() of anything with a NaN is NaN.
    text = rulefile(group(alert("sum by (job) (rate(lat_sum[5m]) / rate(lat_count[5m])) > 0.5")))
    assert "promql/nan-aggregation" in checks(tmp_path, text)
    # A histogram's _sum and _count are both 0 until the first observation (a fresh ingester).
    text = rulefile(group(alert("sum by (ns) (series * chunk_size_sum / chunk_size_count) > 1e9")))
    assert "promql/nan-aggregation" in checks(tmp_path, text)


def test_absent_as_a_filter_is_not_an_absent_alert(tmp_path: Path) -> None:
    # `x and absent(y)` raises x's series: absent() only filters, so the alert does not page on
    # a missed scrape of y (and absent-without-for's advice does not apply).
    text = rulefile(group(alert("job_start_time > 0 and absent(job_completion_time)")))
    assert "alert/absent-without-for" not in checks(tmp_path, text)
    assert "alert/absent-without-for" in checks(tmp_path, rulefile(group(alert('absent(up{job="a"})'))))


def test_delta_of_a_counter_looking_name_is_a_hint_without_inventory(tmp_path: Path) -> None:
    # promscale's chunks_uncompressed_count is a number of chunks and TiKV's
    # tikv_scheduler_contex_total a number of pending commands: gauges, named like counters.
    text = rulefile(group(alert("delta(chunks_uncompressed_count[10m]) > 0")
                          + alert("abs(delta(tikv_scheduler_contex_total[5m])) > 1000", name="B")))
    got = {(f.rule, str(f.severity)) for f in lint(tmp_path, text) if f.check == "counter/gauge-func"}
    assert got == {("A", "info"), ("B", "info")}
    declared = LintConfig(inventory=Inventory({"tikv_scheduler_contex_total": "counter"}))
    got = {(f.rule, str(f.severity)) for f in lint(tmp_path, text, declared) if f.check == "counter/gauge-func"}
    assert ("B", "warning") in got


# --- further shapes found on held-out rule sets (SAP's helm-charts, rook, cloudnative-pg) --------


def test_topk_whose_labels_do_not_reach_the_alert(tmp_path: Path) -> None:
    # The largest project's backlog is subtracted from a label-less total: whichever project
    # topk(1) picks, the result is the one label-less series, so the alert keeps its identity.
    text = rulefile(group(alert("sum(increase(pending[5m])) - ignoring(project_id) "
                                "topk(1, sum(increase(pending_detail[5m])) by (project_id)) > 5000")))
    assert "promql/fragile-topk" not in checks(tmp_path, text)
    text = rulefile(group(alert("topk(1, sum(increase(pending_detail[5m])) by (project_id)) > 5000")))
    assert "promql/fragile-topk" in checks(tmp_path, text)


def test_name_regex_of_one_literal_names_one_metric(tmp_path: Path) -> None:
    # {__name__=~"a_uptime"} can only select a_uptime: no two series differ only in their name.
    text = rulefile(group(alert('{__name__=~"a_uptime"} - on (id) group_right {__name__=~"a_last_change"} > 2')))
    assert "promql/name-only-series" not in checks(tmp_path, text)
    text = rulefile(group(alert('rate({__name__=~"a_total|b_total"}[5m]) > 2')))
    assert "promql/name-only-series" in checks(tmp_path, text)


def test_labels_inside_a_range_over_a_query_are_the_querys(tmp_path: Path) -> None:
    # The ceph mixin lists the monitors that are down: inside `range query`, .Labels are those of
    # each query result, not the alert's; $labels always means the alert's.
    ann = ("description: '{{ range query \"ceph_mon_quorum_status == 0\" }}{{ .Labels.ceph_daemon }} "
           "{{ end }}{{ $labels.hostname }}'")
    text = rulefile(group(alert("count by (cluster) (ceph_mon_quorum_status == 0) > 1")
                          + "  annotations: {" + ann + "}\n"))
    found = [f.message for f in lint(tmp_path, text) if f.check == "template/missing-label"]
    assert len(found) == 1 and "$labels.hostname" in found[0]


def test_a_manifest_and_a_plain_rule_file_are_not_loaded_together(tmp_path: Path) -> None:
    # cloudnative-pg documents its alerts twice, as a PrometheusRule and as a plain rule file: the
    # operator applies one, a server loads the other; two plain copies would double the alerts.
    plain = rulefile(group(alert("lag_seconds > 300")))
    manifest = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\nspec:\n" + \
        textwrap.indent(plain, "  ")
    (tmp_path / "alerts.yaml").write_text(plain)
    (tmp_path / "prometheusrule.yaml").write_text(manifest)
    assert "rule/duplicate-identical" not in {f.check for f in lint_paths([str(tmp_path)]).findings}
    (tmp_path / "copy.yaml").write_text(plain)
    assert "rule/duplicate-identical" in {f.check for f in lint_paths([str(tmp_path)]).findings}


# --- demoted: policy only when declared, cosmetic regexes as info, undeclared environment --------


def test_no_policy_findings_without_a_policy(tmp_path: Path) -> None:
    text = rulefile(group(alert("up == 0", labels="severity: page") + alert("up == 1", name="B", labels="team: x")))
    assert not {"alert/missing-label", "alert/severity-value", "alert/missing-annotation"} & checks(tmp_path, text)


def test_cosmetic_regexes_are_info(tmp_path: Path) -> None:
    text = rulefile(group(alert('sum(rate(x_total{code!~"^4..$", job=~"api"}[5m])) > 1')))
    got = {(f.check, str(f.severity)) for f in lint(tmp_path, text)}
    assert ("promql/regex-anchors", "info") in got and ("promql/regex-literal", "info") in got


def test_rate_window_against_an_undeclared_scrape_interval(tmp_path: Path) -> None:
    # rate(x[1m]) holds two samples at a 15s or 30s scrape, none at Prometheus' default 1m: the
    # linter cannot know which, so it only hints. [20s] is too short even for a 15s scrape (two
    # samples need more than 15s between them inside the window) and stays a warning; declared,
    # the check is an error again.
    text = rulefile(group(alert("rate(x_total[1m]) > 1") + alert("rate(x_total[20s]) > 1", name="B")))
    got = {(f.rule, str(f.severity)) for f in lint(tmp_path, text) if f.check == "counter/rate-window"}
    assert got == {("A", "info"), ("B", "warning")}
    declared = LintConfig(scrape_interval_ms=60_000, scrape_interval_declared=True)
    got = {(f.rule, str(f.severity)) for f in lint(tmp_path, text, declared) if f.check == "counter/rate-window"}
    assert got == {("A", "error"), ("B", "error")}


def test_dashboard_url_is_not_a_typo(tmp_path: Path) -> None:
    # The mixins' `dashboard_url` extends `dashboard`; `sumary` is a typo of `summary`.
    text = rulefile(group(alert("up == 0") + "  annotations: {dashboard_url: 'https://g/d', sumary: s}\n"))
    found = [f.message for f in lint(tmp_path, text) if f.check == "labels/typo"]
    assert found == ["annotation sumary looks like a misspelt summary"]


# --- misses -----------------------------------------------------------------------------------


def test_without_removes_labels_from_the_flow(tmp_path: Path) -> None:
    # `sum without (instance)` keeps every label but instance: {{ $labels.instance }} is empty.
    text = rulefile(group(alert("sum without (instance) (up) == 0")
                          + "  annotations: {summary: '{{ $labels.instance }} {{ $labels.job }}'}\n"))
    found = [f.message for f in lint(tmp_path, text) if f.check == "template/missing-label"]
    assert len(found) == 1 and "$labels.instance" in found[0] and "any label but instance" in found[0]
    # The same for le before histogram_quantile.
    text = rulefile(group(alert("histogram_quantile(0.9, sum without (le) (rate(h_bucket[5m]))) > 1")))
    assert "histogram/quantile-without-le" in checks(tmp_path, text)
    assert flow(A.parse("label_replace(sum without (instance) (up), 'instance', 'x', '', '')")).can_have("instance")


def test_for_longer_than_the_gaps_of_a_recorded_series(tmp_path: Path) -> None:
    # konflux_up recorded every 10m: an instant selector sees a sample for 5m (the lookback) and
    # then nothing for 5m. The alert, evaluated every 1m, loses its pending state in each gap,
    # so `for: 25m` (anything from 5m up) can never elapse.
    records = group(record("konflux_up", "min(probe_success)"), name="availability", interval="10m")
    alerts = group(alert("konflux_up == 0", extra="  for: 25m\n"), name="alerts")
    found = [f for f in lint(tmp_path, rulefile(records, alerts)) if f.check == "alert/never-fires-gaps"]
    assert len(found) == 1 and str(found[0].severity) == "error" and "recorded every 10m" in found[0].message
    # Near misses: a for shorter than the lookback; a range bridging the gap; the same group
    # (evaluated right after the recording).
    for alerts in (group(alert("konflux_up == 0", extra="  for: 4m\n"), name="alerts"),
                   group(alert("max_over_time(konflux_up[10m]) == 0", extra="  for: 25m\n"), name="alerts")):
        assert "alert/never-fires-gaps" not in checks(tmp_path, rulefile(records, alerts))
    same = group(record("konflux_up", "min(probe_success)") + alert("konflux_up == 0", extra="  for: 25m\n"),
                 name="availability", interval="10m")
    assert "alert/never-fires-gaps" not in checks(tmp_path, rulefile(same))


def test_gaps_of_the_recording_rule_the_selector_reads(tmp_path: Path) -> None:
    # konflux_up is recorded every minute for services and every 10m for probes (check="probe",
    # set by a constant label_replace): an alert on konflux_up{check="probe"} reads the slow one.
    fast = group(record("konflux_up", 'label_replace(up, "check", "replicas", "", "")'), name="fast")
    slow = group(record("konflux_up", 'label_replace(avg_over_time(probe_success[10m]), "check", "probe", "", "")'),
                 name="probes", interval="10m")
    for selector, reported in (('konflux_up{check="probe"}', True), ('konflux_up{check="replicas"}', False)):
        alerts = group(alert(f"{selector} != 1", extra="  for: 25m\n"), name="alerts")
        assert ("alert/never-fires-gaps" in checks(tmp_path, rulefile(fast, slow, alerts))) is reported, selector


def test_for_longer_than_a_declared_scrape_interval_gap(tmp_path: Path) -> None:
    # Scraped every 10m (declared), a raw series has the same 5m gaps.
    text = rulefile(group(alert("batch_ok == 0", extra="  for: 15m\n")))
    cfg = LintConfig(scrape_interval_ms=600_000, scrape_interval_declared=True)
    assert "alert/never-fires-gaps" in checks(tmp_path, text, cfg)
    assert "alert/never-fires-gaps" not in checks(tmp_path, text)


def test_sum_of_up_equal_zero_misses_vanished_targets(tmp_path: Path) -> None:
    # When every target of the job disappears from service discovery there is no up series:
    # sum() returns nothing and == 0 never holds.
    text = rulefile(group(alert('sum(up{job="app"}) == 0')))
    assert "alert/never-fires-empty-count" in checks(tmp_path, text)
    text = rulefile(group(alert('sum(up{job="app"}) == 0 or absent(up{job="app"})')))
    assert "alert/never-fires-empty-count" not in checks(tmp_path, text)


def test_or_on_vector_is_a_phantom_series(tmp_path: Path) -> None:
    # vector(1e-6) has no source_cluster; `or on(source_cluster)` adds it unless some left series
    # also lacks source_cluster, i.e. whenever the left side has data: konflux_up{} = 1e-6 is
    # recorded forever next to the per-cluster series.
    text = rulefile(group(record("konflux_up", "sum by (source_cluster) (rate(e_total[5m])) / sum by "
                                               "(source_cluster) (rate(r_total[5m])) or on(source_cluster) "
                                               "vector(0.000001)")))
    got = lint(tmp_path, text)
    assert [f.check for f in got if f.check in ("promql/phantom-series", "promql/join-label-missing")] == [
        "promql/phantom-series"]
    # The fallback idiom: a label-less left side; and `x or absent(x)`, empty while x exists.
    for expr in ("sum(rate(e_total[5m])) or vector(0)", "rate(e_total[5m]) or 0 * absent(e_total)"):
        assert "promql/phantom-series" not in checks(tmp_path, rulefile(group(record("r", expr))))
    assert "promql/phantom-series" in checks(tmp_path, rulefile(group(record("r", "sum by (job) (x) or vector(0)"))))


@pytest.mark.parametrize("expr", [
    # increase() reads each drop of the sum (one counter resetting) as a reset of the whole sum.
    "increase((sum(x_total) or vector(0))[1h:5m]) > 10",
    "increase((max without (instance) (x_total) or 0 * absent(x_total))[15m:1m]) >= 4",
])
def test_counter_aggregated_before_increase(expr: str, tmp_path: Path) -> None:
    assert "counter/rate-after-aggregation" in checks(tmp_path, rulefile(group(alert(expr))))


def test_rate_of_a_raw_series_named_like_a_recording(tmp_path: Path) -> None:
    # kubermatic records container_cpu_usage_seconds_total{job="cadvisor-vpa"} (a sum, for the
    # VPA); rate(container_cpu_usage_seconds_total{job="cadvisor"}[5m]) reads the raw counters.
    recording = record("container_cpu_usage_seconds_total",
                       'label_replace(sum by (pod) (container_cpu_usage_seconds_total{job="cadvisor"}), '
                       '"job", "cadvisor-vpa", "", "")')
    text = rulefile(group(recording + record("ns:cpu:rate", 'sum(rate(container_cpu_usage_seconds_total'
                                                            '{job="cadvisor"}[5m]))')))
    assert "counter/rate-after-aggregation" not in checks(tmp_path, text)
    text = rulefile(group(recording + record("ns:cpu:rate", 'sum(rate(container_cpu_usage_seconds_total'
                                                            '{job="cadvisor-vpa"}[5m]))')))
    assert "counter/rate-after-aggregation" in checks(tmp_path, text)


def test_rate_of_a_recorded_sum_behind_or(tmp_path: Path) -> None:
    text = rulefile(group(record("job:x:sum", "sum by (job) (x_total) or vector(0)")
                          + alert("rate(job:x:sum[5m]) > 1")))
    assert "counter/rate-after-aggregation" in checks(tmp_path, text)
    text = rulefile(group(alert("increase(sum(rate(x_total[5m]))[1h:5m]) > 1")))
    assert "counter/rate-after-aggregation" not in checks(tmp_path, text)


# --- finding rule files by content ---------------------------------------------------------------

CRD = """apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: x}
spec:
  groups:
    - name: g
      rules:
        - alert: A
          expr: up == 0
"""


def test_rule_files_are_found_by_content(tmp_path: Path) -> None:
    (tmp_path / "a.prometheusrules.yaml.test").write_text(CRD)
    (tmp_path / "alerts.yml.example").write_text(rulefile(group(alert("up"))))
    # Not rules: a Prometheus configuration and a Kubernetes manifest (once linted as rule
    # files, they were reported as unknown fields).
    (tmp_path / "prometheus.yml").write_text("global: {scrape_interval: 15s}\nrule_files: [alerts.yml]\n"
                                             "scrape_configs: []\n")
    (tmp_path / "deploy.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "r.yml").write_text(rulefile(group(alert("up"))))
    result = lint_paths([str(tmp_path)])
    assert result.files == 2 and result.rules == 2
    assert {Path(f.file).name for f in result.findings if f.check == "alert/no-condition"} == {"alerts.yml.example"}
    # A broken YAML file with a YAML name is still reported, not skipped.
    (tmp_path / "broken.yml").write_text("groups: [\n")
    assert "yaml/parse" in {f.check for f in lint_paths([str(tmp_path)]).findings}


def test_a_run_that_lints_nothing_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here\n")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ruletest.cli", "lint", *args], capture_output=True,
                              text=True, cwd=tmp_path)

    proc = run(".")
    assert proc.returncode == 2 and "no rule files or promtool test files" in proc.stderr
    (tmp_path / "r.yml.test").write_text(rulefile(group(alert("up == 0"))))
    assert run(".").returncode == 0


# --- the label-flow helpers themselves -----------------------------------------------------------


@pytest.mark.parametrize(("pattern", "values"), [
    ("a|b", {"a", "b"}), ("(?:a|b)", {"a", "b"}), ("^db1:9100$", {"db1:9100"}), ("a\\.b", {"a.b"}),
    ("a|", {"a", ""}), ("", {""}), ("(a)|(b)", {"a", "b"}), ("(run|stop)_sandbox", {"run_sandbox", "stop_sandbox"}),
    ("^(?:5..)$", None), ("a.*", None), ("\\d+", None), ("(?i)a", None), ("a^b", None), ("(a", None),
])
def test_literal_alternatives(pattern: str, values: set[str] | None) -> None:
    assert literal_alternatives(pattern) == (None if values is None else frozenset(values))


@pytest.mark.parametrize(("pattern", "prefixes"), [
    ("5..", {"5"}), ("^(?:5..)$", {"5"}), ("dse-k8s-.*|ms-.*", {"dse-k8s-", "ms-"}), ("ab?c", {"a"}),
    ("a\\.b.*", {"a.b"}), (".*x", None), ("a|.*", None), ("(a|b)c", None),
])
def test_regex_prefixes(pattern: str, prefixes: set[str] | None) -> None:
    assert regex_prefixes(pattern) == prefixes
