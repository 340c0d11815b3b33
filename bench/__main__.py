"""`make bench`: run every benchmark in bench/, each in its own process, and print its figures.

    .venv/bin/python -m bench                # all of them
    .venv/bin/python -m bench staff extract  # those whose file name contains a word given

Each bench_*.py is a script that prints its own figures (and ratios where it compares).
They need PostgreSQL on 127.0.0.1:5432 (and some Redis and a worker); none runs in
`make test`. The soak test (bench_soak.py) runs only when named: it takes five minutes.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ON_REQUEST_ONLY = {"bench_soak.py"}


def main(words: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if words:
        scripts = [s for s in scripts if any(word in s.stem for word in words)]
    else:
        scripts = [s for s in scripts if s.name not in ON_REQUEST_ONLY]
    if not scripts:
        print("no benchmark matches", words)
        return 2
    failed = []
    for script in scripts:
        print(f"\n===== {script.name}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(
            f"===== {script.name}: exit {code} after {time.monotonic() - started:.0f} s", flush=True
        )
        if code:
            failed.append(script.name)
    if failed:
        print("\nfailed:", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
