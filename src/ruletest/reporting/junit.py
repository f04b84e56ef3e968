"""JUnit XML in promtool's shape: one testsuite per file, one testcase per test group."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from ruletest.reporting.promtool import detail, message
from ruletest.results import FileResult


def junit_xml(results: Sequence[FileResult]) -> str:
    root = ET.Element("testsuites")
    for r in results:
        groups = r.groups
        failures = sum(1 for g in groups if not g.passed) + (1 if r.problems else 0)
        suite = ET.SubElement(root, "testsuite", {
            "name": r.path, "tests": str(len(groups)), "failures": str(failures), "errors": "0",
            "skipped": "0", "timestamp": datetime.now().strftime("%Y-%m-%dT%H:%M:%S")})
        if r.problems:
            tc = ET.SubElement(suite, "testcase", {"name": "(file)"})
            for p in r.problems:
                text = message(p)
                ET.SubElement(tc, "failure", {"message": text.strip().splitlines()[0]}).text = text
        for g in groups:
            tc = ET.SubElement(suite, "testcase", {"name": g.name})
            for p in g.all_problems():
                text = message(p)
                info = detail(p)
                ET.SubElement(tc, "failure", {"message": text.strip().splitlines()[0]}).text = (
                    text + ("\n" + info if info else ""))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
