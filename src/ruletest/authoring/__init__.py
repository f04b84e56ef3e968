"""Authoring help: mutation testing of rules (``ruletest mutate``), test scaffolding
(``ruletest new``), and fixtures captured from a live Prometheus (``ruletest capture``,
``ruletest backtest``).

Python API (each module documents its own):

* :func:`ruletest.authoring.mutate.mutate_paths` — mutation testing, results as data;
* :func:`ruletest.authoring.scaffold.scaffold` — a promtool test file for one alert;
* :func:`ruletest.authoring.capture.capture` — a regression test from a server's data;
* :func:`ruletest.authoring.backtest.backtest` — when each alert would have fired.
"""
