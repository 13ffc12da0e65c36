"""Suite-time benchmark (issue 8, item 8): pytest's wall time on this checkout against the commit the issue was
filed on (d1e3fe2), on the same machine, alternating, median of N rounds, with PostgreSQL's tests on.

Each round runs three suites, in an order that rotates from round to round (a machine whose speed drifts, or a
run that leaves PostgreSQL or the page cache busy for the next, then weighs on each alike):
- the baseline: d1e3fe2's own suite (321 tests), as its `make test` ran it, on one process, in its own virtualenv;
- issue 8's suite on this checkout: every one of the baseline's tests, by the same node id (a test that moved
  kept its file and name), plus the test files issue 8's commits added (``ISSUE_8_FILES``), on `make test`'s
  processes. Issue 8 was filed to be done before the feature issues filed with it, so this is the suite its
  "before and after" compares; some of those tests do less than they did at d1e3fe2 because item 8 narrowed
  their fixtures (88b091d: the harvest test's 25 pages are of 20 records, not of 100);
- the whole suite on this checkout, on `make test`'s processes: issue 8's suite and the 1,200-odd tests the
  later issues added (browsers, live servers, Hypothesis), which the issue's text did not foresee.
It prints each run, each round's ratios to the baseline, the medians, the ratio of medians for both readings
and whether each meets the target (at most 0.6 of the baseline's time, with more tests than it has).

Times are the pytest process's wall time, start-up included; `make test` also runs `lint-imports` first, which
is not pytest's time. A run that does not pass cleanly (a failure, an error or a skip) stops the benchmark: a
time for a suite that does not pass means nothing; its output is kept in the cache folder and its tail shown.

The baseline is exported with `git archive` (the repository's history is needed, not a shallow clone) into a
cache folder (``MUNIMENT_BENCH_CACHE``, default ~/.cache/muniment-bench) and set up there once, as its
`make setup` did, with the package versions this checkout's virtualenv has; it reads the shared material through
MUNIMENT_SHARED_DIR and the viewers from this checkout (`make browser`). Needs MUNIMENT_TEST_POSTGRES_URL.
Run: `.venv/bin/python tests/bench/suite_bench.py [rounds]` (`make bench-suite`; about 10 minutes a round on
2 cores).
"""
from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from tests.support.paths import SHARED  # noqa: E402  (the shared material both suites read)

BASELINE = "d1e3fe2e135a401beb5fdfe314bd854eb4456b0b"
TARGET = 0.6
# The test files issue 8's commits added (`git log --diff-filter=A d1e3fe2.. -- 'tests/test_*.py'` lists these
# among the feature issues' own).
ISSUE_8_FILES = {
    "4e34aa2": ("test_project_samples_valid.py", "test_reference.py"),  # reference files through a pinned cache
    "2968378": ("test_structure.py",),  # one home per rule, import-linter contracts
    "3a89283": ("test_clock.py", "test_formats.py", "test_layout.py", "test_oai_protocol.py"),  # direct unit tests
    "c995d69": ("test_template_code.py",),  # the suite made faster
    "dc4fea2": ("test_lazy_rules.py",),  # URL builders compiled on first use
}
PARALLEL = ["-n", "auto", "--dist", "loadfile", "--no-loadscope-reorder"]  # the Makefile's PYTEST_ARGS
QUIET = ["-q", "-p", "no:cacheprovider"]
# The baseline finds ../shared through MUNIMENT_SHARED_DIR (it lives in the cache, not beside a checkout); HEAD
# runs as `.ci/run` does (MUNIMENT_REQUIRE_SHARED=1: a test that would skip for want of a shared file fails;
# d1e3fe2 has no such rule and fails on its own). Options from the caller's shell that would change either
# suite's run (PYTEST_ADDOPTS with `-n` breaks the baseline, which has no xdist) are left out.
ENVIRONMENT = {**{name: value for name, value in os.environ.items()
                  if name not in {"PYTEST_ADDOPTS", "PYTHONPATH", "PYTEST_XDIST_AUTO_NUM_WORKERS"}},
               "MUNIMENT_SHARED_DIR": str(SHARED), "MUNIMENT_REQUIRE_SHARED": "1"}
CACHE = Path(os.environ.get("MUNIMENT_BENCH_CACHE") or Path.home() / ".cache" / "muniment-bench").expanduser()


def baseline_checkout() -> tuple[Path, Path]:
    """d1e3fe2's files and its virtualenv's Python in the cache folder, made on first use (again if an earlier
    set-up did not finish, or was made for another Python)."""
    folder = CACHE / BASELINE[:7]
    marker, python = folder / ".installed", folder / ".venv" / "bin" / "python"
    if not marker.exists() or marker.read_text() != sys.version:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", BASELINE], capture_output=True)
        if archive.returncode != 0:
            sys.exit(f"cannot export {BASELINE[:7]} from {REPO} (a shallow clone has no history): "
                     f"{archive.stderr.decode(errors='replace').strip()}")
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder / ".venv")], check=True)
        # The versions this checkout's virtualenv has, so that both suites run on the same libraries.
        frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                                capture_output=True, text=True, check=True).stdout
        constraints = folder / "constraints.txt"
        constraints.write_text(frozen)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-c", str(constraints),
                        "-e", f"{folder}[test,postgres]"], check=True)
        marker.write_text(sys.version)
    viewers, wanted = folder / "tests" / "browser" / "vendor", REPO / "tests" / "browser" / "vendor"
    if not wanted.is_dir():
        sys.exit(f"the browser tests need the viewers in {wanted}: run `make browser`")
    if viewers.is_symlink() and Path(os.readlink(viewers)) != wanted:
        viewers.unlink()  # left by another checkout
    if not os.path.lexists(viewers):
        viewers.parent.mkdir(parents=True, exist_ok=True)
        viewers.symlink_to(wanted)
    return folder, python


def pytest_run(name: str, folder: Path, python: Path, args: list[str]) -> tuple[float, int]:
    """One pytest run in ``folder``: its wall time and how many tests passed."""
    started = time.perf_counter()
    done = subprocess.run([str(python), "-m", "pytest", *QUIET, *args], cwd=folder, capture_output=True,
                          text=True, errors="replace", env=ENVIRONMENT)
    seconds = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    last = lines[-1] if lines else ""
    passed = re.search(r"(\d+) passed", last)
    if done.returncode != 0 or not passed or re.search(r"\d+ (failed|errors?|skipped|xpassed)", last):
        log = CACHE / f"failed-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.log"
        log.write_text(done.stdout + "\n--- stderr ---\n" + done.stderr)
        tail = "\n".join(lines[-40:] + done.stderr.strip().splitlines()[-10:])
        raise RuntimeError(f"{name} did not pass cleanly (exit {done.returncode}); all its output is in {log}:\n"
                           f"{tail}")
    return seconds, int(passed.group(1))


def issue_8_arguments(baseline: Path, python: Path) -> list[str]:
    """Issue 8's suite as pytest arguments: the baseline's node ids and the files issue 8 added."""
    collected = subprocess.run([str(python), "-m", "pytest", "--collect-only", *QUIET], cwd=baseline,
                               capture_output=True, text=True, errors="replace", env=ENVIRONMENT)
    ids = []
    for line in collected.stdout.splitlines():
        if not line.strip():
            break  # the ids end at the first blank line; a summary may follow
        if line.startswith("tests/") and "::" in line:
            ids.append(line)
    if collected.returncode != 0 or not ids:
        sys.exit(f"cannot collect the baseline's tests in {baseline}:\n{collected.stdout[-2000:]}{collected.stderr}")
    return [*ids, *(f"tests/{name}" for files in ISSUE_8_FILES.values() for name in files)]


def verdict(ratio: float, tests: int, baseline_tests: int) -> str:
    met = ratio <= TARGET and tests > baseline_tests
    return f"{'meets' if met else 'misses'} the target (at most {TARGET} of the baseline's time, more tests)"


def main() -> None:
    rounds = max(1, int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    if not os.environ.get("MUNIMENT_TEST_POSTGRES_URL"):
        sys.exit("set MUNIMENT_TEST_POSTGRES_URL: the issue's figure is with PostgreSQL's tests on")
    if not SHARED.is_dir():
        sys.exit(f"the baseline's tests need the shared material ({SHARED}; set MUNIMENT_SHARED_DIR)")
    baseline, base_python = baseline_checkout()
    head_python = Path(sys.executable)
    arguments = issue_8_arguments(baseline, base_python)

    def baseline_run():
        shutil.rmtree(baseline / "instance", ignore_errors=True)  # d1e3fe2 keeps its image cache there
        return pytest_run("baseline", baseline, base_python, [])

    base_name, issue_name, whole_name = (f"{BASELINE[:7]}'s suite, one process", "HEAD, issue 8's suite",
                                         "HEAD, the whole suite")
    runs = {base_name: baseline_run,
            issue_name: lambda: pytest_run(issue_name, REPO, head_python, [*PARALLEL, *arguments]),
            whole_name: lambda: pytest_run(whole_name, REPO, head_python, PARALLEL)}
    order = list(runs)
    times: dict[str, list[float]] = {name: [] for name in runs}
    counts: dict[str, set[int]] = {name: set() for name in runs}
    try:
        for number in range(rounds):
            for name in order[number % len(order):] + order[:number % len(order)]:
                seconds, passed = runs[name]()
                times[name].append(seconds)
                counts[name].add(passed)
                print(f"round {number + 1} {time.strftime('%H:%M:%S')}: {name}: {passed} passed, {seconds:.1f} s",
                      flush=True)
            print(f"round {number + 1} ratios: issue 8's suite {times[issue_name][-1] / times[base_name][-1]:.2f}, "
                  f"whole suite {times[whole_name][-1] / times[base_name][-1]:.2f}", flush=True)
    except RuntimeError as failure:
        sys.exit(f"{failure}\ntimes so far: {times}")
    if any(len(found) > 1 for found in counts.values()):
        sys.exit(f"a suite's number of passed tests changed between rounds: {counts}")
    medians = {name: statistics.median(values) for name, values in times.items()}
    tests = {name: found.pop() for name, found in counts.items()}
    for name in runs:
        print(f"{name}: {tests[name]} passed; {', '.join(f'{value:.1f}' for value in times[name])} s; "
              f"median {medians[name]:.1f} s")
    for name in (issue_name, whole_name):
        ratio = medians[name] / medians[base_name]
        print(f"{name} / baseline, ratio of medians: {ratio:.2f}: {verdict(ratio, tests[name], tests[base_name])}")


if __name__ == "__main__":
    main()
