//! Server-level precision and recall on the crate's own labelled corpus (tests/corpus: poisoned
//! cases over the eight techniques, each with a benign twin). Regenerate it with
//! `python3 tests/corpus/generate.py`.

use mcpward_inspect::{Definitions, inspect, is_poisoned};
use serde_json::Value;

#[test]
fn corpus_recall_and_precision_are_at_least_095() {
    let dir = format!("{}/tests/corpus", env!("CARGO_MANIFEST_DIR"));
    let labels: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/labels.json")).unwrap())
            .unwrap();
    let poisoned = labels.iter().filter(|l| l["poisoned"] == true).count();
    assert!(
        poisoned >= 100,
        "the corpus needs at least 100 poisoned cases, has {poisoned}"
    );
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut wrong = Vec::new();
    for label in &labels {
        let id = label["id"].as_str().unwrap();
        let text = std::fs::read_to_string(format!("{dir}/servers/{id}.json")).unwrap();
        let defs = Definitions::from_json(&text).unwrap();
        let verdict = is_poisoned(&inspect(id, &defs));
        let truth = label["poisoned"] == true;
        match (truth, verdict) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            _ => {}
        }
        if truth != verdict {
            wrong.push(id.to_string());
        }
    }
    let recall = tp as f64 / (tp + fn_) as f64;
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    assert!(
        recall >= 0.95 && precision >= 0.95,
        "recall {recall:.3} precision {precision:.3}; wrong: {wrong:?}"
    );
}
