"""`flask api-keys create | list | revoke | rotate`: keys for partners' systems (admins, on the server)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from hotline.api import services
from hotline.api.models import Scope
from hotline.extensions import db
from hotline.partners import services as partners

api_keys = AppGroup("api-keys", help="Partner API keys: create, list, revoke, rotate.")


@api_keys.command("create")
@click.option("--partner", "partner_code", required=True, help="The organisation's code (e.g. MP-FISTRAP).")
@click.option(
    "--scope", "scopes", multiple=True, required=True, type=click.Choice(sorted(s.value for s in Scope))
)
@click.option("--expires-days", type=int, default=services.DEFAULT_EXPIRY_DAYS, show_default=True)
@click.option("--name", default="", help="What the key is for (e.g. the partner's case system).")
def create(partner_code: str, scopes: tuple[str, ...], expires_days: int, name: str) -> None:
    """Issue a key and print it once (only its hash is kept)."""
    partner = partners.get_partner_by_code(partner_code)
    if partner is None:
        raise click.ClickException(f"no partner with code {partner_code}")
    try:
        key, token = services.issue_key(
            partner, scopes=scopes, actor=None, expires_days=expires_days, name=name
        )
    except services.ApiError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(
        f"key {key.id} for {partner.code}, scopes {' '.join(key.scopes)}, expires {key.expires_at:%Y-%m-%d}"
    )
    click.echo("Give this key to the partner now; it is not shown again:")
    click.echo(token)


@api_keys.command("list")
def list_() -> None:
    """Every key: id, partner, scopes, expiry and state (never the key itself)."""
    for key in services.list_keys():
        state = services.key_state(key)
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        click.echo(
            f"{key.id}\t{key.partner.code}\t{key.prefix}\t{','.join(key.scopes)}\t"
            f"expires {key.expires_at:%Y-%m-%d}\t{state}\tlast used {used}"
        )


def _key_or_fail(key_id: int):  # type: ignore[no-untyped-def]
    key = services.get_key(key_id)
    if key is None:
        raise click.ClickException(f"no key {key_id}")
    return key


@api_keys.command("revoke")
@click.argument("key_id", type=int)
def revoke(key_id: int) -> None:
    """Revoke a key at once."""
    try:
        services.revoke_key(_key_or_fail(key_id), actor=None)
    except services.ApiError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"key {key_id} revoked")


@api_keys.command("rotate")
@click.argument("key_id", type=int)
def rotate(key_id: int) -> None:
    """Replace a key by a new one (same partner, scopes, lifetime); the old one stops at once."""
    try:
        new, token = services.rotate_key(_key_or_fail(key_id), actor=None)
    except services.ApiError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(
        f"key {key_id} revoked; new key {new.id}. Give this key to the partner now; it is not shown again:"
    )
    click.echo(token)
