"""Running Python we did not write (a pasted script, a generated script) in a contained child.

Used by import from code and by the verification of a Python export: both execute a script
whose text came from outside (a paste box, names and configs read from a project file). The
child is a fresh ``sys.executable`` started in a temporary folder, and before the script runs:

- an **audit hook** (PEP 578) refuses opening files for writing, creating, renaming or removing
  anything outside that folder, opening network sockets, and starting processes
  (``subprocess``, ``os.system``, ``exec*``, ``spawn*``, ``fork``); once Keras is imported it
  also refuses loading native libraries through ``ctypes``, the usual way around audit hooks;
- **resource limits** cap its address space (memory), its CPU seconds and the size of any file
  it writes; the parent adds a wall-clock limit and kills the child's whole process group;
- ``HOME``, ``TMPDIR`` and ``KERAS_HOME`` point into the folder, so caches land there too, and
  ``PYTHONPATH`` / ``PYTHONSTARTUP`` are dropped so nothing beside the app is imported.

This is *containment, not a security sandbox*: the child can still read what the user can read,
and a determined attacker with native code could escape an audit hook. It stops the accidents
and the simple attacks (a marker file, a download, a shell command) that a shared script or
project file could carry; the dialogs say so in those words.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

REFUSED_EXIT = 86  # the child's exit status when the hook refused an action and nothing caught it


@dataclass(frozen=True)
class Limits:
    """What a contained child may use. ``memory_bytes`` caps the address space; TensorFlow
    reserves several GiB of it at import, so the default leaves room for that."""

    wall_seconds: float = 60.0
    cpu_seconds: int = 300
    memory_bytes: int = 16 * 1024**3
    file_bytes: int = 2 * 1024**3


@dataclass(frozen=True)
class Outcome:
    """How the child ended: ``timed_out`` when the wall clock ran out and it was killed."""

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False

    @property
    def refused(self) -> str | None:
        """The containment message when the hook refused something and ended the child."""
        for line in reversed(self.stderr.splitlines()):
            if "ContainmentError:" in line:
                return line.split("ContainmentError:", 1)[1].strip()
        return None


# Runs in the child before the script: the audit hook, then Keras, then the script. Kept as
# source text so the child imports nothing from the studio (PYTHONPATH is dropped).
_BOOTSTRAP = r"""
import os, sys

_folder = os.path.realpath(sys.argv[1])
_script = sys.argv[2]
_preload = sys.argv[3] == "1"
sys.argv = [_script, *sys.argv[4:]]
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_DEVICES = ("/dev/null", "/dev/shm", "/dev/urandom")
_PROCESS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
            "os.fork", "os.forkpty", "pty.spawn", "os.startfile")
_PATHS = {"os.remove": (0,), "os.rename": (0, 1), "os.replace": (0, 1), "os.mkdir": (0,),
          "os.rmdir": (0,), "os.symlink": (1,), "os.link": (1,), "os.chmod": (0,),
          "os.chown": (0,), "os.truncate": (0,), "os.utime": (0,), "os.setxattr": (0,),
          "os.removexattr": (0,), "shutil.rmtree": (0,), "os.mkfifo": (0,), "os.mknod": (0,)}
_state = {"native": True}


class ContainmentError(PermissionError):
    pass


def _inside(path):
    if isinstance(path, int):
        return True  # an already open descriptor
    try:
        path = os.fsdecode(path)
    except TypeError:
        return False
    real = os.path.realpath(path)
    return real == _folder or real.startswith(_folder + os.sep) or real.startswith(_DEVICES)


def _refuse(what):
    raise ContainmentError(what + " is not allowed while running this code")


def _hook(event, args):
    if event == "open":
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS)
        if writing and path is not None and not _inside(path):
            _refuse(f"writing {os.fsdecode(path)!r} (outside the temporary folder)")
    elif event in _PATHS:
        for i in _PATHS[event]:
            if i < len(args) and args[i] is not None and not _inside(args[i]):
                _refuse(f"{event} on {os.fsdecode(args[i])!r} (outside the temporary folder)")
    elif event.startswith(_PROCESS):
        _refuse(f"starting a process ({event})")
    elif event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg",
                   "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        _refuse(f"network access ({event})")
    elif event == "socket.__new__" and len(args) > 1 and args[1] not in (1, -1):
        _refuse("opening a network socket")
    elif event.startswith("ctypes.") and not _state["native"]:
        _refuse(f"loading native code ({event})")


sys.addaudithook(_hook)
if _preload:
    import numpy  # noqa: F401
    import keras  # noqa: F401
    _state["native"] = False
import runpy

try:
    runpy.run_path(_script, run_name="__studio_contained__")
except ContainmentError as exc:
    print(f"ContainmentError: {exc}", file=sys.stderr)
    sys.exit(86)
"""


def run_contained(
    script: Path,
    folder: Path,
    args: list[str] | None = None,
    *,
    limits: Limits | None = None,
    preload_keras: bool = True,
    env: dict[str, str] | None = None,
) -> Outcome:
    """Run ``script`` (a file inside ``folder``) in a contained child and wait for it.

    ``args`` become the script's ``sys.argv[1:]``. ``preload_keras`` imports Keras before the
    script (so Keras's own startup is not held to the no-native-code rule). ``env`` is added to
    the child's environment. Raises nothing for the script's failures: read the ``Outcome``.
    """
    limits = limits or Limits()
    folder = Path(folder).resolve()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _BOOTSTRAP,
            str(folder),
            str(script),
            "1" if preload_keras else "0",
            *(args or []),
        ],
        cwd=folder,
        env=child_environment(folder, env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
        preexec_fn=_limiter(limits),
    )
    try:
        stdout, stderr = process.communicate(timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        stdout, stderr = _kill_group(process)
        return Outcome(-9, stdout, stderr, timed_out=True)
    return Outcome(process.returncode, stdout, stderr)


def child_environment(folder: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The app's environment with its Keras backend pinned and every cache in ``folder``."""
    env = dict(os.environ)
    if "keras" in sys.modules:
        env["KERAS_BACKEND"] = sys.modules["keras"].backend.backend()
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for key in ("PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PYTHONUSERBASE"):
        env.pop(key, None)
    env["HOME"] = str(folder)
    env["TMPDIR"] = str(folder)
    env["KERAS_HOME"] = str(folder / ".keras")
    env["MPLCONFIGDIR"] = str(folder / ".matplotlib")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def _limiter(limits: Limits):
    def apply() -> None:  # runs in the child between fork and exec
        try:
            import resource

            for which, value in (
                (resource.RLIMIT_AS, limits.memory_bytes),
                (resource.RLIMIT_CPU, limits.cpu_seconds),
                (resource.RLIMIT_FSIZE, limits.file_bytes),
                (resource.RLIMIT_CORE, 0),
            ):
                _, hard = resource.getrlimit(which)
                soft = value if hard == resource.RLIM_INFINITY else min(value, hard)
                resource.setrlimit(which, (soft, hard))
        except (ImportError, ValueError, OSError):
            pass  # a platform without rlimits still gets the hook and the wall clock

    return apply if os.name == "posix" else None


def _kill_group(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Stop the child and anything it started."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()
    try:
        return process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        log.debug("contained child did not exit after SIGKILL", exc_info=True)
        return "", ""


__all__ = ["Limits", "Outcome", "REFUSED_EXIT", "child_environment", "run_contained"]
