"""audit_log refuses UPDATE and DELETE in the database too

Revision ID: 3f9c2a7d5e10
Revises: aae3e50bf37a
Create Date: 2026-11-30 01:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "3f9c2a7d5e10"
down_revision = "aae3e50bf37a"
branch_labels = None
depends_on = None

POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger\nLANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND NEW.id::text IS NOT DISTINCT FROM OLD.id::text AND NEW.at::text IS NOT DISTINCT FROM OLD.at::text AND NEW.actor_label::text IS NOT DISTINCT FROM OLD.actor_label::text AND NEW.action::text IS NOT DISTINCT FROM OLD.action::text AND NEW.entity_type::text IS NOT DISTINCT FROM OLD.entity_type::text AND NEW.entity_id::text IS NOT DISTINCT FROM OLD.entity_id::text AND NEW.changes::text IS NOT DISTINCT FROM OLD.changes::text AND NEW.ip::text IS NOT DISTINCT FROM OLD.ip::text THEN\n        RETURN NEW;\n    END IF;\n    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';\nEND\n$$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]

SQLITE = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log WHEN NOT (OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor_label IS OLD.actor_label AND NEW.action IS OLD.action AND NEW.entity_type IS OLD.entity_type AND NEW.entity_id IS OLD.entity_id AND NEW.changes IS OLD.changes AND NEW.ip IS OLD.ip) BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]

DROP = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
        "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
        "DROP FUNCTION IF EXISTS audit_log_append_only()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_log_no_update",
        "DROP TRIGGER IF EXISTS audit_log_no_delete",
    ],
}


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(dialect, []):
        op.execute(statement)


def downgrade():
    for statement in DROP.get(op.get_bind().dialect.name, []):
        op.execute(statement)
