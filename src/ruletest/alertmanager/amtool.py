"""amtool's inputs and outputs, for the drop-in commands: ``check-config``'s report, the JSON
``--template.data`` of ``template render`` and its built-in default data."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from ruletest.alertmanager.config import Config
from ruletest.alertmanager.gotime import NS, GoTime, TimeError, parse_rfc3339
from ruletest.alertmanager.template_data import TemplateAlert, TemplateData
from ruletest.alertmanager.version import Version
from ruletest.errors import RuletestError


class DataError(RuletestError):
    pass


def found_block(config: Config) -> list[str]:
    """The ``Found:`` lines ``amtool check-config`` prints for a loaded file."""
    return ["Found:", " - global config", " - route", f" - {len(config.inhibit_rules)} inhibit rules",
            f" - {len(config.receivers)} receivers", f" - {len(config.templates)} templates"]


def default_data(version: Version, now_ns: int | None = None) -> TemplateData:
    """``cli/template_render.go defaultData``: times are relative to now, both alerts have
    status ``alertstatus`` (0.28+: one firing, one resolved)."""
    now = now_ns if now_ns is not None else time.time_ns()
    s1, s2 = ("firing", "resolved") if version.amtool_default_statuses else ("alertstatus", "alertstatus")
    alerts = (
        TemplateAlert(s1, {"label1": "value1", "label2": "value2", "instance": "foo.bar:1234",
                           "commonlabelkey1": "commonlabelvalue1", "commonlabelkey2": "commonlabelvalue2"},
                      {"annotation1": "value1", "annotation2": "value2",
                       "commonannotationkey1": "commonannotationvalue1", "commonannotationkey2": "commonannotationvalue2"},
                      GoTime(now - 300 * NS), GoTime(now), "https://generatorurl.com", "fingerprint1"),
        TemplateAlert(s2, {"foo": "bar", "baz": "qux", "commonlabelkey1": "commonlabelvalue1",
                           "commonlabelkey2": "commonlabelvalue2"},
                      {"aaa": "bbb", "ccc": "ddd", "commonannotationkey1": "commonannotationvalue1",
                       "commonannotationkey2": "commonannotationvalue2"},
                      GoTime(now - 600 * NS), GoTime(now), "https://generatorurl.com", "fingerprint2"),
    )
    return TemplateData("receiver", "alertstatus", alerts,
                        {"grouplabelkey1": "grouplabelvalue1", "grouplabelkey2": "grouplabelvalue2"},
                        {"commonlabelkey1": "commonlabelvalue1", "commonlabelkey2": "commonlabelvalue2"},
                        {"commonannotationkey1": "commonannotationvalue1",
                         "commonannotationkey2": "commonannotationvalue2"},
                        "https://example.com", pointer=False)


def _field(obj: Mapping[str, Any], name: str) -> Any:
    """encoding/json matches keys case-insensitively (an exact match first)."""
    if name in obj:
        return obj[name]
    for k, v in obj.items():
        if k.lower() == name.lower():
            return v
    return None


def _string(v: Any, where: str) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise DataError(f"json: cannot unmarshal {_json_kind(v)} into Go struct field {where} of type string")
    return v


def _json_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "string"


def _kv(v: Any, where: str) -> dict[str, str]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise DataError(f"json: cannot unmarshal {_json_kind(v)} into Go struct field {where} of type template.KV")
    return {k: _string(x, where) for k, x in v.items()}


def _time(v: Any) -> GoTime:
    if v is None:
        return GoTime.zero()
    if not isinstance(v, str):
        raise DataError(f"json: cannot unmarshal {_json_kind(v)} into Go value of type time.Time")
    try:
        return parse_rfc3339(v)
    except TimeError:
        raise DataError(f'parsing time "\\"{v}\\"" as "\\"2006-01-02T15:04:05Z07:00\\"": cannot parse '
                        f'"{v}\\"" as "2006"') from None


def data_from_json(text: str) -> TemplateData:
    """``--template.data``: a JSON ``template.Data`` (missing fields are zero values)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(doc, dict):
        raise DataError(f"json: cannot unmarshal {_json_kind(doc)} into Go value of type template.Data")
    alerts = []
    for a in _field(doc, "alerts") or []:
        if not isinstance(a, dict):
            raise DataError(f"json: cannot unmarshal {_json_kind(a)} into Go struct field Data.alerts of type "
                            "template.Alert")
        alerts.append(TemplateAlert(
            _string(_field(a, "status"), "Alert.alerts.status"), _kv(_field(a, "labels"), "Alert.alerts.labels"),
            _kv(_field(a, "annotations"), "Alert.alerts.annotations"), _time(_field(a, "startsAt")),
            _time(_field(a, "endsAt")), _string(_field(a, "generatorURL"), "Alert.alerts.generatorURL"),
            _string(_field(a, "fingerprint"), "Alert.alerts.fingerprint")))
    return TemplateData(
        _string(_field(doc, "receiver"), "Data.receiver"), _string(_field(doc, "status"), "Data.status"),
        tuple(alerts), _kv(_field(doc, "groupLabels"), "Data.groupLabels"),
        _kv(_field(doc, "commonLabels"), "Data.commonLabels"),
        _kv(_field(doc, "commonAnnotations"), "Data.commonAnnotations"),
        _string(_field(doc, "externalURL"), "Data.externalURL"), pointer=False)
