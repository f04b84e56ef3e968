"""`ruletest alertmanager routes` against `amtool config routes test` 0.25 on generated configs
and label sets: same stdout (receivers, --tree), same exit code."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.alertmanager.generate import config, labels
from tests.alertmanager.oracle import amtool, ruletest

pytestmark = pytest.mark.needs("amtool")


@pytest.mark.parametrize("seed", range(24))
def test_routes_agree_with_amtool(seed: int, tmp_path: Path) -> None:
    path = tmp_path / "am.yml"
    path.write_text(config(seed), encoding="utf-8")
    rng = random.Random(1000 + seed)
    for i in range(6):
        args = ["test", f"--config.file={path}", *labels(rng)]
        if i % 2:
            args.insert(1, "--tree")
        want = amtool("config", "routes", *args)
        got = ruletest("routes", *[a for a in args if a != "test"])
        assert (got.stdout, got.rc) == (want.stdout, want.rc), (path.read_text(), args, want.stderr)


@pytest.mark.parametrize("seed", range(6))
def test_routing_tree_agrees_with_amtool(seed: int, tmp_path: Path) -> None:
    path = tmp_path / "am.yml"
    path.write_text(config(seed), encoding="utf-8")
    want = amtool("config", "routes", f"--config.file={path}")
    got = ruletest("routes", "--show", f"--config.file={path}")
    assert (got.stdout, got.rc) == (want.stdout, want.rc)


@pytest.mark.parametrize("args", [
    ["a=~b"], ["a b"], ["{a=b}"], ['a="x'], ["--verify.receivers=r0", "team=db"],
])
def test_label_errors_and_verify_agree_with_amtool(args: list[str], tmp_path: Path) -> None:
    path = tmp_path / "am.yml"
    path.write_text(config(3), encoding="utf-8")
    want = amtool("config", "routes", "test", f"--config.file={path}", *args)
    got = ruletest("routes", f"--config.file={path}", *args)
    assert (got.stdout, got.rc) == (want.stdout, want.rc)
    if want.rc:
        assert want.stderr.strip().removeprefix("amtool: error: ") in got.stderr
