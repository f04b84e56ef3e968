"""JSON Schemas (draft-07, what editors' YAML language servers read) for promtool test files
with ruletest's additions, and for Prometheus rule files (plain, or PrometheusRule manifests).

Built from the loaders' own field lists, so a key the loader accepts is a key the schema
accepts and a misspelt one is flagged in the editor before ruletest sees it.
"""

from __future__ import annotations

from typing import Any

from ruletest import promtool_format as F
from ruletest.alertmanager import assertions as AM
from ruletest.rules import loader as L

JsonSchema = dict[str, Any]

# Go's YAML decoding puts any scalar's text into a string field (`severity: 5` is "5", an empty
# value is "").
_SCALAR: JsonSchema = {"type": ["string", "number", "boolean", "null"]}
_DURATION: JsonSchema = {"type": ["string", "number"], "pattern": r"^(-?([0-9]+(\.[0-9]+)?(ms|s|m|h|d|w|y))+|0)$",
                         "description": "a Prometheus duration: 90s, 5m, 1h30m"}
_STRING_MAP: JsonSchema = {"type": ["object", "null"], "additionalProperties": _SCALAR}
_NUMBER: JsonSchema = {"type": ["number", "string"]}
_REGEX_MAP: JsonSchema = {"type": "object", "additionalProperties": {"type": "string"},
                          "description": "values that must fully match an RE2 regex (ruletest)"}
_MATCH: JsonSchema = {"enum": ["exact", "subset"], "description": "subset: only the listed labels must match (ruletest)"}
_COUNT: JsonSchema = {"type": "integer", "minimum": 0, "description": "exact number of results (ruletest)"}


def _object(properties: dict[str, JsonSchema], fields: frozenset[str], required: tuple[str, ...] = ()) -> JsonSchema:
    missing = fields - properties.keys()
    extra = properties.keys() - fields
    if missing or extra:  # the loader and the schema must know the same keys
        raise AssertionError(f"schema out of step with the loader: missing {sorted(missing)}, extra {sorted(extra)}")
    out: JsonSchema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    return out


def _seq(item: JsonSchema) -> JsonSchema:
    return {"type": ["array", "null"], "items": item}


def schema_for_test_files() -> JsonSchema:
    ext = F.EXTENSIONS
    sample = _object({"labels": {"type": "string"}, "value": _NUMBER, "histogram": {"type": "string"},
                      "labels_re": _REGEX_MAP}, F.SAMPLE_FIELDS | ext["main.sample"])
    expr_test = _object({
        "expr": {"type": "string"}, "eval_time": _DURATION, "exp_samples": _seq(sample),
        "match": _MATCH, "count": _COUNT,
        "tolerance": {"type": "number", "minimum": 0, "description": "absolute tolerance (ruletest)"},
        "relative_tolerance": {"type": "number", "minimum": 0, "description": "relative tolerance (ruletest)"},
        "nan_equal": {"type": "boolean", "description": "an expected NaN matches a NaN (ruletest)"},
    }, F.EXPR_TEST_FIELDS | ext["main.promqlTestCase"])
    exp_alert = _object({"exp_labels": _STRING_MAP, "exp_annotations": _STRING_MAP,
                         "exp_labels_re": _REGEX_MAP, "exp_annotations_re": _REGEX_MAP},
                        F.EXP_ALERT_FIELDS | ext["main.alert"])
    alert_test = _object({"eval_time": _DURATION, "alertname": {"type": "string"}, "exp_alerts": _seq(exp_alert),
                          "match": _MATCH, "count": _COUNT}, F.ALERT_TEST_FIELDS | ext["main.alertTestCase"])
    state_test = _object({
        "alertname": {"type": "string"}, "exp_labels": _STRING_MAP, "exp_labels_re": _REGEX_MAP,
        "at": _DURATION, "from": _DURATION, "to": _DURATION, "state": {"enum": list(F.ALERT_STATES)},
        "never": {"enum": ["pending", "firing"]}, "fires_at": _DURATION, "resolves_at": _DURATION,
    }, F.STATE_TEST_FIELDS, required=("alertname",))
    series = _object({"series": {"type": "string"}, "values": {"type": ["string", "number", "null"]}}, F.SERIES_FIELDS)
    routing_test, notification_test = _alertmanager_tests()
    group = _object({
        "name": {"type": "string"}, "interval": _DURATION, "input_series": _seq(series),
        "alert_rule_test": _seq(alert_test), "promql_expr_test": _seq(expr_test), "external_labels": _STRING_MAP,
        "external_url": {"type": "string"}, "start_timestamp": {"type": ["string", "number"]},
        "alert_state_test": {**_seq(state_test), "description": "alert lifecycle assertions (ruletest)"},
        "routing_test": routing_test, "notification_test": notification_test,
    }, F.GROUP_FIELDS | ext["main.testGroup"])
    top = _object({
        "rule_files": _seq({"type": "string"}), "evaluation_interval": _DURATION,
        "group_eval_order": _seq({"type": "string"}), "fuzzy_compare": {"type": "boolean"}, "tests": _seq(group),
        "timing": {"enum": ["promtool", "server"], "description": "evaluation schedule (ruletest)"},
        "alertmanager": {**_object({
            "config": {"type": "string", "description": "alertmanager.yml, relative to the test file"},
            "version": {"type": ["string", "number"], "pattern": r"^v?0\.\d+(\.\d+)?$",
                        "description": "the Alertmanager release to emulate, 0.25 (default) to 0.34"},
            "template_paths": {"type": "object", "additionalProperties": {"type": "string"},
                               "description": "deployed template directory -> directory relative to the test file"},
            "external_url": {"type": "string", "description": "Alertmanager's --web.external-url"},
            "resend_delay": {**_DURATION, "description": "Prometheus' --rules.alert.resend-delay (default 1m)"},
        }, F.ALERTMANAGER_FIELDS, required=("config",)),
            "description": "the Alertmanager config that routing_test and notification_test run against (ruletest)"},
    }, F.FILE_FIELDS | ext["main.unitTestFile"])
    return {"$schema": "http://json-schema.org/draft-07/schema#", "title": "promtool test file (with ruletest additions)",
            **top}


def _alertmanager_tests() -> tuple[JsonSchema, JsonSchema]:
    label_set: JsonSchema = {"type": "object", "additionalProperties": _SCALAR}
    case = _object({
        "labels": label_set, "receivers": _seq({"type": "string"}), "group_labels": _seq(label_set),
        "inhibited": {"type": "boolean"}, "muted": _seq({"type": "string"}),
    }, AM.CASE_FIELDS, required=("labels", "receivers"))
    line: JsonSchema = {"type": "string", "pattern": "->", "description": "label=value ... -> receiver, receiver"}
    routing = _object({
        "firing": {**_seq(label_set), "description": "alerts firing at the same time (inhibition sources)"},
        "at": {"type": "string", "description": "RFC 3339 time for time intervals"},
        "cases": _seq({"anyOf": [line, case]}),
    }, AM.ROUTING_FIELDS, required=("cases",))
    alert = _object({"labels": label_set, "annotations": label_set, "status": {"enum": ["firing", "resolved"]}},
                    AM.EXP_ALERT_FIELDS)
    exp = _object({
        "at": _DURATION, "status": {"enum": ["firing", "resolved"]}, "group_labels": label_set, "alerts": _seq(alert),
        "fields": {**label_set, "description": "rendered fields, exactly (title, text, description, ...)"},
        "fields_contain": {**label_set, "description": "rendered fields, by substring"},
    }, AM.EXP_NOTIFICATION_FIELDS)
    test = _object({
        "eval_time": _DURATION, "from": _DURATION, "receiver": {"type": "string"},
        "integration": {"type": "string", "description": "slack, or slack[1]: needed when the receiver has several"},
        "exp_notifications": _seq(exp),
    }, AM.NOTIFICATION_TEST_FIELDS, required=("eval_time", "receiver"))
    return ({**routing, "description": "routing table: label sets -> receivers (ruletest)"},
            {**_seq(test), "description": "notifications a receiver is sent (ruletest)"})


def schema_for_rule_files() -> JsonSchema:
    rule = _object({
        "record": {"type": "string"}, "alert": {"type": "string"}, "expr": _SCALAR, "for": _DURATION,
        "keep_firing_for": _DURATION, "labels": _STRING_MAP, "annotations": _STRING_MAP,
    }, L.RULE_FIELDS, required=("expr",))
    group = _object({
        "name": {"type": "string"}, "interval": _DURATION, "query_offset": _DURATION, "limit": {"type": "integer"},
        "labels": _STRING_MAP, "rules": _seq(rule),
    }, L.GROUP_FIELDS, required=("name",))
    groups: JsonSchema = {"type": ["array", "null"], "items": group}
    plain = _object({"groups": groups}, frozenset({"groups"}))
    manifest: JsonSchema = {
        "type": "object", "required": ["spec"],
        "properties": {"apiVersion": {"type": "string"}, "kind": {"const": "PrometheusRule"},
                       "metadata": {"type": "object"},
                       "spec": {"type": "object", "properties": {"groups": groups}}},
    }
    return {"$schema": "http://json-schema.org/draft-07/schema#", "title": "Prometheus rule file",
            "anyOf": [plain, manifest]}


SCHEMAS = {"test": schema_for_test_files, "rules": schema_for_rule_files}
