"""Alembic runs migrations over the connection store.upgrade hands it."""
from alembic import context

from assess.web.store import Base

context.configure(connection=context.config.attributes["connection"], target_metadata=Base.metadata,
                  render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
