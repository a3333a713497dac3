"""Alembic environment: compplan runs migrations itself when it opens a store
(compplan.store.db.upgrade), passing the connection in `config.attributes`."""
from alembic import context

from compplan.store.models import Base

config = context.config
target_metadata = Base.metadata

connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the alembic command line, for new revisions
    from sqlalchemy import create_engine
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    connection = engine.connect()

context.configure(connection=connection, target_metadata=target_metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
