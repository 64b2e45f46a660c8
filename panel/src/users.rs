//! The user table: ids, names and Argon2id password hashes, kept in `users.json` in the state
//! folder. Only the ids in it are served: a validly signed cookie for any other id (a deleted
//! user) is a logged-out request.
//!
//! The file is replaced atomically on every change (a temporary file beside it, `fsync`,
//! rename, `fsync` of the folder), as the crate's `FileStore` writes `cutoffs.json`: a power cut
//! leaves the old table or the new one, never half of one. One process owns the folder (an
//! advisory lock on `users.json.lock`).
//!
//! Panels sharing a Redis or PostgreSQL keep the hashes there instead (`shared.rs`), so that a
//! password changed on one is changed on all; the file still names the users, and its hashes
//! only seed the server for ids it has no hash for yet.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use crate::shared::SharedPasswords;

/// The `format` field of the users file.
const FORMAT: &str = "sigcookie-panel-users-v1";
/// The shortest new password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;
/// The longest password accepted: hashing is the same cost whatever the length, but a bound
/// keeps forms small.
pub const MAX_PASSWORD_LEN: usize = 128;

/// The account created when there is no users file: `admin` / `panel-demo-2024`. The status
/// page asks its user to change the password until it is changed.
const DEMO_USER: &str = "admin";
const DEMO_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$rfjqay/L23pn66KcWogZ1A$ot7Ve2Bx2ZymorkKvrB8L9jHYUhsjes597ohcDyucXY";
/// Checked when a login names no user, so that the time taken does not tell which names exist:
/// the hash of a random password, with the same parameters.
const NO_USER_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$Gc8Ck4fYb8q9yoH39Bb+xA$IxO5Vt6+7rwSmMwO4b2uaKuEnFMhf/C0V2Nvc0i+e1c";

/// One account, as the handlers see it: who, never the password hash (which may live on a
/// shared server, and is read through [`Users`] when a password is checked).
#[derive(Clone, Debug)]
pub struct User {
    /// Opaque id carried in the cookie: never the name, which may be personal data.
    pub id: String,
    /// Login name.
    pub name: String,
}

/// One account in the users file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    id: String,
    name: String,
    /// Argon2id PHC string; the password itself is stored nowhere. With shared passwords, only
    /// what seeds the shared server for this id.
    password_hash: String,
    /// Still the demo password of a fresh install.
    #[serde(default)]
    demo_password: bool,
}

impl Record {
    fn user(&self) -> User {
        User {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    format: String,
    users: Vec<Record>,
}

/// Where the password hashes are kept.
enum Hashes {
    /// In the users file, with the accounts.
    File,
    /// On a server shared by every panel using it; the file's hashes only seed it.
    Shared(Box<dyn SharedPasswords>),
}

/// The user table: the accounts from the users file, and their password hashes from the file
/// or from a shared server.
pub struct Users {
    path: PathBuf,
    records: RwLock<Vec<Record>>,
    hashes: Hashes,
    /// One writer at a time, so each file written holds every change before it.
    write: Mutex<()>,
    /// With shared passwords, the ids whose shared hash was seen not to be the demo one, so
    /// that status pages stop asking the server (one connection each). Only a login with the
    /// demo password brings it back (the server lost its data and a fresh users file seeded
    /// it), and that login takes the id out of this set.
    not_demo: RwLock<HashSet<String>>,
    /// Held for the table's life: its advisory lock keeps a second panel off this folder.
    _lock: File,
}

impl Users {
    /// Opens `users.json` in `dir`, creating it with the demo account when there is none.
    /// A file that cannot be read as a users file is an error, never "no users".
    pub fn open(dir: &Path) -> Result<Users, String> {
        Users::open_with(dir, Hashes::File)
    }

    /// Opens `users.json` in `dir` as [`open`](Self::open) does, with the password hashes in
    /// `passwords`: each id that has no hash there yet gets the file's. Fails when the server
    /// is unreachable: the file's hashes may be passwords changed since.
    pub fn open_shared(dir: &Path, passwords: Box<dyn SharedPasswords>) -> Result<Users, String> {
        Users::open_with(dir, Hashes::Shared(passwords))
    }

    fn open_with(dir: &Path, hashes: Hashes) -> Result<Users, String> {
        let path = dir.join("users.json");
        let lock_path = dir.join("users.json.lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("{}: {e}", lock_path.display()))?;
        lock.try_lock().map_err(|_| {
            format!(
                "{} is in use by another panel; give each instance its own PANEL_STATE_DIR",
                path.display()
            )
        })?;
        let records = match fs::read(&path) {
            Ok(bytes) => {
                let file: UsersFile = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("{} is not a users file: {e}", path.display()))?;
                if file.format != FORMAT {
                    return Err(format!(
                        "{}: format {:?}, expected {FORMAT:?}",
                        path.display(),
                        file.format
                    ));
                }
                file.users
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let fresh = records.is_empty();
        let table = Users {
            path,
            records: RwLock::new(records),
            hashes,
            write: Mutex::new(()),
            not_demo: RwLock::new(HashSet::new()),
            _lock: lock,
        };
        if fresh {
            let demo = Record {
                id: "1".to_owned(),
                name: DEMO_USER.to_owned(),
                password_hash: DEMO_HASH.to_owned(),
                demo_password: true,
            };
            table
                .replace(vec![demo])
                .map_err(|e| format!("{}: {e}", table.path.display()))?;
            tracing::warn!(
                path = %table.path.display(),
                "created the demo account admin / panel-demo-2024: change its password"
            );
        }
        if let Hashes::Shared(passwords) = &table.hashes {
            let records = table.read();
            let hashes: Vec<_> = records
                .iter()
                .map(|r| (r.id.as_str(), r.password_hash.as_str()))
                .collect();
            passwords.seed(&hashes)?;
        }
        Ok(table)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Record>> {
        // Replaced whole under the write lock, so never seen half-changed.
        self.records.read().unwrap_or_else(PoisonError::into_inner)
    }

    // Sets of ids: consistent after any panic, so a poisoned lock is used all the same.
    fn not_demo_read(&self) -> std::sync::RwLockReadGuard<'_, HashSet<String>> {
        self.not_demo.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn not_demo_write(&self) -> std::sync::RwLockWriteGuard<'_, HashSet<String>> {
        self.not_demo
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, id: &str) -> Option<Record> {
        self.read().iter().find(|r| r.id == id).cloned()
    }

    /// The user with this id.
    pub fn by_id(&self, id: &str) -> Option<User> {
        self.read().iter().find(|r| r.id == id).map(Record::user)
    }

    /// The user with this name.
    pub fn by_name(&self, name: &str) -> Option<User> {
        self.read()
            .iter()
            .find(|r| r.name == name)
            .map(Record::user)
    }

    /// User `id`'s password hash as it is now. With no user, the shared server is reached all
    /// the same, so that an outage answers alike whatever the name. Blocks on the server with
    /// shared passwords.
    fn current_hash(&self, id: Option<&str>) -> Result<Option<String>, String> {
        match (&self.hashes, id) {
            (Hashes::File, id) => Ok(id.and_then(|id| self.record(id)).map(|r| r.password_hash)),
            (Hashes::Shared(passwords), Some(id)) => passwords.get(id),
            (Hashes::Shared(passwords), None) => passwords.ping().map(|()| None),
        }
    }

    /// Checks `password` for `user` against its current hash: the hash it matched, or `None`
    /// (a wrong password, or no such user: then a hash is checked all the same, so that the
    /// time taken does not tell which names exist). An error when the hashes cannot be read:
    /// then no password was checked. Slow on purpose (Argon2id, 19 MiB) and may block on
    /// the shared server: call it off the async threads.
    pub fn check_password(
        &self,
        user: Option<&User>,
        password: &str,
    ) -> Result<Option<String>, String> {
        let id = user.map(|user| user.id.as_str());
        let hash = self.current_hash(id)?;
        if let (Some(id), None, Hashes::Shared(passwords)) = (id, &hash, &self.hashes) {
            // An id of the users file with no shared hash: it was deleted (or the server lost
            // it) while this panel ran. Refused, not seeded again: the file's hash may be a
            // password changed since.
            tracing::warn!(
                id,
                store = passwords.location(),
                "a user has no shared password hash: logins refused until a panel starts and \
                 seeds it"
            );
        }
        let matches = password_matches(hash.as_deref(), password);
        let hash = hash.filter(|_| matches);
        if let (Some(id), Some(DEMO_HASH)) = (id, hash.as_deref()) {
            // The demo password in use again (the server lost its data and was seeded from a
            // fresh users file): the status page must ask the server again, and warn.
            self.not_demo_write().remove(id);
        }
        Ok(hash)
    }

    /// Whether user `id` still has `hash`, the hash a password was just checked against. May
    /// block on the shared server.
    pub fn still_has(&self, id: &str, hash: &str) -> Result<bool, String> {
        Ok(self.current_hash(Some(id))?.as_deref() == Some(hash))
    }

    /// Whether user `id` still has the demo password of a fresh install. May block on the
    /// shared server: see [`demo_password`](Self::demo_password) for the async threads.
    fn demo_password_now(&self, id: &str) -> Result<bool, String> {
        match &self.hashes {
            Hashes::File => Ok(self.record(id).is_some_and(|r| r.demo_password)),
            Hashes::Shared(_) if self.not_demo_read().contains(id) => Ok(false),
            // Whichever panel's file seeded the server, the demo account's hash is this one.
            Hashes::Shared(_) => {
                let demo = self.still_has(id, DEMO_HASH)?;
                if !demo {
                    self.not_demo_write().insert(id.to_owned());
                }
                Ok(demo)
            }
        }
    }

    /// [`demo_password_now`](Self::demo_password_now) from the async threads: asked of the
    /// shared server on a blocking thread with shared passwords, from memory otherwise.
    pub async fn demo_password(self: &Arc<Self>, id: &str) -> Result<bool, String> {
        match self.hashes {
            Hashes::File => self.demo_password_now(id),
            Hashes::Shared(_) => {
                let (users, id) = (Arc::clone(self), id.to_owned());
                tokio::task::spawn_blocking(move || users.demo_password_now(&id))
                    .await
                    .map_err(|e| e.to_string())?
            }
        }
    }

    /// Sets user `id`'s password hash to `new` if it is still `checked`, the hash the current
    /// password was verified against; `Ok(false)` if another change came first. When this
    /// returns `Ok(true)` the change survives a power cut (in the file) or is on the shared
    /// server. Blocks on the disk or the server: call it off the async threads.
    pub fn set_password_hash(&self, id: &str, checked: &str, new: String) -> Result<bool, String> {
        match &self.hashes {
            Hashes::Shared(passwords) => {
                let replaced = passwords.replace(id, checked, &new)?;
                if replaced {
                    self.not_demo_write().insert(id.to_owned());
                    // A copy in this panel's file, so that the server, should it lose its data,
                    // is seeded again with this password rather than an older one. The server
                    // holds the change already: a failure here is only logged.
                    if let Err(error) = self.write_hash(id, None, new) {
                        tracing::warn!(%error, "password changed on the shared server, not in the users file");
                    }
                }
                Ok(replaced)
            }
            Hashes::File => self.write_hash(id, Some(checked), new),
        }
    }

    /// Sets user `id`'s hash in the file to `new`, if it is still `checked` (when given);
    /// whether it was set.
    fn write_hash(&self, id: &str, checked: Option<&str>, new: String) -> Result<bool, String> {
        let _writer = self.write.lock().unwrap_or_else(PoisonError::into_inner);
        let mut records = self.read().clone();
        let Some(record) = records
            .iter_mut()
            .find(|r| r.id == id && checked.is_none_or(|checked| r.password_hash == checked))
        else {
            return Ok(false);
        };
        record.password_hash = new;
        record.demo_password = false;
        self.replace(records)
            .map(|()| true)
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }

    /// Writes `records` to the file atomically, then makes them the table in memory.
    fn replace(&self, records: Vec<Record>) -> io::Result<()> {
        let file = UsersFile {
            format: FORMAT.to_owned(),
            users: records,
        };
        let json = serde_json::to_vec_pretty(&file)?;
        let temporary = self.path.with_extension("json.tmp");
        let mut out = create_private(&temporary)?;
        out.write_all(&json)?;
        out.write_all(b"\n")?;
        out.sync_all()?;
        drop(out);
        fs::rename(&temporary, &self.path)?;
        if let Some(folder) = self.path.parent() {
            File::open(folder)?.sync_all()?;
        }
        *self.records.write().unwrap_or_else(PoisonError::into_inner) = file.users;
        Ok(())
    }
}

/// Creates `path` afresh for this process alone (mode 0600: the file holds password hashes),
/// never through something already there: a leftover is removed first (a symlink itself, not
/// its target), and the file is created only if nothing is at `path`.
fn create_private(path: &Path) -> io::Result<File> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut options = File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Whether `password` matches `hash`; with no hash, a hash is checked all the same and the
/// answer is no. Slow on purpose (Argon2id, 19 MiB): call it off the async threads.
fn password_matches(hash: Option<&str>, password: &str) -> bool {
    let matches = PasswordHash::new(hash.unwrap_or(NO_USER_HASH)).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    });
    hash.is_some() && matches
}

/// The Argon2id hash of a new password, with a fresh salt from the operating system and the
/// parameters OWASP recommends (19 MiB, 2 passes), which verifying reads back from the hash.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0_u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness for a salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| e.to_string())?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| e.to_string())
}
