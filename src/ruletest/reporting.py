"""Reports of test runs: promtool's text layout, JUnit XML in promtool's shape, and ruletest's
explanations (diffs and alert timelines)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from ruletest.runner import FileResult


def promtool_text(result: FileResult, *, diff: bool = False, explain: bool = True) -> tuple[str, str]:
    """(stdout, stderr) as ``promtool test rules`` prints them for one file, plus explanations."""
    out = [f"Unit Testing:  {result.path}"]
    err: list[str] = list(result.warnings)
    err.extend(g.debug for g in result.groups if g.debug)
    problems = result.all_problems()
    if not problems:
        out.append("  SUCCESS")
        out.append("")
        return "\n".join(out) + "\n", "\n".join(err) + ("\n" if err else "")
    err.append("  FAILED:")
    for p in problems:
        text = p.message
        if p.line is not None and p.kind in ("alert", "expr", "strict", "load") and not text.startswith(result.path):
            text = f"{text}\n        at {result.path}:{p.line}"
        err.append(text)
        if explain and p.detail and (diff or p.kind == "alert"):
            err.append(_indent_block(p.detail, "        "))
        err.append("")
    out.append("")
    return "\n".join(out) + "\n", "\n".join(err) + "\n"


def _indent_block(text: str, indent: str) -> str:
    return "\n".join(indent + line if line else line for line in text.split("\n"))


def junit_xml(results: Sequence[FileResult]) -> str:
    """JUnit XML like promtool's ``--junit``: one testsuite per file, one testcase per test group."""
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
                ET.SubElement(tc, "failure", {"message": p.message.strip().splitlines()[0]}).text = p.message
        for g in groups:
            tc = ET.SubElement(suite, "testcase", {"name": g.group.display_name})
            for p in g.problems:
                ET.SubElement(tc, "failure", {"message": p.message.strip().splitlines()[0]}).text = (
                    p.message + ("\n" + p.detail if p.detail else ""))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
