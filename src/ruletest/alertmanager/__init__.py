"""Alertmanager, offline: configs (strict loading), routing, inhibition, time intervals, grouping
and notification timing, notification templates, what Prometheus sends, config lint, and the
amtool-compatible commands of ``ruletest alertmanager``.

    from ruletest.alertmanager import LoadOptions, build_tree, load_config_file

    config = load_config_file("alertmanager/alertmanager.yml")
    tree = build_tree(config)
    [r.opts.receiver for r in tree.match({"alertname": "HighErrorRate", "severity": "critical"})]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ruletest.lazy import lazy_attributes

if TYPE_CHECKING:
    from ruletest.alertmanager.assertions import load_notification_tests, load_routing_test
    from ruletest.alertmanager.check import check_notifications, check_routing
    from ruletest.alertmanager.config import Config
    from ruletest.alertmanager.dispatch import Notification, SimOptions, Simulation, simulate
    from ruletest.alertmanager.loader import ConfigError, LoadOptions, load_config_file, load_config_text
    from ruletest.alertmanager.pipeline import PipelineOptions, notifications
    from ruletest.alertmanager.route import Route, build_tree
    from ruletest.alertmanager.sending import EvalStep, RuleAlert, posts, step_from_group
    from ruletest.alertmanager.template_set import TemplateSet, load_template_set
    from ruletest.alertmanager.version import Version

__all__ = [
    "Config", "ConfigError", "EvalStep", "LoadOptions", "Notification", "PipelineOptions", "Route", "RuleAlert",
    "SimOptions", "Simulation", "TemplateSet", "Version", "build_tree", "check_notifications", "check_routing",
    "load_config_file", "load_config_text", "load_notification_tests", "load_routing_test", "load_template_set",
    "notifications", "posts", "simulate", "step_from_group",
]

# Imported on first use: the command line registers `ruletest alertmanager` in every run and must
# not load Alertmanager's machinery for `ruletest test`.
_MODULES = {
    "assertions": ("load_notification_tests", "load_routing_test"),
    "check": ("check_notifications", "check_routing"),
    "config": ("Config",),
    "dispatch": ("Notification", "SimOptions", "Simulation", "simulate"),
    "loader": ("ConfigError", "LoadOptions", "load_config_file", "load_config_text"),
    "pipeline": ("PipelineOptions", "notifications"),
    "route": ("Route", "build_tree"),
    "sending": ("EvalStep", "RuleAlert", "posts", "step_from_group"),
    "template_set": ("TemplateSet", "load_template_set"),
    "version": ("Version",),
}
_WHERE = {name: f"ruletest.alertmanager.{module}" for module, names in _MODULES.items() for name in names}


__getattr__ = lazy_attributes(globals(), _WHERE)
