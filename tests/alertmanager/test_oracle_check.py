"""`ruletest alertmanager check` against `amtool check-config` 0.25: the same report on stdout
and exit code for a valid config and for configs Alertmanager refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alertmanager.configs import BAD_TEMPLATES, TEMPLATES, VARIANTS
from tests.alertmanager.oracle import amtool, ruletest

pytestmark = pytest.mark.needs("amtool")


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_check_config_agrees_with_amtool(name: str, tmp_path: Path) -> None:
    for rel, text in TEMPLATES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "am.yml").write_text(VARIANTS[name], encoding="utf-8")
    want = amtool("check-config", "am.yml", cwd=tmp_path)
    got = ruletest("check", "am.yml", cwd=tmp_path)
    assert (got.stdout, got.rc) == (want.stdout, want.rc), VARIANTS[name]


@pytest.mark.parametrize("name", sorted(BAD_TEMPLATES))
def test_template_errors_agree_with_amtool(name: str, tmp_path: Path) -> None:
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "bad.tmpl").write_text(BAD_TEMPLATES[name])
    (tmp_path / "am.yml").write_text("route:\n  receiver: d\nreceivers:\n- name: d\ntemplates: ['tpl/*.tmpl']\n")
    want = amtool("check-config", "am.yml", cwd=tmp_path)
    got = ruletest("check", "am.yml", cwd=tmp_path)
    assert (got.stdout, got.rc) == (want.stdout, want.rc)


def test_several_files_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(VARIANTS["undefined-receiver"])
    (tmp_path / "b.yml").write_text(VARIANTS["valid"].replace("templates: ['tpl/*.tmpl']\n", ""))
    want = amtool("check-config", "a.yml", "b.yml", cwd=tmp_path)
    got = ruletest("check", "a.yml", "b.yml", cwd=tmp_path)
    assert (got.stdout, got.rc) == (want.stdout, want.rc)
    assert "failed to validate 1 file(s)" in want.stderr and "failed to validate 1 file(s)" in got.stderr
    missing = amtool("check-config", "nope.yml", cwd=tmp_path)
    got = ruletest("check", "nope.yml", cwd=tmp_path)
    assert (got.stdout, got.rc) == (missing.stdout, missing.rc) == ("", 1)
