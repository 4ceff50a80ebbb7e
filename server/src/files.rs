//! The server's own files: the data folder, the SQLite database and the key
//! files are readable by the server's user alone (folders 0700, files 0600).
//! The database holds every record and the access log; the key file can mint
//! any token. Permissions an older version left open are closed at start.

use std::io;
use std::path::{Path, PathBuf};

/// Creates `dir` if needed and makes it 0700.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)
}

/// Creates `path` empty if it does not exist (0600 from the first moment,
/// so SQLite, which gives its -wal and -shm files the database file's mode,
/// never creates a readable one), and makes an existing one 0600.
pub fn private_file(path: &Path) -> io::Result<()> {
    match create_new(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => set_mode(path, 0o600),
        Err(e) => Err(e),
    }
}

/// The SQLite database at `db` and its -wal, -shm and -journal files, 0600
/// where they exist.
pub fn private_sqlite(db: &Path) -> io::Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let path = PathBuf::from(name);
        match set_mode(&path, 0o600) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Writes `bytes` to a new file at `path`, 0600 from the first moment;
/// `AlreadyExists` if there is one (two processes starting at once agree
/// on whichever wrote first).
pub fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut f = create_new(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Replaces the file at `path` with `bytes` at once: written to a private
/// temporary file beside it, then renamed over it, so a reader sees the
/// old file or the new one, never half of one.
pub fn replace_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    write_new_private(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn create_new(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(path: &Path, _: u32) -> io::Result<()> {
    std::fs::metadata(path).map(|_| ())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_end_up_private_whether_new_or_left_open() {
        let dir = std::env::temp_dir().join(format!("fieldlog-files-{}", uuid::Uuid::new_v4()));
        private_dir(&dir).expect("dir");
        assert_eq!(mode(&dir), 0o700);
        let db = dir.join("fieldlog.db");
        private_file(&db).expect("new");
        assert_eq!(mode(&db), 0o600);
        let wal = dir.join("fieldlog.db-wal");
        std::fs::write(&wal, b"x").expect("write");
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        private_sqlite(&db).expect("sqlite");
        assert_eq!((mode(&db), mode(&wal)), (0o600, 0o600));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        private_dir(&dir).expect("again");
        assert_eq!(mode(&dir), 0o700);
        let keys = dir.join("keys.json");
        write_new_private(&keys, b"1").expect("new");
        assert_eq!(
            write_new_private(&keys, b"2").map_err(|e| e.kind()),
            Err(io::ErrorKind::AlreadyExists)
        );
        replace_private(&keys, b"3").expect("replace");
        assert_eq!(std::fs::read(&keys).expect("read"), b"3");
        assert_eq!(mode(&keys), 0o600);
        let _ = std::fs::remove_dir_all(dir);
    }
}
