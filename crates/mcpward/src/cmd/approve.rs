use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ApproveArgs {}

#[derive(Debug, clap::Args)]
pub struct DenyArgs {}

pub fn approve(_args: ApproveArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}

pub fn deny(_args: DenyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
