"""`ihomer learners` and `ihomer datasets`: what can be named on the command line."""

from __future__ import annotations

import click


@click.command("learners")
def learners_command() -> None:
    """List the learners `--learner` accepts."""
    from learners.registry import describe

    specs = describe()
    width = max(len(spec.name) for spec in specs)
    for spec in specs:
        also = f" (also: {', '.join(spec.aliases)})" if spec.aliases else ""
        click.echo(f"{spec.name:<{width}}  {spec.description}{also}")


@click.command("datasets")
def datasets_command() -> None:
    """List the data set names `--dataset` accepts and where named files are looked for."""
    from stream.datasets import available, data_dirs

    for name in available():
        click.echo(name)
    folders = ", ".join(str(p) for p in data_dirs()) or "none found (set IHOMER_DATA)"
    click.echo(f"# folders searched: {folders}", err=True)
