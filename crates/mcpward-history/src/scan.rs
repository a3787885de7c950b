//! Decompress and scan the distinct blobs on every core.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use gix::objs::Find as _;

use crate::walk::Blob;
use crate::{HistorySecret, Progress};

#[derive(Debug, Default)]
pub(crate) struct Scanned {
    /// (index of the blob, secret)
    pub secrets: Vec<(usize, HistorySecret)>,
    pub bytes: u64,
    pub problems: Vec<String>,
}

/// Blobs larger than this are data, not configuration; they are skipped and reported.
const MAX_BLOB: usize = 8 * 1024 * 1024;

pub(crate) fn scan_blobs(
    git_dir: &std::path::Path,
    blobs: &[Blob],
    threads: usize,
    progress: &(dyn Fn(Progress) + Sync),
) -> Scanned {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let result = Mutex::new(Scanned::default());
    let total = blobs.len();
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                // Without gix's `parallel` feature a repository handle is not `Sync`: each
                // thread opens its own (cheap: the pack indexes are memory-mapped).
                let mut repo = match gix::open(git_dir) {
                    Ok(r) => r,
                    Err(e) => {
                        let mut all = result.lock().unwrap_or_else(|e| e.into_inner());
                        all.problems
                            .push(format!("{}: cannot open: {e}", git_dir.display()));
                        return;
                    }
                };
                repo.object_cache_size_if_unset(4 * 1024 * 1024);
                let detector = mcpward_secrets::Detector::global();
                let mut local = Scanned::default();
                let mut buf = Vec::new();
                const CHUNK: usize = 64;
                loop {
                    let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if start >= total {
                        break;
                    }
                    for (i, blob) in blobs.iter().enumerate().skip(start).take(CHUNK) {
                        scan_one(&repo, detector, i, blob, &mut buf, &mut local);
                    }
                    let d = done.fetch_add(CHUNK.min(total - start), Ordering::Relaxed);
                    progress(Progress::Blobs {
                        done: (d + CHUNK).min(total),
                        total,
                    });
                }
                let mut all = result.lock().unwrap_or_else(|e| e.into_inner());
                all.bytes += local.bytes;
                all.secrets.extend(local.secrets);
                all.problems.extend(local.problems);
            });
        }
    });
    let mut scanned = result.into_inner().unwrap_or_else(|e| e.into_inner());
    scanned.problems.sort();
    scanned
}

fn scan_one(
    repo: &gix::Repository,
    detector: &mcpward_secrets::Detector,
    index: usize,
    blob: &Blob,
    buf: &mut Vec<u8>,
    out: &mut Scanned,
) {
    let data = match repo.objects.try_find(&blob.id, buf) {
        Ok(Some(d)) => d.data,
        Ok(None) => {
            out.problems.push(format!(
                "blob {} ({} in commit {}) is missing",
                blob.id, blob.path, blob.commit
            ));
            return;
        }
        Err(e) => {
            out.problems.push(format!(
                "blob {} ({} in commit {}) cannot be read: {e}",
                blob.id, blob.path, blob.commit
            ));
            return;
        }
    };
    out.bytes += data.len() as u64;
    if data.len() > MAX_BLOB || data.contains(&0) {
        return;
    }
    let text = String::from_utf8_lossy(data);
    let found = detector.scan_text(&text);
    if found.is_empty() {
        return;
    }
    let mut line = 1;
    let mut pos = 0;
    for m in found {
        line += text.as_bytes()[pos..m.range.start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        pos = m.range.start;
        let secret = &text[m.range.clone()];
        out.secrets.push((
            index,
            HistorySecret {
                commit: blob.commit.to_string(),
                author_time: blob.author_time,
                path: blob.path.clone(),
                line,
                kind: m.kind,
                provider: m.provider,
                masked: mcpward_secrets::mask(secret),
                fingerprint: crate::fingerprint(secret),
                in_current_tree: false,
                used_by: Vec::new(),
            },
        ));
    }
}
