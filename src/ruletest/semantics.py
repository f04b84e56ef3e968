"""Which Prometheus ruletest behaves like: one frozen value of named switches.

Built once by the shells (CLI, pytest plugin, Python API, lint configuration) from the Prometheus
major version and the ``--enable-feature`` flags; everything below them reads the switch it needs
by name instead of comparing version numbers. Each version switch is a field, so a single one can
be flipped (``dataclasses.replace``) to find which change of Prometheus 3.0 a test depends on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property
from typing import Any

from ruletest.errors import RuletestError
from ruletest.records import record

# promtool 3.14's --enable-feature values that change PromQL or rule evaluation.
FEATURE_EXPERIMENTAL_FUNCTIONS = "promql-experimental-functions"
FEATURE_DELAYED_NAME_REMOVAL = "promql-delayed-name-removal"
FEATURE_EXTENDED_RANGE_SELECTORS = "promql-extended-range-selectors"
FEATURE_BINOP_FILL_MODIFIERS = "promql-binop-fill-modifiers"
FEATURE_DURATION_EXPR = "promql-duration-expr"  # on by default since 3.14; the flag is a no-op
PROMQL_FEATURES = frozenset({
    FEATURE_EXPERIMENTAL_FUNCTIONS, FEATURE_DELAYED_NAME_REMOVAL, FEATURE_EXTENDED_RANGE_SELECTORS,
    FEATURE_BINOP_FILL_MODIFIERS, FEATURE_DURATION_EXPR,
})
SUPPORTED_VERSIONS = (2, 3)

# What each version switch changes (the field comments below say the same, for readers of the code).
SWITCH_DOCS: dict[str, str] = {
    "left_open_windows": "range selectors and the lookback delta cover (t-range, t] in Prometheus 3, "
                         "[t-range, t] in 2: a sample exactly at the window's start is no longer in it",
    "regex_dot_all": "regex matchers are anchored as ^(?s:re)$ in Prometheus 3: '.' matches a newline",
    "kahan_sums": "sum, avg, *_over_time and regressions use compensated (Kahan-Neumaier) sums in Prometheus 3",
    "rate_threshold_before_zero_point": "rate()/increase() extrapolation caps the gap to the window edges "
                                        "before limiting it at the counter's zero point in Prometheus 3",
    "atan2_drops_name": "atan2 drops __name__ like other arithmetic in Prometheus 3",
    "histogram_quantile_precision_fix": "histogram_quantile treats bucket counts that differ only by float "
                                        "noise as equal (Prometheus 2.47+)",
    "utf8_names": "any UTF-8 string is a valid metric or label name in Prometheus 3",
    "durations_as_numbers": "a duration may stand where a number goes (x > 5m is x > 300) in Prometheus 3",
    "group_labels_and_query_offset": "rule groups may carry labels (3.0) and query_offset (2.53); 2.42 rejects both",
    "template_value_is_interface": "the template data's Value is interface {} in Prometheus 3 (float64 in 2), "
                                   "which Go names in \"can't evaluate field\" errors",
    "template_functions_3x": "templates have now, toDuration, urlQueryEscape, Unicode-aware title and "
                             "negative parseDuration in Prometheus 3",
    "template_range_over_int": "templates may {{ range }} over an integer (Go 1.22+, Prometheus 3); promtool "
                               "2.42's Go 1.19 refuses it",
    "test_interval_defaults_to_evaluation_interval": "a promtool test group without interval loads series "
                                                     "every evaluation_interval (promtool 2.49+; 2.42 used 0)",
    "label_functions_check_names_first": "label_replace and label_join check their label names before evaluating "
                                         "their vector in Prometheus 3 (2.x evaluated it first: which error wins "
                                         "differs)",
    "k_param_nan_check": "topk/bottomk/limitk return nothing for k < 1 and refuse a NaN k (\"Parameter value is "
                         "NaN\") before checking the int64 range (Prometheus 3.5+); 2.42 reports a NaN or out-of-range "
                         "k as \"overflows int64\" first",
    "stddev_nan_first_sample": "stddev/stdvar of a group whose first sample is NaN or \u00b1Inf is NaN in Prometheus 3 "
                               "(2.x starts every group at 0, so a lone NaN gives 0)",
    "histogram_fraction_classic": "histogram_fraction reads classic buckets (le series) as histogram_quantile does "
                                  "(Prometheus 3.3+); 2.42 reads native histograms only, so over buckets it returns "
                                  "nothing",
    "filter_ops_check_cardinality": "comparisons without bool check one-to-one and group_x cardinality before "
                                    "filtering, so series filtered away still count as matches (Prometheus 3.9+)",
    "many_to_many_error_sorted": "the two series named in a many-to-many matching error are sorted (Prometheus 3.14); "
                                 "before, the later one came first",
    "go_1_23_time": "date functions use Go 1.23's calendar epoch (Prometheus 3); promtool 2.42 was built with Go "
                    "1.19, whose arithmetic wraps differently for timestamps beyond int64",
}
VERSION_SWITCHES: tuple[str, ...] = tuple(SWITCH_DOCS)


class SemanticsError(RuletestError):
    """An unsupported Prometheus version."""


@record
class Semantics:
    """The behaviour of one Prometheus version with a set of enabled features. Build it with
    :meth:`of`. The derived switches below are cached (read in the engine's inner loops); they
    are functions of the fields, which are frozen."""

    version: int  # major version emulated: 2 (promtool 2.42) or 3 (Prometheus 3.14)
    features: frozenset[str]
    # PromQL
    left_open_windows: bool
    regex_dot_all: bool
    kahan_sums: bool
    rate_threshold_before_zero_point: bool
    atan2_drops_name: bool
    histogram_quantile_precision_fix: bool
    utf8_names: bool
    durations_as_numbers: bool
    k_param_nan_check: bool
    stddev_nan_first_sample: bool
    histogram_fraction_classic: bool
    filter_ops_check_cardinality: bool
    many_to_many_error_sorted: bool
    # rules, templates and promtool
    group_labels_and_query_offset: bool
    template_value_is_interface: bool
    template_functions_3x: bool
    template_range_over_int: bool
    test_interval_defaults_to_evaluation_interval: bool
    label_functions_check_names_first: bool
    go_1_23_time: bool

    @classmethod
    def of(cls, version: int, features: Iterable[str] = ()) -> Semantics:
        version = int(version)
        if version not in SUPPORTED_VERSIONS:
            raise SemanticsError(f"unsupported Prometheus version {version} (use 2 or 3)")
        v3 = version >= 3
        return cls(version, frozenset(features), **dict.fromkeys(VERSION_SWITCHES, v3))

    @cached_property
    def v3(self) -> bool:
        return self.version >= 3

    @cached_property
    def experimental_functions(self) -> bool:
        """Experimental functions (``sort_by_label``, ``mad_over_time``...) may be used."""
        return self.v3 and FEATURE_EXPERIMENTAL_FUNCTIONS in self.features

    @cached_property
    def delayed_name_removal(self) -> bool:
        """``__name__`` is dropped at the end of the query, not where the operation happens."""
        return self.v3 and FEATURE_DELAYED_NAME_REMOVAL in self.features

    @cached_property
    def extended_range_selectors(self) -> bool:
        """``anchored`` and ``smoothed`` range selector modifiers."""
        return self.v3 and FEATURE_EXTENDED_RANGE_SELECTORS in self.features

    @cached_property
    def binop_fill_modifiers(self) -> bool:
        """``fill()``/``fill_left()``/``fill_right()`` on binary operators."""
        return self.v3 and FEATURE_BINOP_FILL_MODIFIERS in self.features

    def with_features(self, features: Iterable[str]) -> Semantics:
        return replace(self, features=self.features | frozenset(features))

    def with_switches(self, names: Iterable[str], value: bool) -> Semantics:
        """These semantics with the named version switches set to ``value``."""
        changes: dict[str, Any] = {}
        for n in names:
            if n not in SWITCH_DOCS:
                raise KeyError(f"unknown semantics switch {n!r}")
            changes[n] = value
        return replace(self, **changes)

    def differences(self, other: Semantics) -> list[str]:
        """Names of the version switches that differ between two semantics."""
        return [n for n in VERSION_SWITCHES if getattr(self, n) != getattr(other, n)]

    def describe(self) -> str:
        extra = f" with {', '.join(sorted(self.features))}" if self.features else ""
        return f"Prometheus {self.version}{extra}"


PROMETHEUS_3 = Semantics.of(3)
PROMETHEUS_2 = Semantics.of(2)


def split_features(values: Iterable[str]) -> list[str]:
    """promtool's ``--enable-feature`` values: comma-separated and repeatable."""
    return [f.strip() for v in values for f in v.split(",") if f.strip()]
