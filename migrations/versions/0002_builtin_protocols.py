"""built-in protocols

Every fresh install gets the protocols of DOMAIN.md with their stable keys. The rows come from
the domain's definition (one source of truth); inserting only missing keys keeps this safe to
run on a database where a clinic has already edited a built-in.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

"""
from alembic import op
from sqlalchemy import orm

from scheduler_service.services.protocols import ensure_builtin_protocols
from scheduler_service.services.unit_of_work import UnitOfWork

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    session = orm.Session(bind=op.get_bind())
    with UnitOfWork("migration 0002", session=session) as uow:
        ensure_builtin_protocols(uow)


def downgrade():
    op.execute("DELETE FROM protocols WHERE builtin")
