"""Lint output formats: text, json, github (workflow commands), sarif 2.1.0, checkstyle."""

from __future__ import annotations

import hashlib
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from ruletest import __version__
from ruletest.lint.model import CATALOG, Finding, LintResult, Severity


def _rel(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


def text(result: LintResult) -> str:
    lines = []
    for f in result.findings:
        where = f"{_rel(f.file)}:{f.line}" if f.line else _rel(f.file)
        rule = f" [{f.rule}]" if f.rule else ""
        lines.append(f"{where}: {f.severity} {f.check}{rule}: {f.message}")
        if f.fragment and f.fragment not in f.message:
            lines.append(f"    {f.fragment}")
    counts = {s: sum(1 for f in result.findings if f.severity == s) for s in Severity}
    queries = f", {result.queries} dashboard quer{'y' if result.queries == 1 else 'ies'}" if result.queries else ""
    lines.append(f"{result.files} file(s), {result.rules} rule(s){queries}: {counts[Severity.ERROR]} error(s), "
                 f"{counts[Severity.WARNING]} warning(s), {counts[Severity.INFO]} info")
    return "\n".join(lines) + "\n"


def json_report(result: LintResult) -> str:
    return json.dumps({"files": result.files, "rules": result.rules, "queries": result.queries, "findings": [
        {"check": f.check, "severity": str(f.severity), "message": f.message, "file": _rel(f.file),
         "line": f.line, "rule": f.rule, "fragment": f.fragment} for f in result.findings]}, indent=2) + "\n"


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github(result: LintResult) -> str:
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    out = []
    for f in result.findings:
        props = f"file={_escape_prop(_rel(f.file))}"
        if f.line:
            props += f",line={f.line}"
        props += f",title={_escape_prop(f.check)}"
        out.append(f"::{level[f.severity]} {props}::{_escape_data(f.message)}")
    return "\n".join(out) + ("\n" if out else "")


def _fingerprint(f: Finding) -> str:
    return hashlib.sha256(f"{f.check}|{_rel(f.file)}|{f.rule}|{f.message}".encode()).hexdigest()


def sarif(result: LintResult) -> str:
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    used = sorted({f.check for f in result.findings})
    rules = []
    for cid in used:
        info = CATALOG.get(cid)
        rules.append({
            "id": cid,
            "shortDescription": {"text": info.summary if info else cid},
            "fullDescription": {"text": (info.explain if info else "") or (info.summary if info else cid)},
            "defaultConfiguration": {"level": level[info.severity] if info else "warning"},
        })
    results = []
    for f in result.findings:
        physical: dict[str, Any] = {"artifactLocation": {"uri": Path(_rel(f.file)).as_posix(),
                                                         "uriBaseId": "%SRCROOT%"}}
        if f.line:
            physical["region"] = {"startLine": f.line}
        location = {"physicalLocation": physical}
        results.append({"ruleId": f.check, "ruleIndex": used.index(f.check), "level": level[f.severity],
                        "message": {"text": f.message}, "locations": [location],
                        "partialFingerprints": {"ruletest/v1": _fingerprint(f)}})
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": "ruletest", "version": __version__,
                            "informationUri": "https://github.com/ruletest/ruletest", "rules": rules}},
        "results": results}]}
    return json.dumps(doc, indent=2) + "\n"


def checkstyle(result: LintResult) -> str:
    root = ET.Element("checkstyle", {"version": "4.3"})
    by_file: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_file.setdefault(_rel(f.file), []).append(f)
    for name, items in by_file.items():
        fe = ET.SubElement(root, "file", {"name": name})
        for f in items:
            ET.SubElement(fe, "error", {"line": str(f.line or 0), "severity": {3: "error", 2: "warning", 1: "info"}[
                int(f.severity)], "message": f.message, "source": f.check})
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


FORMATS = {"text": text, "json": json_report, "github": github, "sarif": sarif, "checkstyle": checkstyle}
