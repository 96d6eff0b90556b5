// Runs clients/scenarios.json through the AWS SDK for JavaScript v3 (@aws-sdk/client-xray)
// against xraylocal and prints one JSON line per scenario:
// {"client": "js", "scenario": NAME, "pass": true|false, "detail": TEXT}.
//
//   node clients/js/run_scenarios.mjs --endpoint http://127.0.0.1:2000 \
//       --throttled-endpoint http://127.0.0.1:2001
//
// Retries are off (maxAttempts: 1), so a ThrottledException reaches the scenario. The rules
// (callers, "$doc:", "$now", exact output match) are those of clients/python/scenariolib.py,
// described in docs/clients.md.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import * as xray from "@aws-sdk/client-xray";

const CLIENT = "js";
const NOW_TOLERANCE_MS = 60_000;

const { values: args } = parseArgs({
  options: {
    endpoint: { type: "string" },
    "throttled-endpoint": { type: "string" },
    // Defaults of this runner's own (those clients_test.go gives it), so runners can share a server.
    "account-base": { type: "string", default: "400000000000" },
    "isolated-region": { type: "string", default: "sa-east-1" },
    scenarios: { type: "string", default: new URL("../scenarios.json", import.meta.url).pathname },
    only: { type: "string", multiple: true, default: [] },
  },
});
if (!args.endpoint || !args["throttled-endpoint"]) {
  console.error("usage: node run_scenarios.mjs --endpoint URL --throttled-endpoint URL [--account-base N] [--isolated-region R] [--only NAME]");
  process.exit(2);
}
const accountBase = Number(args["account-base"]);
if (!Number.isInteger(accountBase) || accountBase < 100000000000 || accountBase > 999999999999 - 10000) {
  console.error("--account-base must be a 12-digit number leaving room for the scenarios");
  process.exit(2);
}

const spec = JSON.parse(readFileSync(args.scenarios, "utf8"));

// resolve replaces every "$doc:NAME" string in value by the document NAME.
function resolve(value) {
  if (typeof value === "string" && value.startsWith("$doc:")) {
    const doc = spec.documents[value.slice("$doc:".length)];
    if (doc === undefined) throw new Error(`no document ${value}`);
    return doc;
  }
  if (Array.isArray(value)) return value.map(resolve);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  return value;
}

// caller returns the access key, region and endpoint of a step (see scenariolib.caller).
function caller(step, scenario, index) {
  const c = step.caller ?? scenario.caller ?? spec.defaultCaller;
  let region = c.region ?? "us-east-1";
  if (region === "$isolatedRegion") region = args["isolated-region"];
  let key = c.accessKey;
  if (key === undefined) {
    const label = c.account ?? "a";
    if (!/^[a-j]$/.test(label)) throw new Error(`account label ${label}: want one letter a..j`);
    key = String(accountBase + 10 * index + label.charCodeAt(0) - "a".charCodeAt(0));
  }
  const endpoint = { main: args.endpoint, throttled: args["throttled-endpoint"] }[step.server ?? "main"];
  return { key, region, endpoint };
}

const clients = new Map();
function client({ key, region, endpoint }) {
  const id = `${key} ${region} ${endpoint}`;
  if (!clients.has(id)) {
    clients.set(id, new xray.XRayClient({
      endpoint,
      region,
      credentials: { accessKeyId: key, secretAccessKey: "xraylocal-secret" },
      maxAttempts: 1,
    }));
  }
  return clients.get(id);
}

// match returns undefined when got equals want exactly, else the first difference.
// want "$now" asks for a Date within a minute of now: the SDK parsed the wire's epoch seconds.
function match(want, got, path) {
  if (want === "$now") {
    if (!(got instanceof Date)) return `${path}: got ${typeof got} ${JSON.stringify(got)}, want a Date`;
    const skew = Math.abs(Date.now() - got.getTime());
    if (!(skew <= NOW_TOLERANCE_MS)) return `${path}: ${got.toISOString()} is ${skew} ms away from now`;
    return undefined;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return `${path}: got ${JSON.stringify(got)}, want a list`;
    if (got.length !== want.length) return `${path}: got ${got.length} items, want ${want.length}`;
    for (let i = 0; i < want.length; i++) {
      const d = match(want[i], got[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (want !== null && typeof want === "object") {
    if (got === null || typeof got !== "object" || Array.isArray(got)) return `${path}: got ${JSON.stringify(got)}, want an object`;
    const present = Object.keys(got).filter((k) => got[k] !== undefined).sort();
    const wanted = Object.keys(want).sort();
    if (present.join() !== wanted.join()) return `${path}: got members [${present}], want [${wanted}]`;
    for (const k of wanted) {
      const d = match(want[k], got[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  if (typeof want !== typeof got || want !== got) return `${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
  return undefined;
}

async function runStep(step, who) {
  const Command = xray[`${step.op}Command`];
  if (!Command) throw new Error(`the SDK has no ${step.op}Command`);
  const expect = step.expect;
  let out;
  try {
    out = await client(who).send(new Command(step.input));
  } catch (err) {
    const meta = err.$metadata;
    if (!meta) return `${err.name}: ${err.message} (not a service error)`;
    if (meta.attempts !== 1) return `the client made ${meta.attempts} attempts with maxAttempts 1`;
    if (!meta.requestId) return "error response without x-amzn-RequestId";
    const status = meta.httpStatusCode;
    if (!expect.error) return `got error ${err.name} (HTTP ${status}): ${err.message}; want success`;
    if (err.name !== expect.error.code || status !== expect.error.status) {
      return `got ${err.name} HTTP ${status} (${err.message}), want ${expect.error.code} HTTP ${expect.error.status}`;
    }
    if (!err.message) return `${err.name} arrived without a message`;
    return undefined;
  }
  const { $metadata: meta, ...result } = out;
  if (!expect.output) return `succeeded with ${JSON.stringify(result)}; want ${expect.error.code}`;
  if (meta.httpStatusCode !== 200 || !meta.requestId) return `response metadata ${JSON.stringify(meta)}: want HTTP 200 and a request id`;
  return match(expect.output, result, "output");
}

let failed = 0;
let ran = 0;
for (const [index, scenario] of spec.scenarios.entries()) {
  if (scenario.clients && !scenario.clients.includes(CLIENT)) continue;
  if (args.only.length && !args.only.includes(scenario.name)) continue;
  ran++;
  let detail;
  for (const [n, step] of scenario.steps.entries()) {
    const who = caller(step, scenario, index);
    let d;
    try {
      d = await runStep(resolve(step), who);
    } catch (err) {
      d = `${err.name}: ${err.message}`;
    }
    if (d) {
      detail = `step ${n + 1} ${step.op} as ${who.key} in ${who.region}: ${d}`;
      break;
    }
  }
  if (detail) failed++;
  console.log(JSON.stringify({ client: CLIENT, scenario: scenario.name, pass: !detail, detail: detail ?? "every step as expected" }));
}
if (args.only.length && ran !== new Set(args.only).size) {
  console.error(`--only ${args.only}: not all of these are scenarios of ${CLIENT}`);
  process.exit(2);
}
process.exit(failed ? 1 : 0);
