//! Secret references resolved at launch, against stand-in `op` and `vault` executables that
//! behave like the real CLIs (stdout value, exit codes, stderr), an in-memory keychain, and
//! files with and without user-only permissions.
#![cfg(unix)]

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use mcpward_creds::resolve::{ResolveError, Resolver, SecretRef};
use mcpward_creds::store::{MemoryStore, SecretStore};
use mcpward_creds::{Secret, parse_assignment};
use mcpward_testkit::fake_github_token;

fn stand_in(dir: &Path, name: &str, script: &str) {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `op read [--no-newline] op://…`: prints the field, or fails like the real CLI when signed out.
fn fake_op(dir: &Path, signed_in: bool) {
    let token = fake_github_token();
    let script = if signed_in {
        format!(
            r#"[ "$1" = read ] || {{ echo "[ERROR] unknown command \"$1\"" >&2; exit 1; }}
for a in "$@"; do ref="$a"; done
case "$ref" in
  op://Private/GitHub/token) printf '%s' '{token}' ;;
  *) echo "[ERROR] 2026/12/03 10:00:00 could not read secret '$ref': could not find item" >&2; exit 1 ;;
esac"#
        )
    } else {
        r#"echo "[ERROR] 2026/12/03 10:00:00 You are not currently signed in. Please run \`op signin --help\` for instructions" >&2; exit 1"#.to_string()
    };
    stand_in(dir, "op", &script);
}

/// `vault kv get -field=F PATH`.
fn fake_vault(dir: &Path) {
    let token = fake_github_token();
    stand_in(
        dir,
        "vault",
        &format!(
            r#"[ "$1 $2" = "kv get" ] || exit 1
case "$3 $4" in
  "-field=token secret/github") echo '{token}' ;;
  *) echo "Error making API request. Code: 403. Errors: * permission denied" >&2; exit 2 ;;
esac"#
        ),
    );
}

fn resolver<'a>(
    store: &'a dyn SecretStore,
    env: &'a dyn Fn(&str) -> Option<String>,
    path: &Path,
) -> Resolver<'a> {
    Resolver {
        store,
        env,
        path: Some(OsString::from(path)),
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

#[test]
fn op_reference_is_read_with_op_read() {
    let bin = tempfile::tempdir().unwrap();
    fake_op(bin.path(), true);
    let store = MemoryStore::default();
    let r = resolver(&store, &no_env, bin.path());
    let v = r
        .resolve(&SecretRef::parse("op://Private/GitHub/token").unwrap())
        .unwrap();
    assert_eq!(v.expose(), fake_github_token());
}

/// A CLI still open for writing somewhere (being replaced by an update, or just written while
/// another thread forked) cannot be executed for a moment (`ETXTBSY`); the resolver waits for it
/// instead of failing the launch with "Text file busy".
#[test]
fn cli_still_open_for_writing_is_run_once_the_writer_lets_go() {
    let bin = tempfile::tempdir().unwrap();
    fake_op(bin.path(), true);
    let writer = std::fs::OpenOptions::new()
        .append(true)
        .open(bin.path().join("op"))
        .unwrap();
    let busy = std::process::Command::new(bin.path().join("op")).output();
    assert_eq!(
        busy.map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::ExecutableFileBusy,
        "the kernel refuses to run a file open for writing"
    );
    let released = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(30));
        drop(writer);
    });
    let store = MemoryStore::default();
    let r = resolver(&store, &no_env, bin.path());
    let v = r
        .resolve(&SecretRef::parse("op://Private/GitHub/token").unwrap())
        .unwrap();
    assert_eq!(v.expose(), fake_github_token());
    released.join().unwrap();
}

#[test]
fn op_signed_out_names_the_reference_and_how_to_sign_in() {
    let bin = tempfile::tempdir().unwrap();
    fake_op(bin.path(), false);
    let store = MemoryStore::default();
    let r = resolver(&store, &no_env, bin.path());
    let e = r
        .resolve(&SecretRef::parse("op://Private/GitHub/token").unwrap())
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("op://Private/GitHub/token: `op` failed (exit status 1)"),
        "{text}"
    );
    assert!(text.contains("op signin"), "{text}");
}

#[test]
fn missing_cli_says_what_to_install() {
    let empty = tempfile::tempdir().unwrap();
    let store = MemoryStore::default();
    let r = resolver(&store, &no_env, empty.path());
    let e = r
        .resolve(&SecretRef::parse("vault:secret/github#token").unwrap())
        .unwrap_err();
    assert!(matches!(e, ResolveError::MissingCli { .. }), "{e}");
    let text = e.to_string();
    assert!(text.contains("vault:secret/github#token"), "{text}");
    assert!(text.contains("install the Vault CLI"), "{text}");
    let e = r
        .resolve(&SecretRef::parse("op://a/b/c").unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("install the 1Password CLI"), "{e}");
}

#[test]
fn vault_reference_uses_kv_get_field_and_reports_denials() {
    let bin = tempfile::tempdir().unwrap();
    fake_vault(bin.path());
    let store = MemoryStore::default();
    let r = resolver(&store, &no_env, bin.path());
    let v = r
        .resolve(&SecretRef::parse("vault:secret/github#token").unwrap())
        .unwrap();
    assert_eq!(
        v.expose(),
        fake_github_token(),
        "trailing newline is trimmed"
    );
    let e = r
        .resolve(&SecretRef::parse("vault:secret/other#token").unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("exit status 2"), "{e}");
    assert!(e.contains("permission denied"), "{e}");
    assert!(e.contains("vault login"), "{e}");
}

#[test]
fn keyring_reference_reads_the_store_and_says_how_to_fill_it() {
    let store = MemoryStore::default();
    store
        .set("mcpward", "GITHUB_TOKEN", &Secret::new(fake_github_token()))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let r = resolver(&store, &no_env, dir.path());
    let got = r
        .resolve_all(&[parse_assignment("GITHUB_TOKEN=keyring:mcpward/GITHUB_TOKEN").unwrap()])
        .unwrap();
    assert_eq!(got[0].0, "GITHUB_TOKEN");
    assert_eq!(got[0].1.expose(), fake_github_token());
    let e = r
        .resolve(&SecretRef::parse("keyring:mcpward/NOPE").unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("mcpward secrets set NOPE"), "{e}");
}

#[test]
fn one_failure_stops_all_so_nothing_starts_half_configured() {
    let store = MemoryStore::default();
    let env = |k: &str| (k == "SET").then(|| "value".to_string());
    let dir = tempfile::tempdir().unwrap();
    let r = resolver(&store, &env, dir.path());
    let refs = [
        parse_assignment("A=env:SET").unwrap(),
        parse_assignment("B=env:UNSET").unwrap(),
    ];
    let e = r.resolve_all(&refs).unwrap_err().to_string();
    assert!(e.starts_with("env:UNSET: `UNSET` is not set"), "{e}");
    assert!(!e.contains("value"), "{e}");
}

#[test]
fn file_reference_must_be_user_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, format!("{}\n", fake_github_token())).unwrap();
    let store = MemoryStore::default();
    let r = resolver(&store, &no_env, dir.path());
    let reference = SecretRef::parse(&format!("file:{}", path.display())).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = r.resolve(&reference).unwrap_err().to_string();
    assert!(e.contains("readable or writable by others"), "{e}");
    assert!(e.contains("chmod 600"), "{e}");
    assert!(!e.contains(&fake_github_token()), "{e}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(r.resolve(&reference).unwrap().expose(), fake_github_token());
    // A symlink to it is refused, even though the target is private.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let via_link = SecretRef::parse(&format!("file:{}", link.display())).unwrap();
    assert!(r.resolve(&via_link).is_err());
}
