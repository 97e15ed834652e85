"""A ScanObserver that draws one rich progress bar per checker on stderr."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from lowprofile.results import CheckResult
    from lowprofile.scan import ScanObserver

T = TypeVar("T")


def with_progress(run: Callable[[ScanObserver | None], T], *, quiet: bool) -> T:
    """``run`` with progress bars on stderr when it is a terminal and the person did not ask
    for quiet; without them (a pipe, a log file, ``--quiet``) otherwise."""
    import sys

    if quiet or not sys.stderr.isatty():
        return run(None)
    from lowprofile.cli.common import stderr_console

    with RichProgressObserver(stderr_console()) as progress:
        return run(progress)


class RichProgressObserver:
    """Shown only on a terminal: a bar per checker family, advanced as targets finish."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress: Progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgressObserver:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def checker_started(self, checker_id: str, title: str, total: int) -> None:
        self.tasks[checker_id] = self.progress.add_task(title, total=total or None)

    def advance(self, checker_id: str, steps: int) -> None:
        if checker_id in self.tasks:
            self.progress.advance(self.tasks[checker_id], steps)

    def result(self, result: CheckResult) -> None:
        return None

    def checker_finished(self, checker_id: str) -> None:
        task = self.tasks.get(checker_id)
        if task is not None:
            total = self.progress.tasks[task].total
            self.progress.update(task, completed=total if total else 1, total=total or 1)
