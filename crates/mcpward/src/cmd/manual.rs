//! `mcpward completions` and `mcpward man`: generated from the clap definitions, never by hand.

use std::io::Write as _;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn completions(args: CompletionsArgs, mut cli: clap::Command) -> anyhow::Result<ExitCode> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cli, "mcpward", &mut out);
    anstream::stdout().write_all(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn man(cli: clap::Command) -> anyhow::Result<ExitCode> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cli).render(&mut out)?;
    anstream::stdout().write_all(&out)?;
    Ok(ExitCode::SUCCESS)
}
