"""Declared environment and lint settings, from ``[tool.ruletest]`` in pyproject.toml or
``ruletest.toml``: what the linter cannot see offline (scrape interval, metric inventory...)."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ruletest.durations import parse_duration
from ruletest.errors import RuletestError
from ruletest.semantics import Semantics


class ConfigError(RuletestError):
    pass


@dataclass
class Inventory:
    """Metric names (globs allowed) with their types: counter, gauge, histogram, summary."""

    types: dict[str, str] = field(default_factory=dict)

    def type_of(self, name: str) -> str | None:
        if name in self.types:
            return self.types[name]
        for suffix in ("_bucket", "_sum", "_count"):
            base = name.removesuffix(suffix)
            if base != name and self.types.get(base) in ("histogram", "summary"):
                return "counter"
        for pattern, kind in self.types.items():
            if any(c in pattern for c in "*?[") and fnmatch.fnmatchcase(name, pattern):
                return kind
        return None

    def knows(self, name: str) -> bool:
        return self.type_of(name) is not None


_TYPE_LINE = re.compile(r"^#\s*TYPE\s+(\S+)\s+(\S+)")


def load_inventory(path: str | Path) -> Inventory:
    """A Prometheus exposition (``# TYPE name kind`` lines, e.g. a saved ``/metrics``) or a
    TOML/YAML-like ``name = "kind"`` / ``name: kind`` list."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read metric inventory: {exc.strerror or exc}", file=str(path)) from None
    inv = Inventory()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        m = _TYPE_LINE.match(line)
        if m:
            inv.types[m.group(1)] = m.group(2)
            continue
        if line.startswith("#"):
            continue
        sep = ":" if ":" in line and "=" not in line else "="
        name, _, kind = line.partition(sep)
        kind = kind.strip().strip("'\"")
        if not kind or kind not in ("counter", "gauge", "histogram", "native_histogram", "summary", "untyped", "info",
                                    "stateset"):
            raise ConfigError(f"expected 'name: type' (counter, gauge, histogram, native_histogram, summary), got {raw!r}",
                              file=str(path), line=lineno)
        inv.types[name.strip().strip("'\"")] = kind
    return inv


@dataclass
class Policy:
    """``[tool.ruletest.policy]``: team rules; every field off until set."""

    alert_name: str | None = None
    record_name: str | None = None
    label_values: dict[str, str] = field(default_factory=dict)
    annotation_values: dict[str, str] = field(default_factory=dict)
    for_min_ms: int | None = None
    for_max_ms: int | None = None
    forbidden_metrics: tuple[str, ...] = ()


_POLICY_KEYS = {"alert_name", "record_name", "label_values", "annotation_values", "for_min", "for_max",
                "forbidden_metrics"}


def _load_policy(data: dict[str, object], path: Path) -> Policy:
    import re2

    unknown = set(data) - _POLICY_KEYS
    if unknown:
        raise ConfigError(f"unknown policy setting(s): {', '.join(sorted(unknown))}", file=str(path))
    p = Policy()
    patterns: list[str] = []
    if "alert_name" in data:
        p.alert_name = str(data["alert_name"])
        patterns.append(p.alert_name)
    if "record_name" in data:
        p.record_name = str(data["record_name"])
        patterns.append(p.record_name)
    for key in ("label_values", "annotation_values"):
        if key in data:
            value = data[key]
            if not isinstance(value, dict):
                raise ConfigError(f"policy {key} must be a table of name = regex", file=str(path))
            setattr(p, key, {str(k): str(v) for k, v in value.items()})
            patterns.extend(str(v) for v in value.values())
    if "for_min" in data:
        p.for_min_ms = parse_duration(str(data["for_min"]))
    if "for_max" in data:
        p.for_max_ms = parse_duration(str(data["for_max"]))
    if "forbidden_metrics" in data:
        value = data["forbidden_metrics"]
        if not isinstance(value, list):
            raise ConfigError("policy forbidden_metrics must be a list of regexes", file=str(path))
        p.forbidden_metrics = tuple(str(v) for v in value)
        patterns.extend(p.forbidden_metrics)
    for pattern in patterns:
        try:
            re2.compile(pattern)
        except re2.error as exc:
            raise ConfigError(f"invalid policy regex {pattern!r}: {exc}", file=str(path)) from None
    return p


@dataclass
class LintConfig:
    prometheus: int = 3
    scrape_interval_ms: int = 60_000
    evaluation_interval_ms: int = 60_000
    # Whether scrape_interval / evaluation_interval were declared (configuration or command
    # line): checks that depend on them only warn about the 1m defaults, they do not fail on them.
    scrape_interval_declared: bool = False
    evaluation_interval_declared: bool = False
    retention_declared: bool = False
    # Team policy: nothing is required or restricted until declared (severity schemes differ:
    # `page`/`ticket`, `high`/`medium`; mixins annotate with `message` or `description`).
    allowed_severities: tuple[str, ...] = ()
    required_labels: tuple[str, ...] = ()
    required_annotations: tuple[str, ...] = ()
    disabled: frozenset[str] = frozenset()
    enabled: frozenset[str] = frozenset()  # off-by-default checks to run
    severity_overrides: dict[str, str] = field(default_factory=dict)
    inventory: Inventory | None = None
    external_labels: dict[str, str] | None = None
    heartbeat_alerts: str = r"(?i).*(watchdog|dead_?mans?_?switch|heartbeat|always_?firing)"
    # Prometheus' --storage.tsdb.retention.time (default 15d): older data cannot be queried.
    retention_ms: int = 15 * 86_400_000
    # --enable-feature values of the target Prometheus (e.g. promql-experimental-functions).
    features: frozenset[str] = frozenset()
    policy: Policy = field(default_factory=Policy)
    # Where promtool test files live (`ruletest test --related` looks there for the tests of a
    # changed rule file); the working directory when unset.
    test_paths: tuple[str, ...] = (".",)
    group_max_rules: int = 50  # group/size

    @property
    def semantics(self) -> Semantics:
        """The target Prometheus, as the engine and parser understand it."""
        return Semantics.of(self.prometheus, self.features)

    def runs(self, check_id: str, on_by_default: bool) -> bool:
        """Whether a check reports: not disabled, and on by default or enabled."""
        return check_id not in self.disabled and (on_by_default or check_id in self.enabled)


def load_config(start: Path | None = None, explicit: str | None = None) -> LintConfig:
    path: Path | None = Path(explicit) if explicit else None
    if path is None:
        here = (start or Path.cwd()).resolve()
        for d in [here, *here.parents]:
            for name in ("ruletest.toml", "pyproject.toml"):
                if (d / name).is_file():
                    path = d / name
                    break
            if path is not None:
                break
    cfg = LintConfig()
    if path is None:
        return cfg
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read configuration: {exc}", file=str(path)) from None
    section = data.get("tool", {}).get("ruletest", {}) if path.name == "pyproject.toml" else data
    section = {**section, **section.get("lint", {})}
    if "prometheus" in section:
        cfg.prometheus = int(section["prometheus"])
    if "scrape_interval" in section:
        cfg.scrape_interval_ms = parse_duration(str(section["scrape_interval"]))
        cfg.scrape_interval_declared = True
    if "evaluation_interval" in section:
        cfg.evaluation_interval_ms = parse_duration(str(section["evaluation_interval"]))
        cfg.evaluation_interval_declared = True
    if "allowed_severities" in section:
        cfg.allowed_severities = tuple(section["allowed_severities"])
    if "required_labels" in section:
        cfg.required_labels = tuple(section["required_labels"])
    if "required_annotations" in section:
        cfg.required_annotations = tuple(section["required_annotations"])
    if "disable" in section:
        cfg.disabled = frozenset(section["disable"])
    if "enable" in section:
        cfg.enabled = frozenset(section["enable"])
    if "severity" in section:
        cfg.severity_overrides = dict(section["severity"])
    if "external_labels" in section:
        cfg.external_labels = {str(k): str(v) for k, v in dict(section["external_labels"]).items()}
    if "retention" in section:
        cfg.retention_ms = parse_duration(str(section["retention"]))
        cfg.retention_declared = True
    if "features" in section:
        cfg.features = frozenset(str(f) for f in section["features"])
    if "group_max_rules" in section:
        cfg.group_max_rules = int(section["group_max_rules"])
    if "policy" in section:
        cfg.policy = _load_policy(dict(section["policy"]), path)
    if "inventory" in section:
        cfg.inventory = load_inventory(path.parent / section["inventory"])
    if "test_paths" in section:
        cfg.test_paths = tuple(str(path.parent / p) for p in section["test_paths"])
    return cfg
