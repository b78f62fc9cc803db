"""The `ihomer` command line: one umbrella group, one module per subcommand."""

from __future__ import annotations

import logging
import sys

import click

from stream.errors import IhomerError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-v", "--verbose", count=True, help="More log output (-v info, -vv debug) on standard error."
)
def cli(verbose: int) -> None:
    """Online multi-label learning on data streams."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _register_commands() -> None:
    from stream.cli.bench import bench_command
    from stream.cli.evaluate import evaluate_command
    from stream.cli.inspect import inspect_command
    from stream.cli.listing import datasets_command, learners_command
    from stream.cli.produce import produce_command
    from stream.cli.serve import serve_command

    cli.add_command(evaluate_command)
    cli.add_command(learners_command)
    cli.add_command(datasets_command)
    cli.add_command(serve_command)
    cli.add_command(produce_command)
    cli.add_command(inspect_command)
    cli.add_command(bench_command)


_register_commands()


def main() -> None:
    """Entry point: user errors become one line on standard error and exit status 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("ihomer: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except IhomerError as exc:
        click.echo(f"ihomer: error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("ihomer: interrupted", err=True)
        sys.exit(130)
