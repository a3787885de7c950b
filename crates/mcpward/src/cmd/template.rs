//! `mcpward template [CONFIG]`: a shareable copy of a config with every literal secret replaced
//! by the client's reference syntax. The work is in `mcpward_creds::template`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The config to template (default: every discovered config that holds a literal secret).
    pub config: Option<PathBuf>,
    /// Show what would change (secrets masked) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Project directory for discovery (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let files = match &args.config {
        Some(path) => super::creds::load_configs(std::slice::from_ref(path), None)?,
        None => {
            let all = super::creds::load_configs(&[], args.project.as_deref())?;
            all.into_iter()
                .filter(|f| {
                    f.servers
                        .iter()
                        .any(|s| !mcpward_audit::literal_secrets(f, s).is_empty())
                })
                .collect()
        }
    };
    let mut out = anstream::stdout();
    let mut err = anstream::stderr();
    if files.is_empty() {
        if args.config.is_some() {
            bail!("no config could be read");
        }
        writeln!(
            err,
            "no discovered config holds a literal secret; nothing to template"
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for file in &files {
        let t = mcpward_creds::template(file)?;
        if args.dry_run {
            out.write_all(mcpward_creds::template::diff(&t).as_bytes())?;
            if !t.variables.is_empty() {
                writeln!(out, "would write {}", t.env_example.display())?;
            }
            if let Some((gitignore, line)) = &t.gitignore {
                writeln!(out, "would add `{line}` to {}", gitignore.display())?;
            }
            continue;
        }
        let written = mcpward_creds::template::write(&t)
            .with_context(|| format!("while templating {}", file.path.display()))?;
        for path in written {
            writeln!(err, "wrote {}", path.display())?;
        }
        if t.variables.is_empty() {
            writeln!(
                err,
                "{}: no literal secret; the template is a copy",
                file.path.display()
            )?;
        } else {
            writeln!(
                err,
                "{}: {} secret(s) replaced by references ({}); rotate them, they were written to disk",
                file.path.display(),
                t.variables.len(),
                t.variables
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
