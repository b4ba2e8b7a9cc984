"""``qualcode code``: the coding TUI."""

from __future__ import annotations

import click

from qualcode.cli.context import Context, pass_context
from qualcode.errors import QualcodeError


def _coder_names(context: Context) -> list[str]:
    from sqlalchemy import select

    from qualcode.services.lookup import CONSENSUS
    from qualcode.store.models import Coder

    with context.project().session() as session:
        names = session.scalars(select(Coder.name).order_by(Coder.name)).all()
    return [n for n in names if n != CONSENSUS]


def who_line(context: Context) -> str:
    """Who plain ``qualcode`` acts as, and how to choose someone else."""
    actor = context.actor
    how = f" ({context.source})"
    project = context.project()
    if project.engine.dialect.name == "postgresql":
        from qualcode.services.db_roles import login_coder

        with project.engine.connect() as conn:
            login, mine = login_coder(conn)
        if mine is not None:
            return f"acting as {actor} (your database login {login}; connect as another to change)"
        how += f", connected as {login}"
    return f"acting as {actor}{how}; choose with --as NAME or QUALCODE_AS=NAME"


def require_known_actor(context: Context) -> None:
    """Plain ``qualcode`` never registers a new coder: it says who it would act as."""
    names = _coder_names(context)
    if context.actor in names:
        return
    raise QualcodeError(
        f"{who_line(context).replace('acting as', 'you would act as', 1)}, but "
        f"{context.actor} is not a coder of this project (coders: {', '.join(names) or 'none'});"
        f" to join as {context.actor}, run 'qualcode code'"
    )


def run_tui(
    context: Context, coder: str | None, transcript: str | None, plain: bool = False
) -> None:
    """Start the TUI at once: on SQLite the project is opened in its database thread, so the
    first frame does not wait for SQLAlchemy. A missing SQLite file is reported before.

    Who acts is settled first: on PostgreSQL the database login's coder; ``--coder`` naming
    someone else follows the rule of ``apply --coder`` (only the lead codes as another)."""
    import sys

    from qualcode.services.audit import require_own_or_lead
    from qualcode.store.location import locate, missing_project
    from qualcode.tui.app import make_app

    location = locate(context.db)
    if location.path is not None and not location.path.exists():
        raise missing_project(location.path)
    actor = context.actor  # on PostgreSQL this opens the project and checks the login
    if plain:
        require_known_actor(context)
    name = coder.strip() if coder else actor
    if name != actor:
        with context.project().session() as session:
            session.info["actor"] = actor
            require_own_or_lead(session, name, f"code --coder {name}")
    source = context._project if context._project is not None else context.db
    app = make_app(source, name, transcript, actor=actor)
    app.run()
    if app.failure:
        raise QualcodeError(app.failure)
    if app.return_code:
        sys.exit(app.return_code)


@click.command()
@click.option(
    "--coder",
    default=None,
    help="Code as this coder (default: who acts, see --as); someone else's codings only "
    "for the lead.",
)
@click.option("--transcript", default=None, help="Open this transcript first.")
@pass_context
def code(context: Context, coder: str | None, transcript: str | None) -> None:
    """Open the coding TUI (keyboard-first; ? lists the keys)."""
    run_tui(context, coder, transcript)


COMMANDS = [code]
