#!/usr/bin/env python3
"""Generate tests/vectors/v1.json: known-answer vectors for sigcookie v1.

Values are produced by the independent Python reference
(tests/interop/sigcookie_ref.py). Before writing, every entry is checked
three ways and must agree exactly: in-process Python, the Python reference in
batch mode, and the Node reference (tests/interop/sigcookie_ref.mjs) in batch
mode. Deterministic: no randomness; re-running gives a byte-identical file.

Integers above 2^53-1 (auth/ts/now/max_age/leeway/lifetime/not_before) are
written as decimal strings, smaller ones as JSON numbers (same rule as the
batch protocol).

Every entry names its signer: "timestamped" and "session" (a session signer,
shape id.auth.ts.sig, is also timestamped), "lifetime" (0 unless session) and
"auth" (the login time; null unless session, and like "ts" null on invalid
entries whose value does not carry a meaningful one).

"csrf" holds CSRF token checks: a session of "id" logged in at "auth" that
verified under "secret_hex" (and "previous_secret_hex") for "purpose", and a
form's "token" for it; an "error" when the check refuses it.
"""
import json, os, subprocess, sys

sys.dont_write_bytecode = True  # keep __pycache__ out of tests/interop

HERE = os.path.dirname(os.path.abspath(__file__))
INTEROP = os.path.join(HERE, "..", "interop")
sys.path.insert(0, INTEROP)
import sigcookie_ref as ref  # noqa: E402

U64 = ref.U64_MAX
T = 1764000000                       # default issued-at
A = bytes(range(32))                 # the README secret, exactly 32 bytes
B = bytes(range(32, 64))
C = bytes(range(64, 96))
S64 = bytes(range(100, 164))         # exactly one SHA-256 block: used as-is by HMAC
S65 = bytes(range(100, 165))         # one byte over: HMAC hashes it first
S100 = bytes((i * 37 + 11) % 256 for i in range(100))
ID255 = ("abcdefghijklmnopqrstuvwxyz0123456789" * 8)[:255]
ID256 = ID255 + "x"
PUNCT = "!#$%&'()*+-/:<=>?@[]^_`{|}~"
ALL_IDCHARS = "".join(chr(b) for b in range(0x21, 0x7F) if ref.is_idchar(b))


def num(n):
    return n if n is None or n <= ref.JS_SAFE_MAX else str(n)


def entry(name, secret, purpose, tag, timed, id_, ts, value, now, max_age, leeway,
          not_before=None, previous=(), error=None, session=False, auth=None, lifetime=0):
    e = {"name": name, "secret_hex": secret.hex(), "previous_secret_hex": [p.hex() for p in previous],
         "purpose": purpose, "tag_bytes": tag, "timestamped": timed, "session": session,
         "id": id_, "auth": num(auth), "ts": num(ts), "value": value, "now": num(now),
         "max_age": num(max_age), "leeway": num(leeway), "lifetime": num(lifetime),
         "not_before": num(not_before)}
    if error is not None:
        e["error"] = error
    return e


VALID, INVALID, SIGN_WITH = [], [], {}   # SIGN_WITH: name -> secret actually used (rotation)


def valid(name, id_="12345", ts=None, secret=A, purpose="session", tag=32, sign_with=None,
          previous=(), now=None, max_age=3600, leeway=60, not_before=None, auth=None, lifetime=0):
    """auth (with ts) makes a session vector; lifetime only applies to those."""
    value = ref.sign(sign_with or secret, purpose, tag, id_, ts, auth)
    if ts is None:  # time fields are ignored by untimed signers; pin them to 0
        now, max_age, leeway = 0, 0, 0
    session = auth is not None
    SIGN_WITH[name] = sign_with or secret
    VALID.append(entry(name, secret, purpose, tag, ts is not None, id_, ts, value,
                       ts if now is None else now, max_age, leeway, not_before, previous,
                       session=session, auth=auth, lifetime=lifetime if session else 0))
    return value


def mac(prefix, secret=A, purpose="session", tag=32):
    """prefix + "." + a correct signature over prefix, even if prefix is malformed."""
    return prefix + "." + ref.raw_sig(secret, purpose, tag, prefix.encode("utf-8"))


def bad(name, error, value, timed=False, secret=A, purpose="session", tag=32, id_=None,
        ts=None, previous=(), now=T, max_age=3600, leeway=60, not_before=None,
        session=False, auth=None, lifetime=0):
    timed = timed or session  # a session signer is timestamped too
    if not timed:
        now, max_age, leeway, not_before = 0, 0, 0, None
    if not session:
        auth, lifetime = None, 0
    INVALID.append(entry(name, secret, purpose, tag, timed, id_, ts, value, now, max_age,
                         leeway, not_before, previous, error, session, auth, lifetime))


# ---------------------------------------------------------------- valid
valid("readme-untimed")
valid("readme-timed", ts=T, tag=16)
valid("readme-unbound", purpose=None)
for t in (16, 17, 20, 24, 31):
    valid(f"tag-{t}-untimed", tag=t)
for t in (20, 24, 31, 32):
    valid(f"tag-{t}-timed", ts=T, tag=t)
valid("purpose-csrf", purpose="csrf")
valid("purpose-utf8-nfc", purpose="sessi\u00f3n")      # "sessión", precomposed
valid("purpose-utf8-nfd", purpose="sessio\u0301n")     # same text, decomposed: no normalisation
valid("purpose-astral", purpose="\U0001F36A")         # 4-byte UTF-8 / JS surrogate pair
valid("purpose-with-dot-and-space", purpose="app.v2 session")
valid("purpose-long", purpose="p" * 200, ts=T)
valid("unbound-timed", purpose=None, ts=T)
valid("unbound-tag-16", purpose=None, tag=16)
valid("id-len-1", id_="a")
valid("id-len-255-untimed-at-length-cap", id_=ID255)                 # 255+1+64 = 320
valid("id-len-255-timed-u64max-at-length-cap", id_=ID255, ts=U64)    # 255+1+20+1+64 = 341
valid("id-punctuation", id_=PUNCT)
valid("id-all-idchars", id_=ALL_IDCHARS)
valid("id-base64-padded", id_="dXNlcjoxMjM0NQ==")
valid("id-uuid", id_="123e4567-e89b-12d3-a456-426614174000", ts=T)
valid("ts-0", ts=0)
valid("ts-1", ts=1, tag=16)
valid("ts-2pow53", ts=2**53)                                       # first value sent as a string
valid("ts-u64max", ts=U64)
valid("age-equals-max-age", ts=T, now=T + 3600)
valid("max-age-0-same-second", ts=T, max_age=0)
valid("future-equals-leeway", ts=T, now=T - 60)
valid("leeway-0-same-second", ts=T, leeway=0)
valid("not-before-equals-ts", ts=T, not_before=T)
valid("ts-0-now-u64max-max-age-u64max", ts=0, now=U64, max_age=U64)
valid("ts-u64max-now-0-leeway-u64max", ts=U64, now=0, leeway=U64)
valid("secret-32", secret=A, tag=24)
valid("secret-64", secret=S64)
valid("secret-65", secret=S65)
valid("secret-100", secret=S100)
valid("secret-100-timed", secret=S100, ts=T, tag=20)
valid("secret-100-unbound", secret=S100, purpose=None)
valid("secret-65-unbound", secret=S65, purpose=None)
valid("rotation-current-key-with-previous", sign_with=A, secret=A, previous=[B])
valid("rotation-previous-1", sign_with=A, secret=B, previous=[A])
valid("rotation-previous-2-of-2", sign_with=A, secret=C, previous=[B, A])
valid("rotation-timed", sign_with=A, secret=B, previous=[A], ts=T, tag=16)
valid("rotation-unbound", sign_with=S100, secret=A, previous=[S100], purpose=None)

# ---------------------------------------------------------------- valid: session (id.auth.ts.sig)
TS = T + 3600          # session default: logged in at T (auth), this value issued an hour later
LIFE = 86400           # session default lifetime: now - auth may be at most a day


def svalid(name, auth=T, ts=TS, lifetime=LIFE, **kw):
    return valid(name, auth=auth, ts=ts, lifetime=lifetime, **kw)


svalid("readme-session")
svalid("session-auth-equals-ts", ts=T)
svalid("session-auth-a-day-before-ts", auth=T - LIFE + 1, ts=T)
for t in (16, 20, 31):
    svalid(f"session-tag-{t}", tag=t)
svalid("session-unbound", purpose=None)
svalid("session-unbound-tag-16", purpose=None, tag=16)
svalid("session-purpose-csrf", purpose="csrf")
svalid("session-purpose-utf8", purpose="sessi\u00f3n")
svalid("session-secret-100", secret=S100, tag=20)
svalid("session-rotation-current-key-with-previous", sign_with=A, secret=A, previous=[B])
svalid("session-rotation-previous-1", sign_with=A, secret=B, previous=[A])
svalid("session-rotation-previous-2-of-2", sign_with=A, secret=C, previous=[B, A], tag=16)
svalid("session-id-len-1", id_="a")
svalid("session-id-all-idchars", id_=ALL_IDCHARS)
svalid("session-id-len-255-u64max-at-length-cap", id_=ID255, auth=U64, ts=U64)  # 255+1+20+1+20+1+64 = 362
svalid("session-auth-0", auth=0, ts=T, lifetime=U64)
svalid("session-auth-0-ts-0", auth=0, ts=0, now=0)
svalid("session-auth-2pow53", auth=2**53, ts=2**53 + 1)                    # both sent as strings
svalid("session-auth-u64max-ts-u64max", auth=U64, ts=U64)
svalid("session-age-equals-max-age", now=TS + 3600)
svalid("session-max-age-0-same-second", max_age=0)
svalid("session-leeway-0-same-second", leeway=0)
svalid("session-lifetime-equals-now-minus-auth", ts=T + LIFE, now=T + LIFE)
svalid("session-lifetime-0-auth-equals-now", ts=T, now=T, lifetime=0)
svalid("session-auth-in-future-within-leeway", ts=T, now=T - 60)               # ts == auth
svalid("session-auth-in-future-counts-as-age-0", ts=T, now=T - 30, lifetime=0)  # never negative
svalid("session-not-before-equals-auth-equals-ts", ts=T, not_before=T)
svalid("session-not-before-equals-auth-ts-after", not_before=T)                # compares auth, not ts
svalid("session-not-before-0-auth-0", auth=0, ts=T, lifetime=U64, not_before=0)
svalid("session-lifetime-u64max-now-u64max-auth-0", auth=0, ts=U64, now=U64, max_age=0, lifetime=U64)
svalid("session-ts-0-now-u64max-max-age-u64max", auth=0, ts=0, now=U64, max_age=U64, lifetime=U64)
svalid("session-ts-u64max-now-0-leeway-u64max", auth=U64, ts=U64, now=0, leeway=U64, lifetime=0)

# ---------------------------------------------------------------- invalid
V = ref.sign(A, "session", 32, "12345")             # untimed, tag 32
VT = ref.sign(A, "session", 32, "12345", T)         # timestamped, tag 32
SIG = V.split(".")[-1]
flip = lambda s: s[:-1] + ("0" if s[-1] != "0" else "1")
# (1) TooLong
bad("too-long-id-256-untimed-correct-mac", "TooLong", mac(ID256))           # 321 > 320
bad("too-long-id-256-timed-u64max-correct-mac", "TooLong", mac(f"{ID256}.{U64}"), timed=True)
bad("too-long-garbage", "TooLong", "x" * 1000)
bad("too-long-tag-16-cap-is-288", "TooLong", mac("a" * 256, tag=16), tag=16)
bad("too-long-counts-utf8-bytes-not-chars", "TooLong", "\u00e9" * 161)    # 322 bytes, 161 chars
# (2) NonAscii
bad("non-ascii-in-id", "NonAscii", mac("1234\u00e9"))
bad("non-ascii-only", "NonAscii", "\u00e9")                                  # beats PartCount
bad("non-ascii-u0080", "NonAscii", "\u0080." + SIG)
bad("non-ascii-nbsp-in-id", "NonAscii", "12\u00a0345." + SIG)
bad("non-ascii-in-sig", "NonAscii", V[:-1] + "\u00e9")
bad("ts-arabic-indic-digits", "NonAscii", mac("12345.\u0661\u0667\u0666\u0664"), timed=True)
bad("ts-fullwidth-digits", "NonAscii", mac("12345.\uff11\uff17"), timed=True)
# (3) PartCount
bad("one-part", "PartCount", "12345")
bad("empty-value", "PartCount", "")
bad("dot-in-id-untimed", "PartCount", mac("a.b"))
bad("dot-in-id-timed", "PartCount", mac(f"a.b.{T}"), timed=True)
bad("too-many-parts-timed", "PartCount", mac(f"12345.{T}.{T}"), timed=True)
bad("trailing-dot-untimed", "PartCount", V + ".")
bad("timed-value-to-untimed-signer", "PartCount", VT)
bad("untimed-value-to-timed-signer", "PartCount", V, timed=True)
bad("too-few-parts-timed", "PartCount", "12345", timed=True)
# (4) signature shape
bad("sig-empty", "SignatureLength", "12345.")
bad("sig-truncated", "SignatureLength", V[:-1])
bad("sig-extended", "SignatureLength", V + "0")
bad("sig-trailing-junk", "SignatureLength", V + ";")
bad("sig-tag-32-to-tag-16-signer", "SignatureLength", V, tag=16)
bad("sig-tag-16-to-tag-32-signer", "SignatureLength", ref.sign(A, "session", 16, "12345"))
bad("sig-short-and-nonhex", "SignatureLength", "12345.xyz")                # length beats hex
bad("sig-uppercase", "SignatureUppercase", "12345." + SIG.upper())
bad("sig-mixed-case", "SignatureUppercase", "12345." + SIG[:10] + SIG[10:].upper())
bad("sig-one-uppercase-char", "SignatureUppercase", "12345.F" + SIG[1:])
bad("sig-non-hex-g", "SignatureNotHex", "12345.g" + SIG[1:])
bad("sig-same-length-trailing-junk", "SignatureNotHex", V[:-1] + "z")
bad("sig-space", "SignatureNotHex", "12345. " + SIG[1:])
bad("sig-uppercase-plus-non-hex", "SignatureNotHex", "12345.G" + SIG.upper()[1:])
bad("sig-error-beats-id-error", "SignatureUppercase", "1 2." + SIG.upper())
# (5) id
bad("empty-id-correct-mac", "EmptyId", mac(""))
bad("empty-id-timed-correct-mac", "EmptyId", mac(f".{T}"), timed=True)
bad("id-256-timed-correct-mac", "IdTooLong", mac(f"{ID256}.0"), timed=True)   # 323 <= 341
for nm, ch in [("space", " "), ("comma", ","), ("semicolon", ";"), ("dquote", '"'),
               ("backslash", "\\"), ("del", "\x7f"), ("tab", "\t"), ("nul", "\x00"), ("us", "\x1f")]:
    bad(f"id-byte-{nm}-correct-mac", "InvalidIdByte", mac(f"12{ch}345"))
bad("id-byte-bad-mac", "InvalidIdByte", "12 345." + SIG)                   # id beats MAC
bad("id-error-beats-ts-error", "InvalidIdByte", mac("1 2.+5"), timed=True)
# (6) timestamp
bad("ts-empty-correct-mac", "EmptyTimestamp", mac("12345."), timed=True)
for nm, t in [("plus", f"+{T}"), ("minus", "-1"), ("leading-space", f" {T}"),
              ("trailing-space", f"{T} "), ("exponent", "1e9"), ("hex", "0x10"),
              ("underscore", "1_000"), ("decimal-point-like-comma", "1,5")]:
    bad(f"ts-{nm}-correct-mac", "TimestampNotDigits", mac(f"12345.{t}"), timed=True)
bad("ts-leading-zero-correct-mac", "TimestampLeadingZero", mac(f"12345.0{T}"), timed=True)
bad("ts-00-correct-mac", "TimestampLeadingZero", mac("12345.00"), timed=True)
bad("ts-leading-zero-beats-overflow", "TimestampLeadingZero", mac(f"12345.0{U64 + 1}"), timed=True)
bad("ts-leading-zero-bad-mac", "TimestampLeadingZero", f"12345.0{T}." + SIG, timed=True)
bad("ts-u64max-plus-1-correct-mac", "TimestampOverflow", mac(f"12345.{U64 + 1}"), timed=True)
bad("ts-20-nines-correct-mac", "TimestampOverflow", mac("12345." + "9" * 20), timed=True)
bad("ts-21-digits-correct-mac", "TimestampOverflow", mac("12345.1" + "0" * 20), timed=True)
# (7) MAC
bad("sig-last-char-flipped", "BadSignature", flip(V))
bad("sig-all-zero", "BadSignature", "12345." + "0" * 64)
bad("id-tampered", "BadSignature", "12346." + SIG)
bad("ts-tampered", "BadSignature", VT.replace(str(T), str(T + 1)), timed=True, ts=T + 1, now=T + 1)
bad("wrong-key", "BadSignature", V, secret=B)
bad("wrong-purpose", "BadSignature", V, purpose="csrf")
bad("purpose-nfc-vs-nfd", "BadSignature", ref.sign(A, "sessi\u00f3n", 32, "12345"), purpose="sessio\u0301n")
bad("unbound-value-to-purpose-signer", "BadSignature", ref.sign(A, None, 32, "12345"))
bad("purpose-value-to-unbound-signer", "BadSignature", V, purpose=None)
bad("rotation-key-dropped", "BadSignature", V, secret=C, previous=[B])
bad("rotation-previous-key-other-purpose", "BadSignature", ref.sign(A, "csrf", 32, "12345"),
    secret=B, previous=[A])
bad("tag-16-sig-of-other-id", "BadSignature",
    "12345." + ref.sign(A, "session", 16, "12346").split(".")[-1], tag=16)
bad("bad-mac-beats-expired", "BadSignature", VT, timed=True, secret=B, id_="12345", ts=T, now=T + 10**6)
# (8) time
bad("expired-by-1s", "Expired", VT, timed=True, id_="12345", ts=T, now=T + 3601)
bad("expired-max-age-0", "Expired", VT, timed=True, id_="12345", ts=T, now=T + 1, max_age=0)
bad("expired-ts-0-now-u64max", "Expired", mac("12345.0"), timed=True, id_="12345", ts=0, now=U64,
    max_age=U64 - 1)
bad("future-beyond-leeway-by-1s", "IssuedInFuture", VT, timed=True, id_="12345", ts=T, now=T - 61)
bad("future-leeway-0", "IssuedInFuture", VT, timed=True, id_="12345", ts=T, now=T - 1, leeway=0)
bad("future-ts-u64max-now-0", "IssuedInFuture", mac(f"12345.{U64}"), timed=True, id_="12345",
    ts=U64, now=0)
bad("before-not-before-by-1s", "IssuedBeforeNotBefore", VT, timed=True, id_="12345", ts=T, not_before=T + 1)
bad("expired-beats-not-before", "Expired", VT, timed=True, id_="12345", ts=T, now=T + 3601,
    not_before=T + 1)
bad("future-beats-not-before", "IssuedInFuture", VT, timed=True, id_="12345", ts=T, now=T - 61,
    not_before=T + 1)

# ---------------------------------------------------------------- invalid: session (id.auth.ts.sig)
VS = ref.sign(A, "session", 32, "12345", TS, T)     # readme-session
SS = VS.split(".")[-1]
VS_MAX = ref.sign(A, "session", 32, ID255, U64, U64)  # 362 bytes: exactly the session cap
assert len(VS_MAX) == 362


def sv(auth, ts, id_="12345", **kw):
    """A correctly signed session value; auth > ts is allowed (sign does not refuse it)."""
    return ref.sign(kw.pop("secret", A), kw.pop("purpose", "session"), kw.pop("tag", 32), id_, ts, auth)


def sbad(name, error, value, now=TS, lifetime=LIFE, **kw):
    bad(name, error, value, session=True, now=now, lifetime=lifetime, **kw)


def stime(name, error, value, auth=T, ts=TS, **kw):
    """A well-formed value: records its id, auth and ts like the timestamped time vectors."""
    sbad(name, error, value, id_="12345", auth=auth, ts=ts, **kw)


# (1) TooLong: session cap is 255+1+20+1+20+1+2*tag_len
sbad("session-too-long-id-256-u64max-correct-mac", "TooLong", mac(f"{ID256}.{U64}.{U64}"))  # 363
sbad("session-too-long-tag-16-cap-is-330", "TooLong", mac(f"{ID256}.{U64}.{U64}", tag=16), tag=16)
sbad("session-too-long-garbage", "TooLong", "x" * 363)
sbad("session-too-long-counts-utf8-bytes-not-chars", "TooLong", "\u00e9" * 182)  # 364 bytes
bad("session-value-at-cap-to-timestamped-signer", "TooLong", VS_MAX, timed=True)  # 362 > 341
# (2) NonAscii
sbad("session-non-ascii-in-id", "NonAscii", mac(f"1234\u00e9.{T}.{TS}"))
sbad("session-auth-arabic-indic-digits", "NonAscii", mac(f"12345.\u0661\u0667.{TS}"))
sbad("session-ts-fullwidth-digits", "NonAscii", mac(f"12345.{T}.\uff11\uff17"))
sbad("session-non-ascii-only", "NonAscii", "\u00e9")
# (3) PartCount: the dot count decides the shape, each signer accepts only its own
bad("session-value-to-timestamped-signer", "PartCount", VS, timed=True)
bad("session-value-to-untimed-signer", "PartCount", VS)
sbad("timed-value-to-session-signer", "PartCount", VT)
sbad("untimed-value-to-session-signer", "PartCount", V)
sbad("session-five-parts", "PartCount", mac(f"12345.{T}.{T}.{TS}"))
sbad("session-dot-in-id", "PartCount", mac(f"a.b.{T}.{TS}"))
sbad("session-trailing-dot", "PartCount", VS + ".")
sbad("session-one-part", "PartCount", "12345")
sbad("session-empty-value", "PartCount", "")
# (4) signature shape
sbad("session-sig-truncated", "SignatureLength", VS[:-1])
sbad("session-sig-tag-32-to-tag-16-signer", "SignatureLength", VS, tag=16)
sbad("session-sig-uppercase", "SignatureUppercase", f"12345.{T}.{TS}." + SS.upper())
sbad("session-sig-non-hex", "SignatureNotHex", VS[:-1] + "g")
sbad("session-sig-error-beats-auth-error", "SignatureUppercase", f"12345.+1.{TS}." + SS.upper())
# (5) id
sbad("session-empty-id-correct-mac", "EmptyId", mac(f".{T}.{TS}"))
sbad("session-id-256-correct-mac", "IdTooLong", mac(f"{ID256}.0.0"))
sbad("session-id-byte-space-correct-mac", "InvalidIdByte", mac(f"12 345.{T}.{TS}"))
sbad("session-id-byte-bad-mac", "InvalidIdByte", f"12 345.{T}.{TS}." + SS)
sbad("session-id-error-beats-auth-error", "InvalidIdByte", mac(f"1 2..{TS}"))
# (6) auth, then ts: the timestamp grammar for each, with a correct MAC
for nm, t, err in [("empty", "", "EmptyTimestamp"), ("plus", f"+{T}", "TimestampNotDigits"),
                   ("minus", "-1", "TimestampNotDigits"), ("space", f" {T}", "TimestampNotDigits"),
                   ("leading-zero", f"0{T}", "TimestampLeadingZero"), ("00", "00", "TimestampLeadingZero"),
                   ("u64max-plus-1", str(U64 + 1), "TimestampOverflow"),
                   ("20-nines", "9" * 20, "TimestampOverflow"),
                   ("21-digits", "1" + "0" * 20, "TimestampOverflow")]:
    sbad(f"session-auth-{nm}-correct-mac", err, mac(f"12345.{t}.{TS}"))
    sbad(f"session-ts-{nm}-correct-mac", err, mac(f"12345.{T}.{t}"))
sbad("session-auth-error-beats-ts-error", "EmptyTimestamp", mac(f"12345..0{TS}"))
sbad("session-auth-error-beats-ts-error-2", "TimestampLeadingZero", mac(f"12345.0{T}."))
sbad("session-auth-overflow-beats-ts-not-digits", "TimestampOverflow", mac(f"12345.{U64 + 1}.x"))
sbad("session-auth-leading-zero-bad-mac", "TimestampLeadingZero", f"12345.0{T}.{TS}." + SS)
sbad("session-ts-overflow-bad-mac", "TimestampOverflow", f"12345.{T}.{U64 + 1}." + SS)
# (7) MAC
stime("session-auth-tampered", "BadSignature", f"12345.{T + 1}.{TS}." + SS, auth=T + 1)
stime("session-ts-tampered", "BadSignature", f"12345.{T}.{TS + 1}." + SS, ts=TS + 1, now=TS + 1)
stime("session-auth-ts-swapped", "BadSignature", f"12345.{TS}.{T}." + SS, auth=TS, ts=T)
stime("session-sig-last-char-flipped", "BadSignature", flip(VS))
stime("session-wrong-purpose", "BadSignature", VS, purpose="csrf")
stime("session-wrong-key", "BadSignature", VS, secret=B)
stime("session-rotation-key-dropped", "BadSignature", VS, secret=C, previous=[B])
stime("session-unbound-value-to-purpose-signer", "BadSignature", sv(T, TS, purpose=None))
stime("session-purpose-value-to-unbound-signer", "BadSignature", VS, purpose=None)
# A MAC cannot move between shapes: the message includes every field before the sig.
stime("session-shape-with-timed-mac", "BadSignature",
      f"12345.{T}.{TS}." + ref.sign(A, "session", 32, "12345", TS).split(".")[-1])
bad("timed-shape-with-session-mac", "BadSignature", f"12345.{TS}." + SS, timed=True, id_="12345",
    ts=TS, now=TS)
stime("session-bad-mac-beats-all-time-errors", "BadSignature", sv(T + 10, T), secret=B,
      auth=T + 10, ts=T, now=T + 10**6, lifetime=0, not_before=T + 100)
stime("session-bad-mac-beats-issued-in-future", "BadSignature", VS, secret=B, now=T - 10**6)
# (8) time: Expired, IssuedInFuture, AuthAfterIssue, LifetimeExceeded, LoggedInBeforeNotBefore
stime("session-expired-by-1s", "Expired", VS, now=TS + 3601)
stime("session-expired-max-age-0", "Expired", VS, now=TS + 1, max_age=0)
stime("session-expired-ts-0-now-u64max", "Expired", sv(0, 0), auth=0, ts=0, now=U64,
      max_age=U64 - 1, lifetime=U64)
stime("session-future-by-1s", "IssuedInFuture", VS, now=TS - 61)
stime("session-future-leeway-0", "IssuedInFuture", VS, now=TS - 1, leeway=0)
stime("session-future-ts-u64max-now-0", "IssuedInFuture", sv(0, U64), auth=0, ts=U64, now=0)
stime("session-auth-after-issue-by-1s", "AuthAfterIssue", sv(T + 1, T), auth=T + 1, ts=T, now=T)
stime("session-auth-u64max-ts-0", "AuthAfterIssue", sv(U64, 0), auth=U64, ts=0, now=0)
stime("session-lifetime-exceeded-by-1s", "LifetimeExceeded", sv(T, T + LIFE), ts=T + LIFE,
      now=T + LIFE + 1)
stime("session-lifetime-0-by-1s", "LifetimeExceeded", sv(T, T), ts=T, now=T + 1, lifetime=0)
stime("session-lifetime-u64-extremes", "LifetimeExceeded", sv(0, U64), auth=0, ts=U64, now=U64,
      max_age=0, lifetime=U64 - 1)
stime("session-logged-in-before-not-before-by-1s", "LoggedInBeforeNotBefore", VS, not_before=T + 1)
stime("session-logged-in-before-not-before-equals-ts", "LoggedInBeforeNotBefore", VS, not_before=TS)
# order of the time checks
stime("session-expired-beats-auth-after-issue", "Expired", sv(T + 1, T), auth=T + 1, ts=T,
      now=T + 3601)
stime("session-future-beats-auth-after-issue", "IssuedInFuture", sv(T + 1, T), auth=T + 1, ts=T,
      now=T - 61)
stime("session-expired-beats-lifetime-exceeded", "Expired", VS, now=TS + 3601, lifetime=0)
stime("session-auth-after-issue-beats-lifetime-exceeded", "AuthAfterIssue", sv(T + 1, T),
      auth=T + 1, ts=T, now=T + 2, lifetime=0)
stime("session-auth-after-issue-beats-not-before", "AuthAfterIssue", sv(T + 1, T), auth=T + 1,
      ts=T, now=T, not_before=T + 2)
stime("session-lifetime-exceeded-beats-not-before", "LifetimeExceeded", VS, lifetime=3599,
      not_before=T + 1)


# ---------------------------------------------------------------- CSRF tokens
CSRF, CSRF_MADE_WITH = [], {}   # CSRF_MADE_WITH: name -> secret that made a valid token


def tok(secret=A, purpose="session", id_="12345", auth=T):
    return ref.csrf_token(secret, purpose, id_, auth)


def csrf(name, token, id_="12345", auth=T, secret=A, purpose="session", previous=(),
         error=None, made_with=None):
    """A token check on the verified session id_/auth; made_with names the key of a valid
    token when it is not the current one (rotation)."""
    e = {"name": name, "secret_hex": secret.hex(), "previous_secret_hex": [p.hex() for p in previous],
         "purpose": purpose, "id": id_, "auth": num(auth), "token": token}
    if error is not None:
        e["error"] = error
    else:
        CSRF_MADE_WITH[name] = made_with or secret
    CSRF.append(e)


TOK = tok()
csrf("readme-csrf", TOK)
csrf("csrf-unbound", tok(purpose=None), purpose=None)
csrf("csrf-purpose-utf8", tok(purpose="sessi\u00f3n"), purpose="sessi\u00f3n")
csrf("csrf-purpose-cookie-name", tok(purpose="__Host-panel"), purpose="__Host-panel")
csrf("csrf-secret-65", tok(secret=S65), secret=S65)
csrf("csrf-secret-100", tok(secret=S100), secret=S100)
csrf("csrf-secret-100-unbound", tok(secret=S100, purpose=None), secret=S100, purpose=None)
csrf("csrf-id-len-1", tok(id_="a"), id_="a")
csrf("csrf-id-len-255", tok(id_=ID255), id_=ID255)
csrf("csrf-id-all-idchars", tok(id_=ALL_IDCHARS), id_=ALL_IDCHARS)
csrf("csrf-auth-0", tok(auth=0), auth=0)
csrf("csrf-auth-2pow53", tok(auth=2**53), auth=2**53)                  # sent as a string
csrf("csrf-auth-u64max", tok(auth=U64), auth=U64)
csrf("csrf-rotation-current-key-with-previous", TOK, previous=[B])
csrf("csrf-rotation-previous-1", TOK, secret=B, previous=[A], made_with=A)
csrf("csrf-rotation-previous-2-of-2", TOK, secret=C, previous=[B, A], made_with=A)
# The token's shape: exactly 32 bytes of lowercase hex, else CsrfMalformed.
TSIG16 = ref.sign(A, "session", 16, "12345", TS, T).split(".")[-1]   # 32 hex digits
for nm, t in [("empty", ""), ("truncated", TOK[:-1]), ("half", TOK[:16]), ("extended", TOK + "0"),
              ("doubled", TOK * 2), ("uppercase", TOK.upper()), ("one-uppercase-digit", TOK[:-1] + "A"),
              ("first-uppercase-digit", "F" + TOK[1:]), ("non-hex-g", TOK[:-1] + "g"),
              ("trailing-space", TOK[:-1] + " "), ("leading-space", " " + TOK[1:]),
              ("non-ascii-32-bytes", TOK[:30] + "\u00e9"), ("non-ascii-32-chars", "\u00e9" * 32),
              ("session-value-as-token", VS), ("session-sig-as-token", SS),
              ("tag-16-session-value-as-token", f"12345.{T}.{TS}.{TSIG16}")]:
    csrf(f"csrf-{nm}", t, error="CsrfMalformed")
# Well-formed, but not this session's token, else CsrfMismatch.
for nm, t, kw in [("digit-flipped", flip(TOK), {}), ("all-zero", "0" * 32, {}),
                  ("session-sig-truncated", SS[:32], {}), ("tag-16-session-sig", TSIG16, {}),
                  ("other-login-second-later", tok(auth=T + 1), {}),
                  ("other-login-second-earlier", tok(auth=T - 1), {}),
                  ("other-user", tok(id_="12346"), {}), ("other-purpose", tok(purpose="csrf"), {}),
                  ("purpose-nfc-vs-nfd", tok(purpose="sessi\u00f3n"), {"purpose": "sessio\u0301n"}),
                  ("wrong-key", tok(secret=B), {}),
                  ("rotation-key-dropped", TOK, {"secret": C, "previous": [B]}),
                  ("unbound-token-to-purpose", tok(purpose=None), {}),
                  ("purpose-token-to-unbound", TOK, {"purpose": None})]:
    csrf(f"csrf-{nm}", t, error="CsrfMismatch", **kw)


# ---------------------------------------------------------------- self-check
def verify_req(e):
    return {"op": "verify", **{k: e[k] for k in ("secret_hex", "previous_secret_hex", "purpose",
            "tag_bytes", "timestamped", "session", "value", "now", "max_age", "leeway",
            "lifetime", "not_before")}}


def expected(e):
    if "error" in e:
        return {"ok": False, "error": e["error"]}
    if e["session"]:
        return {"ok": True, "id": e["id"], "issued_at": e["ts"], "auth": e["auth"]}
    return {"ok": True, "id": e["id"], "issued_at": e["ts"]}  # no "auth" key: unchanged


def batch(cmd, reqs):
    inp = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reqs)
    p = subprocess.run(cmd, input=inp.encode(), capture_output=True, check=True)
    out = [json.loads(l) for l in p.stdout.decode().splitlines()]
    if len(out) != len(reqs):
        sys.exit(f"FAIL: {cmd[0]} answered {len(out)} of {len(reqs)} requests\n{p.stderr.decode()}")
    return out


def self_check(entries):
    reqs, want = [], []
    for e in entries:
        reqs.append(verify_req(e)); want.append(expected(e))
        if "error" not in e:  # the sign op must reproduce the value too
            reqs.append({"op": "sign", "secret_hex": SIGN_WITH[e["name"]].hex(), "purpose": e["purpose"],
                         "tag_bytes": e["tag_bytes"], "session": e["session"], "id": e["id"],
                         "auth": e["auth"], "ts": e["ts"]})
            want.append({"value": e["value"]})
    for e in CSRF:
        check = {"op": "verify_csrf", **{k: e[k] for k in ("secret_hex", "previous_secret_hex",
                 "purpose", "id", "auth", "token")}}
        reqs.append(check)
        want.append({"ok": False, "error": e["error"]} if "error" in e else {"ok": True})
        if "error" not in e:  # the csrf op must reproduce the token too
            reqs.append({"op": "csrf", "secret_hex": CSRF_MADE_WITH[e["name"]].hex(),
                         "purpose": e["purpose"], "id": e["id"], "auth": e["auth"]})
            want.append({"token": e["token"]})
    runs = {"python-inproc": [ref.handle(r) for r in reqs],
            "python-batch": batch([sys.executable, os.path.join(INTEROP, "sigcookie_ref.py")], reqs),
            "node-batch": batch(["node", os.path.join(INTEROP, "sigcookie_ref.mjs")], reqs)}
    failures = [(who, r["value"] if "value" in r else r.get("op"), w, got[i])
                for who, got in runs.items() for i, (r, w) in enumerate(zip(reqs, want)) if got[i] != w]
    for f in failures[:20]:
        print("MISMATCH", *map(repr, f), file=sys.stderr)
    if failures:
        sys.exit(f"FAIL: {len(failures)} mismatches")
    return len(reqs)


def main():
    readme = {e["name"]: e["value"] for e in VALID if e["name"].startswith("readme-")}
    assert readme == {
        "readme-untimed": "12345.27f988a4afa735417e65bd94c63b821e82972c4faf62f5e9065240c492ad62ba",
        "readme-timed": "12345.1764000000.2df5b78a1191cc09a4c9c9243ba5287d",
        "readme-unbound": "12345.36e295174c2947fbba5ff2d280b635a4b2eaa3106e07c7f1f3d2b72cba861447",
        "readme-session": "12345.1764000000.1764003600."
                          "5ac44e3ba810958131ea64f38fe75147b87cda201e8b17e4bfc05ca4da9921d1",
    }, readme
    assert TOK == "85b53540e107925269167fe77d059098", TOK  # docs/format.md's worked example
    names = [e["name"] for e in VALID + INVALID + CSRF]
    assert len(names) == len(set(names)), "duplicate vector names"
    n = self_check(VALID + INVALID)
    doc = {"format": "sigcookie-v1", "generator": "tests/vectors/generate.py (Python hmac)",
           "valid": VALID, "invalid": INVALID, "csrf": CSRF}
    with open(os.path.join(HERE, "v1.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote tests/vectors/v1.json: {len(VALID)} valid, {len(INVALID)} invalid, "
          f"{len(CSRF)} CSRF token checks "
          f"({n} requests agreed across python in-process, python batch, node batch)")


if __name__ == "__main__":
    main()
