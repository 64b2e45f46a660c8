//! The user table: ids, names and Argon2id password hashes, kept in `users.json` in the state
//! folder. Only the ids in it are served: a validly signed cookie for any other id (a deleted
//! user) is a logged-out request.
//!
//! The file is replaced atomically on every change (a temporary file beside it, `fsync`,
//! rename, `fsync` of the folder), as the crate's `FileStore` writes `cutoffs.json`: a power cut
//! leaves the old table or the new one, never half of one. One process owns the folder (an
//! advisory lock on `users.json.lock`).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError, RwLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

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

/// One account.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// Opaque id carried in the cookie: never the name, which may be personal data.
    pub id: String,
    /// Login name.
    pub name: String,
    /// Argon2id PHC string; the password itself is stored nowhere.
    pub password_hash: String,
    /// Still the demo password of a fresh install.
    #[serde(default)]
    pub demo_password: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    format: String,
    users: Vec<User>,
}

/// The user table, in memory and in its file.
pub struct Users {
    path: PathBuf,
    users: RwLock<Vec<User>>,
    /// One writer at a time, so each file written holds every change before it.
    write: Mutex<()>,
    /// Held for the table's life: its advisory lock keeps a second panel off this folder.
    _lock: File,
}

impl Users {
    /// Opens `users.json` in `dir`, creating it with the demo account when there is none.
    /// A file that cannot be read as a users file is an error, never "no users".
    pub fn open(dir: &Path) -> Result<Users, String> {
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
        let users = match fs::read(&path) {
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
        let fresh = users.is_empty();
        let table = Users {
            path,
            users: RwLock::new(users),
            write: Mutex::new(()),
            _lock: lock,
        };
        if fresh {
            let demo = User {
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
        Ok(table)
    }

    /// The users file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<User>> {
        // Replaced whole under the write lock, so never seen half-changed.
        self.users.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The user with this id.
    pub fn by_id(&self, id: &str) -> Option<User> {
        self.read().iter().find(|user| user.id == id).cloned()
    }

    /// Whether user `id` still has `password_hash`, the hash a password was just checked
    /// against.
    pub fn has_password_hash(&self, id: &str, password_hash: &str) -> bool {
        self.read()
            .iter()
            .any(|user| user.id == id && user.password_hash == password_hash)
    }

    /// The user with this name.
    pub fn by_name(&self, name: &str) -> Option<User> {
        self.read().iter().find(|user| user.name == name).cloned()
    }

    /// Sets a user's password hash, in the file first: when this returns `Ok` the change
    /// survives a power cut. Blocks on the disk: call it off the async threads.
    pub fn set_password_hash(&self, id: &str, password_hash: String) -> io::Result<()> {
        let _writer = self.write.lock().unwrap_or_else(PoisonError::into_inner);
        let mut users = self.read().clone();
        let user = users
            .iter_mut()
            .find(|user| user.id == id)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such user"))?;
        user.password_hash = password_hash;
        user.demo_password = false;
        self.replace(users)
    }

    /// Writes `users` to the file atomically, then makes them the table in memory.
    fn replace(&self, users: Vec<User>) -> io::Result<()> {
        let file = UsersFile {
            format: FORMAT.to_owned(),
            users,
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
        *self.users.write().unwrap_or_else(PoisonError::into_inner) = file.users;
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

/// Whether `password` matches `user`'s hash; with no user, a hash is checked all the same and
/// the answer is no. Slow on purpose (Argon2id, 19 MiB): call it off the async threads.
pub fn password_matches(user: Option<&User>, password: &str) -> bool {
    let hash = user.map_or(NO_USER_HASH, |user| user.password_hash.as_str());
    let matches = PasswordHash::new(hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    });
    user.is_some() && matches
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
