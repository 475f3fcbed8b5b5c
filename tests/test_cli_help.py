"""Every command and every option explains itself in --help (sqlite-utils' test_docs idea)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from zendesk_events.cli import cli


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


def _resolve(path: tuple[str, ...]) -> click.Command:
    cmd: click.Command | None = cli
    for part in path:
        assert isinstance(cmd, click.Group)
        cmd = cmd.get_command(click.Context(cmd), part)
    assert cmd is not None
    return cmd


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_every_option_has_help(path: tuple[str, ...]) -> None:
    cmd = _resolve(path)
    assert cmd.help, f"{' '.join(path)} has no help text"
    for param in cmd.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no help text"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_unknown_command_is_one_line_and_exit_2() -> None:
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command" in result.output
