//! Revocations through Redis: three Lua scripts, each one atomic step that changes the stored
//! state and announces the change, so that no change is stored unannounced and no revocation
//! races another; and two that read. Every script names all three keys of the store, which
//! share one hash slot (their names carry the prefix as a hash tag), so the same scripts run on
//! a Redis Cluster.

use std::sync::LazyLock;

use redis::{RedisError, RedisResult, Script};

use super::{Shared, decode_logouts, encode_logouts, parse_secs};
use crate::Revocations;
use crate::store::fleet::Server;
use crate::store::memory::{Entry, Logout, User};
use crate::store::{CutoffStore, MemoryStore, StoreError};

/// How many times a logout tries its compare-and-set before it falls back to a cut-off (see
/// `Shared::transact_logout`).
const ATTEMPTS: usize = 4;

/// What every script starts with. `KEYS` are always the global key, the users' hash and the
/// logouts' hash; `ARGV[1]` is the channel.
///
/// Numbers are handled as text (canonical decimals: more digits is larger, then by text), since
/// Lua's numbers are doubles and lose precision above 2^53. A stored value that is not a
/// canonical decimal within u64 is malformed: instances refuse the id over it, and any new
/// revocation replaces it. `raise` is the one way a cut-off is written: never lower, and
/// published in the same step.
const PRELUDE: &str = r"
local MAX = '18446744073709551615'
local function valid(s)
  if not s then return false end
  if s ~= '0' and not string.find(s, '^[1-9]%d*$') then return false end
  return #s < 20 or (#s == 20 and s <= MAX)
end
local function later(a, b)
  return #a > #b or (#a == #b and a > b)
end
local function max(a, b)
  if valid(b) and later(b, a) then return b end
  return a
end
local function succ(s)
  if s == MAX then return s end
  local i = #s
  while i > 0 and string.byte(s, i) == 57 do i = i - 1 end
  if i == 0 then return '1' .. string.rep('0', #s) end
  return string.sub(s, 1, i - 1) .. string.char(string.byte(s, i) + 1) .. string.rep('0', #s - i)
end
local function raise(id, new)
  local old
  if id then old = redis.call('HGET', KEYS[2], id) else old = redis.call('GET', KEYS[1]) end
  if valid(old) and not later(new, old) then return 0 end
  if id then
    redis.call('HSET', KEYS[2], id, new)
    redis.call('PUBLISH', ARGV[1], 'u ' .. new .. ' ' .. id)
  else
    redis.call('SET', KEYS[1], new)
    redis.call('PUBLISH', ARGV[1], 'g ' .. new)
  end
  return 1
end
";

/// Raises one cut-off to `ARGV[2]` and announces it (`g <secs>` or `u <secs> <id>`); `ARGV[3]`,
/// when present, is the id. Answers 1 if it moved, 0 if the stored one was as late already.
static RAISE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
return raise(ARGV[3], ARGV[2])"
    ))
});

/// "Until now": revokes, for the id `ARGV[5]` or for every id without it, every session that
/// began up to `ARGV[2]` (now), judged against what Redis holds at this very moment, and
/// answers the cut-off. The rule of [`Cutoffs::revoke_at`](crate::Cutoffs::revoke_at) and
/// [`everywhere_cutoff`](crate::store::everywhere_cutoff): one past the later of now and the
/// latest cut-off a login may carry, that is, for one id, the global cut-off and the id's; for
/// every id, the global one and every user's up to `ARGV[3]` (now plus the leeway). `ARGV[4]`
/// is the same reckoning on the instance's copy, which still counts an entry Redis holds
/// malformed with its last readable value.
static REVOKE_UNTIL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
local id, limit = ARGV[5], ARGV[3]
local latest = max(ARGV[4], redis.call('GET', KEYS[1]))
if id then
  latest = max(latest, redis.call('HGET', KEYS[2], id))
else
  for _, at in ipairs(redis.call('HVALS', KEYS[2])) do
    if valid(at) and not later(at, limit) then latest = max(latest, at) end
  end
end
local cutoff = succ(max(ARGV[2], latest))
raise(id, cutoff)
return cutoff"
    ))
});

/// Logs out one session by compare-and-set of its user's list in the logouts' hash: only if
/// the list is still the one read (`ARGV[3]` is `1` and the list `ARGV[4]`, or `0` for none),
/// writes the new one (`ARGV[5]`, empty to delete it), announces `s <login> <until> <id>`
/// (`ARGV[6]`, `ARGV[7]`, id `ARGV[2]`) and, when `ARGV[8]` is not empty, raises the user's
/// cut-off to it. Answers 1 if written, 0 if the list had changed.
static LOG_OUT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{PRELUDE}
local id = ARGV[2]
local list = redis.call('HGET', KEYS[3], id)
if ARGV[3] == '1' then
  if list ~= ARGV[4] then return 0 end
elseif list then
  return 0
end
if ARGV[5] == '' then
  redis.call('HDEL', KEYS[3], id)
else
  redis.call('HSET', KEYS[3], id, ARGV[5])
end
redis.call('PUBLISH', ARGV[1], 's ' .. ARGV[6] .. ' ' .. ARGV[7] .. ' ' .. id)
if ARGV[8] ~= '' then raise(id, ARGV[8]) end
return 1"
    ))
});

/// The whole state, as one atomic read: the global cut-off (nil if none), then the users' and
/// the logouts' hashes (flat field, value lists). A script rather than a pipeline: a cluster
/// connection runs no pipeline, and the three reads are then one snapshot.
pub(super) static STATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "return {redis.call('GET', KEYS[1]), redis.call('HGETALL', KEYS[2]), \
         redis.call('HGETALL', KEYS[3])}",
    )
});

/// One user's cut-off and logouts (each nil if none), the id being `ARGV[2]`.
static USER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "return {redis.call('HGET', KEYS[2], ARGV[2]), redis.call('HGET', KEYS[3], ARGV[2])}",
    )
});

impl Shared {
    /// A call of `script` with the store's three keys and its channel as the first argument.
    pub(super) fn invocation<'s>(&self, script: &'s Script) -> redis::ScriptInvocation<'s> {
        let mut invocation = script.prepare_invoke();
        invocation
            .key(&self.global_key)
            .key(&self.users_key)
            .key(&self.logouts_key)
            .arg(&self.channel);
        invocation
    }
}

impl Server for Shared {
    type Failure = RedisError;

    fn memory(&self) -> &MemoryStore {
        &self.memory
    }

    /// `source` as the store's error, naming the server it tried.
    fn unavailable(&self, source: RedisError) -> StoreError {
        StoreError::Unavailable {
            server: Some(self.server()),
            source,
        }
    }

    /// Stores one cut-off, for `id` or for every id, through the script.
    fn raise(&self, id: Option<&str>, not_before: u64) -> RedisResult<()> {
        let mut invocation = self.invocation(&RAISE);
        invocation.arg(not_before);
        if let Some(id) = id {
            invocation.arg(id);
        }
        self.with_conn(|con| {
            invocation.invoke::<i64>(con)?;
            self.replicate(con)
        })
    }

    /// Revokes, for `id` or for every id, every session that began up to `now`, judged against
    /// what Redis holds at this moment: a copy that lags behind a revocation another instance
    /// just made (and a login it stamped with it) would date the new cut-off too early. One
    /// script reads and raises, so nothing can come in between. Returns the cut-off.
    fn transact_revocation(&self, id: Option<&str>, now: u64, leeway: u64) -> RedisResult<u64> {
        let limit = now.saturating_add(leeway);
        // What the copy holds, reckoned the same way.
        let copy = match id {
            Some(id) => self.memory.cutoffs(id).not_before(),
            None => self.memory.global().max(self.memory.latest(limit)),
        };
        let mut invocation = self.invocation(&REVOKE_UNTIL);
        invocation.arg(now).arg(limit).arg(copy.unwrap_or(0));
        if let Some(id) = id {
            invocation.arg(id);
        }
        let cutoff: Vec<u8> = self.with_conn(|con| {
            let cutoff = invocation.invoke(con)?;
            self.replicate(con)?;
            Ok(cutoff)
        })?;
        parse_secs(&cutoff).ok_or_else(|| {
            redis::RedisError::from((
                redis::ErrorKind::Parse,
                "the revocation script answered no cut-off",
            ))
        })
    }

    /// Logs out one session of `id` in Redis: the user's cut-off and logouts are read, the
    /// logout added by the rule every store uses (`User::add`, with its cap), and the new list,
    /// the announcement `s <login> <until> <id>` and, when the cap turned the oldest logout
    /// into a cut-off, that cut-off, written by the script only if the user's list is still the
    /// one read. The cut-off is not compared: one raised in between only means the list keeps a
    /// logout that it already covers, and a cut-off is never lowered. Another logout of the
    /// same user written in between makes it start again, at most [`ATTEMPTS`] times. Then,
    /// since a fleet that keeps logging this user out could keep it from ever writing, the
    /// logout fails closed: the user's cut-off is raised past the session, ending it and the
    /// user's older sessions.
    fn transact_logout(&self, id: &str, logout: Logout) -> RedisResult<()> {
        self.with_conn(|con| {
            for _ in 0..ATTEMPTS {
                let (cutoff, stored): (Option<Vec<u8>>, Option<Vec<u8>>) =
                    self.invocation(&USER).arg(id).invoke(con)?;
                let cutoff = Entry::At(cutoff.as_deref().and_then(parse_secs).unwrap_or(0));
                let before = cutoff.last();
                let mut user = match stored.as_deref().map(decode_logouts) {
                    None => User::read(cutoff, Vec::new()),
                    Some(Some(logouts)) => User::read(cutoff, logouts),
                    Some(None) => User::read_malformed(cutoff, logout.logged_in_at),
                };
                user.add(logout);
                user.prune(self.memory.horizon(logout.logged_in_at));
                let mut invocation = self.invocation(&LOG_OUT);
                invocation.arg(id);
                match &stored {
                    Some(list) => invocation.arg("1").arg(list.as_slice()),
                    None => invocation.arg("0").arg(""),
                };
                invocation
                    .arg(encode_logouts(&user.logouts))
                    .arg(logout.logged_in_at)
                    .arg(logout.until);
                match user.cutoff.last() {
                    raised if raised > before => invocation.arg(raised),
                    _ => invocation.arg(""),
                };
                if invocation.invoke::<i64>(con)? == 1 {
                    return self.replicate(con);
                }
            }
            let cutoff = logout.logged_in_at.saturating_add(1);
            let mut invocation = self.invocation(&RAISE);
            invocation.arg(cutoff).arg(id);
            invocation.invoke::<i64>(con)?;
            self.replicate(con)?;
            // The id was checked when the logout went into the copy.
            let _ = self.memory.raise_user(id, cutoff);
            tracing::warn!(
                "redis cut-off store: other instances kept logging this user out; logged out by \
                 a cut-off for the user instead"
            );
            Ok(())
        })
    }
}
