"""What a running console's database holds, to prove that a refused call changed nothing."""

from __future__ import annotations

import hashlib
import sqlite3

from sqlalchemy.engine import make_url


def fingerprint(database_url: str) -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row, per table, read from the console's SQLite file."""
    path = make_url(database_url).database
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        result = {}
        for table in sorted(tables):
            digest, count = hashlib.sha256(), 0
            for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                digest.update(repr(row).encode())
                count += 1
            result[table] = (count, digest.hexdigest())
        return result
    finally:
        connection.close()
