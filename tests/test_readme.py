"""The README documents every setting and every command."""

from __future__ import annotations

from pathlib import Path

from tracker.config import DEFAULTS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = [key for key in DEFAULTS if f"| `{key}`" not in README]
    assert not missing, f"settings missing from the README's table: {missing}"


def test_every_command_is_documented(app):
    commands = []
    for name, command in app.cli.commands.items():
        if name in {"shell", "routes", "run"}:
            continue
        sub = getattr(command, "commands", None)
        if sub:
            commands += [f"{name} {s}" for s in sub if name != "db"]
        else:
            commands.append(name)
    missing = [c for c in commands if f"flask --app wsgi {c}" not in README]
    assert not missing, f"commands missing from the README: {missing}"
