#!/usr/bin/env node
// Verify time in Node: sigcookie values (crypto's createHmac + timingSafeEqual) against
// `jsonwebtoken`'s jwt.verify.
//
// Verifies the values and tokens of values.json, beside this file, and prints a markdown table:
// microseconds per verify and how many times longer jwt.verify took. Run it through run.sh,
// which installs `jsonwebtoken` from package-lock.json first.
//
//   node bench.mjs [--quick] [--json PATH]
//
// The format's Node reference (tests/interop/sigcookie_ref.mjs) reads its requests from
// standard input as soon as it is loaded, so it cannot be imported; verifyValue() below checks
// the same rules in the same order, and before anything is timed its answers are compared with
// the reference's, run as a process, on the values and on forgeries of them.
import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const jwt = require("jsonwebtoken");

const HERE = dirname(fileURLToPath(import.meta.url));
const REFERENCE = join(HERE, "..", "..", "tests", "interop", "sigcookie_ref.mjs");

// Interleaved rounds; each operation's time is its median round. A round of one operation is
// long against the clock's resolution and short against a burst of load elsewhere.
const [ROUNDS, BATCH_NS] = [31, 10_000_000n];
const [QUICK_ROUNDS, QUICK_BATCH_NS] = [3, 1_000_000n];
const WARMUP_ROUNDS = 3;

const ID_MAX = 255;
const TS_MAX_DIGITS = 20;
const U64_MAX = (1n << 64n) - 1n;
const LABEL = Buffer.from("sigcookie key ", "ascii");

class Reject extends Error { constructor(v) { super(v); this.variant = v; } }

// RFC 6265 cookie-octet minus ".".
const isIdChar = (b) => b === 0x21 || (b >= 0x23 && b <= 0x2b) || b === 0x2d ||
  (b >= 0x2f && b <= 0x3a) || (b >= 0x3c && b <= 0x5b) || (b >= 0x5d && b <= 0x7e);

const deriveKey = (secret, purpose) =>
  createHmac("sha256", secret).update(Buffer.concat([LABEL, Buffer.from(purpose, "utf8")])).digest();

function parseTs(t) {
  if (t === "") throw new Reject("EmptyTimestamp");
  if (/[^0-9]/.test(t)) throw new Reject("TimestampNotDigits");
  if (t.length > 1 && t[0] === "0") throw new Reject("TimestampLeadingZero");
  const n = BigInt(t);
  if (n > U64_MAX) throw new Reject("TimestampOverflow");
  return n;
}

// An untimed (`id.sig`) or timestamped (`id.ts.sig`) value under the purpose's key `k`, derived
// once: the id, or a Reject. The format's rules 1 to 4 in order, as the reference checks them.
function verifyValue(k, tagBytes, timed, value, now = 0n, maxAge = 0n, leeway = 0n) {
  const fields = timed ? 1 : 0;
  if (Buffer.byteLength(value, "utf8") > ID_MAX + 1 + fields * (1 + TS_MAX_DIGITS) + 2 * tagBytes)
    throw new Reject("TooLong");
  if (/[^\x00-\x7f]/.test(value)) throw new Reject("NonAscii");
  const parts = value.split(".");
  if (parts.length !== 2 + fields) throw new Reject("PartCount");
  const id = parts[0], sig = parts[parts.length - 1];
  if (sig.length !== 2 * tagBytes) throw new Reject("SignatureLength");
  if (/[^0-9a-fA-F]/.test(sig)) throw new Reject("SignatureNotHex");
  if (/[A-F]/.test(sig)) throw new Reject("SignatureUppercase");
  const idBytes = Buffer.from(id, "ascii");
  if (idBytes.length === 0) throw new Reject("EmptyId");
  if (idBytes.length > ID_MAX) throw new Reject("IdTooLong");
  if (!idBytes.every(isIdChar)) throw new Reject("InvalidIdByte");
  const ts = timed ? parseTs(parts[1]) : null;
  // The hex text is compared, never decoded: a branching decoder's timing follows its input.
  const msg = value.slice(0, value.lastIndexOf("."));
  const mac = createHmac("sha256", k).update(msg, "ascii").digest().subarray(0, tagBytes);
  if (!timingSafeEqual(Buffer.from(mac.toString("hex"), "ascii"), Buffer.from(sig, "ascii")))
    throw new Reject("BadSignature");
  if (ts !== null) {
    if (now - ts > maxAge) throw new Reject("Expired");
    if (ts - now > leeway) throw new Reject("IssuedInFuture");
  }
  return id;
}

const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000));
const idLabel = (id) => `id${id.length}`;

function contenders(data) {
  const secret = Buffer.from(data.secret_hex, "hex");
  const k = deriveKey(secret, data.purpose);
  const tag = data.tag_bytes, maxAge = BigInt(data.max_age), leeway = BigInt(data.leeway);
  // jwt.verify turns a secret that is not a KeyObject into one at every call (trying it as a
  // public key first): made once, it is jsonwebtoken's fastest way, and the one the ratios use.
  const keyObject = createSecretKey(secret);
  const rows = [];
  for (const v of data.values) {
    const label = idLabel(v.id);
    rows.push(
      { name: `sigcookie format untimed ${label}`, id: v.id, kind: "untimed", chart: true,
        size: v.untimed.length, run: () => verifyValue(k, tag, false, v.untimed) },
      // The clock is read at every verify, as jwt.verify reads it.
      { name: `sigcookie format timed ${label}`, id: v.id, kind: "timed", chart: true,
        size: v.timed.length, run: () => verifyValue(k, tag, true, v.timed, nowSeconds(), maxAge, leeway) },
      // Its defaults otherwise: the signature, then exp (and nbf) when present.
      { name: `jsonwebtoken HS256 ${label}`, id: v.id, kind: "jwt", chart: true,
        size: v.jwt.length, run: () => jwt.verify(v.jwt, keyObject, { algorithms: ["HS256"] }).sub },
    );
  }
  const v = data.values[0], label = idLabel(v.id);
  const dot = v.untimed.lastIndexOf(".");
  const msg = v.untimed.slice(0, dot), sig = Buffer.from(v.untimed.slice(dot + 1), "ascii");
  rows.push(
    { name: `jsonwebtoken HS256 ${label}, secret as a Buffer`, id: v.id, kind: "jwt-buffer",
      size: v.jwt.length, run: () => jwt.verify(v.jwt, secret, { algorithms: ["HS256"] }).sub },
    { name: `verify untimed ${label}, key derived per call`, id: v.id, kind: "untimed",
      size: v.untimed.length, run: () => verifyValue(deriveKey(secret, data.purpose), tag, false, v.untimed) },
    { name: `HMAC-SHA256 of ${label} alone (createHmac, timingSafeEqual)`, id: v.id, kind: "hmac",
      size: v.untimed.length,
      run: () => {
        const mac = Buffer.from(createHmac("sha256", k).update(msg, "ascii").digest("hex"), "ascii");
        return timingSafeEqual(mac, sig) ? v.id : null;
      } },
  );
  return rows;
}

// The verify above against the reference, on every value and on forgeries of each kind.
function checkAgainstReference(data) {
  const now = nowSeconds();
  const cases = [];
  for (const v of data.values) {
    const flip = (s) => s.slice(0, -1) + (s.endsWith("0") ? "1" : "0");
    for (const [value, timed] of [[v.untimed, false], [v.timed, true]]) {
      cases.push([value, timed, now], [flip(value), timed, now], [value.toUpperCase(), timed, now],
        [value.replace(".", ".."), timed, now]);
    }
    const [id, ts] = v.timed.split(".");
    cases.push([`${id}.0${ts}.${v.timed.split(".")[2]}`, true, now],
      [v.timed, true, BigInt(data.issued_at) + BigInt(data.max_age) + 1n],
      [v.timed, true, BigInt(data.issued_at) - BigInt(data.leeway) - 1n]);
  }
  const requests = cases.map(([value, timed, at]) => JSON.stringify({
    op: "verify", secret_hex: data.secret_hex, purpose: data.purpose, tag_bytes: data.tag_bytes,
    timestamped: timed, value, now: Number(at), max_age: data.max_age, leeway: data.leeway,
  }));
  const out = spawnSync(process.execPath, [REFERENCE], { input: requests.join("\n") + "\n", encoding: "utf8" });
  if (out.status !== 0) throw new Error(`the reference failed: ${out.stderr}`);
  const answers = out.stdout.trim().split("\n").map((line) => JSON.parse(line));
  const k = deriveKey(Buffer.from(data.secret_hex, "hex"), data.purpose);
  cases.forEach(([value, timed, at], i) => {
    let ours;
    try {
      ours = { ok: true, id: verifyValue(k, data.tag_bytes, timed, value, at, BigInt(data.max_age), BigInt(data.leeway)) };
    } catch (e) {
      if (!(e instanceof Reject)) throw e;
      ours = { ok: false, error: e.variant };
    }
    const want = answers[i];
    if (ours.ok !== want.ok || (ours.ok ? ours.id !== want.id : ours.error !== want.error))
      throw new Error(`${value} at ${at}: ${JSON.stringify(ours)}, the reference ${JSON.stringify(want)}`);
  });
}

// Three significant digits or so, at most three decimals.
const fmtUs = (us) => us.toFixed(us >= 10 ? 1 : us >= 1 ? 2 : 3);

// Verifies that answered null (the HMAC row's way of refusing): none may, checked after timing.
let failed = 0;
const fmtRatio = (ratio) => ratio.toFixed(ratio >= 1 ? 1 : 2);

function time(n, f) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) failed += f() === null ? 1 : 0;
  return process.hrtime.bigint() - start;
}

// Nanoseconds per call of each function: the median of `rounds` interleaved batches.
function measure(functions, rounds, batchNs) {
  const iters = functions.map((f) => { // also the warm-up, for the JIT
    for (let n = 1; ; n *= 4) {
      const ns = time(n, f);
      if (ns >= batchNs / 4n) return Math.max(1, Number(BigInt(n) * batchNs / ns));
    }
  });
  // Discarded rounds first, long enough for V8 to optimize every function.
  const samples = functions.map(() => []);
  for (let round = -WARMUP_ROUNDS; round < rounds; round++) {
    functions.forEach((f, i) => {
      const ns = Number(time(iters[i], f)) / iters[i];
      if (round >= 0) samples[i].push(ns);
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[s.length >> 1]);
}

function main() {
  const args = process.argv.slice(2);
  let quick = false, jsonPath = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--quick") quick = true;
    else if (args[i] === "--json" && i + 1 < args.length) jsonPath = args[++i];
    else {
      console.error("usage: node bench.mjs [--quick] [--json PATH]");
      process.exit(2);
    }
  }
  const data = JSON.parse(readFileSync(join(HERE, "values.json"), "utf8"));
  checkAgainstReference(data);
  const rows = contenders(data);
  for (const r of rows) {
    const got = r.run();
    if (got !== r.id) throw new Error(`${r.name}: verified as ${got}, not ${r.id}`);
  }
  const [rounds, batchNs] = quick ? [QUICK_ROUNDS, QUICK_BATCH_NS] : [ROUNDS, BATCH_NS];
  const us = measure(rows.map((r) => r.run), rounds, batchNs).map((ns) => ns / 1000);
  if (failed !== 0) throw new Error(`${failed} timed verifies failed`);
  const jwtUs = new Map(rows.map((r, i) => [r, us[i]]).filter(([r]) => r.kind === "jwt")
    .map(([r, t]) => [r.id, t]));
  const lines = ["| Node verify | µs/verify | jsonwebtoken ÷ this | bytes |", "|---|---:|---:|---:|"];
  rows.forEach((r, i) => lines.push(
    `| ${r.name} | ${fmtUs(us[i])} | ${fmtRatio(jwtUs.get(r.id) / us[i])} | ${r.size} |`));
  console.log(lines.join("\n"));
  if (jsonPath) {
    writeFileSync(jsonPath, JSON.stringify({
      language: "Node", format: "sigcookie format", jwt: "jsonwebtoken",
      rows: rows.map((r, i) => ({ name: r.name, id: idLabel(r.id), kind: r.kind, chart: Boolean(r.chart),
        us: us[i], bytes: r.size })),
    }));
  }
}

main();
