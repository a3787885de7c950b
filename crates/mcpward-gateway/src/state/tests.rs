use super::*;

fn meta(uid: u32, mode: u32, kind: Kind) -> Meta {
    Meta { uid, mode, kind }
}

fn refusal(r: Result<(), StateError>) -> String {
    match r {
        Err(e @ StateError::Unsafe { .. }) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn private_dir_of_the_user_is_accepted() {
    let p = Path::new("/s");
    check_dir_meta(p, meta(1000, 0o700, Kind::Dir), 1000).unwrap();
    // Readable by others is not a takeover: files inside are 0600.
    check_dir_meta(p, meta(1000, 0o755, Kind::Dir), 1000).unwrap();
}

#[test]
fn dir_owned_by_another_user_is_refused() {
    let msg = refusal(check_dir_meta(
        Path::new("/tmp/mcpward"),
        meta(1001, 0o700, Kind::Dir),
        1000,
    ));
    assert!(msg.contains("/tmp/mcpward"), "{msg}");
    assert!(msg.contains("owned by uid 1001"), "{msg}");
    assert!(msg.contains("mv /tmp/mcpward"), "{msg}");
}

#[test]
fn dir_writable_by_group_or_others_is_refused() {
    for mode in [0o777, 0o770, 0o702, 0o1777] {
        let msg = refusal(check_dir_meta(
            Path::new("/s"),
            meta(1000, mode, Kind::Dir),
            1000,
        ));
        assert!(msg.contains("chmod 700 /s"), "{mode:o}: {msg}");
    }
}

#[test]
fn symlinked_dir_is_refused() {
    let msg = refusal(check_dir_meta(
        Path::new("/s"),
        meta(1000, 0o777, Kind::Symlink),
        1000,
    ));
    assert!(msg.contains("symbolic link"), "{msg}");
}

#[test]
fn state_file_owned_by_another_user_is_refused() {
    let msg = refusal(check_file_meta(
        Path::new("/s/audit.jsonl"),
        meta(0, 0o600, Kind::File),
        1000,
    ));
    assert!(msg.contains("owned by uid 0"), "{msg}");
    check_file_meta(Path::new("/s/a"), meta(1000, 0o644, Kind::File), 1000).unwrap();
}

#[test]
fn missing_dirs_are_created_private() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a/b/state");
    private_dir(&dir).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
    // Idempotent.
    private_dir(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn world_writable_state_dir_made_by_someone_else_beforehand_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mcpward");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    let err = private_dir(&dir).unwrap_err();
    assert!(matches!(err, StateError::Unsafe { .. }), "{err}");
    assert!(err.to_string().contains("mode 0777"), "{err}");
    // Left as it was: mcpward does not repair what it cannot trust.
    assert_eq!(
        fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o777
    );
}

#[cfg(unix)]
#[test]
fn symlinked_state_dir_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("elsewhere");
    fs::create_dir(&real).unwrap();
    let link = tmp.path().join("mcpward");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let err = private_dir(&link).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
}

#[cfg(unix)]
#[test]
fn symlinked_state_file_is_refused_and_its_target_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("target");
    fs::write(&target, "keep").unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
    let link = tmp.path().join("audit.jsonl");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for access in [Access::Append, Access::ReadWrite, Access::Read] {
        let err = open_private_file(&link, access).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }
    assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
    assert_eq!(
        fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o644
    );
    // A dangling link is not followed to create a file either.
    let dangling = tmp.path().join("head");
    std::os::unix::fs::symlink(tmp.path().join("created"), &dangling).unwrap();
    assert!(open_private_file(&dangling, Access::ReadWrite).is_err());
    assert!(!tmp.path().join("created").exists());
}

#[cfg(unix)]
#[test]
fn wider_state_file_is_narrowed_through_its_handle() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("f");
    fs::write(&path, "").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
    open_private_file(&path, Access::Append).unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}
