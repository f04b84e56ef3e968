"""The JSON Schemas editors use: every fixture and every test and rule file of the realworld
corpus validates; misspelt keys do not; the committed copies are what ``ruletest schema`` prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from ruletest.schema import schema_for_rule_files, schema_for_test_files
from ruletest.yamlnodes import parse_source
from tests.needs import CORPUS, REPO, params

TEST = jsonschema.Draft7Validator(schema_for_test_files())
RULES = jsonschema.Draft7Validator(schema_for_rule_files())


def _documents(path: Path) -> list[object]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def _errors(validator: jsonschema.Draft7Validator, doc: object) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


@pytest.mark.parametrize("path", sorted((REPO / "fixtures").glob("*.yml")), ids=lambda p: p.name)
def test_fixtures_validate(path: Path) -> None:
    assert _errors(TEST, _documents(path)[0]) == []


@pytest.mark.parametrize("path", sorted((REPO / "rules").glob("*.yml")), ids=lambda p: p.name)
def test_bundled_rules_validate(path: Path) -> None:
    assert _errors(RULES, _documents(path)[0]) == []


def _corpus_files() -> list[Path]:
    # VictoriaMetrics' files are vmalert-tool's dialect, not promtool's.
    return sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yml", ".yaml") and "VictoriaMetrics" not in str(p))


# promtool's own fixture with deliberately unknown rule group fields (valid only with
# --ignore-unknown-fields): the schema must flag it.
UNKNOWN_FIELDS = "prometheus__prometheus/cmd/promtool/testdata/rules_extrafields.yml"


@pytest.mark.needs("corpus")
@pytest.mark.parametrize("path", params(_corpus_files() if CORPUS.exists() else [], "corpus",
                                        ids=lambda p: str(p.relative_to(CORPUS))))
def test_corpus_files_validate(path: Path) -> None:
    source = parse_source(path.read_text(encoding="utf-8"), str(path))
    if source.error is not None:
        # Not YAML (promtool's deliberately broken fixtures): no schema applies; what an editor
        # cannot say, ruletest's loaders do, located and coded.
        assert (source.error.code, source.error.file) == ("yaml/parse", str(path)) and source.error.line
        return
    docs = _documents(path)
    if not docs or not isinstance(docs[0], dict):
        return
    first = docs[0]
    if "tests" in first:
        assert _errors(TEST, first) == []
    elif "groups" in first or first.get("kind") == "PrometheusRule":
        errors = [e for doc in (docs if first.get("kind") == "PrometheusRule" else docs[:1]) for e in _errors(RULES, doc)]
        assert bool(errors) == str(path).endswith(UNKNOWN_FIELDS), errors


@pytest.mark.parametrize(("validator", "doc", "where"), [
    (TEST, {"tests": [{"intervall": "1m"}]}, "tests/0"),
    (TEST, {"tests": [{"alert_rule_test": [{"alertname": "X", "exp_alerts": [{"exp_annotation": {}}]}]}]},
     "tests/0/alert_rule_test/0/exp_alerts/0"),
    (TEST, {"tests": [{"alert_state_test": [{"alertname": "X", "at": "1m", "state": "burning"}]}]},
     "tests/0/alert_state_test/0/state"),
    (TEST, {"evaluation_interval": "one minute"}, "evaluation_interval"),
    (RULES, {"groups": [{"name": "g", "rules": [{"alert": "X", "expr": "up", "anotations": {}}]}]}, ""),
])
def test_misspelt_keys_do_not_validate(validator: jsonschema.Draft7Validator, doc: object, where: str) -> None:
    errors = _errors(validator, doc)
    assert errors and any(e.startswith(where) for e in errors), errors


@pytest.mark.parametrize(("kind", "file"), [("test", "test-file.schema.json"), ("rules", "rule-file.schema.json")])
def test_committed_schemas_are_current(kind: str, file: str) -> None:
    printed = subprocess.run([sys.executable, "-m", "ruletest.cli", "schema", kind], capture_output=True, text=True,
                             check=True).stdout
    assert json.loads(printed) == json.loads((REPO / "schemas" / file).read_text())
