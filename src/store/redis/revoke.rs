//! Revocations "until now": judged against what Redis holds, in a `WATCH`/`MULTI` transaction,
//! and the script that raises one cut-off and announces it.

use redis::{Connection, RedisResult};

use super::{Shared, decode_logouts, encode_logouts, parse_secs};
use crate::store::memory::{Entry, Logout, User};
use crate::store::{CutoffStore, everywhere_cutoff_from};
use crate::{Cutoffs, Revocations};

/// How many times a revocation "until now" tries its transaction before it raises the cut-off
/// of its last reading without one (see `Shared::transact_revocation`).
const ATTEMPTS: usize = 4;

/// Raises one cut-off and announces it, in one script so that no change is stored unannounced
/// (Redis runs a script atomically). KEYS[1] is the global key or the users' hash; ARGV is the
/// channel, `g` or `u`, the new cut-off in canonical decimal and, for `u`, the id.
///
/// Numbers are compared as text (canonical decimals: more digits is larger, then by text), since
/// Lua's numbers are doubles and lose precision above 2^53. A stored value that is not a
/// canonical decimal within u64 is malformed: instances refuse the id over it, and any new
/// revocation replaces it.
const RAISE: &str = r"
local function valid(s)
  if not s then return false end
  if s ~= '0' and not string.find(s, '^[1-9]%d*$') then return false end
  return #s < 20 or (#s == 20 and s <= '18446744073709551615')
end
local new = ARGV[3]
local old
if ARGV[2] == 'g' then old = redis.call('GET', KEYS[1]) else old = redis.call('HGET', KEYS[1], ARGV[4]) end
if valid(old) and (#old > #new or (#old == #new and old >= new)) then return 0 end
if ARGV[2] == 'g' then
  redis.call('SET', KEYS[1], new)
  redis.call('PUBLISH', ARGV[1], 'g ' .. new)
else
  redis.call('HSET', KEYS[1], ARGV[4], new)
  redis.call('PUBLISH', ARGV[1], 'u ' .. new .. ' ' .. ARGV[4])
end
return 1
";

impl Shared {
    /// Revokes, for `id` or for every id, every session that began up to `now`, judged against
    /// what Redis holds at this moment: a copy that lags behind a revocation another instance
    /// just made (and a login it stamped with it) would date the new cut-off too early. Under
    /// `WATCH`, the cut-offs are read and the new one worked out by the rule every store uses
    /// ([`Cutoffs::revoke_at`], [`everywhere_cutoff_from`]), then raised by the script in
    /// `MULTI`. A change by another instance in between aborts it, and it starts again, at
    /// most [`ATTEMPTS`] times: a fleet that keeps revoking could abort it forever. After that
    /// the cut-off of a last reading is raised as it is; what it may miss is a revocation made
    /// at that very moment, concurrent with this one. Returns the cut-off.
    pub(super) fn transact_revocation(
        &self,
        id: Option<&str>,
        now: u64,
        leeway: u64,
    ) -> RedisResult<u64> {
        self.with_conn(|con| {
            for _ in 0..ATTEMPTS {
                redis::cmd("WATCH")
                    .arg(&self.global_key)
                    .arg(&self.users_key)
                    .exec(con)?;
                let cutoff = self.fleet_cutoff(con, id, now, leeway)?;
                let mut pipe = redis::pipe();
                self.raise_in(pipe.atomic(), id, cutoff);
                // `None` when another instance changed the cut-offs since the `WATCH`, which
                // `EXEC` also ends.
                if pipe.query::<Option<(i64,)>>(con)?.is_some() {
                    return Ok(cutoff);
                }
            }
            let cutoff = self.fleet_cutoff(con, id, now, leeway)?;
            let mut pipe = redis::pipe();
            self.raise_in(&mut pipe, id, cutoff);
            pipe.query::<(i64,)>(con)?;
            tracing::warn!(
                "redis cut-off store: other instances kept changing cut-offs; revoked without \
                 waiting for a quiet moment"
            );
            Ok(cutoff)
        })
    }

    /// The cut-off that revokes, at `now`, every session of `id` (or of every id) that began so
    /// far, by what Redis holds and what this instance's copy holds (the later of each, so an
    /// entry unreadable in Redis still counts with its last known value).
    fn fleet_cutoff(
        &self,
        con: &mut Connection,
        id: Option<&str>,
        now: u64,
        leeway: u64,
    ) -> RedisResult<u64> {
        let stored = |at: Option<Vec<u8>>| at.as_deref().and_then(parse_secs);
        match id {
            Some(id) => {
                let (global, user): (Option<Vec<u8>>, Option<Vec<u8>>) = redis::pipe()
                    .cmd("GET")
                    .arg(&self.global_key)
                    .cmd("HGET")
                    .arg(&self.users_key)
                    .arg(id)
                    .query(con)?;
                let fleet = Cutoffs::at(stored(global).unwrap_or(0))
                    .and(Cutoffs::at(stored(user).unwrap_or(0)));
                Ok(self.memory.cutoffs(id).and(fleet).revoke_at(now))
            }
            None => {
                let (global, users): (Option<Vec<u8>>, Vec<Vec<u8>>) = redis::pipe()
                    .cmd("GET")
                    .arg(&self.global_key)
                    .cmd("HVALS")
                    .arg(&self.users_key)
                    .query(con)?;
                let limit = now.saturating_add(leeway);
                let global = stored(global).max(self.memory.global());
                let latest = users
                    .iter()
                    .filter_map(|at| parse_secs(at))
                    .chain(global)
                    .filter(|at| *at <= limit)
                    .max()
                    .max(self.memory.latest(limit));
                Ok(everywhere_cutoff_from(latest, global, now))
            }
        }
    }

    /// Logs out one session of `id` in Redis: under `WATCH` of the logouts, the user's cut-off
    /// and logouts are read, the logout added by the rule every store uses (`User::add`, with
    /// its cap), and the new list, the announcement `s <login> <until> <id>` and, when the cap
    /// turned the oldest logout into a cut-off, that cut-off through the script, written in
    /// `MULTI`. The cut-offs are not watched: one raised in between only means the list keeps
    /// a logout that it already covers, and the script never lowers a cut-off. Another logout
    /// written in between aborts it, and it starts again, at most [`ATTEMPTS`] times.
    /// Then, since a write over an unread list could drop a logout and a fleet that keeps
    /// revoking could abort it forever, the logout fails closed: the user's cut-off is raised
    /// past the session through the script, which nothing aborts, ending it and the user's
    /// older sessions.
    pub(super) fn transact_logout(&self, id: &str, logout: Logout) -> RedisResult<()> {
        self.with_conn(|con| {
            for _ in 0..ATTEMPTS {
                redis::cmd("WATCH").arg(&self.logouts_key).exec(con)?;
                let (cutoff, stored): (Option<Vec<u8>>, Option<Vec<u8>>) = redis::pipe()
                    .cmd("HGET")
                    .arg(&self.users_key)
                    .arg(id)
                    .cmd("HGET")
                    .arg(&self.logouts_key)
                    .arg(id)
                    .query(con)?;
                let cutoff = Entry::At(cutoff.as_deref().and_then(parse_secs).unwrap_or(0));
                let before = cutoff.last();
                let mut user = match stored.as_deref().map(decode_logouts) {
                    None => User::read(cutoff, Vec::new()),
                    Some(Some(logouts)) => User::read(cutoff, logouts),
                    // A malformed list may have held any of the user's sessions: they all end
                    // (a cut-off past now, or past this session), and the list starts afresh.
                    Some(None) => {
                        let mut user = User::read(cutoff, Vec::new());
                        let now = crate::unix_now().unwrap_or(0);
                        user.cutoff
                            .raise(now.max(logout.logged_in_at).saturating_add(1));
                        user
                    }
                };
                user.add(logout);
                user.prune(self.memory.horizon(logout.logged_in_at));
                let mut pipe = redis::pipe();
                let pipe = pipe.atomic();
                if user.logouts.is_empty() {
                    pipe.cmd("HDEL").arg(&self.logouts_key).arg(id);
                } else {
                    pipe.cmd("HSET")
                        .arg(&self.logouts_key)
                        .arg(id)
                        .arg(encode_logouts(&user.logouts));
                }
                // The one reply kept: an aborted `EXEC` answers nil for the whole.
                pipe.ignore()
                    .cmd("PUBLISH")
                    .arg(&self.channel)
                    .arg(format!("s {} {} {id}", logout.logged_in_at, logout.until));
                if user.cutoff.last() > before {
                    self.raise_in(pipe, Some(id), user.cutoff.last());
                    pipe.ignore();
                }
                // `None` when another instance changed the user's entries since the `WATCH`.
                if pipe.query::<Option<(i64,)>>(con)?.is_some() {
                    return Ok(());
                }
            }
            let cutoff = logout.logged_in_at.saturating_add(1);
            let mut pipe = redis::pipe();
            self.raise_in(&mut pipe, Some(id), cutoff);
            pipe.query::<(i64,)>(con)?;
            // The id was checked when the logout went into the copy.
            let _ = self.memory.raise_user(id, cutoff);
            tracing::warn!(
                "redis cut-off store: other instances kept changing cut-offs; logged out by a \
                 cut-off for the user instead"
            );
            Ok(())
        })
    }

    /// Adds the script that raises `id`'s cut-off (or the global one) to `cutoff` to `pipe`.
    fn raise_in(&self, pipe: &mut redis::Pipeline, id: Option<&str>, cutoff: u64) {
        let (key, kind) = match id {
            Some(_) => (&self.users_key, "u"),
            None => (&self.global_key, "g"),
        };
        pipe.cmd("EVAL")
            .arg(RAISE)
            .arg(1)
            .arg(key)
            .arg(&self.channel)
            .arg(kind)
            .arg(cutoff);
        if let Some(id) = id {
            pipe.arg(id);
        }
    }

    /// Stores one change through the script.
    pub(super) fn raise(&self, id: Option<&str>, not_before: u64) -> RedisResult<()> {
        self.with_conn(|con| {
            let mut pipe = redis::pipe();
            self.raise_in(&mut pipe, id, not_before);
            pipe.query::<(i64,)>(con).map(|_| ())
        })
    }
}
