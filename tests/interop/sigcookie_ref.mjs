#!/usr/bin/env node
// Independent reference implementation of the sigcookie v1 wire format, written
// from the normative spec only (never from the Rust crate). Node >= 18, built-in
// `crypto` only. Batch mode: one JSON request per stdin line -> one JSON
// response per stdout line, same order. `--self-test` checks the worked examples.
// Three shapes, one per signer: untimed `id.sig`, timestamped `id.ts.sig`, session
// `id.auth.ts.sig` (auth = when the user logged in, same grammar as ts). And the CSRF
// token of a session (section "CSRF tokens"): 32 lowercase hex digits, a MAC of
// `id.auth` under a key derived from the session signer's.
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

const LABEL = Buffer.from("sigcookie key ", "ascii");
const CSRF_LABEL = Buffer.from("sigcookie csrf key", "ascii"); // derives K_csrf from K
const CSRF_BYTES = 16; // a token is the first 16 bytes of its MAC, in hex
const U64_MAX = (1n << 64n) - 1n;
const ID_MAX = 255;
const TS_MAX_DIGITS = 20; // the "21" in the length cap is "." + 20 digits
// Decimal fields between id and sig: the part count is 2 + this, and each field
// adds "." + TS_MAX_DIGITS to the length cap.
const DECIMAL_FIELDS = { untimed: 0, timestamped: 1, session: 2 };

// Thrown for verification failures; .variant is the exact error variant name.
class Reject extends Error { constructor(v) { super(v); this.variant = v; } }

// RFC 6265 cookie-octet minus "." (which is the field separator).
const isIdChar = (b) => b === 0x21 || (b >= 0x23 && b <= 0x2b) || b === 0x2d ||
  (b >= 0x2f && b <= 0x3a) || (b >= 0x3c && b <= 0x5b) || (b >= 0x5d && b <= 0x7e);

function checkParams(secret, purpose, tagBytes, previous = []) {
  // Parameter errors are caller bugs, not verification outcomes.
  if ([secret, ...previous].some((k) => k.length < 32)) throw new TypeError("secret shorter than 32 bytes");
  if (purpose !== null && (typeof purpose !== "string" || purpose === ""))
    throw new TypeError("purpose must be a non-empty string or null");
  if (!Number.isInteger(tagBytes) || tagBytes < 16 || tagBytes > 32)
    throw new TypeError("tag_bytes must be in 16..=32");
}

// purpose === null is the explicit "unbound" signer: the secret is used as-is.
const deriveKey = (secret, purpose) => purpose === null ? secret
  : createHmac("sha256", secret).update(Buffer.concat([LABEL, Buffer.from(purpose, "utf8")])).digest();

const rawSig = (secret, purpose, tagBytes, msg) =>
  createHmac("sha256", deriveKey(secret, purpose)).update(msg).digest().subarray(0, tagBytes).toString("hex");

function checkId(id) { // checked as UTF-8 bytes, so sign() rejects non-ASCII ids too
  const b = Buffer.from(id, "utf8");
  if (b.length === 0) throw new Reject("EmptyId");
  if (b.length > ID_MAX) throw new Reject("IdTooLong");
  if (!b.every(isIdChar)) throw new Reject("InvalidIdByte");
}

// Untimed (ts null), timestamped (ts) or session (auth and ts) value. auth > ts is
// signed as asked, not refused: the verifier rejects it (AuthAfterIssue).
export function sign(secret, purpose, tagBytes, id, ts = null, auth = null) {
  checkParams(secret, purpose, tagBytes);
  if (auth !== null && ts === null) throw new TypeError("a session value needs ts as well as auth");
  checkId(id);
  let msg = id;
  for (const t of [auth, ts]) { // wire order: auth first
    if (t === null) continue;
    if (t < 0n || t > U64_MAX) throw new Reject("TimestampOverflow");
    msg += `.${t}`; // BigInt#toString is canonical decimal
  }
  return `${msg}.${rawSig(secret, purpose, tagBytes, Buffer.from(msg, "ascii"))}`;
}

// The ts grammar (also used for auth): ASCII digits only, canonical, fits in u64.
function parseTs(t) {
  if (t === "") throw new Reject("EmptyTimestamp");
  if (/[^0-9]/.test(t)) throw new Reject("TimestampNotDigits");
  if (t.length > 1 && t[0] === "0") throw new Reject("TimestampLeadingZero");
  const n = BigInt(t);
  if (n > U64_MAX) throw new Reject("TimestampOverflow");
  return n;
}

// Returns {id, ts: BigInt|null, auth: BigInt|null} or throws Reject. Rules 1-8 in
// spec order. session = true selects the session signer (it implies timestamped);
// lifetime is then the limit on now - auth.
export function verify(secret, previous, purpose, tagBytes, timestamped, value, now = 0n,
                       maxAge = 0n, leeway = 0n, notBefore = null, session = false, lifetime = 0n) {
  checkParams(secret, purpose, tagBytes, previous);
  const fields = DECIMAL_FIELDS[session ? "session" : timestamped ? "timestamped" : "untimed"];
  // (1) Cap measured in UTF-8 bytes (cookies are octets), before anything else.
  const cap = ID_MAX + 1 + fields * (1 + TS_MAX_DIGITS) + 2 * tagBytes;
  if (Buffer.byteLength(value, "utf8") > cap) throw new Reject("TooLong");
  if (/[^\x00-\x7f]/.test(value)) throw new Reject("NonAscii"); // (2)
  // (3) The dot count decides the shape; a signer accepts only its own.
  const parts = value.split(".");
  if (parts.length !== 2 + fields) throw new Reject("PartCount");
  const id = parts[0], sig = parts[parts.length - 1];
  // (4) Length first, then classify: anything outside [0-9a-fA-F] is NotHex,
  // otherwise any A-F makes it Uppercase.
  if (sig.length !== 2 * tagBytes) throw new Reject("SignatureLength");
  if (/[^0-9a-fA-F]/.test(sig)) throw new Reject("SignatureNotHex");
  if (/[A-F]/.test(sig)) throw new Reject("SignatureUppercase");
  checkId(id);                                                    // (5)
  // (6) Decimal fields left to right (auth before ts), first error wins.
  const nums = parts.slice(1, -1).map(parseTs);
  const auth = session ? nums[0] : null, ts = nums.length ? nums[nums.length - 1] : null;
  // (7) Message is everything before the last "."; current key first. Lengths
  // are equal here (rule 4), as timingSafeEqual requires.
  const msg = Buffer.from(value.slice(0, value.lastIndexOf(".")), "ascii");
  const given = Buffer.from(sig, "ascii");
  if (![secret, ...previous].some((k) =>
    timingSafeEqual(Buffer.from(rawSig(k, purpose, tagBytes, msg), "ascii"), given)))
    throw new Reject("BadSignature");
  if (ts !== null) {  // (8) BigInt arithmetic: age may be negative, never wraps
    if (now - ts > maxAge) throw new Reject("Expired");
    if (ts - now > leeway) throw new Reject("IssuedInFuture");
  }
  if (session) {
    // The login time: never after issue, not too long ago (a login in the future
    // has age 0), and the notBefore cut-off compares auth, not ts.
    if (auth > ts) throw new Reject("AuthAfterIssue");
    if ((now > auth ? now - auth : 0n) > lifetime) throw new Reject("LifetimeExceeded");
    if (notBefore !== null && auth < notBefore) throw new Reject("LoggedInBeforeNotBefore");
  } else if (ts !== null && notBefore !== null && ts < notBefore) {
    throw new Reject("IssuedBeforeNotBefore");
  }
  return { id, ts, auth };
}

function checkCsrfParams(secret, purpose, previous = []) {
  if ([secret, ...previous].some((k) => k.length < 32)) throw new TypeError("secret shorter than 32 bytes");
  if (purpose !== null && (typeof purpose !== "string" || purpose === ""))
    throw new TypeError("purpose must be a non-empty string or null");
}

// The token of the session of `id` logged in at `auth` (BigInt): the first 16 bytes of
// HMAC(K_csrf, id "." auth) in lowercase hex, K_csrf = HMAC(K, label), K the session
// signer's key (the secret itself when unbound).
export function csrfToken(secret, purpose, id, auth) {
  checkCsrfParams(secret, purpose);
  const kCsrf = createHmac("sha256", deriveKey(secret, purpose)).update(CSRF_LABEL).digest();
  return createHmac("sha256", kCsrf).update(Buffer.from(`${id}.${auth}`, "ascii"))
    .digest().subarray(0, CSRF_BYTES).toString("hex");
}

// Checks a form's token against the (already verified) session id/auth: CsrfMalformed
// unless exactly 32 bytes of [0-9a-f], then CsrfMismatch unless it matches under the
// current or a previous key.
export function verifyCsrf(secret, previous, purpose, id, auth, token) {
  checkCsrfParams(secret, purpose, previous);
  const given = Buffer.from(token, "utf8");
  if (given.length !== 2 * CSRF_BYTES || !/^[0-9a-f]*$/.test(token)) throw new Reject("CsrfMalformed");
  if (![secret, ...previous].some((k) =>
    timingSafeEqual(Buffer.from(csrfToken(k, purpose, id, auth), "ascii"), given)))
    throw new Reject("CsrfMismatch");
}

// JSON numbers above 2^53-1 are already corrupted by JSON.parse, so refuse them
// and require decimal strings for large values instead.
function uint(v, name, nullable = false) {
  if ((v === null || v === undefined) && nullable) return null;
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === "string" && /^[0-9]+$/.test(v)) return BigInt(v);
  throw new TypeError(`${name}: expected non-negative safe integer or decimal string`);
}
const emitUint = (n) => n === null ? null : n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
const hex = (h) => { // Buffer.from(.., "hex") silently truncates bad input
  if (typeof h !== "string" || !/^([0-9a-fA-F]{2})*$/.test(h)) throw new TypeError("bad hex");
  return Buffer.from(h, "hex");
};

// "session": true selects the session signer (default false). It implies
// timestamped, so "timestamped" may be omitted but not be false.
function sessionOf(req) {
  const s = req.session ?? false;
  if (typeof s !== "boolean") throw new TypeError("session: expected true or false");
  if (s && (req.timestamped ?? true) !== true) throw new TypeError("session implies timestamped");
  return s;
}

// sign -> {value} | {error}; verify -> {ok: true, id, issued_at} (+ auth for session
// values; other shapes keep the old response exactly) | {ok: false, error}. Session
// requests carry "session": true; sign then needs auth and ts (auth > ts is signed,
// the verifier refuses it), verify takes lifetime. csrf -> {token}; verify_csrf -> {ok: true}
// | {ok: false, error}.
export function handle(req) {
  try {
    const secret = hex(req.secret_hex), purpose = req.purpose ?? null;
    if (req.op === "sign") {
      const session = sessionOf(req), auth = uint(req.auth, "auth", true), ts = uint(req.ts, "ts", true);
      if (session && (auth === null || ts === null)) throw new TypeError("a session value needs auth and ts");
      if (!session && auth !== null) throw new TypeError('auth needs "session": true');
      return { value: sign(secret, purpose, req.tag_bytes, req.id, ts, auth) };
    }
    if (req.op === "verify") {
      const session = sessionOf(req);
      const r = verify(secret, (req.previous_secret_hex ?? []).map(hex), purpose, req.tag_bytes,
        session || Boolean(req.timestamped), req.value, uint(req.now ?? 0, "now"),
        uint(req.max_age ?? 0, "max_age"), uint(req.leeway ?? 0, "leeway"),
        uint(req.not_before, "not_before", true), session, uint(req.lifetime ?? 0, "lifetime"));
      const resp = { ok: true, id: r.id, issued_at: emitUint(r.ts) };
      if (session) resp.auth = emitUint(r.auth);
      return resp;
    }
    if (req.op === "csrf") return { token: csrfToken(secret, purpose, req.id, uint(req.auth, "auth")) };
    if (req.op === "verify_csrf") {
      verifyCsrf(secret, (req.previous_secret_hex ?? []).map(hex), purpose, req.id,
        uint(req.auth, "auth"), req.token);
      return { ok: true };
    }
    throw new TypeError(`unknown op ${JSON.stringify(req.op)}`);
  } catch (e) {
    const verifying = req.op === "verify" || req.op === "verify_csrf";
    if (e instanceof Reject) return verifying ? { ok: false, error: e.variant } : { error: e.variant };
    return { error: `BadRequest: ${e.message}` };
  }
}

function selfTest() {
  const s = Buffer.from([...Array(32).keys()]), eq = (a, b) => { if (a !== b) throw new Error(`${a} != ${b}`); };
  eq(sign(s, "session", 32, "12345"), "12345.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba");
  eq(sign(s, "session", 16, "12345", 1764000000n), "12345.1764000000.2df5b78a1191cc09a4c9c9243ba5287d");
  eq(sign(s, null, 32, "12345"), "12345.36e295174c2947fbba5ff2d280b635a4b2eaa3106e07c7f1f3d2b72cba861447");
  const session = "12345.1764000000.1764003600.5ac44e3ba810958131ea64f38fe75147b87cda201e8b17e4bfc05ca4da9921d1";
  eq(sign(s, "session", 32, "12345", 1764003600n, 1764000000n), session);
  const r = verify(s, [], "session", 32, true, session, 1764003600n, 0n, 0n, null, true, U64_MAX);
  eq(`${r.id}.${r.auth}.${r.ts}`, "12345.1764000000.1764003600");
  const token = csrfToken(s, "session", r.id, r.auth);
  eq(token, "85b53540e107925269167fe77d059098");
  verifyCsrf(s, [], "session", r.id, r.auth, token);
  console.log("self-test ok");
}

if (process.argv.includes("--self-test")) selfTest();
else {
  const out = [];
  for (const line of readFileSync(0, "utf8").split("\n")) {
    if (line.trim() === "") continue; // blank lines are ignored, not answered
    let resp;
    try {
      const req = JSON.parse(line);
      resp = req && typeof req === "object" && !Array.isArray(req) ? handle(req) : { error: "BadRequest: not an object" };
    } catch { resp = { error: "BadRequest: invalid JSON" }; } // still answer, so responses stay aligned
    out.push(JSON.stringify(resp) + "\n");
  }
  process.stdout.write(out.join("")); // pipes are synchronous on POSIX, so this is flushed at exit
}
