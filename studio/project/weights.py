"""The weights file beside a project, written and read so that it always matches the design.

Weights are stored content-addressed as ``NAME.<16 hex>.weights.npz``, and the project's JSON
records that file name and its SHA-256. Saving writes the new weights file first (a new name;
the old file stays), then atomically replaces the JSON, and only then deletes weights files no
longer referenced. Whenever the process dies, the JSON on disk names a weights file that is
complete and whose hash it holds, so the pair on disk always matches; a disk that fills up
mid-save leaves the previous pair untouched.

Reading never unpickles (``allow_pickle=False`` and object arrays are refused), checks every
member's name and its header's claimed size against the bytes actually present (a header that
claims terabytes is refused, not allocated), and never extracts anything to disk.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from studio.common.reading import UnreadableFile, check_regular

log = logging.getLogger(__name__)

MAX_WEIGHTS_BYTES = 8 * 2**30
MAX_MEMBERS = 200_000
_MEMBER = re.compile(r"^([A-Za-z0-9_.\-]{1,256})/(\d{1,6})(\.npy)?$")


class WeightsRefused(ValueError):
    """A weights file that is damaged, hostile or not this design's; one sentence."""


@dataclass(frozen=True)
class WeightsRecord:
    file: str
    sha256: str

    def to_dict(self) -> dict[str, str]:
        return {"file": self.file, "sha256": self.sha256}


def weights_bytes(weights: dict[str, list[Any]]) -> bytes:
    arrays = {f"{nid}/{i}": np.asarray(w) for nid, ws in weights.items() for i, w in enumerate(ws)}
    for key, array in arrays.items():
        if array.dtype.hasobject:
            raise TypeError(f"weights {key} hold Python objects, which a project cannot store")
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def content_name(stem: str, data: bytes) -> WeightsRecord:
    digest = hashlib.sha256(data).hexdigest()
    return WeightsRecord(f"{stem}.{digest[:16]}.weights.npz", digest)


def hashed_pattern(stem: str) -> re.Pattern[str]:
    return re.compile(re.escape(stem) + r"\.[0-9a-f]{16}\.weights\.npz")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def set_aside(path: Path) -> Path | None:
    """Rename a weights file that cannot be used, so no later save deletes it."""
    stem = path.name[: -len(".weights.npz")] if path.name.endswith(".weights.npz") else path.stem
    target = path.with_name(f"{stem}.kept-{datetime.now():%Y%m%d-%H%M%S}.npz")
    try:
        path.rename(target)
        return target
    except OSError:
        log.debug("could not set %s aside", path, exc_info=True)
        return None


def read_weights(path: Path, node_ids: set[str]) -> dict[str, list[np.ndarray]]:
    """The arrays of a ``.weights.npz``, grouped by node id; ``WeightsRefused`` if unsafe."""
    try:
        budget = check_regular(path, MAX_WEIGHTS_BYTES, "weights file")
    except UnreadableFile as exc:
        raise WeightsRefused(str(exc)) from None
    grouped: dict[str, dict[int, np.ndarray]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise WeightsRefused(f"{path.name} has {len(members):,} members; too many")
            declared = sum(m.file_size for m in members)
            if declared > 4 * max(budget, 1) + 2**20:
                raise WeightsRefused(
                    f"{path.name} claims {declared / 2**30:,.1f} GiB of arrays in a "
                    f"{budget / 2**20:,.1f} MiB file (a zip bomb?)"
                )
            for member in members:
                match = _MEMBER.fullmatch(member.filename)
                if match is None or ".." in member.filename.split("/"):
                    raise WeightsRefused(
                        f"{path.name} holds a member named {member.filename[:80]!r}, "
                        "which is not a layer's weights"
                    )
                nid, index = match.group(1), int(match.group(2))
                with archive.open(member) as fh:
                    array = _read_member(fh, member, path.name)
                if nid in node_ids:
                    grouped.setdefault(nid, {})[index] = array
    except WeightsRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as exc:
        raise WeightsRefused(f"{path.name} is damaged ({_short(exc)})") from None
    except (OSError, ValueError, NotImplementedError) as exc:
        raise WeightsRefused(f"{path.name} could not be read ({_short(exc)})") from None
    return {nid: [ws[i] for i in sorted(ws)] for nid, ws in grouped.items()}


def _read_member(fh: Any, member: zipfile.ZipInfo, name: str) -> np.ndarray:
    fmt = np.lib.format
    version = fmt.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = fmt.read_array_header_1_0(fh, max_header_size=10_000)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = fmt.read_array_header_2_0(fh, max_header_size=10_000)
    else:
        raise WeightsRefused(f"{name}: {member.filename} has an unknown array format {version}")
    if dtype.hasobject:
        raise WeightsRefused(
            f"{name}: {member.filename} holds Python objects (a pickle), which are never loaded"
        )
    count = 1
    for dim in shape:
        count *= int(dim)
    nbytes = count * dtype.itemsize
    if nbytes > member.file_size:
        raise WeightsRefused(
            f"{name}: {member.filename} claims {nbytes / 2**30:,.1f} GiB but holds "
            f"{member.file_size:,} bytes"
        )
    data = bytearray(fh.read(nbytes))
    if len(data) != nbytes:
        raise WeightsRefused(f"{name}: {member.filename} is cut short")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran else "C")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]
