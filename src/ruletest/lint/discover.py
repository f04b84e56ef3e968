"""Which files under a directory `ruletest lint` reads: rule files (plain, or PrometheusRule
manifests) and promtool test files, recognised by their content whatever their names
(`alerts.yml.example`, `x.prometheusrules.yaml.test`). Other YAML (a Prometheus or Alertmanager
configuration, Kubernetes manifests) is left alone."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from yaml import MappingNode, Node, ScalarNode

from ruletest.yamlnodes import parse_source

_MAX_BYTES = 5_000_000  # larger files are data, not rules
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "vendor"})
_YAML_SUFFIXES = (".yml", ".yaml")


def _keys(node: Node) -> dict[str, Node]:
    if not isinstance(node, MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, ScalarNode)}


def lintable(path: Path, text: str) -> bool:
    """Whether ``text`` holds rule groups (`groups:` at the top, or under `spec:`) or promtool
    tests (`tests:`). A YAML-named file that is not valid YAML counts, so its error is reported."""
    if "groups" not in text and "tests" not in text:
        return False
    src = parse_source(text, str(path))
    if src.error is not None:
        return path.suffix in _YAML_SUFFIXES
    for doc in src.docs:
        keys = _keys(doc)
        spec = keys.get("spec")
        if "groups" in keys or "tests" in keys or (spec is not None and "groups" in _keys(spec)):
            return True
    return False


def recognized(path: Path) -> bool:
    """For files handed over by pre-commit: whether ``path`` is a rule file, a promtool test file
    or a Grafana dashboard by its content. YAML that does not parse counts (its error is worth
    reporting) unless it holds Go template actions, like a Helm chart's templates."""
    from ruletest.lint import grafana

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return path.suffix in _YAML_SUFFIXES
    if grafana.claims(text):
        return True
    if not lintable(path, text):
        return False
    return parse_source(text, str(path)).error is None or "{{" not in text


def find_lintable(paths: Sequence[str]) -> list[Path]:
    """Files named in ``paths`` as they are; directories searched (hidden entries, vendor and
    node_modules skipped) for files whose content is lintable."""
    out: list[Path] = []
    for p in paths:
        root = Path(p)
        if not root.is_dir():
            out.append(root)
            continue
        found: list[Path] = []
        for here, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS]
            for name in files:
                path = Path(here) / name
                if name.startswith(".") or not path.is_file() or path.stat().st_size > _MAX_BYTES:
                    continue
                try:
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                if "\0" not in text and lintable(path, text):
                    found.append(path)
        out.extend(sorted(found))
    return out
