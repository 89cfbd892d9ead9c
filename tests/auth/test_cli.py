from __future__ import annotations

from sqlalchemy import select

from hotline.auth.models import User


def test_users_create_reads_the_password_from_stdin(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Focal@MIMP.pe",
            "--role",
            "partner",
            "--partner",
            "MIMP",
            "--name",
            "Focal",
        ],
        input="una-clave-bastante-larga\n",
    )
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.email == "focal@mimp.pe"))
    assert user.partner.code == "MIMP"
    assert "una-clave" not in result.output


def test_users_create_refuses_a_weak_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "w@x.pe", "--role", "operator"], input="short\n"
    )
    assert result.exit_code != 0
    assert db.scalar(select(User).where(User.email == "w@x.pe")) is None


def test_users_create_refuses_a_partner_without_organisation(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "p@x.pe", "--role", "partner"], input="una-clave-bastante-larga\n"
    )
    assert result.exit_code != 0


def test_demo_accounts(app, db):
    from sqlalchemy import func

    from hotline.calls.models import Call
    from hotline.demo_data.rows import UNFINISHED_CALLS

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0
    assert "admin@demo.pe" in result.output
    assert "Sample data: 300 fictitious contacts" in result.output
    operator = db.scalar(select(User).where(User.email == "operadora@demo.pe"))
    handled = db.scalar(select(func.count()).select_from(Call).where(Call.operator_id == operator.id))
    assert handled == 300 - UNFINISHED_CALLS  # the newest are left waiting in the intake queue
    # Running it again adds nothing.
    assert "Sample data" not in app.test_cli_runner().invoke(args=["demo"]).output
    assert db.scalar(select(User).where(User.email == "fiscalia@demo.pe")).partner.code == "MP-FISTRAP"


def test_a_user_created_from_the_command_line_has_no_actor_in_the_audit(app, db):
    from tests.helpers import last_audit

    app.test_cli_runner().invoke(
        args=["users", "create", "--email", "cli@x.pe", "--role", "operator"],
        input="una-clave-bastante-larga\n",
    )
    event = last_audit("user.create")
    assert event.actor_id is None and event.object_id == str(
        db.scalar(select(User.id).where(User.email == "cli@x.pe"))
    )
