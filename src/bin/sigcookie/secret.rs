//! Key files: who may write them, how much of them is read, and how a new one is written.
//!
//! The secret comes from `SIGCOOKIE_SECRET`, `--secret-file` or `--ed25519-key-file`, never
//! from an argument (arguments end up in shell history and `ps`), and is never printed.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use zeroize::Zeroizing;

use crate::failure::Failure;
use crate::library::{self, Ed25519PublicKey, Ed25519SigningKey, Key};

/// The largest key file read. A key file holds one line of hex (`keygen` prints 65 bytes) or a
/// public key's PEM block (113 bytes); this leaves room for an HMAC secret of 2 KiB, and stops
/// a wrong path such as `/dev/zero` or a large file from being read until memory runs out.
const SECRET_FILE_LIMIT: usize = 4096;

/// The rules and words for one kind of key file. Both kinds are refused when others may write
/// them: whoever can write an HMAC secret or an Ed25519 signing key chooses the key, and whoever
/// can write a public key chooses which values verify, which is the same power.
struct KeyFile {
    /// How messages name the file.
    noun: &'static str,
    /// What the file should hold, for the message about a file too large.
    holds: &'static str,
    /// Whether others reading the file is worth a warning: not for a public key.
    secret: bool,
    unreadable: &'static str,
    too_large: &'static str,
    owned_by_others: &'static str,
    writable_by_others: &'static str,
}

const SECRET: KeyFile = KeyFile {
    noun: "secret file",
    holds: "one line of hex, as `sigcookie keygen` prints",
    secret: true,
    unreadable: "SecretFileUnreadable",
    too_large: "SecretFileTooLarge",
    owned_by_others: "SecretFileOwnedByOthers",
    writable_by_others: "SecretFileWritableByOthers",
};

const PUBLIC_KEY: KeyFile = KeyFile {
    noun: "public key file",
    holds: "one public key, in hex or as a PEM block",
    secret: false,
    unreadable: "PublicKeyFileUnreadable",
    too_large: "PublicKeyFileTooLarge",
    owned_by_others: "PublicKeyFileOwnedByOthers",
    writable_by_others: "PublicKeyFileWritableByOthers",
};

/// Reads an HMAC key from a secret file, as [`read`] does. Surrounding whitespace is trimmed
/// by the hex decoder, as for the variable.
pub fn read_key(path: &Path, warnings: &mut Vec<String>) -> Result<Key, Failure> {
    read(&SECRET, path, warnings, |bytes| {
        library::key_from_file_bytes(bytes, path)
    })
}

/// Reads an Ed25519 signing key (its seed in hex, as `keygen --ed25519` writes it) from a
/// secret file, as [`read`] does.
pub fn read_ed25519_key(
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<Ed25519SigningKey, Failure> {
    read(&SECRET, path, warnings, |bytes| {
        library::ed25519_key_from_file_bytes(bytes, path)
    })
}

/// Reads an Ed25519 public key (hex or PEM) from a file, as [`read`] does; nobody is warned
/// that others can read it.
pub fn read_public_key(path: &Path) -> Result<Ed25519PublicKey, Failure> {
    read(&PUBLIC_KEY, path, &mut Vec::new(), |bytes| {
        library::public_key_from_file_bytes(bytes, path)
    })
}

/// Reads a key file of `kind` and parses it with `parse`: refused if others may write it,
/// warned about (in `warnings`) if others may read a secret, and never more than
/// [`SECRET_FILE_LIMIT`] bytes of it read.
fn read<T>(
    kind: &KeyFile,
    path: &Path,
    warnings: &mut Vec<String>,
    parse: impl FnOnce(&[u8]) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let (shown, noun) = (path.display(), kind.noun);
    let unreadable = |e: std::io::Error| {
        Failure::config(kind.unreadable, format!("cannot read {noun} {shown}: {e}"))
    };
    let file = File::open(path).map_err(unreadable)?;
    // The permissions of the file that was opened, not of whatever the path names by now.
    let metadata = file.metadata().map_err(unreadable)?;
    check_access(kind, &metadata, path, warnings)?;
    // Sized up front, so the buffer never moves and leaves an unwiped copy of the secret behind;
    // one byte over the limit tells a file at the limit from a longer one.
    let mut bytes = Zeroizing::new(Vec::with_capacity(SECRET_FILE_LIMIT + 1));
    file.take(SECRET_FILE_LIMIT as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() > SECRET_FILE_LIMIT {
        return Err(Failure::config(
            kind.too_large,
            format!(
                "{noun} {shown} is larger than {SECRET_FILE_LIMIT} bytes; it should hold {}",
                kind.holds
            ),
        ));
    }
    parse(&bytes)
}

/// A key file owned by anyone but the caller or root is an error, and so is group or world
/// write permission: whoever can write the file, or change its mode, chooses the key. Read
/// permission is a warning for a secret, since the file may be shared on purpose.
#[cfg(unix)]
fn check_access(
    kind: &KeyFile,
    metadata: &std::fs::Metadata,
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<(), Failure> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    let (shown, noun) = (path.display(), kind.noun);
    let (owner, me) = (metadata.uid(), rustix::process::geteuid().as_raw());
    // Root may own it: root can replace any file anyway, and a service often reads a key
    // that root installed.
    if owner != me && owner != 0 {
        return Err(Failure::config(
            kind.owned_by_others,
            format!(
                "{noun} {shown} is owned by uid {owner}, not by this user (uid {me}) or root; \
                 its owner could replace the key; run `chown {me} {shown}`"
            ),
        ));
    }
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(Failure::config(
            kind.writable_by_others,
            format!(
                "{noun} {shown} can be written by other users (mode {mode:03o}), who could \
                 replace the key; run `chmod {} {shown}`",
                if kind.secret { "600" } else { "644" }
            ),
        ));
    }
    if kind.secret && mode & 0o044 != 0 {
        warnings.push(format!(
            "{noun} {shown} can be read by other users (mode {mode:03o}); run `chmod 600 \
             {shown}`"
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_access(
    _kind: &KeyFile,
    _metadata: &std::fs::Metadata,
    _path: &Path,
    _warnings: &mut Vec<String>,
) -> Result<(), Failure> {
    Ok(())
}

/// Writes `secret` to a new file at `path` that only the caller can read (mode 600 on unix).
///
/// An existing file is never replaced, whatever it holds: it may be the key that signs every
/// live session. Creating it exclusively also refuses a symbolic link planted at the path, which
/// would otherwise send the secret wherever it points.
pub fn write_new_secret(path: &Path, secret: &[u8]) -> Result<(), Failure> {
    let shown = path.display();
    let file = create_new(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::config(
                "KeyFileExists",
                format!(
                    "{shown} already exists, and keygen never overwrites a key; choose another \
                     --out, or remove the old file first if nothing uses it any more"
                ),
            )
        } else {
            Failure::config(
                "KeyFileUnwritable",
                format!("cannot create key file {shown}: {e}"),
            )
        }
    })?;
    // Synced, so that the public key printed next never belongs to a seed a crash lost.
    let written = (&file).write_all(secret).and_then(|()| file.sync_all());
    if let Err(e) = written {
        // A truncated seed left behind would later load as a malformed key, or not at all.
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(Failure::config(
            "KeyFileUnwritable",
            format!("cannot write key file {shown}: {e}"),
        ));
    }
    Ok(())
}

/// A file created for writing that must not exist yet, readable only by its owner from the
/// start: set later, the mode would leave a moment in which others could open it.
#[cfg(unix)]
fn create_new(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_new(path: &Path) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}
