"""Declared environment and lint settings, from ``[tool.ruletest]`` in pyproject.toml (or in any
file named with ``--config``) or ``ruletest.toml``: what the linter cannot see offline (scrape
interval, metric inventory...). :func:`load_config` is the one reader: ``ruletest lint``,
``ruletest test`` and the pytest plugin all go through it.

Every key is checked: an unknown setting, an unknown check id or a value of the wrong kind is
an error naming the file, the line and, for a misspelling, the closest known name. A typo must
not silently turn a policy off. Kept import-light (the pytest plugin reads it at start-up):
the check catalog is imported only when the configuration names checks."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruletest.durations import DurationError, parse_duration
from ruletest.errors import RuletestError
from ruletest.semantics import SUPPORTED_VERSIONS, Semantics
from ruletest.tomlpos import TomlPath, key_positions


class ConfigError(RuletestError):
    """A configuration (or metric inventory) that cannot be used. Codes: ``config/unreadable``,
    ``config/syntax`` (not TOML), ``config/no-table`` (no ``[tool.ruletest]`` where one is
    needed), ``config/unknown-key``, ``config/unknown-check``, ``config/invalid-value``,
    ``config/inventory`` (a bad inventory line).

    Raised for the first problem of a file (in text order); ``problems`` holds all of them and
    ``str()`` shows them all, one per line."""

    code = "config/invalid-value"
    problems: tuple[ConfigError, ...] = ()

    def __str__(self) -> str:
        if len(self.problems) > 1:
            return "\n".join(RuletestError.__str__(p) for p in self.problems)
        return super().__str__()


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
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot read metric inventory: {reason}", file=_shown(Path(path)),
                          code="config/unreadable") from None
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
                              file=_shown(Path(path)), line=lineno, code="config/inventory")
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


@dataclass
class LintConfig:
    """The settings of a project: target version and features, declared intervals, naming policy, check selection."""

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


# The settings of [tool.ruletest] (or of ruletest.toml's top level). Its `lint` table may hold
# any of them too (it only groups the lint settings for the reader); `policy` is a table of its own.
SETTINGS = ("prometheus", "scrape_interval", "evaluation_interval", "retention", "features", "inventory",
            "external_labels", "test_paths", "allowed_severities", "required_labels", "required_annotations",
            "disable", "enable", "severity", "group_max_rules", "policy")
POLICY_SETTINGS = ("alert_name", "record_name", "label_values", "annotation_values", "for_min", "for_max",
                   "forbidden_metrics")
_SEVERITIES = ("error", "warning", "info")
_STRING_LISTS = {"allowed_severities": "allowed_severities", "required_labels": "required_labels",
                 "required_annotations": "required_annotations"}
# duration setting -> (LintConfig field, field saying it was declared)
_DURATIONS = {"scrape_interval": ("scrape_interval_ms", "scrape_interval_declared"),
              "evaluation_interval": ("evaluation_interval_ms", "evaluation_interval_declared"),
              "retention": ("retention_ms", "retention_declared")}
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def find_config(start: Path | None = None) -> Path | None:
    """The first ``ruletest.toml`` or ``pyproject.toml`` in ``start`` (default: the working
    directory) or a directory above it."""
    here = (start or Path.cwd()).resolve()
    for d in [here, *here.parents]:
        for name in ("ruletest.toml", "pyproject.toml"):
            if (d / name).is_file():
                return d / name
    return None


def load_config(start: Path | None = None, explicit: str | Path | None = None) -> LintConfig:
    """The project's configuration: the file ``explicit`` names, else the one :func:`find_config`
    finds from ``start``. Defaults when there is none, or when the pyproject.toml found has no
    ``[tool.ruletest]`` table. Raises :class:`ConfigError`."""
    if explicit:
        return read_config(Path(explicit), explicit=True)
    path = find_config(start)
    return LintConfig() if path is None else read_config(path, explicit=False)


def read_config(path: Path, *, explicit: bool = True) -> LintConfig:
    """The settings of one file: its ``[tool.ruletest]`` table when it has a ``[tool]`` table
    (pyproject.toml, or any file named with ``--config``), else its top level (ruletest.toml).
    A pyproject.toml found by searching may lack the table; a file named explicitly may not."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot read configuration: {reason}", file=_shown(path),
                          code="config/unreadable") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, path) from None
    reader = _Reader(path, text)
    cfg = LintConfig()
    found = reader.section(data, explicit)
    if found is not None:
        section, at = found
        reader.apply(cfg, section, at)
        if "lint" in section:  # after the top level: a setting in both places takes the lint table's value
            if isinstance(section["lint"], dict):
                reader.apply(cfg, section["lint"], (*at, "lint"), nested=True)
            else:
                reader.problem(f"lint must be a table ({_table((*at, 'lint'))}), got {_show(section['lint'])}",
                               (*at, "lint"))
    reader.raise_problems()
    return cfg


def _syntax_error(exc: tomllib.TOMLDecodeError, path: Path) -> ConfigError:
    message = str(exc)
    m = _TOML_POSITION.search(message)
    line, column = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    if m:
        message = message[:m.start()]
    return ConfigError(f"invalid TOML: {message}", file=_shown(path), line=line, column=column,
                       code="config/syntax")


def _shown(path: Path) -> str:
    """The file as messages name it: relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) if path.is_absolute() else str(path)
    except (ValueError, OSError):
        return str(path)


def _show(value: object) -> str:
    """A value as TOML writes it (``"three"``, ``true``), for messages."""
    import json  # only an error message needs it

    return json.dumps(value, default=str, ensure_ascii=False)


def _table(at: TomlPath) -> str:
    return "[" + ".".join(str(k) for k in at) + "]"


class _Reader:
    """Reads the settings of one file into a LintConfig, collecting every problem with its place."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.shown = _shown(path)
        self.text = text
        self.problems: list[ConfigError] = []
        self._positions: dict[TomlPath, tuple[int, int]] | None = None

    def where(self, at: TomlPath) -> tuple[int | None, int | None]:
        if self._positions is None:  # found only when something is wrong
            self._positions = key_positions(self.text)
        for n in range(len(at), 0, -1):
            if at[:n] in self._positions:
                return self._positions[at[:n]]
        return None, None

    def problem(self, message: str, at: TomlPath, code: str = "config/invalid-value") -> None:
        line, column = self.where(at)
        self.problems.append(ConfigError(message, file=self.shown, line=line, column=column, code=code))

    def raise_problems(self) -> None:
        if not self.problems:
            return
        ordered = sorted(self.problems, key=lambda p: (p.file != self.shown, p.line or 0, p.column or 0))
        first = ordered[0]
        first.problems = tuple(ordered)
        raise first

    def section(self, data: dict[str, Any], explicit: bool) -> tuple[dict[str, Any], TomlPath] | None:
        tool = data.get("tool")
        if isinstance(tool, dict) or self.path.name == "pyproject.toml":
            table = tool.get("ruletest") if isinstance(tool, dict) else None
            if table is None:
                if explicit or self.path.name != "pyproject.toml":
                    raise ConfigError("no [tool.ruletest] table", file=self.shown, code="config/no-table")
                return None  # a project's pyproject.toml that does not configure ruletest
            if not isinstance(table, dict):
                self.problem(f"[tool.ruletest] must be a table, got {_show(table)}", ("tool", "ruletest"))
                return None
            return table, ("tool", "ruletest")
        return data, ()

    def unknown(self, key: str, at: TomlPath, known: Iterable[str], elsewhere: dict[str, TomlPath],
                what: str = "setting") -> None:
        from ruletest.yamlnodes import did_you_mean

        inside = f" in {_table(at)}" if at else ""
        if key in elsewhere:
            hint = f" ({key} belongs in {_table(elsewhere[key]) if elsewhere[key] else 'the top level'})"
        else:
            hint = did_you_mean(key, known)
        self.problem(f"unknown {what} {key!r}{inside}{hint}", (*at, key), code="config/unknown-key")

    def apply(self, cfg: LintConfig, table: dict[str, Any], at: TomlPath, *, nested: bool = False) -> None:
        top = at[:-1] if nested else at
        for key, value in table.items():
            here = (*at, key)
            if key == "lint" and not nested:
                continue  # read after this table
            if key == "policy":
                if isinstance(value, dict):
                    cfg.policy = self.policy(value, here, top)
                else:
                    self.problem(f"policy must be a table ({_table(here)}), got {_show(value)}", here)
            elif key in SETTINGS:
                self.setting(cfg, key, value, here)
            else:
                self.unknown(key, at, SETTINGS if nested else (*SETTINGS, "lint"),
                             dict.fromkeys(POLICY_SETTINGS, (*top, "policy")))

    def setting(self, cfg: LintConfig, key: str, value: Any, at: TomlPath) -> None:
        if key == "prometheus":
            versions = tuple(str(v) for v in SUPPORTED_VERSIONS)
            if isinstance(value, bool) or not isinstance(value, int | str) or str(value) not in versions:
                self.problem(f"prometheus must be {' or '.join(versions)} (the major version to emulate), "
                             f"got {_show(value)}", at)
            else:
                cfg.prometheus = int(value)
        elif key in _DURATIONS:
            ms = self.duration(value, at, positive=True)
            if ms is not None:
                ms_field, declared_field = _DURATIONS[key]
                setattr(cfg, ms_field, ms)
                setattr(cfg, declared_field, True)
        elif key in _STRING_LISTS:
            strings = self.strings(value, at)
            if strings is not None:
                setattr(cfg, _STRING_LISTS[key], strings)
        elif key == "features":
            strings = self.strings(value, at)
            if strings is not None:
                cfg.features = frozenset(strings)
        elif key == "test_paths":
            strings = self.strings(value, at)
            if strings is not None:
                cfg.test_paths = tuple(str(self.path.parent / p) for p in strings)
        elif key in ("disable", "enable"):
            strings = self.strings(value, at)
            if strings is not None and self.check_ids(strings, at):
                if key == "disable":
                    cfg.disabled = frozenset(strings)
                else:
                    cfg.enabled = frozenset(strings)
        elif key == "severity":
            cfg.severity_overrides = self.severities(value, at)
        elif key == "external_labels":
            labels = self.string_table(value, at, "a table of label = \"value\"")
            if labels is not None:
                cfg.external_labels = labels
        elif key == "group_max_rules":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                self.problem(f"group_max_rules must be a positive integer, got {_show(value)}", at)
            else:
                cfg.group_max_rules = value
        elif key == "inventory":
            self.inventory(cfg, value, at)

    def strings(self, value: Any, at: TomlPath) -> tuple[str, ...] | None:
        key = at[-1]
        if not isinstance(value, list):
            self.problem(f"{key} must be a list of strings, got {_show(value)}", at)
            return None
        for n, item in enumerate(value):
            if not isinstance(item, str):
                self.problem(f"{key} must be a list of strings: {_show(item)} is not a string", (*at, n))
                return None
        return tuple(value)

    def string_table(self, value: Any, at: TomlPath, what: str) -> dict[str, str] | None:
        if not isinstance(value, dict):
            self.problem(f"{at[-1]} must be {what}, got {_show(value)}", at)
            return None
        for k, v in value.items():
            if not isinstance(v, str):
                self.problem(f"{at[-1]} must be {what}: {k} = {_show(v)} is not a string", (*at, k))
                return None
        return dict(value)

    def duration(self, value: Any, at: TomlPath, *, positive: bool) -> int | None:
        key = at[-1]
        if not isinstance(value, str):
            self.problem(f"{key} must be a duration such as \"15s\", got {_show(value)}", at)
            return None
        try:
            ms = parse_duration(value)
        except DurationError as exc:
            self.problem(f"{key}: {exc.message}", at)
            return None
        if positive and ms <= 0:
            self.problem(f"{key} must be positive, got {_show(value)}", at)
            return None
        return ms

    def check_ids(self, ids: Iterable[str], at: TomlPath, keys: bool = False) -> bool:
        """Whether every id names a check; ``keys``: the ids are a table's keys, not a list's items."""
        from ruletest.lint import CATALOG
        from ruletest.yamlnodes import did_you_mean

        ok = True
        for n, cid in enumerate(ids):
            if cid not in CATALOG:
                self.problem(f"{at[-1]}: unknown check {cid!r}{did_you_mean(cid, CATALOG)}; "
                             "`ruletest lint --list` lists the checks", (*at, cid if keys else n),
                             code="config/unknown-check")
                ok = False
        return ok

    def severities(self, value: Any, at: TomlPath) -> dict[str, str]:
        from ruletest.yamlnodes import did_you_mean

        table = self.string_table(value, at, 'a table of check = "error", "warning" or "info"')
        if table is None or not self.check_ids(table, at, keys=True):
            return {}
        out = {}
        for cid, severity in table.items():
            if severity.lower() not in _SEVERITIES:
                self.problem(f"severity of {cid} must be error, warning or info, got {_show(severity)}"
                             f"{did_you_mean(severity.lower(), _SEVERITIES)}", (*at, cid))
            else:
                out[cid] = severity.lower()
        return out

    def inventory(self, cfg: LintConfig, value: Any, at: TomlPath) -> None:
        if not isinstance(value, str):
            self.problem(f"inventory must be the path of a metric inventory file, got {_show(value)}", at)
            return
        try:
            cfg.inventory = load_inventory(self.path.parent / value)
        except ConfigError as exc:
            if exc.code == "config/unreadable":  # say which setting named the missing file
                self.problem(f"inventory = {_show(value)}: {exc.message}", at, code=exc.code)
            else:
                self.problems.append(exc)  # a bad line of the inventory: its own file and line

    def policy(self, data: dict[str, Any], at: TomlPath, top: TomlPath) -> Policy:
        import re2

        p = Policy()
        patterns: list[tuple[str, TomlPath]] = []
        for key, value in data.items():
            here = (*at, key)
            if key in ("alert_name", "record_name"):
                if isinstance(value, str):
                    setattr(p, key, value)
                    patterns.append((value, here))
                else:
                    self.problem(f"policy {key} must be a regex string, got {_show(value)}", here)
            elif key in ("label_values", "annotation_values"):
                table = self.string_table(value, here, "a table of name = \"regex\"")
                if table is not None:
                    setattr(p, key, table)
                    patterns.extend((v, (*here, k)) for k, v in table.items())
            elif key in ("for_min", "for_max"):
                ms = self.duration(value, here, positive=False)
                if ms is not None:
                    setattr(p, f"{key}_ms", ms)
            elif key == "forbidden_metrics":
                strings = self.strings(value, here)
                if strings is not None:
                    p.forbidden_metrics = strings
                    patterns.extend((v, (*here, n)) for n, v in enumerate(strings))
            else:
                self.unknown(key, at, POLICY_SETTINGS, dict.fromkeys(SETTINGS, top), what="policy setting")
        for pattern, where in patterns:
            try:
                re2.compile(pattern)
            except re2.error as exc:
                self.problem(f"invalid policy regex {pattern!r}: {exc}", where)
        if p.for_min_ms is not None and p.for_max_ms is not None and p.for_min_ms > p.for_max_ms:
            self.problem("policy for_min is above for_max: no rule can satisfy both", (*at, "for_max"))
        return p

