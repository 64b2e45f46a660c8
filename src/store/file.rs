//! [`FileStore`]: cut-offs in a JSON file, for a device that must remember them across restarts.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::memory::Logout;
use super::{CutoffStore, MemoryStore, StoreError};
use crate::{Cutoffs, Revocations, format};

/// The `format` field of a cut-off file: a file without it is not one this crate wrote.
const FORMAT: &str = "sigcookie-cutoffs-v1";

/// Cut-offs kept in a file, for a device: they survive a restart, and the file is replaced
/// atomically on every change (written to a temporary file beside it, flushed to disk with
/// `fsync`, renamed over the old one, and the folder flushed), so a crash or power cut during a
/// write leaves the old state or the new one, never a broken file.
///
/// Verifies read the copy in memory; only revocations touch the disk, and a revocation returns
/// once its file is on disk. One process owns the file: a second `open` of it while the first
/// store lives fails (after waiting two seconds for the lock), since two writers would each
/// overwrite the other's revocations. Should the lock file be deleted or replaced while the
/// store is open (a stale-lock cleaner, a tmp reaper), the store stops writing: every
/// revocation through it fails with [`StoreError::LockLost`] until the process restarts, and
/// whichever process opened the file since owns it.
///
/// The file is JSON, for people and other tools to read; `logouts` holds each user's sessions
/// logged out on their own, as `[login time, kept until]` pairs, and is left out while empty:
///
/// ```json
/// {"format": "sigcookie-cutoffs-v1", "not_before": 1764000000, "users": {"42": 1764000100},
///  "logouts": {"7": [[1764000200, 1764086600]]}}
/// ```
///
/// ```
/// use sigcookie::store::{CutoffStore, FileStore};
/// use sigcookie::{Cutoffs, Revocations};
///
/// let dir = std::env::temp_dir().join(format!("sigcookie-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("cutoffs.json");
/// # let _ = std::fs::remove_file(&path);
/// {
///     let store = FileStore::open(&path)?;
///     store.revoke_user("42", 1_764_000_100)?;
/// }
/// let reopened = FileStore::open(&path)?; // after a restart
/// assert_eq!(reopened.cutoffs("42"), Cutoffs::at(1_764_000_100));
/// # drop(reopened);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    memory: MemoryStore,
    /// One writer at a time inside this process, so each file written holds every change made
    /// before it; held while writing. `true` while the file holds what memory holds: after a
    /// failed write it is `false`, and the next revocation writes the file even if it changes
    /// nothing in memory (a retry of the one that failed), so no revocation is acknowledged
    /// that the file lacks.
    in_sync: Mutex<bool>,
    /// Held open for the store's life: its advisory lock keeps other processes out, as long as
    /// the file at `lock_path` is this one (checked around every write).
    lock: File,
    lock_path: PathBuf,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    format: String,
    not_before: u64,
    #[serde(deserialize_with = "unique_keys")]
    users: BTreeMap<String, u64>,
    /// Absent in files written before per-session logouts existed.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "unique_keys"
    )]
    logouts: BTreeMap<String, Vec<[u64; 2]>>,
}

/// A JSON object read into a map, refusing a key given twice. Read as a plain map, the later of
/// two entries wins, and in a hand-edited file that can lower a user's cut-off; this crate never
/// writes one, so the file is refused as corrupt, like any other file it did not write.
fn unique_keys<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    V: Deserialize<'de>,
{
    use serde::de::{Error as _, MapAccess, Visitor};

    struct Unique<V>(std::marker::PhantomData<V>);

    impl<'de, V: Deserialize<'de>> Visitor<'de> for Unique<V> {
        type Value = BTreeMap<String, V>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object whose keys are ids, each once")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut entries = BTreeMap::new();
            while let Some((id, value)) = map.next_entry::<String, V>()? {
                if entries.contains_key(&id) {
                    return Err(A::Error::custom(format_args!("{id:?} appears twice")));
                }
                entries.insert(id, value);
            }
            Ok(entries)
        }
    }

    deserializer.deserialize_map(Unique(std::marker::PhantomData))
}

impl FileStore {
    /// Opens the cut-off file at `path`, creating it (empty) on the first start, so that a
    /// location the process cannot write is found at start, not at the first revocation.
    ///
    /// Beside the file lives `NAME.lock`, held while the store is open. Its presence also marks
    /// that the file existed before: a missing file next to an existing lock file (the file was
    /// deleted, or a path changed) is an error, not a silent fresh start. Keep the folder
    /// writable by this service only: whoever can write in it can replace the cut-offs.
    ///
    /// # Errors
    /// [`StoreError::Io`] when the file cannot be read or created, is missing after a previous
    /// start, or another process has it open; [`StoreError::Corrupt`] when it is not a cut-off
    /// file (bad JSON, another format, an unknown field, an id that no signer signs, a key given
    /// twice). Never "no cut-offs" instead.
    ///
    /// ```
    /// use sigcookie::store::{FileStore, StoreError};
    ///
    /// let path = std::env::temp_dir().join(format!("sigcookie-corrupt-{}.json", std::process::id()));
    /// std::fs::write(&path, "{\"format\": \"sigcookie-cutoffs-v1\", \"not_before\": ")?;
    /// assert!(matches!(FileStore::open(&path), Err(StoreError::Corrupt { .. })));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<FileStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let lock_path = sibling(&path, "lock");
        let started_before = lock_path.exists();
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io)?;
        lock_within(&lock, LOCK_WAIT).map_err(io)?;
        let store = FileStore {
            memory: MemoryStore::new(),
            in_sync: Mutex::new(true),
            lock,
            lock_path,
            path: path.clone(),
        };
        match fs::read(&path) {
            Ok(bytes) => {
                let corrupt = |source| StoreError::Corrupt {
                    path: path.clone(),
                    source,
                };
                let state: State = serde_json::from_slice(&bytes).map_err(corrupt)?;
                store.load(state).map_err(corrupt)?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound && started_before => {
                return Err(io(io::Error::new(
                    io::ErrorKind::NotFound,
                    "the cut-off file is missing, but its lock file shows it existed; \
                     restore it (or delete the lock file to start with no cut-offs)",
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => store.persist()?,
            Err(e) => return Err(io(e)),
        }
        Ok(store)
    }

    /// The file's path.
    ///
    /// ```
    /// # use sigcookie::store::FileStore;
    /// let path = std::env::temp_dir().join(format!("sigcookie-path-{}.json", std::process::id()));
    /// assert_eq!(FileStore::open(&path)?.path(), path);
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self, state: State) -> Result<(), serde_json::Error> {
        use serde::de::Error as _;
        if state.format != FORMAT {
            return Err(serde_json::Error::custom(format_args!(
                "format is {:?}, expected {FORMAT:?}",
                state.format
            )));
        }
        self.memory.raise_global(state.not_before);
        let check = |id: &str| {
            format::check_id(id).map_err(|e| serde_json::Error::custom(format_args!("{e}")))
        };
        for (id, at) in state.users {
            check(&id)?;
            // Checked just above, so this cannot fail.
            let _ = self.memory.raise_user(&id, at);
        }
        for (id, logouts) in state.logouts {
            check(&id)?;
            for [logged_in_at, until] in logouts {
                let _ = self.memory.add_logout(
                    &id,
                    Logout {
                        logged_in_at,
                        until,
                    },
                );
            }
        }
        Ok(())
    }

    /// Applies `change` to the copy in memory and, if that changed anything or an earlier
    /// write failed, replaces the file. The copy in memory is raised first: if the write fails,
    /// the revocation is still in force in this process, and the caller gets the error.
    fn change(&self, change: impl FnOnce() -> Result<bool, StoreError>) -> Result<(), StoreError> {
        let mut in_sync = self.in_sync.lock().unwrap_or_else(PoisonError::into_inner);
        if change()? || !*in_sync {
            *in_sync = false;
            self.persist()?;
            *in_sync = true;
        }
        Ok(())
    }

    /// Refuses to go on once the lock file is no longer the one this store holds: a
    /// stale-lock cleaner or a tmp reaper that deleted it lets a second process create and lock
    /// a new one, and two writers would each overwrite the other's revocations.
    fn check_lock(&self) -> Result<(), StoreError> {
        let lock_path = &self.lock_path;
        match holds(&self.lock, lock_path) {
            Ok(true) => Ok(()),
            Ok(false) => Err(StoreError::LockLost {
                path: lock_path.clone(),
            }),
            Err(source) => Err(StoreError::Io {
                path: lock_path.clone(),
                source,
            }),
        }
    }

    /// Writes the whole state to a temporary file, flushes it, renames it over the file and
    /// flushes the folder, so the rename itself survives a power cut. The lock is checked before
    /// and after: a write that may have raced a second owner is not acknowledged.
    fn persist(&self) -> Result<(), StoreError> {
        self.check_lock()?;
        let temporary = sibling(&self.path, "tmp");
        let io_at = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io {
                path: path.clone(),
                source,
            }
        };
        let io = io_at(&self.path);
        let state = State {
            format: FORMAT.to_owned(),
            not_before: self.memory.global().unwrap_or(0),
            users: self.memory.user_cutoffs(),
            logouts: self
                .memory
                .logouts()
                .into_iter()
                .map(|(id, logouts)| {
                    let pairs = logouts.iter().map(|l| [l.logged_in_at, l.until]).collect();
                    (id, pairs)
                })
                .collect(),
        };
        let json = serde_json::to_vec_pretty(&state).map_err(|e| io(e.into()))?;
        let mut file = create_new(&temporary).map_err(io_at(&temporary))?;
        file.write_all(&json).map_err(io_at(&temporary))?;
        file.write_all(b"\n").map_err(io_at(&temporary))?;
        file.sync_all().map_err(io_at(&temporary))?;
        drop(file);
        fs::rename(&temporary, &self.path).map_err(&io)?;
        let folder = match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        File::open(folder).and_then(|f| f.sync_all()).map_err(io)?;
        self.check_lock()
    }
}

/// Whether the file at `path` is the one `lock` has open. On Unix by identity (device and
/// inode; the open file keeps its inode from being reused), elsewhere by its presence.
fn holds(lock: &File, path: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let held = lock.metadata()?;
        match fs::metadata(path) {
            Ok(found) => Ok(held.dev() == found.dev() && held.ino() == found.ino()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = lock;
        path.try_exists()
    }
}

/// How long `open` waits for the lock. A lock is not only held by a store: a process that forks
/// to start a program holds a copy of every open file until the program starts, so a store
/// dropped just then stays locked for that moment. A second store that stays open is refused
/// after this.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// Takes the advisory lock on `lock`, retrying for up to `wait`.
fn lock_within(lock: &File, wait: Duration) -> io::Result<()> {
    let deadline = Instant::now() + wait;
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(()),
            Err(fs::TryLockError::Error(e)) => return Err(e),
            Err(fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(fs::TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "another process has this cut-off file open",
                ));
            }
        }
    }
}

/// Creates `path` afresh, never through whatever is there: a leftover of a crashed write is
/// removed first (a symlink itself, not its target), and the file is then created only if
/// nothing is at `path` (`O_EXCL`, which also refuses a symlink planted in between). Others
/// cannot read or write it.
fn create_new(path: &Path) -> io::Result<File> {
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

/// `path` with `.kind` appended to its file name, in the same folder (a rename across file
/// systems would not be atomic).
fn sibling(path: &Path, kind: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(kind);
    path.with_file_name(name)
}

impl Revocations for FileStore {
    fn cutoffs(&self, id: &str) -> Cutoffs {
        self.memory.cutoffs(id)
    }

    fn session_cutoffs(&self, id: &str, logged_in_at: u64) -> Cutoffs {
        self.memory.session_cutoffs(id, logged_in_at)
    }
}

impl CutoffStore for FileStore {
    fn revoke_all(&self, not_before: u64) -> Result<(), StoreError> {
        self.change(|| Ok(self.memory.raise_global(not_before)))
    }

    fn revoke_user(&self, id: &str, not_before: u64) -> Result<(), StoreError> {
        self.change(|| self.memory.raise_user(id, not_before))
    }

    fn revoke_session(&self, id: &str, logged_in_at: u64, until: u64) -> Result<(), StoreError> {
        let logout = Logout {
            logged_in_at,
            until,
        };
        self.change(|| self.memory.add_logout(id, logout))
    }

    fn global(&self) -> Option<u64> {
        self.memory.global()
    }

    fn latest(&self, not_after: u64) -> Option<u64> {
        self.memory.latest(not_after)
    }
}
