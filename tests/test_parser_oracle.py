"""ruletest's parser in 2.x mode against promtool 2.42: the same verdict and the same message.

Every input goes into one rule file that ``promtool check rules`` reads once; its report gives,
per rule, ``could not parse expression: <Prometheus' message>``. Inputs: the expressions of
Prometheus 3.14's ``parse_test.go`` table (which 2.42 refuses in part), regular expressions whose
errors come from Go's ``regexp/syntax``, and mutated expressions from a fixed seed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from ruletest.promql.parser import ParseOptions, PromQLParseError, parse_promql
from tests.promql_fuzz import mutations, parse_test_inputs

pytestmark = pytest.mark.oracle

REGEXES = [r'x{a=~"(a"}', r'x{a=~"a)"}', r'x{a=~"[a"}', r'x{a=~"a**"}', r'x{a=~"*"}', r'x{a=~"\\"}',
           r'x{a=~"(?P<>a)"}', r'x{a=~"[z-a]"}', r'x{a=~"\\8"}', r'x{a=~"x{1001}"}', r'x{a=~"(?i"}',
           r'x{a=~"\\pX"}', r'x{a=~"a{2,1}"}', r'x{a=~"\\Qa.b\\E"}', r'x{a=~"[[:foo:]]"}', r'x{a=~"(?<n>a)"}',
           r'x{a!~"a++"}', r'x{a=~"a{1000}"}', r'x{a=~"\\C"}', r'x{a=~"(?P<n>a)(?P<n>b)"}', r'x{a=~"\\z"}',
           r'x{a=~"[\\d-z]"}', r'x{a=~"a{,5}"}', r'x{a=~"(?U)a+"}', r'x{a=~"(?m)^a$"}']


def _inputs() -> list[str]:
    pool = parse_test_inputs()
    texts = pool + REGEXES + mutations(pool, 600, seed=20260601)
    out = []
    for t in dict.fromkeys(texts):
        try:
            t.encode("utf-8")
        except UnicodeEncodeError:
            continue  # a YAML rule file cannot hold invalid UTF-8
        if t.strip() and "\x00" not in t:
            out.append(t)
    return out


INPUTS = _inputs()


@pytest.fixture(scope="module")
def promtool_messages(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    path: Path = tmp_path_factory.mktemp("oracle") / "rules.yml"
    rules = [{"record": f"r{i}", "expr": text} for i, text in enumerate(INPUTS)]
    path.write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": rules}]}, default_style='"',
                                   allow_unicode=True, width=10**9))
    proc = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True, check=False)
    found: dict[int, str] = {}
    for line in (proc.stdout + proc.stderr).splitlines():
        m = re.match(r'.*?group "g", rule (\d+), "r\d+": could not parse expression: (.*)$', line)
        if m:
            found[int(m.group(1)) - 1] = m.group(2)
    assert found, proc.stdout + proc.stderr
    return found


def test_same_verdicts_and_messages_as_promtool_242(promtool_messages: dict[int, str]) -> None:
    differences = []
    for i, text in enumerate(INPUTS):
        try:
            parse_promql(text, ParseOptions(2))
            ours = None
        except PromQLParseError as exc:
            ours = exc.message
        if ours != promtool_messages.get(i):
            differences.append((text, promtool_messages.get(i), ours))
    assert differences == []
    assert len(INPUTS) > 800 and len(promtool_messages) > 300
