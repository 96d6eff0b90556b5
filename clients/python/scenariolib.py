"""What the Python runners (boto3 and the AWS CLI) share: reading clients/scenarios.json,
choosing each step's caller, filling in the named documents, comparing a client's answer
with a step's expectation, and printing one JSON result line per scenario.

The Go and JavaScript runners implement the same rules; docs/clients.md describes them.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import sys

DEFAULT_SCENARIOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios.json")

# A timestamp must be within this many seconds of the runner's clock.
NOW_TOLERANCE = datetime.timedelta(seconds=60)


def parse_args(client, jobs, account_base, isolated_region, add_args=None):
    p = argparse.ArgumentParser(description=f"Run clients/scenarios.json through {client} against xraylocal.")
    p.add_argument("--endpoint", required=True, help="URL of the xraylocal server, e.g. http://127.0.0.1:2000")
    p.add_argument("--throttled-endpoint", required=True,
                   help="URL of a server started with --throttle ListResourcePolicies=<rate below 1>")
    p.add_argument("--account-base", type=int, default=account_base,
                   help="12-digit number; scenario i uses the accounts base+10*i+0..9")
    p.add_argument("--isolated-region", default=isolated_region,
                   help="region for scenarios that share the default account, one per runner")
    p.add_argument("--scenarios", default=DEFAULT_SCENARIOS, help="path of scenarios.json")
    p.add_argument("--only", action="append", default=[], help="run only the scenario of this name (repeatable)")
    p.add_argument("--jobs", type=int, default=jobs, help="scenarios run at once")
    if add_args:
        add_args(p)
    args = p.parse_args()
    if not 100000000000 <= args.account_base <= 999999999999 - 10000:
        p.error("--account-base must be a 12-digit number leaving room for the scenarios")
    return args


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def resolve(value, documents):
    """Replaces every "$doc:NAME" string in value by the document NAME."""
    if isinstance(value, str) and value.startswith("$doc:"):
        return documents[value[len("$doc:"):]]
    if isinstance(value, dict):
        return {k: resolve(v, documents) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, documents) for v in value]
    return value


def caller(spec, step, scenario, index, args):
    """Returns (access key, region, endpoint) for a step: the step's caller, else the
    scenario's, else the file's defaultCaller. An "account" label a..j is a fresh 12-digit
    access key, which is its own account."""
    c = step.get("caller") or scenario.get("caller") or spec["defaultCaller"]
    region = c.get("region", "us-east-1")
    if region == "$isolatedRegion":
        region = args.isolated_region
    if "accessKey" in c:
        key = c["accessKey"]
    else:
        label = c.get("account", "a")
        if len(label) != 1 or not "a" <= label <= "j":
            raise ValueError(f"account label {label!r}: want one letter a..j")
        key = str(args.account_base + 10 * index + ord(label) - ord("a"))
    server = step.get("server", "main")
    endpoint = {"main": args.endpoint, "throttled": args.throttled_endpoint}[server]
    return key, region, endpoint


def match(want, got, path, is_now):
    """Returns None if got matches want exactly, else a description of the first difference.
    want "$now" asks is_now(got) whether got is the client's timestamp of about now."""
    if want == "$now":
        return is_now(got, path)
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path}: got {got!r}, want an object"
        if set(want) != set(got):
            return f"{path}: got members {sorted(got)}, want {sorted(want)}"
        for k in want:
            d = match(want[k], got[k], f"{path}.{k}", is_now)
            if d:
                return d
        return None
    if isinstance(want, list):
        if not isinstance(got, list):
            return f"{path}: got {got!r}, want a list"
        if len(want) != len(got):
            return f"{path}: got {len(got)} items, want {len(want)}"
        for i, (w, g) in enumerate(zip(want, got)):
            d = match(w, g, f"{path}[{i}]", is_now)
            if d:
                return d
        return None
    if type(want) is not type(got) or want != got:
        return f"{path}: got {got!r}, want {want!r}"
    return None


def near_now(t, path):
    """Checks a timezone-aware datetime is within NOW_TOLERANCE of now."""
    if t.tzinfo is None:
        return f"{path}: {t!r} has no time zone"
    skew = abs(datetime.datetime.now(datetime.timezone.utc) - t)
    if skew > NOW_TOLERANCE:
        return f"{path}: {t.isoformat()} is {skew} away from now"
    return None


def check_error(expect, code, status, message):
    """Compares an error's code, HTTP status and message with an "error" expectation."""
    want = expect.get("error")
    if not want:
        return f"got error {code} (HTTP {status}): {message}; want success"
    if code != want["code"] or status != want["status"]:
        return f"got {code} HTTP {status} ({message}), want {want['code']} HTTP {want['status']}"
    if not message:
        return f"{code} arrived without a message"
    return None


def run(client, args, run_step):
    """Runs the client's scenarios (those without "clients", or whose "clients" name it)
    through run_step(step, key, region, endpoint), which returns None or a failure
    description, and prints one result line per scenario, in file order; args.jobs scenarios
    run at once (each has accounts of its own). Returns the exit status: 0 if every scenario
    passed."""
    spec = load(args.scenarios)
    documents = spec["documents"]
    todo = [(i, s) for i, s in enumerate(spec["scenarios"]) if client in s.get("clients", [client])]
    if args.only:
        todo = [(i, s) for i, s in todo if s["name"] in args.only]
        if len(todo) != len(set(args.only)):
            print(f"--only {args.only}: not all of these are scenarios of {client}", file=sys.stderr)
            return 2

    def one(item):
        index, scenario = item
        for n, step in enumerate(scenario["steps"], 1):
            key, region, endpoint = caller(spec, step, scenario, index, args)
            try:
                d = run_step(resolve(step, documents), key, region, endpoint)
            except Exception as e:  # a crash of the client is a failure of the scenario
                d = f"{type(e).__name__}: {e}"
            if d:
                return scenario["name"], f"step {n} {step['op']} as {key} in {region}: {d}"
        return scenario["name"], None

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, detail in pool.map(one, todo):
            failed += detail is not None
            print(json.dumps({"client": client, "scenario": name, "pass": detail is None,
                              "detail": detail or "every step as expected"}, ensure_ascii=False), flush=True)
    return 1 if failed else 0


def main(client, run_step_factory, account_base, isolated_region, jobs=1, add_args=None):
    """Runs the scenarios of client. Each runner has its own default account base and
    isolated region (those clients_test.go gives it), so that the runners can share a server."""
    args = parse_args(client, jobs, account_base, isolated_region, add_args)
    sys.exit(run(client, args, run_step_factory(args)))
