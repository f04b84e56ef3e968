"""Everything that turns results into text for people or tools: promtool's layout, JUnit XML,
ruletest's explanations (diffs, timelines) and the pytest failure report."""

from __future__ import annotations

from ruletest.reporting.junit import junit_xml
from ruletest.reporting.promtool import detail, file_text, location, message, render

__all__ = ["detail", "file_text", "junit_xml", "location", "message", "render"]
