"""Everything that turns results into text for people or tools: promtool's layout, JUnit XML,
ruletest's explanations (diffs, timelines) and the pytest failure report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ruletest.lazy import lazy_attributes

if TYPE_CHECKING:
    from ruletest.reporting.junit import junit_xml
    from ruletest.reporting.promtool import detail, file_text, location, message, render

__all__ = ["detail", "file_text", "junit_xml", "location", "message", "render"]

# Imported on first use (JUnit XML only with --junit).
_WHERE = {"junit_xml": "ruletest.reporting.junit", "detail": "ruletest.reporting.promtool",
          "file_text": "ruletest.reporting.promtool", "location": "ruletest.reporting.promtool",
          "message": "ruletest.reporting.promtool", "render": "ruletest.reporting.promtool"}


__getattr__ = lazy_attributes(globals(), _WHERE)
