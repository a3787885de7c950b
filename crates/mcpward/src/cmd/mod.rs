//! One module per subcommand: its arguments and a function from arguments to an exit code.

pub mod approve;
pub mod audit;
pub mod check;
pub mod creds;
pub mod log;
pub mod policy;
pub mod run;
pub mod secrets;
pub mod template;
pub mod wrap;
