"""Operating-system errors in one sentence a user can act on.

``OSError`` text ("[Errno 28] No space left on device: '/x/.y.tmp'") names a temporary file
the user never saw and no remedy; these sentences name what was being done, the place the
user chose and what to do about it.
"""

from __future__ import annotations

import errno
from pathlib import Path

_REMEDIES: dict[int, str] = {
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.EROFS: "the folder is on a read-only disk; choose another folder",
    errno.EACCES: "permission denied; choose a folder you can write to",
    errno.EPERM: "the operation is not permitted there; choose another folder",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EMFILE: "too many files are open; close some programs and try again",
}
if hasattr(errno, "EDQUOT"):
    _REMEDIES[errno.EDQUOT] = "your disk quota is used up; free some space and try again"


def describe_os_error(exc: BaseException, action: str, path: Path | str | None = None) -> str:
    """``"could not save /p/a.studio.json: the disk is full; free some space and try again"``.

    ``action`` is a verb phrase ("save", "write the run", "read"); ``path`` the place the
    user knows (not the temporary sibling Keras or we wrote to).
    """
    where = f" {path}" if path is not None else ""
    code = getattr(exc, "errno", None)
    if isinstance(exc, MemoryError):
        return f"could not {action}{where}: out of memory"
    if code in _REMEDIES:
        return f"could not {action}{where}: {_REMEDIES[code]}"
    text = str(exc).strip()
    reason = getattr(exc, "strerror", None) or (text.splitlines()[0] if text else "")
    reason = reason or type(exc).__name__
    return f"could not {action}{where}: {reason[:200]}"


def is_disk_error(exc: BaseException) -> bool:
    """Whether an exception (also one wrapped by h5py or Keras) comes from the file system."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError):
            return True
        current = current.__cause__ or current.__context__
    return False
