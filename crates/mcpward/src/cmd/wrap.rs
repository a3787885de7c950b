use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct WrapArgs {}

#[derive(Debug, clap::Args)]
pub struct UnwrapArgs {}

pub fn wrap(_args: WrapArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}

pub fn unwrap(_args: UnwrapArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
