"""Files the tracker keeps in instance/ (database, uploads, outbox): private to its user.

Folders are created 0700 and files 0600 whatever the process umask, so evidence,
e-mails and the SQLite database are not readable by other accounts on the server.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """``path`` (and missing parents) created 0700; an existing folder is narrowed to 0700."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
    info = path.stat()
    if info.st_mode & 0o777 != FOLDER_MODE and info.st_uid == os.getuid():
        path.chmod(FOLDER_MODE)
    return path


def open_private(path: Path, mode: str = "wb") -> IO[bytes]:
    """A new file opened for writing, created 0600 (it must not exist yet)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    return os.fdopen(fd, mode)


def make_private(path: Path) -> None:
    """Narrow an existing file to 0600 (a file created by a library, e.g. SQLite's)."""
    try:
        if path.stat().st_mode & 0o777 != FILE_MODE:
            path.chmod(FILE_MODE)
    except OSError:
        pass
