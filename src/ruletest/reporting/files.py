"""Writing the report files a run asks for (``--html``, ``--summary-md``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only annotations: a run without reports does not load coverage
    from ruletest.coverage import CoverageReport
    from ruletest.results import FileResult


def write_reports(results: Sequence[FileResult], *, html: str | None = None, summary_md: str | None = None,
                  coverage: CoverageReport | None = None, duration_s: float | None = None) -> str | None:
    """Write the HTML report and append the Markdown summary (a CI step summary file collects
    what every step appends). Returns why a file could not be written, or None."""
    if html:
        from ruletest.reporting.html import html_report

        text = html_report(results, coverage=coverage, duration_s=duration_s)
        try:
            Path(html).write_text(text, encoding="utf-8")
        except OSError as exc:
            return f"cannot write the HTML report {html}: {exc.strerror or exc}"
    if summary_md:
        from ruletest.reporting.markdown import markdown_summary

        text = markdown_summary(results, coverage=coverage, duration_s=duration_s)
        try:
            with open(summary_md, "a", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            return f"cannot write the Markdown summary {summary_md}: {exc.strerror or exc}"
    return None
