//! Server-level precision and recall of the poisoning detectors on a labelled directory in the
//! bench format (`servers/<id>.json`, `labels.json`, optional `drift/`).
//!
//! `cargo run -p mcpward-inspect --example score -- <dir> [-v]`

use std::io::Write as _;
use std::path::Path;

use mcpward_inspect::{Definitions, Server, diff_definitions, inspect_with, is_poisoned};
use serde_json::Value;

fn load(path: &Path) -> Definitions {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Definitions::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn main() {
    let mut out = std::io::stdout().lock();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        let _ = writeln!(std::io::stderr(), "usage: score <dir> [-v]");
        std::process::exit(2);
    };
    let verbose = args.iter().any(|a| a == "-v");
    let dir = Path::new(dir);
    let labels: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("labels.json")).expect("labels.json"),
    )
    .expect("labels.json is JSON");
    let servers: Vec<(String, Definitions)> = labels
        .iter()
        .map(|l| {
            let id = l["id"].as_str().expect("id").to_string();
            let defs = load(&dir.join("servers").join(format!("{id}.json")));
            (id, defs)
        })
        .collect();
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    for (label, (id, defs)) in labels.iter().zip(&servers) {
        let group: Vec<&str> = label["group"]
            .as_array()
            .map(|g| g.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let others: Vec<Server<'_>> = servers
            .iter()
            .filter(|(o, _)| o != id && group.contains(&o.as_str()))
            .map(|(o, d)| Server {
                name: o,
                definitions: d,
            })
            .collect();
        let findings = inspect_with(id, defs, &others);
        let verdict = is_poisoned(&findings);
        let truth = label["poisoned"].as_bool().unwrap_or(false);
        match (truth, verdict) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => tn += 1,
        }
        if verbose && truth != verdict {
            let _ = writeln!(
                out,
                "{} {id} ({})",
                if truth { "missed" } else { "false alarm" },
                label["techniques"]
            );
            for f in findings
                .iter()
                .filter(|f| f.severity >= mcpward_core::Severity::Medium)
            {
                let _ = writeln!(out, "    {} {} {}", f.severity, f.rule, f.message);
            }
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let _ = writeln!(out, "servers: {} poisoned, {} benign", tp + fn_, fp + tn);
    let _ = writeln!(out, "  TP={tp} FN={fn_} FP={fp} TN={tn}");
    let drift = dir.join("drift").join("labels.json");
    if drift.exists() {
        let dl: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&drift).expect("drift labels"))
                .expect("drift labels are JSON");
        let mut right = 0;
        for d in &dl {
            let id = d["id"].as_str().expect("id");
            let before = load(&dir.join("drift").join(id).join("before.json"));
            let after = load(&dir.join("drift").join(id).join("after.json"));
            let report = diff_definitions(&before, &after);
            let flagged = report.is_suspicious();
            let ok = flagged == d["should_flag"].as_bool().unwrap_or(false);
            right += usize::from(ok);
            if verbose || !ok {
                let classes: Vec<&str> = report
                    .changes
                    .iter()
                    .flat_map(|c| c.classes.iter().map(|k| k.as_str()))
                    .collect();
                let _ = writeln!(
                    out,
                    "  drift {id}: drift={} suspicious={flagged} classes={classes:?} {}",
                    report.is_drift(),
                    if ok { "" } else { "WRONG" }
                );
            }
        }
        let _ = writeln!(out, "drift: {right}/{} pairs right", dl.len());
    }
    let _ = writeln!(
        out,
        "server_recall={:.3} server_precision={:.3}",
        ratio(tp, tp + fn_),
        ratio(tp, tp + fp)
    );
}
