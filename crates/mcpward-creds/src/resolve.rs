//! Secret references resolved at launch (`mcpward run --secret NAME=REF`, policy `[secrets]`).
//!
//! | reference | where the value comes from |
//! |---|---|
//! | `keyring:service/account` | the OS keychain ([`SecretStore`]) |
//! | `op://vault/item/field` | 1Password CLI: `op read <ref>` |
//! | `vault:path#field` | Vault CLI: `vault kv get -field=<field> <path>` |
//! | `env:VAR` | mcpward's own environment |
//! | `file:PATH` | a file only its owner can read (refused otherwise) |
//!
//! Values are [`Secret`]s: they cannot be printed by accident. No error message holds a value:
//! errors name the reference and what to install or log in to. The CLIs get the reference as
//! an argument (a locator, not a secret) and hand the value back on stdout, never on a command
//! line.

use std::ffi::OsString;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::store::{SecretStore, StoreError};

/// A secret value. `Debug` and `Display` print a placeholder; [`Secret::expose`] is the one way
/// to the text.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A parsed reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    Keyring { service: String, account: String },
    OnePassword(String),
    Vault { path: String, field: String },
    Env(String),
    File(PathBuf),
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Keyring { service, account } => write!(f, "keyring:{service}/{account}"),
            SecretRef::OnePassword(r) => f.write_str(r),
            SecretRef::Vault { path, field } => write!(f, "vault:{path}#{field}"),
            SecretRef::Env(v) => write!(f, "env:{v}"),
            SecretRef::File(p) => write!(f, "file:{}", p.display()),
        }
    }
}

/// Why a reference could not be used. Messages name the reference, never a value.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(
        "`{0}` is not a secret reference\nhint: use keyring:SERVICE/ACCOUNT, op://VAULT/ITEM/FIELD, vault:PATH#FIELD, env:VAR or file:PATH"
    )]
    Syntax(String),
    #[error(
        "{reference}: the {cli} CLI (`{program}`) is not installed or not on PATH\nhint: {install}"
    )]
    MissingCli {
        reference: String,
        cli: &'static str,
        program: &'static str,
        install: &'static str,
    },
    #[error("{reference}: `{program}` failed ({status}){detail}\nhint: {fix}")]
    CliFailed {
        reference: String,
        program: &'static str,
        status: String,
        detail: String,
        fix: String,
    },
    #[error("{reference}: {problem}\nhint: {fix}")]
    Unresolvable {
        reference: String,
        problem: String,
        fix: String,
    },
}

/// `NAME=REF` from `--secret`.
pub fn parse_assignment(text: &str) -> Result<(String, SecretRef), ResolveError> {
    let (name, reference) = text.split_once('=').ok_or_else(|| {
        ResolveError::Syntax(format!(
            "{} (expected NAME=REF, e.g. GITHUB_TOKEN=keyring:mcpward/GITHUB_TOKEN)",
            shown(text)
        ))
    })?;
    let valid_name = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid_name {
        return Err(ResolveError::Syntax(format!(
            "{} (the variable name must be letters, digits and `_`)",
            shown(text)
        )));
    }
    let parsed = SecretRef::parse(reference).map_err(|_| ResolveError::Syntax(shown(text)))?;
    Ok((name.to_string(), parsed))
}

/// What an error may show of a would-be reference: a locator with a known scheme as written,
/// anything else (possibly the secret itself, passed by mistake) masked.
fn shown(text: &str) -> String {
    let reference = text.split_once('=').map_or(text, |(_, r)| r);
    let known = ["keyring:", "op://", "vault:", "env:", "file:"]
        .iter()
        .any(|s| reference.starts_with(s));
    if known {
        text.to_string()
    } else {
        match text.split_once('=') {
            Some((name, r)) => format!("{name}={}", mcpward_secrets::mask(r)),
            None => mcpward_secrets::mask(text),
        }
    }
}

impl SecretRef {
    pub fn parse(text: &str) -> Result<SecretRef, ResolveError> {
        let bad = || ResolveError::Syntax(shown(text));
        if let Some(rest) = text.strip_prefix("keyring:") {
            let (service, account) = rest.split_once('/').ok_or_else(bad)?;
            if service.is_empty() || account.is_empty() {
                return Err(bad());
            }
            return Ok(SecretRef::Keyring {
                service: service.into(),
                account: account.into(),
            });
        }
        if let Some(rest) = text.strip_prefix("op://") {
            if rest.split('/').filter(|p| !p.is_empty()).count() < 3 {
                return Err(bad());
            }
            return Ok(SecretRef::OnePassword(text.into()));
        }
        if let Some(rest) = text.strip_prefix("vault:") {
            let (path, field) = rest.rsplit_once('#').ok_or_else(bad)?;
            if path.is_empty() || field.is_empty() || path.starts_with('-') {
                return Err(bad());
            }
            return Ok(SecretRef::Vault {
                path: path.into(),
                field: field.into(),
            });
        }
        if let Some(var) = text.strip_prefix("env:") {
            if var.is_empty() {
                return Err(bad());
            }
            return Ok(SecretRef::Env(var.into()));
        }
        if let Some(path) = text.strip_prefix("file:") {
            if path.is_empty() {
                return Err(bad());
            }
            return Ok(SecretRef::File(PathBuf::from(path)));
        }
        Err(bad())
    }
}

/// Where references are resolved: the keychain, the environment and PATH to use.
pub struct Resolver<'a> {
    pub store: &'a dyn SecretStore,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// `PATH` for finding `op` and `vault`.
    pub path: Option<OsString>,
}

impl fmt::Debug for Resolver<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Resolver<'_> {
    /// Resolves every `(NAME, REF)`; the first failure stops everything, so a server is never
    /// started with part of its secrets.
    pub fn resolve_all(
        &self,
        refs: &[(String, SecretRef)],
    ) -> Result<Vec<(String, Secret)>, ResolveError> {
        refs.iter()
            .map(|(name, r)| Ok((name.clone(), self.resolve(r)?)))
            .collect()
    }

    pub fn resolve(&self, r: &SecretRef) -> Result<Secret, ResolveError> {
        let reference = r.to_string();
        let value = match r {
            SecretRef::Keyring { service, account } => match self.store.get(service, account) {
                Ok(v) => v,
                Err(StoreError::NotFound) => {
                    return Err(ResolveError::Unresolvable {
                        reference,
                        problem: "no such entry in the OS keychain".into(),
                        fix: if service == crate::store::SERVICE {
                            format!("store it with `mcpward secrets set {account}`")
                        } else {
                            format!(
                                "add the entry (service `{service}`, account `{account}`) to your keychain"
                            )
                        },
                    });
                }
                Err(e) => {
                    return Err(ResolveError::Unresolvable {
                        reference,
                        problem: e.to_string(),
                        fix: "unlock your keychain (on Linux: start a Secret Service such as gnome-keyring or KeePassXC)".into(),
                    });
                }
            },
            SecretRef::OnePassword(locator) => self.run_cli(
                &reference,
                Cli::OP,
                &[
                    OsString::from("read"),
                    OsString::from("--no-newline"),
                    locator.into(),
                ],
            )?,
            SecretRef::Vault { path, field } => self.run_cli(
                &reference,
                Cli::VAULT,
                &[
                    OsString::from("kv"),
                    OsString::from("get"),
                    OsString::from(format!("-field={field}")),
                    path.into(),
                ],
            )?,
            SecretRef::Env(var) => (self.env)(var).ok_or_else(|| ResolveError::Unresolvable {
                reference: reference.clone(),
                problem: format!("`{var}` is not set in mcpward's environment"),
                fix: format!(
                    "export {var} before starting the client, or use a keyring: reference"
                ),
            })?,
            SecretRef::File(path) => read_private_file(&reference, path)?,
        };
        let value = value.strip_suffix('\n').unwrap_or(&value);
        let value = value.strip_suffix('\r').unwrap_or(value).to_string();
        if value.is_empty() {
            return Err(ResolveError::Unresolvable {
                reference,
                problem: "the value is empty".into(),
                fix: "store the secret again".into(),
            });
        }
        Ok(Secret(value))
    }

    fn run_cli(
        &self,
        reference: &str,
        cli: Cli,
        args: &[OsString],
    ) -> Result<String, ResolveError> {
        let Some(program) = find_program(cli.program, self.path.as_deref()) else {
            return Err(ResolveError::MissingCli {
                reference: reference.into(),
                cli: cli.name,
                program: cli.program,
                install: cli.install,
            });
        };
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(p) = &self.path {
            cmd.env("PATH", p);
        }
        let out = output_when_not_busy(&mut cmd).map_err(|e| ResolveError::CliFailed {
            reference: reference.into(),
            program: cli.program,
            status: "could not start".into(),
            detail: format!(": {e}"),
            fix: cli.install.into(),
        })?;
        let stdout = String::from_utf8(out.stdout).unwrap_or_default();
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            // The CLI's own explanation helps ("not signed in", "permission denied"); it never
            // holds the value, and is still passed through redaction and cut short.
            let first = stderr
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("");
            let first = mcpward_secrets::Detector::global()
                .redact(first)
                .into_owned();
            let first: String = first.chars().take(200).collect();
            let lowered = stderr.to_ascii_lowercase();
            let auth_problem = [
                "sign",
                "session",
                "authoriz",
                "permission denied",
                "403",
                "token",
            ]
            .iter()
            .any(|w| lowered.contains(w));
            let fix = if auth_problem {
                cli.login.to_string()
            } else {
                format!(
                    "check that the reference names an existing item and field; {}",
                    cli.login
                )
            };
            return Err(ResolveError::CliFailed {
                reference: reference.into(),
                program: cli.program,
                status: out.status.code().map_or_else(
                    || "killed by a signal".into(),
                    |c| format!("exit status {c}"),
                ),
                detail: if first.is_empty() {
                    String::new()
                } else {
                    format!(": {first}")
                },
                fix,
            });
        }
        Ok(stdout)
    }
}

#[derive(Debug, Clone, Copy)]
struct Cli {
    name: &'static str,
    program: &'static str,
    install: &'static str,
    login: &'static str,
}

impl Cli {
    const OP: Cli = Cli {
        name: "1Password",
        program: "op",
        install: "install the 1Password CLI (https://developer.1password.com/docs/cli/get-started/) and sign in with `op signin`",
        login: "sign in to 1Password with `op signin` (or set OP_SERVICE_ACCOUNT_TOKEN for a service account)",
    };
    const VAULT: Cli = Cli {
        name: "Vault",
        program: "vault",
        install: "install the Vault CLI (https://developer.hashicorp.com/vault/install), set VAULT_ADDR and log in with `vault login`",
        login: "log in with `vault login` (and check VAULT_ADDR)",
    };
}

/// Runs `cmd` to completion, trying again for a moment while the kernel refuses to execute the
/// program because a process still has it open for writing (`ETXTBSY`): a CLI that a package
/// update is replacing, or one written just before (another thread's fork holds the writer's
/// descriptor until that child execs). Any other error is returned at once.
fn output_when_not_busy(cmd: &mut Command) -> std::io::Result<std::process::Output> {
    let mut pause = std::time::Duration::from_millis(5);
    for _ in 0..6 {
        match cmd.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(pause);
                pause *= 2;
            }
            other => return other,
        }
    }
    cmd.output()
}

/// `program` in the directories of `path` (an executable regular file).
fn find_program(program: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let path = path?;
    std::env::split_paths(path)
        .filter(|d| d.is_absolute())
        .flat_map(|d| {
            let mut names = vec![d.join(program)];
            if cfg!(windows) {
                names.push(d.join(format!("{program}.exe")));
            }
            names
        })
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// Reads a `file:` secret: it must be a regular file (no symlink), owned by the user, readable
/// by nobody else.
fn read_private_file(reference: &str, path: &Path) -> Result<String, ResolveError> {
    let refuse = |problem: String, fix: String| ResolveError::Unresolvable {
        reference: reference.into(),
        problem,
        fix,
    };
    let mut file =
        mcpward_gateway::state::open_private_file(path, mcpward_gateway::state::Access::Read)
            .map_err(|e| {
                refuse(
                    e.to_string(),
                    "point file: at a regular file you own".into(),
                )
            })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(|e| {
                refuse(
                    format!("cannot read its metadata: {e}"),
                    "check the path".into(),
                )
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(refuse(
                format!(
                    "the file is readable or writable by others (mode {:o})",
                    mode & 0o777
                ),
                format!("make it user-only: chmod 600 {}", path.display()),
            ));
        }
    }
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| refuse(format!("cannot read it: {e}"), "check the file".into()))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_reference_form() {
        assert_eq!(
            SecretRef::parse("keyring:mcpward/GH").unwrap(),
            SecretRef::Keyring {
                service: "mcpward".into(),
                account: "GH".into()
            }
        );
        assert_eq!(
            SecretRef::parse("vault:secret/github#token").unwrap(),
            SecretRef::Vault {
                path: "secret/github".into(),
                field: "token".into()
            }
        );
        assert!(matches!(
            SecretRef::parse("op://v/i/f").unwrap(),
            SecretRef::OnePassword(_)
        ));
        assert!(matches!(
            SecretRef::parse("env:X").unwrap(),
            SecretRef::Env(_)
        ));
        assert!(matches!(
            SecretRef::parse("file:/x").unwrap(),
            SecretRef::File(_)
        ));
        for bad in [
            "",
            "ghp_x",
            "keyring:x",
            "op://v/i",
            "vault:path",
            "vault:-x#f",
            "env:",
        ] {
            assert!(SecretRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn assignment_needs_a_variable_name() {
        assert_eq!(parse_assignment("A_1=env:B").unwrap().0, "A_1");
        assert!(parse_assignment("1A=env:B").is_err());
        assert!(parse_assignment("A-B=env:B").is_err());
        assert!(parse_assignment("env:B").is_err());
    }

    #[test]
    fn a_secret_passed_instead_of_a_reference_is_not_echoed() {
        let token = format!("ghp_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A");
        let e = parse_assignment(&format!("GITHUB_TOKEN={token}"))
            .unwrap_err()
            .to_string();
        assert!(!e.contains(&token), "{e}");
        assert!(e.contains("GITHUB_TOKEN=ghp_…(40 chars)"), "{e}");
        let e = parse_assignment(&token).unwrap_err().to_string();
        assert!(!e.contains(&token), "{e}");
    }

    #[test]
    fn secret_debug_hides_the_value() {
        assert_eq!(
            format!("{:?}", Secret::new("hunter2".into())),
            "Secret(<redacted>)"
        );
    }
}
