#!/usr/bin/env python3
"""Runs clients/scenarios.json through boto3 against xraylocal and prints one JSON line per
scenario: {"client": "boto3", "scenario": NAME, "pass": true|false, "detail": TEXT}.

    python3 clients/python/run_scenarios.py --endpoint http://127.0.0.1:2000 \\
        --throttled-endpoint http://127.0.0.1:2001

Retries are off (total_max_attempts 1), so a ThrottledException reaches the scenario.
"""

import datetime
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

import scenariolib  # noqa: E402


def is_now(got, path):
    # botocore parses the wire's epoch seconds into a timezone-aware datetime.
    if not isinstance(got, datetime.datetime):
        return f"{path}: got {type(got).__name__} {got!r}, want a datetime"
    return scenariolib.near_now(got, path)


def factory(args):
    session = boto3.session.Session()
    clients = {}
    lock = threading.Lock()

    def client(key, region, endpoint):
        with lock:
            c = clients.get((key, region, endpoint))
            if c is None:
                c = session.client(
                    "xray", endpoint_url=endpoint, region_name=region,
                    aws_access_key_id=key, aws_secret_access_key="xraylocal-secret",
                    config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
                clients[(key, region, endpoint)] = c
            return c

    def run_step(step, key, region, endpoint):
        c = client(key, region, endpoint)
        call = getattr(c, botocore.xform_name(step["op"]))
        expect = step["expect"]
        try:
            out = call(**step["input"])
        except ClientError as e:
            meta = e.response.get("ResponseMetadata", {})
            if meta.get("RetryAttempts", 0) != 0:
                return f"the client retried {meta['RetryAttempts']} times with retries off"
            if not meta.get("RequestId"):
                return "error response without x-amzn-RequestId"
            err = e.response.get("Error", {})
            return scenariolib.check_error(expect, err.get("Code"), meta.get("HTTPStatusCode"), err.get("Message"))
        meta = out.pop("ResponseMetadata")
        if "output" not in expect:
            return f"succeeded with {out!r}; want {expect['error']['code']}"
        if meta.get("HTTPStatusCode") != 200 or not meta.get("RequestId"):
            return f"response metadata {meta!r}: want HTTP 200 and a request id"
        return scenariolib.match(expect["output"], out, "output", is_now)

    return run_step


if __name__ == "__main__":
    scenariolib.main("boto3", factory, account_base=200000000000, isolated_region="ap-southeast-2")
