//! The state directory (approval queue, audit log, key) and the files in it, opened so that
//! another local user cannot take them over.
//!
//! Whoever can write the approval queue can approve calls, and whoever can write the log's
//! directory can swap the log for a link to another file. So, like ssh's `StrictModes`:
//!
//! * a directory mcpward keeps state in must be a real directory (not a symlink), owned by the
//!   user running mcpward, and not writable by group or others; anything else is refused with
//!   the path and what to do. Missing directories are created with mode 0700;
//! * state files are opened without following symlinks (`O_NOFOLLOW`) and must be regular files
//!   owned by the user; wider permissions are narrowed to 0600 through the open handle, never
//!   through a path that could have been replaced by a link.
//!
//! Only the leaf directories are checked (the state directory, `approvals/`, the log's
//! directory), not every ancestor: `~/.local` belongs to the user's own care. Elsewhere than
//! Unix the checks are not made.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// Why a state directory or file was refused.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{}: {problem}; {fix}", path.display())]
    Unsafe {
        path: PathBuf,
        problem: String,
        fix: String,
    },
    // The cause is part of the message (not a `source`), so it is printed once.
    #[error("{}: cannot {action}: {error}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        error: io::Error,
    },
}

impl From<StateError> for io::Error {
    fn from(e: StateError) -> io::Error {
        let kind = match &e {
            StateError::Unsafe { .. } => io::ErrorKind::PermissionDenied,
            StateError::Io { error, .. } => error.kind(),
        };
        io::Error::new(kind, e)
    }
}

/// What [`check_dir_meta`] and [`check_file_meta`] look at, as `lstat` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// Owner's user id.
    pub uid: u32,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    pub kind: Kind,
}

/// File type of a state path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
    Symlink,
    Other,
}

/// The user id whose files mcpward trusts: the effective uid of this process.
pub fn current_uid() -> u32 {
    #[cfg(unix)]
    {
        rustix::process::geteuid().as_raw()
    }
    #[cfg(not(unix))]
    {
        0
    }
}

/// Decides whether a directory described by `meta` may hold mcpward's state for user `uid`:
/// a real directory, owned by `uid`, not writable by group or others.
pub fn check_dir_meta(path: &Path, meta: Meta, uid: u32) -> Result<(), StateError> {
    let shown = path.display();
    let refuse = |problem: String, fix: String| {
        Err(StateError::Unsafe {
            path: path.to_path_buf(),
            problem,
            fix,
        })
    };
    match meta.kind {
        Kind::Dir => {}
        Kind::Symlink => {
            return refuse(
                "is a symbolic link, and mcpward keeps its state only in a directory it owns"
                    .into(),
                format!(
                    "remove the link (`rm {shown}`) so mcpward creates a private directory, or pass --state-dir/--log with a directory of your own"
                ),
            );
        }
        Kind::File | Kind::Other => {
            return refuse(
                "is not a directory".into(),
                format!("move it aside (`mv {shown} {shown}.old`) and run again"),
            );
        }
    }
    if meta.uid != uid {
        return refuse(
            format!(
                "is owned by uid {}, not by you (uid {uid}): its owner could answer approvals or edit the audit log",
                meta.uid
            ),
            format!(
                "move it aside (`mv {shown} {shown}.suspect`, then inspect it) so mcpward creates its own"
            ),
        );
    }
    if meta.mode & 0o022 != 0 {
        return refuse(
            format!(
                "has mode {:04o}, so other users can create and replace files in it (answer approvals, swap the audit log)",
                meta.mode & 0o7777
            ),
            format!("check what is inside, then run `chmod 700 {shown}`"),
        );
    }
    Ok(())
}

/// Decides whether a state file described by `meta` may be used by user `uid`: a regular file
/// owned by `uid`. (Wider permissions are narrowed by the caller, through its handle.)
pub fn check_file_meta(path: &Path, meta: Meta, uid: u32) -> Result<(), StateError> {
    let shown = path.display();
    let refuse = |problem: String, fix: String| {
        Err(StateError::Unsafe {
            path: path.to_path_buf(),
            problem,
            fix,
        })
    };
    match meta.kind {
        Kind::File => {}
        Kind::Symlink => return Err(symlink_file(path)),
        Kind::Dir | Kind::Other => {
            return refuse(
                "is not a regular file".into(),
                format!("move it aside (`mv {shown} {shown}.old`) and run again"),
            );
        }
    }
    if meta.uid != uid {
        return refuse(
            format!(
                "is owned by uid {}, not by you (uid {uid}): it was not written by your mcpward",
                meta.uid
            ),
            format!("move it aside (`mv {shown} {shown}.suspect`, then inspect it) and run again"),
        );
    }
    Ok(())
}

fn symlink_file(path: &Path) -> StateError {
    StateError::Unsafe {
        path: path.to_path_buf(),
        problem: "is a symbolic link; mcpward does not follow links for its state files".into(),
        fix: format!("remove the link (`rm {}`) and run again", path.display()),
    }
}

#[cfg(unix)]
fn meta_of(m: &fs::Metadata) -> Meta {
    use std::os::unix::fs::MetadataExt;
    let ft = m.file_type();
    let kind = if ft.is_symlink() {
        Kind::Symlink
    } else if ft.is_dir() {
        Kind::Dir
    } else if ft.is_file() {
        Kind::File
    } else {
        Kind::Other
    };
    Meta {
        uid: m.uid(),
        mode: m.mode() & 0o7777,
        kind,
    }
}

/// Checks an existing state directory without creating anything. `Ok(false)`: it does not
/// exist.
pub fn check_private_dir(dir: &Path) -> Result<bool, StateError> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(error) => {
            return Err(StateError::Io {
                path: dir.to_path_buf(),
                action: "read its metadata",
                error,
            });
        }
    };
    #[cfg(unix)]
    check_dir_meta(dir, meta_of(&meta), current_uid())?;
    #[cfg(not(unix))]
    let _ = meta;
    Ok(true)
}

/// Makes sure `dir` is a private state directory: creates it (and missing parents) with mode
/// 0700, or checks the existing one with [`check_dir_meta`].
pub fn private_dir(dir: &Path) -> Result<(), StateError> {
    if check_private_dir(dir)? {
        return Ok(());
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|error| StateError::Io {
        path: dir.to_path_buf(),
        action: "create it",
        error,
    })?;
    // Whatever was created (or raced in) must pass the same check.
    check_private_dir(dir).map(|_| ())
}

/// How a state file is opened by [`open_private_file`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only; the file must exist.
    Read,
    /// Append, creating it (0600) when missing.
    Append,
    /// Read and write in place, creating it (0600) when missing.
    ReadWrite,
    /// Write a new file (0600); fails if it exists.
    CreateNew,
}

/// Opens a state file without following a symlink at `path`, checks that it is a regular file
/// owned by the user ([`check_file_meta`]) and, when writing, narrows wider permissions to 0600
/// through the handle.
pub fn open_private_file(path: &Path, access: Access) -> Result<File, StateError> {
    let mut o = OpenOptions::new();
    match access {
        Access::Read => o.read(true),
        Access::Append => o.append(true).create(true),
        Access::ReadWrite => o.read(true).write(true).create(true),
        Access::CreateNew => o.write(true).create_new(true),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
        // Flag bits fit in an i32.
        o.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    let file = o.open(path).map_err(|error| {
        // ELOOP: `path` is a symlink that O_NOFOLLOW refused to open.
        #[cfg(unix)]
        if error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
            return symlink_file(path);
        }
        StateError::Io {
            path: path.to_path_buf(),
            action: match access {
                Access::Read => "open it for reading",
                Access::Append => "open it for appending",
                Access::ReadWrite => "open it for writing",
                Access::CreateNew => "create it",
            },
            error,
        }
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let io = |action| {
            move |error| StateError::Io {
                path: path.to_path_buf(),
                action,
                error,
            }
        };
        let meta = meta_of(&file.metadata().map_err(io("read its metadata"))?);
        check_file_meta(path, meta, current_uid())?;
        if access != Access::Read && meta.mode & 0o077 != 0 {
            // fchmod on the handle: the file checked above, not whatever the path names now.
            file.set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(io("narrow its permissions to 0600"))?;
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests;
