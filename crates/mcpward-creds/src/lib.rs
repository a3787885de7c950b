//! Credential lifecycle for MCP configs.
//!
//! - [`inventory`](mod@inventory): every credential the discovered configs use (references and literals, the
//!   latter by fingerprint only), with provider, users and the `overbroad-credential` knowledge;
//! - [`state`] and [`schedule`](mod@schedule): first sight, rotations and the status of each (ok, due soon,
//!   overdue), kept in a user-only state file written atomically;
//! - [`calendar`](mod@calendar): an iCalendar file with one reminder per credential;
//! - [`resolve`] and [`store`]: secret references (`keyring:`, `op://`, `vault:`, `env:`,
//!   `file:`) resolved at launch, and the OS keychain behind `mcpward secrets`;
//! - [`template`](mod@template): a shareable copy of a config with every literal secret replaced by the
//!   client's own reference syntax.
#![forbid(unsafe_code)]

pub mod calendar;
pub mod inventory;
pub mod report;
pub mod resolve;
pub mod schedule;
pub mod state;
pub mod store;
pub mod template;

pub use calendar::calendar;
pub use inventory::{Credential, CredentialId, Origin, Usage, fingerprint, inventory};
pub use resolve::{ResolveError, Resolver, Secret, SecretRef, parse_assignment};
pub use schedule::{DEFAULT_PERIOD_DAYS, DUE_SOON_DAYS, Row, Status, schedule};
pub use state::{RotationState, StateFileError};
pub use store::{OsKeychain, SecretStore};
pub use template::{Template, TemplateError, template};

/// Today's date in the local time zone.
pub fn today() -> jiff::civil::Date {
    jiff::ZonedDateTime::now().date()
}
