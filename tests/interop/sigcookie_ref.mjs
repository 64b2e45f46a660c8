#!/usr/bin/env node
// Independent reference implementation of the sigcookie v1 wire format, written
// from the normative spec only (never from the Rust crate). Node >= 18, built-in
// `crypto` only. Batch mode: one JSON request per stdin line -> one JSON
// response per stdout line, same order. `--self-test` checks the worked examples.
// Three shapes, one per signer: untimed `id.sig`, timestamped `id.ts.sig`, session
// `id.auth.ts.sig` (auth = when the user logged in, same grammar as ts). And the CSRF
// token of a session (section "CSRF tokens"): 32 lowercase hex digits, a MAC of
// `id.auth` under a key derived from the session signer's.
//
// Ed25519 values (section "Ed25519 values"): `id.kid.sig`, `id.ts.kid.sig`,
// `id.auth.ts.kid.sig`, requests named "ed25519_*" (the same protocol as
// sigcookie_ref.py; see handleEd25519). Keys travel as hex: a 32-byte seed ("seed_hex"),
// or a public key as 64 lowercase hex digits ("public_key_hex") or an SPKI PEM block
// ("public_key_pem"). "shape" is "untimed", "timestamped" or "session"; "purpose"
// (1 to 255 bytes) is required.
//   {op: "ed25519_key", seed_hex | public_key_hex | public_key_pem}
//       -> {public_key_hex, key_id, public_key_pem}
//   {op: "ed25519_sign", seed_hex, purpose, shape, id, ts?, auth?} -> {value}
//       (ts for timestamped and session, auth for session only)
//   {op: "ed25519_verify", public_key_hex | public_key_pem, previous_public_key_hex?: [..],
//    previous_public_key_pem?: [..] (3 at most), purpose, shape, value, now, max_age, leeway,
//    lifetime, not_before?, logouts?: [{id, auth}, ..]}
//       -> {ok: true, id, issued_at, key_id} (+ auth for session values) | {ok: false, error}
//   {op: "ed25519_csrf", seed_hex, purpose, id, auth} -> {token}
//   {op: "ed25519_verify_csrf", seed_hex, previous_seed_hex?: [..], purpose, id, auth, token}
//       -> {ok: true} | {ok: false, error}
// A public key refused when loaded (not canonical, small order, bad PEM) answers
// {error: "BadPublicKey: <why>"}; other parameter errors {error: "BadRequest: .."}.
import {
  createHash, createHmac, createPrivateKey, createPublicKey, sign as cryptoSign, timingSafeEqual,
  verify as cryptoVerify,
} from "node:crypto";
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

// ---------------------------------------------------------------- Ed25519 values
// Section "Ed25519 values": value = id [. auth] [. ts] . kid . sig, kid = the first 4
// bytes of SHA-256(A) in lowercase hex, sig = the 64-byte Ed25519 signature of
// M = PAE("sigcookie-ed25519-v1", purpose, shape, body), body = the value before its
// last ".". Signing and the group equation are Node's crypto (OpenSSL); the strict
// rules it does not enforce are checked here with BigInt arithmetic.
const ED_LABEL = Buffer.from("sigcookie-ed25519-v1", "ascii");
const ED_CSRF_LABEL = Buffer.from("sigcookie ed25519 csrf key ", "ascii"); // || purpose, keyed with the seed
const KID_HEX = 8, ED_SIG_HEX = 128, ED_PREVIOUS_MAX = 3, PURPOSE_MAX = 255;
const SHAPES = Object.keys(DECIMAL_FIELDS); // untimed, timestamped, session
// DER of an Ed25519 SubjectPublicKeyInfo (OID 1.3.101.112), then the 32 key bytes; and
// of a PKCS #8 private key, then the 32-byte seed.
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const PEM_BEGIN = "-----BEGIN PUBLIC KEY-----", PEM_END = "-----END PUBLIC KEY-----";

// Curve25519 in twisted Edwards form (RFC 8032, 5.1): -x^2 + y^2 = 1 + d x^2 y^2 mod p.
const P = (1n << 255n) - 19n;
const L = (1n << 252n) + 27742317777372353535851937790883648493n; // the group order l
const mod = (a) => ((a % P) + P) % P;
const powMod = (b, e) => {
  let r = 1n; b = mod(b);
  for (; e > 0n; e >>= 1n, b = b * b % P) if (e & 1n) r = r * b % P;
  return r;
};
const inv = (a) => powMod(a, P - 2n);
const D = mod(-121665n * inv(121666n));
const SQRT_M1 = powMod(2n, (P - 1n) / 4n);
const leToBig = (b) => BigInt("0x" + (Buffer.from(b).reverse().toString("hex") || "0"));

// A refused public key (not canonical, small order, bad PEM); .message says why.
class BadPublicKey extends Error {}

// PASETO's pre-authentication encoding: LE64(n), then LE64(len) || piece for each.
export function pae(...pieces) {
  const le64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
  return Buffer.concat([le64(pieces.length), ...pieces.flatMap((p) => [le64(p.length), p])]);
}

// M, the bytes an Ed25519 value's signature covers.
export const edMessage = (purpose, shape, body) =>
  pae(ED_LABEL, Buffer.from(purpose, "utf8"), Buffer.from(shape, "ascii"), body);

// RFC 8032 5.1.3 decoding, strict: [x, y], or null when b is not the canonical encoding
// of a curve point (y >= p, x = 0 with the sign bit set, or no x).
export function decodePoint(b) {
  if (b.length !== 32) return null;
  let y = leToBig(b);
  const sign = y >> 255n;
  y &= (1n << 255n) - 1n;
  if (y >= P) return null;
  const x2 = mod((y * y - 1n) * inv(D * y * y + 1n));
  if (x2 === 0n) return sign ? null : [0n, y];
  let x = powMod(x2, (P + 3n) / 8n);
  if (mod(x * x - x2) !== 0n) x = x * SQRT_M1 % P;
  if (mod(x * x - x2) !== 0n) return null;
  return [(x & 1n) !== sign ? P - x : x, y];
}

// Affine twisted Edwards addition (complete on this curve: d is not a square).
function pointAdd([x1, y1], [x2, y2]) {
  const t = D * x1 % P * x2 % P * y1 % P * y2 % P;
  return [mod((x1 * y2 + y1 * x2) * inv(1n + t)), mod((y1 * y2 + x1 * x2) * inv(1n - t))];
}

// [8]P is the identity: P is one of the 8 points of order 1, 2, 4 or 8.
export function isSmallOrder(pt) {
  for (let i = 0; i < 3; i++) pt = pointAdd(pt, pt);
  return pt[0] === 0n && pt[1] === 1n;
}

export const keyId = (a) => createHash("sha256").update(a).digest().subarray(0, 4).toString("hex");

// Refuse, when it is loaded, a key that is not the canonical encoding of a point or is a
// point of small order (OpenSSL, under Node's crypto, would accept some).
function checkPublicKey(a) {
  if (a.length !== 32) throw new BadPublicKey("not 32 bytes");
  const pt = decodePoint(a);
  if (pt === null) throw new BadPublicKey("not the canonical encoding of a point");
  if (isSmallOrder(pt)) throw new BadPublicKey("a point of small order");
  return a;
}

const publicKeyPem = (a) =>
  `${PEM_BEGIN}\n${Buffer.concat([SPKI_PREFIX, a]).toString("base64")}\n${PEM_END}\n`;

// 64 lowercase hex digits, or an SPKI PEM block; checked as checkPublicKey does.
export function parsePublicKey(text) {
  if (typeof text !== "string") throw new BadPublicKey("not a string");
  if (text.includes(PEM_BEGIN)) {
    const lines = text.trim().split(/\r?\n/);
    if (lines.length < 3 || lines[0].trim() !== PEM_BEGIN || lines[lines.length - 1].trim() !== PEM_END)
      throw new BadPublicKey("not one PEM block");
    const b64 = lines.slice(1, -1).map((l) => l.trim()).join("");
    // Buffer.from(.., "base64") skips junk silently: check the alphabet and padding first.
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64))
      throw new BadPublicKey("PEM body is not base64");
    const der = Buffer.from(b64, "base64");
    if (der.length !== SPKI_PREFIX.length + 32 || !der.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX))
      throw new BadPublicKey("not an Ed25519 SubjectPublicKeyInfo");
    return checkPublicKey(der.subarray(SPKI_PREFIX.length));
  }
  if (!/^[0-9a-f]{64}$/.test(text)) throw new BadPublicKey("not 64 lowercase hex digits");
  return checkPublicKey(Buffer.from(text, "hex"));
}

function checkSeed(seed) {
  if (seed.length !== 32) throw new TypeError("an Ed25519 seed is exactly 32 bytes");
  return seed;
}
const privateKey = (seed) => createPrivateKey({
  key: Buffer.concat([PKCS8_PREFIX, checkSeed(seed)]), format: "der", type: "pkcs8" });
export const edPublicKey = (seed) =>
  createPublicKey(privateKey(seed)).export({ format: "der", type: "spki" }).subarray(SPKI_PREFIX.length);
// The Ed25519 signature of arbitrary bytes, no checks.
export const rawEdSig = (seed, msg) => cryptoSign(null, msg, privateKey(seed));

function checkPurpose(purpose) {
  if (typeof purpose !== "string" || Buffer.byteLength(purpose, "utf8") < 1
      || Buffer.byteLength(purpose, "utf8") > PURPOSE_MAX)
    throw new TypeError("an Ed25519 purpose is 1 to 255 bytes of UTF-8");
}
function checkShape(shape) {
  if (!SHAPES.includes(shape)) throw new TypeError(`shape must be one of ${SHAPES.join(", ")}`);
}

// An Ed25519 value of the given shape (ts, auth: BigInt or null); auth > ts is signed as
// asked (the verifier refuses it), like sign().
export function edSign(seed, purpose, shape, id, ts = null, auth = null) {
  checkPurpose(purpose);
  checkShape(shape);
  if ((ts !== null) !== (shape !== "untimed") || (auth !== null) !== (shape === "session"))
    throw new TypeError(`shape ${shape} takes ${{ untimed: "neither ts nor auth",
      timestamped: "ts and no auth", session: "auth and ts" }[shape]}`);
  checkId(id);
  let body = id;
  for (const t of [auth, ts]) { // wire order: auth first
    if (t === null) continue;
    if (t < 0n || t > U64_MAX) throw new Reject("TimestampOverflow");
    body += `.${t}`;
  }
  body += `.${keyId(edPublicKey(seed))}`;
  const sig = rawEdSig(seed, edMessage(purpose, shape, Buffer.from(body, "ascii")));
  return `${body}.${sig.toString("hex")}`;
}

// RFC 8032 verification with the strict rules of the format text (those of ed25519-dalek's
// verify_strict). OpenSSL's verify, under Node's crypto, is cofactorless and compares
// encodings of R, but is not relied on for the rest: S < l, and R canonical and not of
// small order, are checked here first. A was checked when it was loaded.
function edSignatureOk(a, msg, sig) {
  if (leToBig(sig.subarray(32)) >= L) return false;            // strict: S + l is refused
  const r = decodePoint(sig.subarray(0, 32));
  if (r === null || isSmallOrder(r)) return false;              // strict: R canonical, not small order
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, a]), format: "der", type: "spki" });
  return cryptoVerify(null, msg, key, sig);
}

// {kid: key} of the verifier's keys: the current one and up to 3 previous ones, every
// key checked, their key ids distinct.
function edKeys(current, previous) {
  if (previous.length > ED_PREVIOUS_MAX) throw new TypeError("at most 3 previous public keys");
  const keys = new Map();
  for (const a of [current, ...previous]) {
    const kid = keyId(checkPublicKey(a));
    if (keys.has(kid)) throw new TypeError(`two public keys with key id ${kid}`);
    keys.set(kid, a);
  }
  return keys;
}

// Returns {id, ts, auth, kid} (times BigInt or null) or throws Reject: steps 1-6 of the
// Ed25519 order of checks. logouts: [id, auth (BigInt)] pairs of sessions logged out.
export function edVerify(current, previous, purpose, shape, value, now = 0n, maxAge = 0n,
                         leeway = 0n, notBefore = null, lifetime = 0n, logouts = []) {
  checkPurpose(purpose);
  checkShape(shape);
  const keys = edKeys(current, previous);
  const fields = DECIMAL_FIELDS[shape];
  // (1) Length, in UTF-8 bytes, before anything else.
  const cap = ID_MAX + 1 + fields * (1 + TS_MAX_DIGITS) + KID_HEX + 1 + ED_SIG_HEX;
  if (Buffer.byteLength(value, "utf8") > cap) throw new Reject("TooLong");
  // (2) Grammar: ASCII, parts, signature, key id, id, times (auth before ts).
  if (/[^\x00-\x7f]/.test(value)) throw new Reject("NonAscii");
  const parts = value.split(".");
  if (parts.length !== 3 + fields) throw new Reject("PartCount");
  const id = parts[0], kid = parts[parts.length - 2], sig = parts[parts.length - 1];
  if (sig.length !== ED_SIG_HEX) throw new Reject("SignatureLength");
  if (/[^0-9a-fA-F]/.test(sig)) throw new Reject("SignatureNotHex");
  if (/[A-F]/.test(sig)) throw new Reject("SignatureUppercase");
  if (!/^[0-9a-f]{8}$/.test(kid)) throw new Reject("KeyIdMalformed");
  checkId(id);
  const nums = parts.slice(1, -2).map(parseTs);
  const auth = shape === "session" ? nums[0] : null, ts = nums.length ? nums[nums.length - 1] : null;
  // (3) The key id picks the one key to try.
  if (!keys.has(kid)) throw new Reject("UnknownKeyId");
  // (4) Time, before any curve arithmetic; BigInt: never wraps.
  if (ts !== null) {
    if (now - ts > maxAge) throw new Reject("Expired");
    if (ts - now > leeway) throw new Reject("IssuedInFuture");
  }
  if (shape === "session") {
    if (auth > ts) throw new Reject("AuthAfterIssue");
    if ((now > auth ? now - auth : 0n) > lifetime) throw new Reject("LifetimeExceeded");
  }
  // (5) The signature, strict.
  const body = Buffer.from(value.slice(0, value.lastIndexOf(".")), "ascii");
  if (!edSignatureOk(keys.get(kid), edMessage(purpose, shape, body), Buffer.from(sig, "hex")))
    throw new Reject("BadSignature");
  // (6) Revocation: the cut-off, then the logouts (session values: their login time).
  if (shape === "session") {
    if (logouts.some(([i, a]) => i === id && a === auth)) throw new Reject("LoggedOut");
    if (notBefore !== null && auth < notBefore) throw new Reject("LoggedInBeforeNotBefore");
  } else if (ts !== null && notBefore !== null && ts < notBefore) {
    throw new Reject("IssuedBeforeNotBefore");
  }
  return { id, ts, auth, kid };
}

// The CSRF token of an Ed25519 session: as csrfToken(), with
// K_csrf = HMAC-SHA256(seed, "sigcookie ed25519 csrf key " || purpose).
export function edCsrfToken(seed, purpose, id, auth) {
  checkPurpose(purpose);
  const kCsrf = createHmac("sha256", checkSeed(seed))
    .update(Buffer.concat([ED_CSRF_LABEL, Buffer.from(purpose, "utf8")])).digest();
  return createHmac("sha256", kCsrf).update(Buffer.from(`${id}.${auth}`, "ascii"))
    .digest().subarray(0, CSRF_BYTES).toString("hex");
}

// As verifyCsrf(), under the current seed, then each previous one.
export function edVerifyCsrf(seed, previous, purpose, id, auth, token) {
  const given = Buffer.from(token, "utf8");
  if (given.length !== 2 * CSRF_BYTES || !/^[0-9a-f]*$/.test(token)) throw new Reject("CsrfMalformed");
  if (![seed, ...previous].some((k) =>
    timingSafeEqual(Buffer.from(edCsrfToken(k, purpose, id, auth), "ascii"), given)))
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
  if (typeof req.op === "string" && req.op.startsWith("ed25519_")) return handleEd25519(req);
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

const seedHex = (h) => checkSeed(hex(h));

// Keys from "<single>_hex" or "<single>_pem", and the lists "<many>_hex" and "<many>_pem"
// (either may be omitted).
function publicKeys(req, single, many) {
  const given = [`${single}_hex`, `${single}_pem`].filter((k) => k in req);
  if (given.length !== 1) throw new TypeError(`give exactly one of ${single}_hex and ${single}_pem`);
  const lists = [req[`${many}_hex`] ?? [], req[`${many}_pem`] ?? []];
  if (!lists.every(Array.isArray)) throw new TypeError(`${many}_hex and ${many}_pem are lists`);
  return [parsePublicKey(req[given[0]]), lists.flat().map(parsePublicKey)];
}

function logoutsOf(req) {
  return (req.logouts ?? []).map((lo) => {
    if (!lo || typeof lo !== "object" || typeof lo.id !== "string")
      throw new TypeError('logouts: a list of {"id", "auth"} objects');
    return [lo.id, uint(lo.auth, "logouts.auth")];
  });
}

// ed25519_key -> {public_key_hex, key_id, public_key_pem} | {error}; ed25519_sign -> {value}
// | {error}; ed25519_verify -> {ok: true, id, issued_at, key_id} (+ auth for session values)
// | {ok: false, error}; ed25519_csrf -> {token}; ed25519_verify_csrf -> {ok: true} | {ok:
// false, error}. A refused public key answers {error: "BadPublicKey: <why>"}.
export function handleEd25519(req) {
  const op = req.op;
  try {
    const purpose = req.purpose;
    if (op === "ed25519_key") {
      let a;
      if ("seed_hex" in req) a = edPublicKey(seedHex(req.seed_hex));
      else {
        const [current, previous] = publicKeys(req, "public_key", "previous_public_key");
        if (previous.length) throw new TypeError("ed25519_key takes one key");
        a = current;
      }
      return { public_key_hex: a.toString("hex"), key_id: keyId(a), public_key_pem: publicKeyPem(a) };
    }
    if (op === "ed25519_sign")
      return { value: edSign(seedHex(req.seed_hex), purpose, req.shape, req.id,
        uint(req.ts, "ts", true), uint(req.auth, "auth", true)) };
    if (op === "ed25519_verify") {
      const [current, previous] = publicKeys(req, "public_key", "previous_public_key");
      if (typeof req.value !== "string") throw new TypeError("value: expected a string");
      const r = edVerify(current, previous, purpose, req.shape, req.value, uint(req.now ?? 0, "now"),
        uint(req.max_age ?? 0, "max_age"), uint(req.leeway ?? 0, "leeway"),
        uint(req.not_before, "not_before", true), uint(req.lifetime ?? 0, "lifetime"), logoutsOf(req));
      const resp = { ok: true, id: r.id, issued_at: emitUint(r.ts) };
      if (req.shape === "session") resp.auth = emitUint(r.auth);
      resp.key_id = r.kid;
      return resp;
    }
    if (op === "ed25519_csrf")
      return { token: edCsrfToken(seedHex(req.seed_hex), purpose, req.id, uint(req.auth, "auth")) };
    if (op === "ed25519_verify_csrf") {
      edVerifyCsrf(seedHex(req.seed_hex), (req.previous_seed_hex ?? []).map(seedHex), purpose, req.id,
        uint(req.auth, "auth"), req.token);
      return { ok: true };
    }
    throw new TypeError(`unknown op ${JSON.stringify(op)}`);
  } catch (e) {
    const verifying = op === "ed25519_verify" || op === "ed25519_verify_csrf";
    if (e instanceof Reject) return verifying ? { ok: false, error: e.variant } : { error: e.variant };
    if (e instanceof BadPublicKey) return { error: `BadPublicKey: ${e.message}` };
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
  ed25519SelfTest(s, eq);
  console.log("self-test ok");
}

// Ed25519, seed 0x00..=0x1f, purpose "session", id "12345" (section "Ed25519 values"):
// the key, the three shapes, and M of the untimed one.
function ed25519SelfTest(seed, eq) {
  const a = edPublicKey(seed), kid = "56475aa7";
  eq(a.toString("hex"), "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8");
  eq(keyId(a), kid);
  eq(parsePublicKey(publicKeyPem(a)).toString("hex"), a.toString("hex"));
  const examples = [
    ["untimed", null, null, "12345.56475aa7.342ccb20cec21273c4cc1aff06f27700678124b0b3b42a6c2331ced8fad2d604"
      + "c0f2c800bce64e521e874f69d098fe0ad38f4981653e293e5618840a59a21900"],
    ["timestamped", null, 1764000000n, "12345.1764000000.56475aa7.793f85cfcc305f8ab9d13de68c9aea9597d6b868ec318c"
      + "82a689271a2b42f278581fd91574a59935769f4adaf9f723163d0af5f76cd1aee99c8e4a1738f4210e"],
    ["session", 1764000000n, 1764003600n, "12345.1764000000.1764003600.56475aa7.05b7c225d81e2dacf52a5d7ed980eb"
      + "598c436a7a22238f565045d3d0f940819a64a962468d547668c596dd594830c58739c78cd21ab8307b8dfd8050e5a3590a"],
  ];
  for (const [shape, auth, ts, want] of examples) {
    eq(edSign(seed, "session", shape, "12345", ts, auth), want);
    const r = edVerify(a, [], "session", shape, want, ts ?? 0n, 0n, 0n, null, U64_MAX);
    eq(`${r.id} ${r.auth} ${r.ts} ${r.kid}`, `12345 ${auth} ${ts} ${kid}`);
  }
  eq(edMessage("session", "untimed", Buffer.from(`12345.${kid}`)).toString("hex"),
    "04000000000000001400000000000000736967636f6f6b69652d656432353531392d7631070000000000000073657373696f6e"
    + "0700000000000000756e74696d65640e0000000000000031323334352e3536343735616137");
  // The 8 points of small order, then the 6 non-canonical encodings of some of them
  // (y + p, or x = 0 with the sign bit set): all refused, as keys and as R.
  for (const enc of ["01" + "00".repeat(31), "ec" + "ff".repeat(30) + "7f", "00".repeat(32), "00".repeat(31) + "80",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "01" + "00".repeat(30) + "80", "ec" + "ff".repeat(31), "ee" + "ff".repeat(30) + "7f", "ee" + "ff".repeat(31),
    "ed" + "ff".repeat(30) + "7f", "ed" + "ff".repeat(31)]) {
    let refused = false;
    try { checkPublicKey(Buffer.from(enc, "hex")); } catch (e) { refused = e instanceof BadPublicKey; }
    if (!refused) throw new Error(`small-order key ${enc} accepted`);
  }
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
