"""Command-line tools: `flask --app wsgi seed | demo | users create | translate | worker ...`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from hotline.extensions import db

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# Templates live in folders such as _macros, which Babel skips by default.
EXTRACT_ARGS = (
    "-F",
    "babel.cfg",
    "-k",
    "_l",
    "-k",
    "lazy_pgettext:1c,2",
    "--no-location",
    "--ignore-dirs",
    ".* __pycache__",
)

DEMO_USERS = [
    # (e-mail, role, partner code, name, password) — demo only, printed by `make run`.
    ("operadora@demo.pe", "operator", None, "Olga Operadora", "turno-manana-1818"),
    ("coordinador@demo.pe", "coordinator", None, "Carlos Coordinador", "ruta-segura-1818"),
    ("gerente@demo.pe", "manager", None, "Gina Gerente", "informe-mensual-1818"),
    ("admin@demo.pe", "admin", None, "Ana Administradora", "llave-maestra-1818"),
    ("fiscalia@demo.pe", "partner", "MP-FISTRAP", "Fernando Fiscal", "expediente-fiscal-1818"),
    ("mimp@demo.pe", "partner", "MIMP", "Marta MIMP", "proteccion-integral-1818"),
]


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(demo)
    app.cli.add_command(demo_data)
    app.cli.add_command(users)
    app.cli.add_command(translate)
    from hotline.audit.cli import audit_cli
    from hotline.referrals.cli import referrals
    from hotline.worker import outbox_cli, worker

    app.cli.add_command(audit_cli)
    app.cli.add_command(worker)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(referrals)
    from hotline.subjects.cli import retention

    app.cli.add_command(retention)
    from hotline.api.cli import api_keys

    app.cli.add_command(api_keys)


@click.command()
@with_appcontext
def seed() -> None:
    """Load regions, provinces, forms of exploitation and partners (idempotent)."""
    from hotline.partners.services import seed_partners
    from hotline.reference.services import seed_reference
    from hotline.referrals.services import seed_routing_rules

    counts = seed_reference()
    counts["partners"] = seed_partners()
    counts["routing rules"] = seed_routing_rules()
    db.session.commit()
    click.echo("seed: " + ", ".join(f"{k} {v} changed" for k, v in counts.items()))


@click.command()
@with_appcontext
def demo() -> None:
    """Create the demo accounts (one per role) and, on an empty database, a few fictitious contacts."""
    from sqlalchemy import func, select

    from hotline.auth import services
    from hotline.auth.models import Role
    from hotline.calls.models import Call
    from hotline.demo_data import generate

    for email, role, partner, name, password in DEMO_USERS:
        if services.get_user_by_email(email) is None:
            services.create_user(
                email=email, role=Role(role), password=password, name=name, partner_code=partner
            )
    db.session.commit()
    operator = services.get_user_by_email(DEMO_USERS[0][0])
    if not db.session.scalar(select(func.count()).select_from(Call).where(Call.operator_id == operator.id)):
        # Handled by the demo operator and coordinator (the only ones when the database is new).
        report = generate(300, days=90, staff=(1, 1))
        click.echo(f"Sample data: {report.calls} fictitious contacts, {report.cases} cases.")
    click.echo("Demo accounts (development only):")
    for email, role, partner, _name, password in DEMO_USERS:
        suffix = f" ({partner})" if partner else ""
        click.echo(f"  {role:<12} {email:<22} {password}{suffix}")


users = AppGroup("users", help="Manage user accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["operator", "coordinator", "manager", "admin", "partner"])
)
@click.option("--partner", "partner_code", default=None, help="Partner code (partner users).")
@click.option("--name", default="")
def users_create(email: str, role: str, partner_code: str | None, name: str) -> None:
    """Create a user. Prompts for the password on a terminal; else reads one line from stdin."""
    from hotline.auth import services
    from hotline.auth.models import Role
    from hotline.errors import HotlineError

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = services.create_user(
            email=email, role=Role(role), password=password, name=name, partner_code=partner_code
        )
    except HotlineError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created user {user.id} ({user.role}).")


translate = AppGroup("translate", help="Extract, update and compile the translations.")


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)  # noqa: S603  (our own interpreter and fixed arguments)


@translate.command("update")
def translate_update() -> None:
    """Extract every marked string and merge it into the .po files."""
    _pybabel("extract", *EXTRACT_ARGS, "-o", "messages.pot", ".")
    _pybabel("update", "-i", "messages.pot", "-d", str(TRANSLATIONS), "--no-fuzzy-matching")
    (ROOT / "messages.pot").unlink()


@translate.command("compile")
def translate_compile() -> None:
    _pybabel("compile", "-d", str(TRANSLATIONS))


@click.command("demo-data")
@with_appcontext
@click.option("--calls", "calls", default=10000, show_default=True, help="Contacts to add.")
@click.option("--seed", default=1818, show_default=True)
@click.option("--days", default=5 * 365, show_default=True, help="Spread over this many past days.")
def demo_data(calls: int, seed: int, days: int) -> None:
    """Add a large fictitious data set (for benchmarks and demos, never production)."""
    import time

    from hotline.demo_data import generate

    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-9)
        click.echo(f"  {done:>9,}/{total:,} contacts  ({rate:,.0f}/s)")

    report = generate(calls, seed=seed, days=days, progress=progress)
    click.echo(f"demo-data: {report.describe()} in {time.perf_counter() - started:.1f} s")
