"""Output folders the planner may write without destroying anybody's files.

Every folder the planner writes carries a marker, `.planner-output.json`: its kind (plan,
calendar, alternatives, generated), the planner version, the time, and every file written. A run
replaces a folder only if it is new, empty, or carries a marker of the same kind and nothing
else; it refuses a file, a folder of someone else's files, and a folder that is or holds one of
the run's own inputs (InputError, exit 2, nothing changed).

A run first *claims* its folder (`claim_output`, before any long work, so it fails at once): it
checks it, then holds an exclusive lock beside it, `.<name>.lock` (`fcntl.flock`: the kernel
drops it when the process dies; the file is removed on release). A second run into the same
folder waits LOCK_WAIT_SECONDS, then fails with exit 2 "another planner run is writing …" rather
than queueing: a queued run would silently replace the plan the first one just wrote.

`OutputDir.replace()` yields a scratch folder beside the target, `.<name>.tmp-<pid>-…`; only when
the block succeeds: target -> `.<name>.old-<pid>`, scratch -> target, old deleted. Any exception
(Ctrl-C included) removes the scratch and leaves the old folder as it was; an OSError
(permission denied, read-only, disk full) becomes an InputError naming the folder and the reason.

A run killed outright can leave `.<name>.old-<pid>` (between the two renames: the target is
missing) or a scratch folder. The next claim, holding the lock (so no live run owns them),
restores the old folder if the target is missing and removes the rest. It touches only entries
with the planner's naming that also carry its marker (or are empty), and deletes the marker last,
so a deletion cut short is still recognised next time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import stat
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from planner.errors import InputError, InputProblem
from planner.version import __version__

if sys.platform != "win32":
    import fcntl

log = logging.getLogger(__name__)

MARKER = ".planner-output.json"
LOCK_WAIT_SECONDS = 3.0
Kind = Literal["plan", "calendar", "alternatives", "generated"]
_WORDS = {
    "plan": "plan",
    "calendar": "calendar",
    "alternatives": "set of alternative plans",
    "generated": "generated data set",
}
_SHOWN = 5  # foreign files named in a refusal


class OutputDir:
    """A claimed output folder: checked and locked; `replace()` writes it whole or not at all."""

    def __init__(self, out: Path, kind: Kind, path: Path):
        self.out = out  # as the user gave it, for messages
        self.kind = kind
        self.path = path  # absolute, symlinks resolved: what is renamed
        self.notes: list[str] = []  # leftovers of an interrupted run that the claim repaired
        self.had_previous = False  # the folder held earlier output when claimed
        self.replaced = False
        self._lock_fd: int | None = None
        self._scratch: Path | None = None
        self._created: list[Path] = []  # parent folders this claim made, deepest first
        self._abandoned = False
        self._gate = threading.RLock()  # the swap vs. abandon() from an interrupt thread

    @property
    def lock_path(self) -> Path:
        return self.path.parent / f".{self.path.name}.lock"

    @contextmanager
    def replace(self) -> Iterator[Path]:
        """A scratch folder that becomes the target, whole, only if the block succeeds."""
        try:
            scratch = self._make_scratch()
        except OSError as exc:
            raise self._os_problem(exc, f"cannot write in {self.path.parent}") from None
        self._scratch = scratch
        try:
            _write_marker(scratch, self.kind, None)  # marks the scratch as ours from the start
            yield scratch
            self._swap(scratch)
        except OSError as exc:
            self._drop_scratch()
            raise self._os_problem(exc, "could not write it", scratch) from None
        except BaseException:
            self._drop_scratch()
            raise

    def _make_scratch(self) -> Path:
        # Not tempfile.mkdtemp: its 0700 would become the folder's mode. A new folder gets the
        # umask's mode, like any folder the user makes; a replaced one keeps its own (_swap).
        while True:
            scratch = self.path.parent / f".{self.path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
            try:
                scratch.mkdir(0o777)
            except FileExistsError:
                continue
            return scratch

    def abandon(self) -> None:
        """Stop for good (an interrupt): no swap starts after this; scratch and lock go."""
        with self._gate:
            self._abandoned = True
            self._drop_scratch()
            self.release()

    def release(self) -> None:
        with self._gate:
            fd, self._lock_fd = self._lock_fd, None
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.unlink(self.lock_path)
                os.close(fd)
            if not self.replaced:
                for folder in self._created:
                    with contextlib.suppress(OSError):
                        folder.rmdir()  # only if still empty
                self._created = []

    def interrupted_message(self) -> str:
        word = _WORDS[self.kind]
        if self.replaced:
            return f"interrupted after the new {word} was written to {self.out}"
        if self.had_previous:
            return f"interrupted; the previous {word} in {self.out} is untouched"
        return f"interrupted; nothing was written to {self.out}"

    # --- claim steps ------------------------------------------------------------------------------

    def _make_parent(self) -> None:
        missing = [p for p in [self.path.parent, *self.path.parent.parents] if not p.exists()]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._created = missing  # deepest first

    def _lock(self) -> None:
        if sys.platform == "win32":  # no flock there; two runs into one folder are not guarded
            return
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise _problem(
                        self.out,
                        f"another planner run{_holder(self.lock_path)} is writing this folder "
                        f"(lock file {self.lock_path}); wait for it to finish or choose another folder",
                    ) from None
                time.sleep(0.1)
                continue
            except BaseException:
                os.close(fd)
                raise
            # The previous holder unlinks the file on release; if that happened between our
            # open and our lock, we hold a lock nobody else sees: start again.
            try:
                held = os.fstat(fd)
                current = os.stat(self.lock_path)
                same = (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            self._lock_fd = fd
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return

    def _repair(self) -> None:
        parent, name = self.path.parent, self.path.name
        olds, scratches = [], []
        for entry in parent.iterdir():
            if entry.name.startswith(f".{name}.old-"):
                olds.append(entry)
            elif entry.name.startswith(f".{name}.tmp-"):
                scratches.append(entry)
        for scratch in scratches:
            if _is_ours(scratch) or _is_empty_folder(scratch):
                _remove_ours(scratch)
                log.info("removed %s, left by an interrupted run", scratch)
        ours = sorted((o for o in olds if _is_ours(o)), key=_written_at, reverse=True)
        if ours and not os.path.lexists(self.path):
            newest = ours.pop(0)
            os.rename(newest, self.path)
            self.notes.append(
                f"{self.out} was missing after an interrupted run; restored it from {newest.name}"
            )
        if ours and _read_marker(self.path) is not None:  # superseded: the swap had finished
            for old in ours:
                _remove_ours(old)

    def _check(self) -> None:
        if not self.path.exists():
            return
        entries = sorted(os.listdir(self.path))
        if not entries:
            return
        marker = _read_marker(self.path)
        if marker is None:
            older = "summary.json" in entries
            raise _problem(
                self.out,
                f"this folder already holds files the planner did not write ({_listing(entries)}), "
                "so nothing was changed; choose a new or empty folder"
                + (
                    ", or delete this one if an older planner wrote it (no .planner-output.json)"
                    if older
                    else ""
                ),
            )
        if marker["kind"] != self.kind:
            raise _problem(
                self.out,
                f"this folder holds a {_WORDS[marker['kind']]} the planner wrote, not a "
                f"{_WORDS[self.kind]}; choose another folder (nothing was changed)",
            )
        foreign = _foreign(self.path, marker)
        if foreign:
            raise _problem(
                self.out,
                f"this {_WORDS[self.kind]} folder also holds files the planner did not write "
                f"({_listing(foreign)}); move them out or choose another folder (nothing was changed)",
            )
        self.had_previous = True

    # --- writing ----------------------------------------------------------------------------------

    def _swap(self, scratch: Path) -> None:
        _write_marker(scratch, self.kind, sorted(_tree(scratch) - {MARKER}))
        _sync_tree(scratch)
        if self.path.is_dir():
            os.chmod(scratch, stat.S_IMODE(os.stat(self.path).st_mode))
        old: Path | None = None
        with self._gate:
            if self._abandoned:
                raise KeyboardInterrupt(self.interrupted_message())
            self._check()  # files dropped into the folder while we worked are not ours to delete
            if os.path.lexists(self.path):
                old = self.path.parent / f".{self.path.name}.old-{os.getpid()}"
            try:
                if old is not None:
                    os.rename(self.path, old)
                os.rename(scratch, self.path)
            except BaseException:  # put the old one back, judged by what is on disk
                if old is not None and os.path.lexists(old) and not os.path.lexists(self.path):
                    os.rename(old, self.path)
                raise
            self._scratch = None
            self.replaced = True
            _sync_folder(self.path.parent)
        if old is not None:
            with contextlib.suppress(OSError):  # a leftover is removed by the next claim
                _remove_ours(old)

    def _drop_scratch(self) -> None:
        with self._gate:
            scratch, self._scratch = self._scratch, None
            if scratch is not None:
                with contextlib.suppress(OSError):
                    _remove_ours(scratch)

    def _os_problem(self, exc: OSError, doing: str, scratch: Path | None = None) -> InputError:
        reason = exc.strerror or str(exc)
        where = ""
        if exc.filename and scratch is not None:
            with contextlib.suppress(ValueError):
                where = f" ({Path(exc.filename).relative_to(scratch)})"
        return _problem(self.out, f"{doing}{where}: {reason}; nothing was changed")


@contextmanager
def claim_output(
    out: Path | str, kind: Kind, inputs: Iterable[Path | str | None] = ()
) -> Iterator[OutputDir]:
    """Check `out` for a run that writes a `kind` folder from `inputs`, and lock it until the
    block ends; raises InputError when the folder is not safe to replace. A KeyboardInterrupt
    inside the block comes out with a message saying what became of the folder."""
    out = Path(out)
    target = _claim(out, kind, inputs)
    try:
        yield target
    except KeyboardInterrupt:
        target.abandon()
        raise KeyboardInterrupt(target.interrupted_message()) from None
    finally:
        target.release()


@contextmanager
def atomic_directory(
    out: Path | str | OutputDir, kind: Kind, inputs: Iterable[Path | str | None] = ()
) -> Iterator[Path]:
    """A scratch folder that replaces `out` whole if the block succeeds. `out` is a folder
    already claimed by the caller (who checked it before long work), or a path claimed here."""
    if isinstance(out, OutputDir):
        with out.replace() as scratch:
            yield scratch
        return
    with claim_output(out, kind, inputs) as target, target.replace() as scratch:
        yield scratch


def _claim(out: Path, kind: Kind, inputs: Iterable[Path | str | None]) -> OutputDir:
    path = Path(os.path.realpath(out))
    if path == path.parent:
        raise _problem(out, "this is the root of the file system; choose a folder inside it")
    try:
        if path.exists() and not path.is_dir():
            raise _problem(out, "this is a file, not a folder; choose a new or empty folder")
        _refuse_inputs(out, path, kind, inputs)
        target = OutputDir(out, kind, path)
        try:
            target._make_parent()
            target._lock()
            target._repair()
            target._check()
        except BaseException:
            target.release()
            raise
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise _problem(out, f"cannot use this folder{where}: {exc.strerror or exc}") from None
    return target


def _refuse_inputs(out: Path, path: Path, kind: Kind, inputs: Iterable[Path | str | None]) -> None:
    for given in inputs:
        if not given:
            continue
        source = Path(os.path.realpath(given))
        if source == path:
            raise _problem(
                out,
                f"this is your input {given}, which the new {_WORDS[kind]} would replace; "
                f"choose another folder, e.g. {out.parent / _default_name(kind)}",
            )
        if path in source.parents:
            inside = source.relative_to(path).as_posix()
            what = "the folder holding" if "/" not in inside else "a folder that holds"
            raise _problem(
                out,
                f"this is {what} your input {inside}; choose another folder, "
                f"e.g. {out / _default_name(kind)}",
            )


def _default_name(kind: Kind) -> str:
    return {"generated": "data"}.get(kind, kind)


def _problem(out: Path, message: str) -> InputError:
    return InputError([InputProblem(f"--out {out}", None, None, message)])


def _holder(lock: Path) -> str:
    with contextlib.suppress(OSError, ValueError):
        return f" (process {int(lock.read_text(encoding='ascii').strip())})"
    return ""


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


# --- marker and tree helpers ----------------------------------------------------------------------


def _write_marker(folder: Path, kind: Kind, files: list[str] | None) -> None:
    payload = {
        "kind": kind,
        "planner_version": __version__,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "complete": files is not None,
        "files": files or [],
        "about": "Written by the key-account planner. A later run may replace this folder whole; "
        "it refuses to while the folder holds files not listed here.",
    }
    (folder / MARKER).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        payload = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("kind") not in _WORDS:
        return None
    return payload


def _is_ours(folder: Path) -> bool:
    return folder.is_dir() and not folder.is_symlink() and _read_marker(folder) is not None


def _is_empty_folder(folder: Path) -> bool:
    return folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir())


def _written_at(folder: Path) -> str:
    marker = _read_marker(folder) or {}
    return str(marker.get("written_at", ""))


def _tree(folder: Path) -> set[str]:
    """Every file and folder below `folder`, as relative POSIX paths; symlinks not followed."""
    found: set[str] = set()
    for root, dirs, files in os.walk(folder):
        base = Path(root).relative_to(folder)
        found.update((base / name).as_posix() for name in [*dirs, *files])
    return found


def _foreign(folder: Path, marker: dict[str, Any]) -> list[str]:
    recorded = set(marker.get("files") or [])
    extra = sorted(_tree(folder) - recorded - {MARKER})
    # Name a foreign folder once, not every file in it.
    return [p for p in extra if not any(p.startswith(q + "/") for q in extra)]


def _remove_ours(folder: Path) -> None:
    """Delete a folder of ours, its marker last: if this is cut short, it is still ours."""
    for entry in folder.iterdir():
        if entry.name == MARKER:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    with contextlib.suppress(FileNotFoundError):
        (folder / MARKER).unlink()
    folder.rmdir()


def _sync_tree(folder: Path) -> None:
    """Flush every file before the rename publishes them: after a power cut the folder is
    the old one or the complete new one, not one of empty files."""
    for root, _, files in os.walk(folder):
        for name in files:
            fd = os.open(Path(root) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _sync_folder(Path(root))


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system syncs a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
