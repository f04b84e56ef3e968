"""The semantics object: one value of named switches per Prometheus version."""

from __future__ import annotations

import pytest

from ruletest.semantics import PROMETHEUS_2, PROMETHEUS_3, VERSION_SWITCHES, Semantics, SemanticsError, split_features


def test_versions_set_every_switch() -> None:
    assert all(getattr(PROMETHEUS_3, s) for s in VERSION_SWITCHES)
    assert not any(getattr(PROMETHEUS_2, s) for s in VERSION_SWITCHES)
    assert PROMETHEUS_3.differences(PROMETHEUS_2) == list(VERSION_SWITCHES)


def test_one_switch_can_be_flipped() -> None:
    s = PROMETHEUS_3.with_switches(["left_open_windows"], False)
    assert s.differences(PROMETHEUS_3) == ["left_open_windows"] and s.version == 3
    with pytest.raises(KeyError):
        PROMETHEUS_3.with_switches(["no_such_switch"], False)


def test_features_only_apply_to_prometheus_3() -> None:
    s = Semantics.of(3, ["promql-experimental-functions"])
    assert s.experimental_functions and not PROMETHEUS_3.experimental_functions
    assert not Semantics.of(2, ["promql-experimental-functions"]).experimental_functions


def test_bad_version_and_feature_lists() -> None:
    with pytest.raises(SemanticsError):
        Semantics.of(4)
    assert split_features(["a,b", " c ", ""]) == ["a", "b", "c"]
