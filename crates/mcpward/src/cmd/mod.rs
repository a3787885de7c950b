//! One module per subcommand: its arguments and a function from arguments to an exit code.

pub mod approve;
pub mod audit;
pub mod check;
pub mod creds;
pub mod history;
pub mod hook_install;
pub mod inspect;
pub mod log;
pub mod manual;
pub mod pin;
pub mod policy;
pub mod ps;
pub mod run;
pub mod sandbox;
pub mod secrets;
pub mod serve;
pub mod template;
pub mod ui;
pub mod wrap;
