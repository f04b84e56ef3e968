"""A run as GitHub-flavoured Markdown, for CI job summaries (``$GITHUB_STEP_SUMMARY``, GitLab
and others render it): the totals, each failure with its first lines and where it is, rule
coverage. Kept well under GitHub's 1 MiB summary limit: at most ``max_failures`` failures are
listed, each cut to a few lines."""

from __future__ import annotations

from collections.abc import Sequence

from ruletest.coverage import CoverageReport
from ruletest.reporting.coverage_summary import summarize
from ruletest.reporting.outcomes import outcomes, run_time, totals
from ruletest.reporting.promtool import detail, location, message
from ruletest.results import FileResult, Problem

FIRST_LINES = 6


def markdown_summary(results: Sequence[FileResult], *, coverage: CoverageReport | None = None,
                     duration_s: float | None = None, max_failures: int = 50, title: str = "ruletest") -> str:
    t = totals(results, duration_s)
    verdict = (f"✅ {t.passed} passed" if t.ok else f"❌ {t.failed} failed, {t.passed} passed")
    out = [f"## {title}: {verdict}", ""]
    head = ["files", "groups", "cases", "passed", "failed"] + (["not run"] if t.skipped else []) + ["duration"]
    row = [t.files, t.groups, t.cases, t.passed, t.failed] + ([t.skipped] if t.skipped else []) + [
        run_time(t.duration_s)]
    cov = summarize(coverage) if coverage is not None else None
    if cov is not None:
        head.append("rule coverage")
        row.append(f"{cov.total.percent:.1f}%")
    out += ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head), "| " + " | ".join(str(v) for v in row) + " |",
            ""]
    failed = [o for o in outcomes(results) if o.status == "failed"]
    if failed:
        out += ["### Failures", ""]
        for o in failed[:max_failures]:
            where = location(o.problems[0]) if o.problems else str(o.where)
            name = o.id if o.id != "(file)" else o.file
            out.append(f"- **{_code(name)}** at {_code(where)}")
            seen: set[str] = set()
            for p in o.problems:
                text = _first_lines(p)
                if text in seen:
                    continue
                seen.add(text)
                out += _fenced(text, "  ")
        if len(failed) > max_failures:
            out.append(f"- … and {len(failed) - max_failures} more failures (see the JUnit or HTML report)")
        out.append("")
    if cov is not None:
        out += ["### Rule coverage", "",
                f"Alerting rules {cov.alerting} · recording rules {cov.recording} · total {cov.total}", ""]
        if cov.untested:
            out.append(f"<details><summary>{len(cov.untested)} untested rule{'s' if len(cov.untested) != 1 else ''}"
                       "</summary>")
            out.append("")
            out += [f"- {kind} {_code(name)} at {_code(where)}" for where, kind, name in cov.untested[:200]]
            if len(cov.untested) > 200:
                out.append(f"- … and {len(cov.untested) - 200} more")
            out += ["", "</details>", ""]
        if cov.one_way:
            out.append(f"<details><summary>{len(cov.one_way)} alerting rule{'s' if len(cov.one_way) != 1 else ''}"
                       " tested one way only</summary>")
            out.append("")
            out += [f"- {_code(name)} at {_code(where)}: no {missing} case" for where, name, missing in cov.one_way[:200]]
            out += ["", "</details>", ""]
    return "\n".join(out) + "\n"


def _first_lines(p: Problem) -> str:
    """ruletest's explanation when there is one (what differs), else promtool's message."""
    text = detail(p) or message(p)
    lines = [ln.rstrip() for ln in text.strip("\n").splitlines() if ln.strip()]
    if len(lines) > FIRST_LINES:
        lines = [*lines[:FIRST_LINES], "  …"]
    return "\n".join(ln[:300] + ("…" if len(ln) > 300 else "") for ln in lines)


def _code(text: str) -> str:
    """Inline code that may itself hold backticks."""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _fenced(text: str, indent: str) -> list[str]:
    fence = "````" if "```" in text else "```"
    return [f"{indent}{fence}text", *(indent + ln for ln in text.splitlines()), f"{indent}{fence}"]
