"""Where issued documents live: a directory of files addressed by a storage key.

Keys are relative paths the documents domain chooses (`tenant-1/invoices/INV-2026-00001.pdf`);
a key that would leave the directory is refused. Files are written once, atomically (a temporary
file renamed into place), so a crash never leaves half a PDF under a key.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath


class StorageKeyError(ValueError):
    """A storage key that is empty, absolute or climbs out of the storage directory."""


class DocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        pure = PurePosixPath(key)
        if not key or pure.is_absolute() or ".." in pure.parts:
            raise StorageKeyError(f"not a storage key: {key!r}")
        return self.root.joinpath(*pure.parts)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def read(self, key: str) -> bytes:
        """The file's bytes; FileNotFoundError when it is missing."""
        return self.path(key).read_bytes()

    def put(self, key: str, data: bytes) -> None:
        """Write the file under `key`, replacing it atomically."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
