"""What the PostgreSQL benchmarks share: a fresh, empty database for each run."""

from __future__ import annotations


def _admin(url: str) -> str:
    """The same server's `postgres` database (to drop and create the benchmark's)."""
    base, _, _name = url.replace("+asyncpg", "").rpartition("/")
    return base + "/postgres"


async def fresh_database(url: str) -> None:
    """Drop the URL's database (closing its connections) and create it empty."""
    import asyncpg

    name = url.rpartition("/")[2]
    conn = await asyncpg.connect(_admin(url))
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
