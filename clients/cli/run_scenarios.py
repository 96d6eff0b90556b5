#!/usr/bin/env python3
"""Runs clients/scenarios.json through the AWS CLI (`aws xray ...`) against xraylocal and
prints one JSON line per scenario: {"client": "cli", "scenario": NAME, "pass": ..., "detail": ...}.

    python3 clients/cli/run_scenarios.py --endpoint http://127.0.0.1:2000 \\
        --throttled-endpoint http://127.0.0.1:2001 [--aws /usr/bin/aws]

Each step is one `aws xray <operation> --endpoint-url URL --output json --debug ...` call, as a
user would type it, with the caller in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
AWS_DEFAULT_REGION and retries off (AWS_MAX_ATTEMPTS=1, AWS_RETRY_MODE=standard). The result
is read from stdout (JSON) or, on an error, from the CLI's message on stderr
("An error occurred (Code) when calling the Op operation ...: message"); the HTTP status comes
from the request line that --debug logs, which also shows the CLI sent exactly one request, and
the x-amzn-RequestId from the response headers it logs.
The config file sets cli_timestamp_format = iso8601 (AWS CLI v2's default; v1 otherwise prints
the wire's number), so LastUpdatedTime is printed from the datetime the CLI parsed.
"""

import atexit
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

import scenariolib  # noqa: E402

ERROR = re.compile(r"An error occurred \((\w+)\) when calling the (\w+) operation(?: \([^)]*\))?: (.*)")
REQUEST = re.compile(r'"POST /(\S*) HTTP/1\.1" (\d{3})')
# botocore logs the response headers at debug level: "Response headers: {..., 'x-amzn-RequestId': '...'}".
REQUEST_ID = re.compile(r"""x-amzn-requestid['"]?\s*:\s*['"]([^'"]+)""", re.IGNORECASE)


def kebab(name):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name).lower()


def argv(op, params):
    """The CLI arguments for an operation's input members."""
    out = ["xray", kebab(op)]
    for member, value in params.items():
        if member == "NextToken":
            # The CLI paginates ListResourcePolicies itself; --starting-token is where a user
            # gives it a NextToken from an earlier response.
            out += ["--starting-token", value]
        elif isinstance(value, bool):
            out.append(("--" if value else "--no-") + kebab(member))
        elif isinstance(value, str):
            out += ["--" + kebab(member), value]
        else:
            raise ValueError(f"{member}: no CLI form for {value!r}")
    return out


def is_now(got, path):
    if not isinstance(got, str):
        return f"{path}: got {type(got).__name__} {got!r}, want an ISO 8601 time"
    try:
        t = datetime.datetime.fromisoformat(got)
    except ValueError:
        return f"{path}: {got!r} is not an ISO 8601 time"
    return scenariolib.near_now(t, path)


def factory(args):
    """Returns run_step for the CLI args.aws, with a config file and environment of its own."""
    aws = args.aws
    config_dir = tempfile.mkdtemp(prefix="xraylocal-cli-")
    atexit.register(shutil.rmtree, config_dir, ignore_errors=True)
    config = os.path.join(config_dir, "config")
    with open(config, "w") as f:
        f.write("[default]\ncli_timestamp_format = iso8601\n")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base_env.update({
        "AWS_CONFIG_FILE": config,
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(config_dir, "no-credentials"),
        "AWS_SECRET_ACCESS_KEY": "xraylocal-secret",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
        "AWS_PAGER": "",
        "AWS_EC2_METADATA_DISABLED": "true",
    })

    def run_step(step, key, region, endpoint):
        env = dict(base_env, AWS_ACCESS_KEY_ID=key, AWS_DEFAULT_REGION=region)
        cmd = [aws] + argv(step["op"], step["input"]) + ["--endpoint-url", endpoint, "--output", "json", "--debug"]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)
        requests = REQUEST.findall(p.stderr)
        if len(requests) != 1 or requests[0][0] != step["op"]:
            tail = p.stderr.strip().splitlines()[-3:]
            return f"exit {p.returncode}: the CLI sent {requests}, want one POST /{step['op']}; stderr ends {tail}"
        status = int(requests[0][1])
        if not REQUEST_ID.search(p.stderr):
            return f"HTTP {status} without x-amzn-RequestId (no such header in the --debug log)"
        expect = step["expect"]
        if p.returncode != 0:
            m = None
            for line in p.stderr.splitlines():
                m = ERROR.match(line.strip()) or m
            if not m:
                return f"exit {p.returncode} without the CLI's error line; stderr ends {p.stderr[-500:]!r}"
            return scenariolib.check_error(expect, m.group(1), status, m.group(3))
        if "output" not in expect:
            return f"succeeded (HTTP {status}) with {p.stdout.strip()!r}; want {expect['error']['code']}"
        if status != 200:
            return f"exit 0 but HTTP {status}"
        # An operation with an empty result prints nothing.
        out = json.loads(p.stdout) if p.stdout.strip() else {}
        return scenariolib.match(expect["output"], out, "output", is_now)

    return run_step


if __name__ == "__main__":
    scenariolib.main("cli", factory, account_base=300000000000, isolated_region="ca-central-1", jobs=2,
                     add_args=lambda p: p.add_argument("--aws", default="aws", help="the aws command to run"))
