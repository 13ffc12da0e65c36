"""The ``muniment`` command: a thin Click layer (Flask's FlaskGroup) over the functions the HTTP layer uses."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from metadata.importers import files as importer
from metadata.importers import loading, spreadsheet

from metadata.storage import backup, check, migrate
from metadata.importers.files import ImportProblem
from metadata.storage import NotFound, StorageError

from . import auth, create_app, state
from .progress import Progress


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Muniment: archival records as Dublin Core and JSON-LD, served over IIIF and OAI-PMH.

    Every command reads the MUNIMENT_* settings described in the README."""


@cli.group()
def db():
    """Database schema."""


@db.command("upgrade")
@with_appcontext
def db_upgrade():
    """Create or migrate the database schema (and the stored records' format) to the latest version."""
    _upgrade_database()
    click.echo(f"database at revision {migrate.current(state.store().engine)}")


def _upgrade_database() -> None:
    """Migrate, then re-derive the outputs of records a data migration gave a new revision (the migrations
    cannot: the derivers are the server's)."""
    migrate.upgrade(state.store().engine)
    rebuilt = state.store().records.rebuild(stale_only=True)
    if rebuilt:
        click.echo(f"re-derived the outputs of {rebuilt} upgraded record(s)")


@cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["auto", "seed", "jsonld"]), default="auto",
              help="File format; auto picks by suffix (.txt seed, .jsonld/.json/.jsonl JSON-LD).")
@click.option("--draft", is_flag=True, help="Store every new record unpublished (unmarked records are published "
                                             "by default; records marked draft always stay drafts).")
@click.option("--force", is_flag=True, help="Also re-import records edited or deleted since their last import, "
                                             "each as a new revision (without it they are skipped and listed).")
@click.option("--if-empty", is_flag=True, help="Import only into a database that holds no record yet (make run).")
@click.option("--author", default="import", help="Name recorded as the author of the revisions.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False),
              help="Apply a spreadsheet exported with `muniment export --csv` (see the README's Spreadsheets).")
@click.option("--dry-run", is_flag=True, help="With --csv: show the changes field by field, write nothing.")
@with_appcontext
def import_command(paths, fmt, draft, force, if_empty, author, csv_file, dry_run):
    """Import records from seed-format or JSON-LD files (directories: every importable file in them), or
    apply the changed rows of a spreadsheet (--csv FILE). A file imported again updates the records it made;
    records edited or deleted since are skipped unless --force."""
    migrate.upgrade(state.store().engine)
    if csv_file:
        if paths:
            raise click.UsageError("give either files to import or --csv FILE, not both")
        _import_csv(Path(csv_file), author if author != "import" else "spreadsheet", dry_run)
        return
    if not paths:
        raise click.UsageError("give the files or folders to import (or --csv FILE)")
    if if_empty and not state.store().imports.archive_is_empty():
        click.echo("the database already holds records: nothing imported (--if-empty)")
        return
    paths = importer.expand_paths(paths)
    progress = Progress(len(paths), ("created", "updated", "unchanged", "skipped", "failed"))
    workers = state.settings().import_workers_for(len(paths))
    for result in loading.import_files(state.store(), paths, fmt, author=author, draft=draft, force=force,
                                       workers=workers):
        path = result.path
        if result.problem:
            click.echo(f"error: {result.problem}", err=True)
            progress.count("failed")
        for outcome in result.outcomes:
            progress.count(outcome.status)
            if outcome.status == "skipped":
                progress.note(f"{path}: {outcome.reason}")
            if not progress.interactive:
                click.echo(f"{path}: {outcome.status} {outcome.record_id} (revision {outcome.revision})")
        progress.advance()
    click.echo(progress.summary())
    if progress.counts["failed"]:
        sys.exit(1)


def _import_csv(path: Path, author: str, dry_run: bool) -> None:
    """Plan a spreadsheet's rows, show each row's changes or problems, and (unless a dry run) apply them."""
    try:
        _, table = spreadsheet.read_table(path.read_bytes(), str(path))
    except OSError as exc:
        raise click.ClickException(f"{path}: {exc.strerror}") from None
    except spreadsheet.SpreadsheetError as exc:
        raise click.ClickException(str(exc)) from None
    rows = spreadsheet.plan(state.store().records, table)
    if not dry_run:
        rows = spreadsheet.apply(state.store().records, rows, author, path.name)
    for row in rows:
        if row.status != "unchanged":
            problem = row.status in ("invalid", "conflict")
            for line in spreadsheet.describe(row):
                click.echo(f"{path}: {line}" if problem else line, err=problem)
    counts = spreadsheet.summary(rows)
    words = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no rows"
    click.echo(("dry run, nothing written: " if dry_run else "") + words)
    if counts.get("invalid") or counts.get("conflict"):
        sys.exit(1)


def _year(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise click.BadParameter(f"write a year such as 1949, not {text!r}", param_hint=option) from None


@cli.command("export")
@click.option("--output", "-o", type=click.Path(), default="-", help="JSON Lines file (default: standard output).")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Write one FILE.jsonld per record.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False),
              help="Write a spreadsheet (CSV) for bulk editing, one row per record.")
@click.option("--fields", help=f"With --csv: comma-separated fields (default {','.join(spreadsheet.DEFAULT_FIELDS)}).")
@click.option("--set", "set_spec", help="With --csv: only records in this set (and its subsets).")
@click.option("--from", "year_from", help="With --csv: only records dated in or after this year.")
@click.option("--to", "year_to", help="With --csv: only records dated in or before this year.")
@click.option("-q", "query", default="", help="With --csv: only records whose title or identifier contains this.")
@with_appcontext
def export_command(output, directory, csv_file, fields, set_spec, year_from, year_to, query):
    """Export every live record (drafts included, each marked with its state) as JSON-LD that `muniment import`
    reads back, or as a spreadsheet (--csv FILE) that `muniment import --csv` applies."""
    if csv_file:
        chosen = list(spreadsheet.chosen(state.store().records, set_spec, _year(year_from, "--from"),
                                         _year(year_to, "--to"), query))
        try:
            text = spreadsheet.write_csv(chosen, spreadsheet.parse_fields(fields))
        except spreadsheet.SpreadsheetError as exc:
            raise click.ClickException(str(exc)) from None
        Path(csv_file).write_text(text, "utf-8", newline="")
        click.echo(f"exported {len(chosen)} record(s) to {csv_file}", err=True)
        return
    urls = state.urls()
    count = 0
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for record in state.store().records.iter_records():
            line = importer.export_line(record.data, urls, record.published)
            (Path(directory) / f"{record.id}.jsonld").write_text(line + "\n", "utf-8")
            count += 1
    else:
        with click.open_file(output, "w", encoding="utf-8") as out:
            for record in state.store().records.iter_records():
                out.write(importer.export_line(record.data, urls, record.published) + "\n")
                count += 1
    click.echo(f"exported {count} record(s)", err=True)


@cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(file):
    """Write one consistent snapshot of the whole database (every table) to FILE, while the server runs."""
    counts = _backup_step(backup.write_backup, file)
    click.echo(f"backed up {_counted(counts)} to {file}")


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def restore_command(file):
    """Restore a backup FILE into the configured database, which must be empty."""
    counts = _backup_step(backup.restore_backup, file)
    click.echo(f"restored {_counted(counts)} from {file}")


def _backup_step(step, file) -> dict[str, int]:
    """Run a backup or restore on the configured database; its problems become messages naming the file."""
    try:
        return step(state.store().engine, file)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{file}: {exc.strerror or exc}") from None


def _counted(counts: dict[str, int]) -> str:
    return f"{sum(counts.values())} row(s) (" + ", ".join(f"{name} {n}" for name, n in counts.items()) + ")"


@cli.command("check")
@with_appcontext
def check_command():
    """Verify every record's revisions, hashes, row and stored outputs; exit 1 naming each problem."""
    problems = 0
    for problem in check.check_records(state.store().engine, state.store().records.derivers):
        problems += 1
        click.echo(str(problem))
    if problems:
        click.echo(f"{problems} problem(s) found", err=True)
        sys.exit(1)
    click.echo("no problems found")


@cli.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["auto", "seed", "jsonld"]), default="auto")
def validate_command(paths, fmt):
    """Check seed-format or JSON-LD files without storing anything."""
    paths = importer.expand_paths(paths)
    progress = Progress(len(paths), ("valid", "invalid"))
    for path in paths:
        try:
            records = importer.read_file(path, fmt)
        except ImportProblem as exc:
            progress.count("invalid")
            progress.advance()
            click.echo(f"error: {exc}", err=True)
            continue
        progress.count("valid")
        progress.advance()
        if not progress.interactive:
            click.echo(f"{path}: ok ({', '.join(r['identifier'] for r in records)})")
    click.echo(progress.summary())
    if progress.counts["invalid"]:
        sys.exit(1)


@cli.command("rebuild")
@with_appcontext
def rebuild_command():
    """Re-derive every stored output (manifests, OAI formats) from the current revisions."""
    migrate.upgrade(state.store().engine)
    click.echo(f"rebuilt {state.store().records.rebuild()} record(s)")


def _read_password(prompt: str) -> str:
    """Prompted twice on a terminal; read from standard input (one line) when it is not a terminal."""
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise click.ClickException("no password on standard input")
    return password


@cli.group()
def user():
    """Archivists' accounts."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(sorted(auth.ROLES)), default="editor", show_default=True)
@with_appcontext
def user_add(name, role):
    """Create (or update the role and password of) a user."""
    migrate.upgrade(state.store().engine)
    password = _read_password(f"Password for {name}")
    problems = auth.user_problems(name, role, password)
    if problems:
        raise click.ClickException("; ".join(f"{p['pointer'][1:]}: {p['message']}" for p in problems))
    try:
        state.store().accounts.save_user(name, role, auth.hash_password(password))
    except StorageError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"user {name} ({role}) saved")


@user.command("password")
@click.argument("name")
@with_appcontext
def user_password(name):
    """Reset a user's password."""
    password = _read_password(f"New password for {name}")
    problems = [p for p in auth.user_problems(name, "editor", password) if p["pointer"] == "/password"]
    if problems:
        raise click.ClickException(f"password: {problems[0]['message']}")
    try:
        state.store().accounts.set_password(name, auth.hash_password(password))  # ends the user's sessions too
    except NotFound:
        raise click.ClickException(f"no user {name}") from None
    click.echo(f"password of {name} changed")


@cli.group()
def token():
    """API tokens for scripts."""


@token.command("create")
@click.argument("name")
@click.option("--label", default="created on the command line")
@with_appcontext
def token_create(name, label):
    """Create an API token for user NAME and print it (once; only its digest is stored)."""
    secret = auth.new_token()
    try:
        state.store().accounts.add_token(name, auth.token_digest(secret), label)
    except NotFound:
        raise click.ClickException(f"no user {name}") from None
    click.echo(secret)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="processes (about one per core)")
@click.option("--threads", default=64, show_default=True, type=click.IntRange(1),
              help="threads per process (a client sending slowly holds one)")
@with_appcontext
def serve_command(host, port, workers, threads):
    """Serve with gunicorn's threaded workers (production-grade; upgrades the database schema first)."""
    from .serving import serve

    _upgrade_database()
    config = dict(current_app.extensions["muniment"].get("overrides") or {})
    serve(host, port, workers, config, threads)


def main():
    """The ``muniment`` script: a plain Click group (Flask's own --app/--env-file/--debug options do not
    apply to Muniment), with the app built from MUNIMENT_* settings on first use."""
    cli(prog_name="muniment", obj=ScriptInfo(create_app=create_app, load_dotenv_defaults=False))
