"""`ruletest alertmanager` commands beyond what amtool has (no oracle needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alertmanager.oracle import ruletest

REPO = Path(__file__).resolve().parents[2]


def test_routes_reports_a_refused_config_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "am.yml").write_text("route:\n  receiver: d\n  routes:\n  - receiver: x\nreceivers:\n- name: d\n")
    out = ruletest("routes", f"--config.file={tmp_path / 'am.yml'}", "a=b")
    assert (out.stdout, out.rc) == ("", 1)
    assert out.stderr == f'ruletest: error: {tmp_path / "am.yml"}:4: undefined receiver "x" used in route\n'


def test_render_with_config_file_and_path_map(tmp_path: Path) -> None:
    config = REPO / "alertmanager" / "alertmanager.yml"
    data = REPO / "tests" / "data" / "alertmanager" / "high_error_rate.json"
    args = ["--template.data", str(data), "--template.text", '{{ template "slack.title" . }}']
    out = ruletest("render", "--config.file", str(config), "--template.path-map",
                   "/etc/alertmanager/template=templates", *args)
    assert (out.stdout, out.rc) == ("[FIRING:1] HighErrorRate", 0)
    # Without the mapping the deployed path matches nothing here: the template is not defined,
    # and the error says which entry matched nothing and how to map it.
    out = ruletest("render", "--config.file", str(config), *args)
    assert out.rc == 1 and 'template "slack.title" not defined' in out.stderr
    entry = "- '/etc/alertmanager/template/*.tmpl'"
    line = config.read_text().splitlines().index(entry) + 1
    assert out.stderr.splitlines()[1:] == [
        f"  {config}:{line}: templates entry '/etc/alertmanager/template/*.tmpl' matches no file; map the deployed "
        "directory to the repository's with --template.path-map /etc/alertmanager/template=DIR (DIR relative to "
        "alertmanager.yml)"]
    # Likewise for a --template.glob that matches nothing.
    out = ruletest("render", "--template.glob", str(REPO / "nope" / "*.tmpl"), *args)
    assert out.stderr.splitlines()[1:] == [f"  --template.glob '{REPO / 'nope' / '*.tmpl'}' matches no file"]


def test_render_needs_templates_and_reads_html(tmp_path: Path) -> None:
    out = ruletest("render", "--template.text", "x")
    assert out.rc == 1 and "--template.glob" in out.stderr
    (tmp_path / "e.tmpl").write_text("")
    out = ruletest("render", f"--template.glob={tmp_path}/e.tmpl", "--template.type", "html",
                   "--template.text", "<b>{{ .Receiver }}&{{ \"<\" }}</b>")
    assert (out.stdout, out.rc) == ("<b>receiver&&lt;</b>", 0)


def test_emulated_release_changes_what_parses(tmp_path: Path) -> None:
    (tmp_path / "e.tmpl").write_text("")
    base = [f"--template.glob={tmp_path}/e.tmpl", "--template.text", '{{ trimSpace " x " }}']
    assert ruletest("render", *base).rc == 1
    assert ruletest("render", *base, "--alertmanager", "0.26").stdout == "x"
    with pytest.raises(SystemExit) as exc:  # a usage error: argparse's exit status 2
        ruletest("render", *base, "--alertmanager", "0.99")
    assert exc.value.code == 2


def test_check_reads_stdin_like_amtool(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO("route:\n  receiver: d\nreceivers:\n- name: d\n"))
    out = ruletest("check")
    assert out.rc == 0 and out.stdout.startswith("Checking '/dev/stdin'  SUCCESS\n")
