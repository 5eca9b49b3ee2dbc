"""The `assess` command line: thin commands over the library.

Every command turns bad input into one line per problem on stderr and exit code 2;
results go to stdout. Heavy libraries are imported inside the commands that need them.
"""
from __future__ import annotations

import os
import sys
import types

# Pydantic looks through every installed package's entry points for plugins on first use;
# the command line uses none, and the search costs each command about 15 ms.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def _no_plugin_loader() -> None:
    """With every plugin disabled pydantic's loader finds none, yet importing it still loads
    importlib.metadata (email, csv, zipfile: ~10 ms a command). Stand in for it: no plugins."""
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] in ("__all__", "1", "true") and "pydantic.plugin._loader" not in sys.modules:
        loader = types.ModuleType("pydantic.plugin._loader")
        loader.get_plugins = lambda: ()
        sys.modules["pydantic.plugin._loader"] = loader


_no_plugin_loader()

import typer  # noqa: E402

from . import authoring, core, report, run
from . import actions, calibrate, compare, decide, gap, merge, plan, portfolio, reassess, serve
from .help_types import plain_type_display

plain_type_display()

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Rules-based governance assessments: evaluate answers, report, compare.")


def _show_version(value: bool) -> None:
    if value:
        from .. import __version__
        typer.echo(f"assess {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                          help="Print the version and exit.")) -> None:
    """Rules-based governance assessments: evaluate answers, report, compare."""
frameworks_app = typer.Typer(no_args_is_help=True, help="List and inspect the frameworks that are installed.")
app.add_typer(frameworks_app, name="frameworks")

# explicit registry: each command lives in the module named after its job
frameworks_app.command("list")(core.frameworks_list)
frameworks_app.command("show")(core.frameworks_show)
app.command("validate")(core.validate)
app.command("init")(core.init)
app.command("evaluate")(core.evaluate)
app.command("schema")(core.schema)
app.command("test-rules")(authoring.test_rules)
app.command("lint")(authoring.lint)
app.command("run")(run.run)
app.command("report")(report.report)
app.command("compare")(compare.compare)
app.command("portfolio")(portfolio.portfolio)
app.command("gap")(gap.gap)
app.command("merge")(merge.merge)
app.command("plan")(plan.plan)
app.command("calibrate")(calibrate.calibrate)
app.command("actions")(actions.actions)
app.command("decide")(decide.decide)
app.command("reassess")(reassess.reassess)
app.command("serve")(serve.serve)
db_app = typer.Typer(no_args_is_help=True, help="The web service's database: upgrade its schema, export every assessment.")
app.add_typer(db_app, name="db")
db_app.command("upgrade")(serve.db_upgrade)
db_app.command("export")(serve.db_export)


def main() -> None:
    import signal
    # `assess evaluate ... | head` should stop quietly, as other command-line tools do
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    app()
