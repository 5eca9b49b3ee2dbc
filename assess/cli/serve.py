"""`assess serve` and `assess db ...`: the web service and its database."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .common import fail, handle_errors

DatabaseOption = typer.Option(None, "--database", metavar="URL", show_default=False,
                              help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/assess; "
                                   "default $ASSESS_DATABASE_URL, else SQLite in the data folder.")
DataOption = typer.Option(Path("assess-data"), "--data", metavar="DIR", help="Folder for the SQLite database.")


@handle_errors
def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
          port: int = typer.Option(8000, "--port", min=1, max=65535),
          threads: int = typer.Option(8, "--threads", min=1, max=64, help="Requests handled at once."),
          proxy_user_header: Optional[str] = typer.Option(None, "--proxy-user-header", metavar="HEADER",
                                                          help="Single sign-on behind a proxy: sign requests from --trusted-proxy "
                                                               "in as the existing account this header names. Off by default."),
          trusted_proxy: Optional[List[str]] = typer.Option(None, "--trusted-proxy", metavar="ADDRESS",
                                                            help="Address of the proxy allowed to set --proxy-user-header; may repeat."),
          database: Optional[str] = DatabaseOption,
          data: Path = DataOption) -> None:
    """Start the web service: assessments in the browser for teams, assessors and boards."""
    if bool(proxy_user_header) != bool(trusted_proxy):
        raise fail("--proxy-user-header and --trusted-proxy go together: name the header and the proxy's address")
    from ..web.service import first_run_token, open_database
    engine, url = open_database(database, data)
    token = first_run_token(engine)
    engine.dispose()   # the app opens its own pool: the connection that migrated would otherwise sit idle
    from waitress import create_server

    from ..web.app import create_app
    app = create_app(url, migrate=False, proxy_user_header=proxy_user_header, trusted_proxies=tuple(trusted_proxy or ()),
                     threads=threads)
    from ..frameworks import load_all
    from ..web.app import compile_templates
    load_all()      # loaded and checked now, so the first person to open a question does not wait for it
    compile_templates(app)
    keep_startup_out_of_gc()
    try:
        server = create_server(app, host=host, port=port, threads=threads)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror}")
    shown_host = f"[{host}]" if ":" in host else host
    typer.echo(f"assess is serving at http://{shown_host}:{port}/ (database: {engine.url.render_as_string(hide_password=True)})")
    if token:
        typer.echo(f"first run: open http://{shown_host}:{port}/setup and enter this one-time setup token: {token}")
    server.run()


def keep_startup_out_of_gc() -> None:
    """What startup made (frameworks, templates, the app) lives as long as the process: move it out
    of the collector's reach, so a full collection, which stops every request thread, walks only
    what requests made since (57 and 150 ms with them in, 3 ms without, in bench/web.py runs)."""
    import gc
    gc.collect()
    gc.freeze()


@handle_errors
def db_upgrade(database: Optional[str] = DatabaseOption, data: Path = DataOption) -> None:
    """Create the database or bring its schema up to date."""
    from ..web.service import open_database
    engine, _url = open_database(database, data)
    typer.echo(f"database is up to date: {engine.url.render_as_string(hide_password=True)}")


@handle_errors
def db_export(folder: Path = typer.Argument(..., metavar="DIR", help="Folder to write one answers file per assessment into."),
              database: Optional[str] = DatabaseOption, data: Path = DataOption) -> None:
    """Write every assessment as an answers file, for backup or version control."""
    from ..web.service import export_all, open_database
    if folder.exists() and not folder.is_dir():
        raise fail(f"{folder} is a file, not a folder")
    engine, _url = open_database(database, data)
    written = export_all(engine, folder)
    typer.echo(f"wrote {len(written)} answers file(s) to {folder}", err=True)
