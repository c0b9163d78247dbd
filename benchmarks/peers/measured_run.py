"""Run one benchmark command and print its last JSON line, tagged, with the other processes' CPU load added.

  /usr/bin/python3 benchmarks/peers/measured_run.py [--wait-idle S] [--tag key=value ...] -- COMMAND [ARGS ...]

run_all.sh times each window of each peer as its own process through this wrapper, so both peers get the same
idle wait and the same contamination measure. --wait-idle S: first wait up to S seconds for the rest of the machine
to go idle (cpuload.wait_idle). The command's stderr passes through; its stdout is searched for the last line that
starts with "{". Tags are added to that JSON object (values parsed as JSON when they parse, else kept as strings);
"other_cpu_load" is added unless the command reported its own (the PyTorch peer measures its timed windows only):
(system busy CPU seconds - the command's CPU seconds) / wall seconds over the whole command, start-up and warm-up
included. Exit status: the command's; 3 when it printed no JSON line.
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpuload  # noqa: E402


def parse_tag(text):
    """'key=value' -> (key, value); the value is JSON when it parses as JSON, else the string."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--tag expects key=value, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def last_json_line(text):
    """The last line of text that starts with '{', parsed; None when there is none."""
    lines = [line for line in text.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--wait-idle", type=float, default=0.0)
    p.add_argument("--tag", type=parse_tag, action="append", default=[])
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        p.error("no command after --")
    waited = cpuload.wait_idle(timeout_seconds=args.wait_idle)
    busy0, children0, t0 = cpuload.system_busy_seconds(), cpuload.children_cpu_seconds(), time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - t0
    other = (cpuload.system_busy_seconds() - busy0) - (cpuload.children_cpu_seconds() - children0)
    result = last_json_line(done.stdout)
    if result is None:
        print(f"measured_run: no JSON line from {' '.join(command)} (exit {done.returncode})", file=sys.stderr)
        return 3 if done.returncode == 0 else done.returncode
    result.setdefault("other_cpu_load", round(max(0.0, other) / wall, 3) if wall > 0 else None)
    result.setdefault("waited_for_idle_s", waited)
    result["utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for key, value in args.tag:
        result[key] = value
    print(json.dumps(result), flush=True)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
