"""JUnit XML: one testsuite per test file.

By default one testcase per assertion, named like the pytest item (``group::HighErrorRate@10m``),
with its ``time`` and the YAML file and line (as ``file``/``line`` attributes, which GitLab and
pytest's xunit1 use, and as properties). ``promtool_compat`` keeps ``promtool test rules
--junit``'s shape instead: one testcase per test group, named by the group, no times.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from ruletest.reporting.outcomes import file_outcomes
from ruletest.reporting.promtool import detail, message
from ruletest.results import FileResult, Problem


def junit_xml(results: Sequence[FileResult], *, promtool_compat: bool = False) -> str:
    root = ET.Element("testsuites")
    stamp = datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
    for r in results:
        if promtool_compat:
            _promtool_suite(root, r, stamp)
        else:
            _suite(root, r, stamp)
    if not promtool_compat:
        for key in ("tests", "failures", "errors", "skipped"):
            root.set(key, str(sum(int(s.get(key, "0")) for s in root)))
        root.set("time", _seconds(sum(r.duration_s for r in results)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite(root: ET.Element, r: FileResult, stamp: str) -> None:
    outs = list(file_outcomes(r))
    suite = ET.SubElement(root, "testsuite", {
        "name": r.path, "tests": str(len(outs)), "failures": str(sum(1 for o in outs if o.status == "failed")),
        "errors": "0", "skipped": str(sum(1 for o in outs if o.status == "skipped")),
        "time": _seconds(r.duration_s), "timestamp": stamp})
    for o in outs:
        attrs = {"name": o.id, "classname": r.path, "time": _seconds(o.time_s), "file": o.where.file}
        if o.where.line is not None:
            attrs["line"] = str(o.where.line)
        tc = ET.SubElement(suite, "testcase", attrs)
        props = ET.SubElement(tc, "properties")
        ET.SubElement(props, "property", {"name": "file", "value": o.where.file})
        if o.where.line is not None:
            ET.SubElement(props, "property", {"name": "line", "value": str(o.where.line)})
        for p in o.problems:
            _failure(tc, p, with_type=True)
        if o.status == "skipped":
            ET.SubElement(tc, "skipped", {"message": "not run: the group stopped before this eval_time"})


def _promtool_suite(root: ET.Element, r: FileResult, stamp: str) -> None:
    groups = r.groups
    failures = sum(1 for g in groups if not g.passed) + (1 if r.problems else 0)
    suite = ET.SubElement(root, "testsuite", {
        "name": r.path, "tests": str(len(groups)), "failures": str(failures), "errors": "0",
        "skipped": "0", "timestamp": stamp})
    if r.problems:
        tc = ET.SubElement(suite, "testcase", {"name": "(file)"})
        for p in r.problems:
            _failure(tc, p, with_type=False)
    for g in groups:
        tc = ET.SubElement(suite, "testcase", {"name": g.name})
        for p in g.all_problems():
            _failure(tc, p, with_type=False)


def _failure(tc: ET.Element, p: Problem, *, with_type: bool) -> None:
    text = message(p)
    info = detail(p)
    attrs = {"message": text.strip().splitlines()[0] if text.strip() else str(p.code)}
    if with_type:
        attrs["type"] = str(p.code)
    ET.SubElement(tc, "failure", attrs).text = text + ("\n" + info if info else "")


def _seconds(s: float) -> str:
    return f"{s:.3f}"
