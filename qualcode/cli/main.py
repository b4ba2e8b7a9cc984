"""The ``qualcode`` command: global options, command groups, and error handling."""

from __future__ import annotations

import os
import sys

import click

from qualcode import __version__
from qualcode.cli.context import Context
from qualcode.errors import QualcodeError

DEFAULT_DB = "qualcode.db"


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="QUALCODE_DB",
    default=DEFAULT_DB,
    show_default=True,
    help="Project: a SQLite file path or a postgresql:// URL (env QUALCODE_DB).",
)
@click.option(
    "--as",
    "actor",
    default=None,
    help="Act as this coder (default: QUALCODE_AS, QUALCODE_USER, else the OS user; on "
    "PostgreSQL you are your database login and --as may only name that coder).",
)
@click.version_option(__version__, prog_name="qualcode")
@click.pass_context
def cli(ctx: click.Context, db: str, actor: str | None) -> None:
    """qualcode: qualitative coding of interview transcripts, in the terminal.

    Start with `qualcode init`, then `qualcode import`, `qualcode codebook import`,
    and code with `qualcode apply` or the coding TUI.
    """
    from qualcode.services.project import requested_user

    source = "--as"
    if not actor:
        actor, source = requested_user()
    ctx.obj = Context(db=db, requested=actor, source=source)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        from qualcode.store.location import locate

        location = locate(db)
        if location.path is not None and not location.path.exists():
            click.echo(ctx.get_help())
            return
        if sys.stdin.isatty() and sys.stdout.isatty():
            from qualcode.cli.tui_cmds import run_tui

            run_tui(ctx.obj, None, None, plain=True)
        else:
            from qualcode.cli.project_cmds import show_status
            from qualcode.cli.tui_cmds import who_line

            show_status(ctx.obj)
            click.echo(f"note: {who_line(ctx.obj)}", err=True)


def _register() -> None:
    from qualcode.cli import (
        admin_cmds,
        agreement_cmds,
        codebook_change_cmds,  # noqa: F401  (adds commands to the codebook and codings groups)
        codebook_cmds,
        codebook_merge_cmds,  # noqa: F401  (adds merge-file to the codebook group)
        coding_cmds,
        consensus_cmds,
        export_cmds,
        import_cmds,
        privacy_cmds,
        project_cmds,
        refi_cmds,
        report_cmds,
        tui_cmds,
        view_cmds,
    )

    for module in (
        project_cmds,
        admin_cmds,
        privacy_cmds,
        import_cmds,
        codebook_cmds,
        coding_cmds,
        consensus_cmds,
        agreement_cmds,
        view_cmds,
        tui_cmds,
        report_cmds,
        refi_cmds,
        export_cmds,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def _damaged_file(exc: BaseException) -> str:
    """The message for a SQLite file that is damaged, full or read-only, else ''."""
    import sqlite3

    orig = getattr(exc, "orig", None)
    if not isinstance(orig, sqlite3.DatabaseError):
        return ""
    reason = str(orig).strip()
    if "disk is full" in reason or "disk I/O error" in reason:
        return (
            f"database: {reason}; nothing from this command was stored. Free some space on "
            "the project's disk and run it again"
        )
    if "readonly database" in reason:
        return (
            f"database: {reason}; nothing from this command was stored. The project file (or "
            "its folder) is read-only: reading works, changes need write access"
        )
    if isinstance(orig, sqlite3.OperationalError):
        return ""
    if "malformed" not in reason and "not a database" not in reason:
        return ""
    return (
        f"the project file is damaged ({reason}); nothing from this command was stored. "
        "Restore it from a backup ('qualcode backup' makes one), or try 'sqlite3 FILE .recover'"
    )


def _undecodable_argument(args: list[str]) -> str | None:
    """An argument the terminal did not send as UTF-8 (Python keeps its bytes as lone
    surrogates, which no project can store): say which, before anything runs."""
    for number, arg in enumerate(args, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            return (
                f"argument {number} ({shown!r}) is not valid UTF-8: a project cannot store it; "
                "rename the file if it is a file name, else set the terminal to UTF-8 "
                "(e.g. LANG=C.UTF-8) and type it again"
            )
    return None


def main(argv: list[str] | None = None) -> None:
    """Run the CLI: user errors print one line ``error: …`` and exit with status 2."""
    from qualcode.store.retry import StillBusy, retrying

    bad = _undecodable_argument(sys.argv[1:] if argv is None else argv)
    if bad is not None:
        click.echo(f"error: {bad}", err=True)
        sys.exit(2)
    try:
        # A command met another writer (locked, serialization failure, a same-moment
        # duplicate): it stored nothing, so it runs again, with backoff, for a bounded time.
        retrying(lambda: cli.main(args=argv, prog_name="qualcode", standalone_mode=False))
    except StillBusy as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except QualcodeError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted; nothing from the unfinished command was stored", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:
        from sqlalchemy.exc import OperationalError

        damaged = _damaged_file(exc)
        if damaged:  # a damaged SQLite file: the user's file, not our bug
            click.echo(f"error: {damaged}", err=True)
            sys.exit(2)
        if isinstance(exc, OperationalError):
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            click.echo(
                f"error: database: {reason}; nothing from this command was stored, try again",
                err=True,
            )
            sys.exit(2)
        if os.environ.get("QUALCODE_DEBUG"):
            raise
        click.echo(
            f"error: internal error ({type(exc).__name__}: {exc}); nothing from this command "
            "was stored. Please report it; set QUALCODE_DEBUG=1 to see the traceback",
            err=True,
        )
        sys.exit(1)
