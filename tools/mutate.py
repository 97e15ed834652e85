"""Mutation check of the rules whose bugs leak data (issue 29): prints the mutants no test kills.

A test suite can pass every test and still miss a missing dot in ``host.endswith("." + d)``.
This script plants such bugs for us: mutmut rewrites one operator, constant or call at a time in
a few privacy rules, runs the tests that cover that rule, and lists each mutant that every test
survived. A survivor is either a test still to write or an equivalent mutant (a change no input
can tell apart), and each must be explained.

The rules, each with the tests that guard it (so a run stays minutes, not hours):

- ``links``: which links a confirmation mail may open and which senders speak for the broker;
- ``domains``: the same "is this the broker's own host" rule for registry replies;
- ``fence``: the one public/loopback/private rule every request passes;
- ``matcher``: when a listing is the person (found, possible, not found);
- ``strip``: the verification that a stripped photo holds nothing identifying;
- ``ledger``: where each opt-out request stands.

Each rule is mutated in a throwaway copy of the checkout (mutmut writes a ``mutants/`` folder
and needs its own settings), never in the checkout itself. Not part of ``.ci/run``: the full
run takes longer than CI should spend on it (the figure is in issue 29's closing note).

    pip install 'mutmut==3.8.1'
    python tools/mutate.py            # every rule
    python tools/mutate.py fence      # one rule
    python tools/mutate.py --keep     # keep the copies, to `mutmut show` a survivor there

Exit status: 0 when no mutant survived, 1 when some did, 2 for an unknown rule name, 3 when
mutmut is missing or could not run.
"""

from __future__ import annotations

import argparse
import fnmatch
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COPIED = ("src", "tests", "brokers", "docs", "pyproject.toml", "README.md")
"""What the tests read besides their own folder: the package, the shipped broker files, the
report schema, and the README the settings test compares against."""


@dataclass(frozen=True)
class Rule:
    """One privacy rule: the file it lives in, the functions of it to mutate, and its tests."""

    name: str
    source: str
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ("*",)

    @property
    def module(self) -> str:
        """The dotted module name mutmut gives the mutants of ``source``."""
        return self.source.removeprefix("src/").removesuffix(".py").replace("/", ".")

    def patterns_match(self, names: list[str]) -> bool:
        """Whether any of ``names`` is a mutant of this rule."""
        return any(fnmatch.fnmatchcase(n, p) for n in names for p in self.patterns())

    def patterns(self) -> list[str]:
        """mutmut's names for the mutants of the chosen functions (``x_f`` for a function,
        ``xǁClassǁmethod`` for a method)."""
        return [f"{self.module}.{function}__mutmut_*" for function in self.functions]


RULES = (
    Rule(
        "links",
        "src/lowprofile/optout_steps/links.py",
        (
            "tests/optout/test_lookalike_links.py",
            "tests/optout/test_links_rules.py",
            "tests/optout/test_runner_rules.py",
        ),
    ),
    Rule(
        "domains",
        "src/lowprofile/domains.py",
        ("tests/test_domains.py", "tests/registry/test_registry_replies.py"),
    ),
    Rule(
        "fence",
        "src/lowprofile/fetch/fence.py",
        (
            "tests/fetch/test_fence.py",
            "tests/fetch/test_fence_lookalikes.py",
            "tests/fetch/test_fence_backend.py",
            "tests/fetch/test_fetch_http.py",
        ),
    ),
    Rule(
        "matcher",
        "src/lowprofile/brokers/matcher.py",
        (
            "tests/brokers/test_matcher.py",
            "tests/brokers/test_matcher_places.py",
            "tests/brokers/test_card_reader.py",
            "tests/brokers/test_match_listing_literals.py",
        ),
    ),
    Rule(
        "strip",
        "src/lowprofile/metadata/strip.py",
        ("tests/metadata/test_strip.py", "tests/metadata/test_verify.py"),
        functions=("x_verify_clean",),
    ),
    Rule(
        "strip-walk",
        "src/lowprofile/metadata/cleaning.py",
        ("tests/metadata/test_strip.py", "tests/metadata/test_verify.py"),
        functions=("xǁChunkWalkǁcheck_allowlisted", "xǁChunkWalkǁcheck_intact"),
    ),
    Rule(
        "ledger",
        "src/lowprofile/optout/ledger.py",
        ("tests/test_ledger.py", "tests/test_ledger_rules.py"),
    ),
)


@dataclass(frozen=True)
class Outcome:
    """What one rule's run found: each mutant's status, and the diff of every survivor."""

    rule: Rule
    statuses: dict[str, str]
    diffs: dict[str, str]
    seconds: float

    @property
    def survivors(self) -> list[str]:
        """The mutants no test killed (``survived``, or ``no tests``: no test even ran it)."""
        return [m for m, s in self.statuses.items() if s in ("survived", "no tests")]


def _copy_checkout(into: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "mutants")
    for name in COPIED:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, into / name, ignore=ignore)
        elif path.is_file():
            shutil.copy2(path, into / name)


def _settings(rule: Rule, tests: list[str], keyword: str | None) -> str:
    """mutmut's settings for one rule, as a ``setup.cfg`` (the copy's pyproject has none, so
    mutmut reads this one). mutmut runs the tests inside its ``mutants/`` folder, so what they
    read beside ``src/`` is copied there too."""
    selection = [*tests, *(["-k", keyword] if keyword else [])]
    also = [name for name in COPIED if name not in ("src", "tests", "pyproject.toml")]
    return (
        "[mutmut]\n"
        "source_paths = src\n"
        f"only_mutate = {rule.source}\n"
        "pytest_add_cli_args_test_selection =\n    " + "\n    ".join(selection) + "\n"
        "pytest_add_cli_args = -p no:cacheprovider\n"
        "also_copy =\n    " + "\n    ".join(also) + "\n"
    )


def _mutmut(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "mutmut"), *args]
    return subprocess.run(  # noqa: S603 - our own interpreter's mutmut, fixed arguments
        command, cwd=work, capture_output=True, text=True, check=False
    )


class MutmutFailed(Exception):
    """mutmut could not test the mutants (most often: a test fails on the unmutated code)."""


def run_rule(
    rule: Rule, keep: bool, keyword: str | None = None, only: tuple[str, ...] = ()
) -> Outcome:
    """Mutate ``rule`` in a fresh copy of the checkout and read back each mutant's status
    (with ``only``: of those mutants alone, e.g. the survivors of an earlier run)."""
    patterns = [m for m in only if any(fnmatch.fnmatchcase(m, p) for p in rule.patterns())]
    patterns = patterns or ([] if only else rule.patterns())
    tests = [t for t in rule.tests if (REPO / t).is_file()]
    if not tests:
        raise SystemExit(f"{rule.name}: none of its tests exist ({', '.join(rule.tests)})")
    work = Path(tempfile.mkdtemp(prefix=f"lowprofile-mutate-{rule.name}-"))
    start = time.monotonic()
    try:
        _copy_checkout(work)
        (work / "setup.cfg").write_text(_settings(rule, tests, keyword), encoding="utf-8")
        ran = _mutmut(work, "run", *patterns)
        (work / "mutmut-run.log").write_text(ran.stdout + ran.stderr, encoding="utf-8")
        listed = _mutmut(work, "results", "--all", "true")
        statuses: dict[str, str] = {}
        for line in listed.stdout.splitlines():
            name, sep, status = line.strip().rpartition(": ")
            if sep and any(fnmatch.fnmatchcase(name, p) for p in patterns):
                statuses[name] = status
        if not statuses or "not checked" in statuses.values():
            keep = True
            log = (ran.stdout + ran.stderr).replace("\r", "\n").splitlines()
            tail = "\n".join(line for line in log[-400:] if line.startswith(("E ", "FAILED")))
            raise MutmutFailed(
                f"{rule.name}: mutmut tested no mutant (exit {ran.returncode}); "
                f"does every test pass unmutated?\n{tail}\nlog: {work / 'mutmut-run.log'}"
            )
        diffs = {
            m: _mutmut(work, "show", m).stdout
            for m, s in statuses.items()
            if s in ("survived", "no tests")
        }
        return Outcome(rule, statuses, diffs, time.monotonic() - start)
    finally:
        if keep:
            print(f"{rule.name}: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def table(outcomes: list[Outcome]) -> str:
    """The survivors table of issue 29's closing note: rule, mutants, killed, survived."""
    rows = ["| rule | mutants | killed | survived | seconds |", "|---|---|---|---|---|"]
    for o in outcomes:
        killed = sum(1 for s in o.statuses.values() if s in ("killed", "timeout"))
        rows.append(
            f"| {o.rule.name} | {len(o.statuses)} | {killed} | {len(o.survivors)} "
            f"| {o.seconds:.0f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen rules (all by default), print every survivor's diff, then the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules", nargs="*", help=", ".join(r.name for r in RULES))
    parser.add_argument("--keep", action="store_true", help="keep each rule's mutated copy")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression narrowing the tests")
    parser.add_argument(
        "--mutant", action="append", default=[], help="test only this mutant (repeatable)"
    )
    args = parser.parse_args(argv)
    by_name = {r.name: r for r in RULES}
    unknown = [n for n in args.rules if n not in by_name]
    if unknown:
        print(f"unknown rule {', '.join(unknown)}; known: {', '.join(by_name)}", file=sys.stderr)
        return 2
    if shutil.which("mutmut", path=str(Path(sys.executable).parent)) is None:
        print("mutmut is not installed here: pip install 'mutmut==3.8.1'", file=sys.stderr)
        return 3
    outcomes = []
    for rule in [by_name[n] for n in args.rules] or list(RULES):
        if args.mutant and not rule.patterns_match(args.mutant):
            continue
        try:
            outcome = run_rule(rule, args.keep, args.keyword, tuple(args.mutant))
        except MutmutFailed as exc:
            print(exc, file=sys.stderr)
            return 3
        outcomes.append(outcome)
        for mutant, diff in outcome.diffs.items():
            print(f"## {mutant}: {outcome.statuses[mutant]}\n{diff.strip()}\n")
        print(
            f"{rule.name}: {len(outcome.survivors)} of {len(outcome.statuses)} survived "
            f"({outcome.seconds:.0f} s)",
            file=sys.stderr,
        )
    print(table(outcomes))
    return 1 if any(o.survivors for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
