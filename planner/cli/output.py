"""The `--out` folder of a command: claimed before any work, and Ctrl-C that leaves it as it was.

Ctrl-C while a solver runs in C++ (CP-SAT, HiGHS, numba) becomes a KeyboardInterrupt only when the
solver hands control back, up to its time limit later. So a thread woken by the signal itself
(`signal.set_wakeup_fd`) gives the main thread GRACE_SECONDS to unwind on its own (it does at once
in Python code), then removes the scratch folder, releases the lock, says so and ends the process
with exit code 130. The previous output is untouched either way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.markup import escape

from planner.cli.common import EXIT_INTERRUPTED, err_console
from planner.io.outdir import Kind, OutputDir, claim_output

GRACE_SECONDS = 1.0


@contextmanager
def output_folder(out: Path, kind: Kind, inputs: Iterable[Path | str | None] = ()) -> Iterator[OutputDir]:
    """Claim `out` for the whole command (see planner.io.outdir); use inside `user_errors()`."""
    with claim_output(out, kind, inputs) as target:
        for note in target.notes:
            err_console.print(f"[yellow]Note[/]: {escape(note)}", highlight=False, soft_wrap=True)
        with _exit_at_once_on_interrupt(target):
            yield target


@contextmanager
def _exit_at_once_on_interrupt(target: OutputDir) -> Iterator[None]:
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield  # someone else handles Ctrl-C here (a server, a test harness)
        return
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    previous = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    done = threading.Event()

    def watch() -> None:
        while True:
            try:
                received = os.read(read_fd, 512)
            except OSError:
                return
            if done.is_set() or not received:
                return
            if signal.SIGINT in received and not done.wait(GRACE_SECONDS):
                target.abandon()
                err_console.show_cursor(True)  # a progress spinner may have hidden it
                err_console.print("\n" + escape(target.interrupted_message()), highlight=False)
                os._exit(EXIT_INTERRUPTED)

    watcher = threading.Thread(target=watch, name="planner-interrupt", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        signal.set_wakeup_fd(previous)
        with contextlib.suppress(OSError):
            os.write(write_fd, b"\0")  # wake the watcher so that it ends
        watcher.join()
        os.close(read_fd)
        os.close(write_fd)
