"""ruletest: unit-test and lint Prometheus rules offline."""

__version__ = "0.1.0"
