//! Secret files: who may write them, how much of them is read.
//!
//! The secret comes from `SIGCOOKIE_SECRET` or `--secret-file`, never from an argument
//! (arguments end up in shell history and `ps`), and is never printed.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use crate::failure::Failure;
use crate::library::{self, Key};

/// The largest secret file read. A secret file holds one line of hex (`keygen` prints 65 bytes);
/// this leaves room for a secret of 2 KiB, and stops a wrong path such as `/dev/zero` or a
/// large file from being read until memory runs out.
const SECRET_FILE_LIMIT: usize = 4096;

/// Reads a key from a secret file: refused if others may write it, warned about (in
/// `warnings`) if others may read it, and never more than [`SECRET_FILE_LIMIT`] bytes of it
/// read. Surrounding whitespace is trimmed by the hex decoder, as for the variable.
pub fn read_key(path: &Path, warnings: &mut Vec<String>) -> Result<Key, Failure> {
    let shown = path.display();
    let unreadable = |e: std::io::Error| {
        Failure::config(
            "SecretFileUnreadable",
            format!("cannot read secret file {shown}: {e}"),
        )
    };
    let file = File::open(path).map_err(unreadable)?;
    // The permissions of the file that was opened, not of whatever the path names by now.
    let metadata = file.metadata().map_err(unreadable)?;
    check_access(&metadata, path, warnings)?;
    // Sized up front, so the buffer never moves and leaves an unwiped copy of the secret behind;
    // one byte over the limit tells a file at the limit from a longer one.
    let mut bytes = Zeroizing::new(Vec::with_capacity(SECRET_FILE_LIMIT + 1));
    file.take(SECRET_FILE_LIMIT as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() > SECRET_FILE_LIMIT {
        return Err(Failure::config(
            "SecretFileTooLarge",
            format!(
                "secret file {shown} is larger than {SECRET_FILE_LIMIT} bytes; it should hold one \
                 line of hex, as `sigcookie keygen` prints"
            ),
        ));
    }
    library::key_from_file_bytes(&bytes, path)
}

/// A secret file owned by anyone but the caller or root is an error, and so is group or world
/// write permission: whoever can write the file, or change its mode, chooses the key. Read
/// permission is a warning, since the file may be shared on purpose.
#[cfg(unix)]
fn check_access(
    metadata: &std::fs::Metadata,
    path: &Path,
    warnings: &mut Vec<String>,
) -> Result<(), Failure> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    let shown = path.display();
    let (owner, me) = (metadata.uid(), rustix::process::geteuid().as_raw());
    // Root may own it: root can replace any file anyway, and a service often reads a key
    // that root installed.
    if owner != me && owner != 0 {
        return Err(Failure::config(
            "SecretFileOwnedByOthers",
            format!(
                "secret file {shown} is owned by uid {owner}, not by this user (uid {me}) or \
                 root; its owner could replace the key; run `chown {me} {shown}`"
            ),
        ));
    }
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(Failure::config(
            "SecretFileWritableByOthers",
            format!(
                "secret file {shown} can be written by other users (mode {mode:03o}), who could \
                 replace the key; run `chmod 600 {shown}`"
            ),
        ));
    }
    if mode & 0o044 != 0 {
        warnings.push(format!(
            "secret file {shown} can be read by other users (mode {mode:03o}); run `chmod 600 \
             {shown}`"
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_access(
    _metadata: &std::fs::Metadata,
    _path: &Path,
    _warnings: &mut Vec<String>,
) -> Result<(), Failure> {
    Ok(())
}
