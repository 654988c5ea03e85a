"""Which exceptions are the database's: the only place that knows SQLAlchemy's and the
drivers' exception types, so that callers outside the store can classify a failure
without importing them.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

#: The modules whose exceptions are the database layer's: SQLAlchemy and the drivers
#: (an error can escape a driver unwrapped, e.g. while a connection is being set up).
DATABASE_MODULES = ("sqlalchemy", "asyncpg", "aiosqlite", "sqlite3")


def is_database_error(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by the database layer rather than by the caller's code:
    the database failing for now, worth trying the same work again later."""
    module = type(exc).__module__ or ""
    return module.startswith(DATABASE_MODULES)


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether the database cannot be reached or used at all (refused connection, lost
    connection, locked file, bad credentials): what an operator has to fix."""
    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)
