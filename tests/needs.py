"""What a suite needs from outside the repository, and the one rule for when it is missing.

Some suites read third-party material that lives beside the project (``../shared``: the realworld
corpus, Prometheus 3.14's engine tests) or run an oracle binary (promtool, amtool). Mark them
``@pytest.mark.needs("corpus")`` (names in :data:`REQUIREMENTS`). When the thing is there they
run. When it is missing they are *required* in CI (``CI`` set by the CI system: the test fails
with the reason) and elsewhere reported as not run, with the reason, in pytest's summary.

Parametrised suites whose parameters come from the missing material use :func:`params`, which
turns "nothing to parametrise" into one visible not-run item instead of an empty, silent set.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("RULETEST_SHARED", REPO.parent / "shared"))
CORPUS = Path(os.environ.get("RULETEST_CORPUS", SHARED / "corpus" / "realworld"))
PROMQLTEST = Path(os.environ.get("RULETEST_PROMQLTEST", SHARED / "reference" / "promqltest-3.14"))


def in_ci() -> bool:
    """Whether the environment says CI (``CI=true`` as GitHub, GitLab and others set it)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _binary(name: str, package: str) -> Callable[[], str | None]:
    def check() -> str | None:
        return None if shutil.which(name) else f"{name} is not installed (apt-get install -y {package})"
    return check


def _path(path: Path, what: str, env: str) -> Callable[[], str | None]:
    def check() -> str | None:
        return None if path.exists() else f"{what} not found at {path} (set {env} to its location)"
    return check


def _any_binary(names: tuple[str, ...], package: str) -> Callable[[], str | None]:
    def check() -> str | None:
        if any(shutil.which(n) for n in names):
            return None
        return f"{' or '.join(names)} is not installed (apt-get install -y {package})"
    return check


REQUIREMENTS: dict[str, Callable[[], str | None]] = {
    "promtool": _binary("promtool", "prometheus"),
    "amtool": _binary("amtool", "prometheus-alertmanager"),
    # Debian installs the server as prometheus-alertmanager; upstream builds call it alertmanager.
    "alertmanager": _any_binary(("prometheus-alertmanager", "alertmanager"), "prometheus-alertmanager"),
    # A real Prometheus server (and promtool to fill its TSDB), for capture and backtest.
    "prometheus-server": lambda: _binary("prometheus", "prometheus")() or _binary("promtool", "prometheus")(),
    "corpus": _path(CORPUS / "MANIFEST.json", "the realworld corpus", "RULETEST_CORPUS"),
    "promqltest": _path(PROMQLTEST, "Prometheus 3.14's engine tests", "RULETEST_PROMQLTEST"),
    "shared": _path(SHARED, "the shared reference material", "RULETEST_SHARED"),
    "chromium": _binary("chromium", "chromium"),  # the HTML report's browser tests
}


def missing(names: Iterable[str]) -> list[str]:
    """Reasons why the named requirements are not met (empty when all are)."""
    out = []
    for name in names:
        check = REQUIREMENTS.get(name)
        if check is None:
            raise KeyError(f"unknown requirement {name!r} (known: {', '.join(sorted(REQUIREMENTS))})")
        reason = check()
        if reason is not None:
            out.append(reason)
    return out


def available(name: str) -> bool:
    return not missing([name])


def params(values: Sequence[Any], need: str, *, ids: Callable[[Any], str] | None = None) -> list[Any]:
    """Parameters for ``pytest.mark.parametrize``: ``values`` when ``need`` is met, otherwise a
    single placeholder item marked ``needs(need)`` so the suite shows up as not run (or fails in CI)."""
    if available(need):
        return [pytest.param(v, id=ids(v) if ids else None) for v in values]
    return [pytest.param(None, id=f"needs-{need}", marks=pytest.mark.needs(need))]


def require(item: pytest.Item) -> None:
    """``pytest_runtest_setup`` body: fail in CI, skip elsewhere, when a need is missing."""
    names = [n for m in item.iter_markers("needs") for n in m.args]
    if item.get_closest_marker("oracle") is not None:
        names.append("promtool")  # oracle tests are differential tests against promtool
    reasons = missing(dict.fromkeys(names))
    if not reasons:
        return
    text = "; ".join(reasons)
    if in_ci():
        pytest.fail(f"required in CI: {text}", pytrace=False)
    pytest.skip(f"not run: {text}")
