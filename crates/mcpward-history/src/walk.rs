//! From refs to distinct blobs: every commit reachable from every ref, every tree walked once.

use std::collections::{HashMap, HashSet};

use gix::ObjectId;
use gix::objs::Find as _;

use crate::Progress;

/// A blob to scan, with the first place it was seen.
#[derive(Debug, Clone)]
pub(crate) struct Blob {
    pub id: ObjectId,
    pub commit: ObjectId,
    pub author_time: i64,
    pub path: String,
    /// The blob is in HEAD's tree.
    pub in_head: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Walked {
    pub commits: usize,
    pub blobs: Vec<Blob>,
    pub problems: Vec<String>,
}

struct Commit {
    id: ObjectId,
    tree: ObjectId,
    author_time: i64,
    commit_time: i64,
}

pub(crate) fn walk(
    repo: &gix::Repository,
    all_files: bool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Walked {
    let mut walked = Walked::default();
    let tips = tips(repo, &mut walked.problems);
    let mut commits = commits(repo, tips, &mut walked.problems, progress);
    walked.commits = commits.len();
    // Oldest first, so the first commit to reach a blob is the one that introduced it.
    commits.sort_by_key(|c| c.commit_time);

    let mut trees_seen: HashSet<ObjectId> = HashSet::new();
    let mut blob_index: HashMap<ObjectId, usize> = HashMap::new();
    let mut buf = Vec::new();
    for c in &commits {
        let mut stack = vec![(c.tree, String::new())];
        while let Some((tree, prefix)) = stack.pop() {
            if !trees_seen.insert(tree) {
                continue;
            }
            let data = match repo.objects.try_find(&tree, &mut buf) {
                Ok(Some(d)) => d.data.to_vec(),
                Ok(None) => {
                    walked
                        .problems
                        .push(format!("tree {tree} (in commit {}) is missing", c.id));
                    continue;
                }
                Err(e) => {
                    walked.problems.push(format!(
                        "tree {tree} (in commit {}) cannot be read: {e}",
                        c.id
                    ));
                    continue;
                }
            };
            for entry in gix::objs::TreeRefIter::from_bytes(&data, repo.object_hash()) {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        walked
                            .problems
                            .push(format!("tree {tree} (in commit {}) is corrupt: {e}", c.id));
                        break;
                    }
                };
                let path = if prefix.is_empty() {
                    entry.filename.to_string()
                } else {
                    format!("{prefix}/{}", entry.filename)
                };
                if entry.mode.is_tree() {
                    stack.push((entry.oid.to_owned(), path));
                } else if entry.mode.is_blob()
                    && (all_files || crate::files::is_config_like(path.as_bytes()))
                    && !blob_index.contains_key(entry.oid)
                {
                    blob_index.insert(entry.oid.to_owned(), walked.blobs.len());
                    walked.blobs.push(Blob {
                        id: entry.oid.to_owned(),
                        commit: c.id,
                        author_time: c.author_time,
                        path,
                        in_head: false,
                    });
                }
            }
        }
    }
    if let Ok(head) = repo.head_tree_id() {
        for id in tree_blobs(repo, head.detach()) {
            if let Some(&i) = blob_index.get(&id) {
                walked.blobs[i].in_head = true;
            }
        }
    }
    walked
}

/// Every commit a ref, HEAD or a stash reflog entry points at (annotated tags peeled).
fn tips(repo: &gix::Repository, problems: &mut Vec<String>) -> Vec<ObjectId> {
    let mut tips = Vec::new();
    if let Ok(id) = repo.head_id() {
        tips.push(id.detach());
    }
    let platform = match repo.references() {
        Ok(p) => p,
        Err(e) => {
            problems.push(format!("refs cannot be read: {e}"));
            return tips;
        }
    };
    let all = match platform.all() {
        Ok(a) => a,
        Err(e) => {
            problems.push(format!("refs cannot be read: {e}"));
            return tips;
        }
    };
    for reference in all {
        let reference = match reference {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("a ref cannot be read: {e}"));
                continue;
            }
        };
        if let Some(id) = reference.target().try_id() {
            tips.push(id.to_owned());
        }
        // Older stashes live only in the stash's reflog.
        if reference.name().as_bstr() == "refs/stash" {
            let mut log = reference.log_iter();
            if let Ok(Some(lines)) = log.all() {
                tips.extend(lines.flatten().map(|line| line.new_oid()));
            }
        }
    }
    let mut peeled = Vec::new();
    let mut buf = Vec::new();
    for tip in tips {
        let mut id = tip;
        // Tags of tags are allowed; a cycle is not possible with content addressing, but a
        // corrupt repository should not keep us here.
        for _ in 0..16 {
            match repo.objects.try_find(&id, &mut buf) {
                Ok(Some(d)) if d.kind == gix::object::Kind::Tag => {
                    match gix::objs::TagRefIter::from_bytes(d.data, repo.object_hash()).target_id()
                    {
                        Ok(target) => id = target,
                        Err(e) => {
                            problems.push(format!("tag {id} is corrupt: {e}"));
                            break;
                        }
                    }
                }
                Ok(Some(d)) if d.kind == gix::object::Kind::Commit => {
                    peeled.push(id);
                    break;
                }
                Ok(Some(_)) => break,
                Ok(None) => {
                    problems.push(format!("ref target {id} is missing"));
                    break;
                }
                Err(e) => {
                    problems.push(format!("ref target {id} cannot be read: {e}"));
                    break;
                }
            }
        }
    }
    peeled.sort();
    peeled.dedup();
    peeled
}

fn commits(
    repo: &gix::Repository,
    tips: Vec<ObjectId>,
    problems: &mut Vec<String>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<Commit> {
    let shallow: HashSet<ObjectId> = repo
        .shallow_commits()
        .ok()
        .flatten()
        .map(|s| s.iter().copied().collect())
        .unwrap_or_default();
    let mut seen: HashSet<ObjectId> = tips.iter().copied().collect();
    let mut stack = tips;
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while let Some(id) = stack.pop() {
        let data = match repo.objects.try_find(&id, &mut buf) {
            Ok(Some(d)) => d,
            Ok(None) => {
                problems.push(format!("commit {id} is missing"));
                continue;
            }
            Err(e) => {
                problems.push(format!("commit {id} cannot be read: {e}"));
                continue;
            }
        };
        let commit = match gix::objs::CommitRef::from_bytes(data.data, repo.object_hash()) {
            Ok(c) => c,
            Err(e) => {
                problems.push(format!("commit {id} is corrupt: {e}"));
                continue;
            }
        };
        let author_time = commit.author().map(|a| a.seconds()).unwrap_or_default();
        let commit_time = commit
            .committer()
            .map(|a| a.seconds())
            .unwrap_or(author_time);
        out.push(Commit {
            id,
            tree: commit.tree(),
            author_time,
            commit_time,
        });
        if out.len() % 1024 == 0 {
            progress(Progress::Commits(out.len()));
        }
        if shallow.contains(&id) {
            continue;
        }
        for parent in commit.parents() {
            if seen.insert(parent) {
                stack.push(parent);
            }
        }
    }
    progress(Progress::Commits(out.len()));
    out
}

/// Every blob id in a tree, recursively.
fn tree_blobs(repo: &gix::Repository, root: ObjectId) -> HashSet<ObjectId> {
    let mut blobs = HashSet::new();
    let mut stack = vec![root];
    let mut buf = Vec::new();
    while let Some(tree) = stack.pop() {
        let Ok(Some(d)) = repo.objects.try_find(&tree, &mut buf) else {
            continue;
        };
        for entry in gix::objs::TreeRefIter::from_bytes(d.data, repo.object_hash()).flatten() {
            if entry.mode.is_tree() {
                stack.push(entry.oid.to_owned());
            } else if entry.mode.is_blob() {
                blobs.insert(entry.oid.to_owned());
            }
        }
    }
    blobs
}
