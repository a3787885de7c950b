use std::fs::OpenOptions;
use std::time::{Duration, Instant};

use super::*;

fn rec(n: u32) -> Record {
    Record {
        server: "filesystem".into(),
        method: "tools/call".into(),
        tool: Some(format!("tool_{n}")),
        args_digest: Some(args_digest(&serde_json::json!({ "n": n }))),
        decision: if n % 2 == 1 { "allow" } else { "deny" }.into(),
        rule: Some(format!("rule #{n}")),
        approver: None,
        latency_us: Some(u64::from(n) * 10),
        detail: None,
    }
}

/// A log of `n` records in a fresh temp dir.
fn log_with(n: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state").join("audit.jsonl");
    let mut log = AuditLog::open(&path, "s1").unwrap();
    for i in 1..=n {
        log.append(&rec(i), i % 2 == 0).unwrap();
    }
    (dir, path)
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    fs::write(path, text).unwrap();
}

fn tamper(path: &Path) -> Tamper {
    let report = verify(path).unwrap();
    report.tamper.expect("tampering must be detected")
}

/// Re-hashes a line after editing it, as a careful forger would.
fn rehash(line: &str) -> String {
    let body = hashed_body(line).unwrap();
    let hash = sha256_hex(body.as_bytes());
    format!("{},\"hash\":\"{hash}\"}}", &body[..body.len() - 1])
}

#[test]
fn fresh_log_verifies_with_every_record_counted() {
    let (_dir, path) = log_with(5);
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 5);
    // One anchored record (the session's first); the session has not ended.
    assert_eq!(report.head_seq, Some(1));
    assert_eq!(report.open_sessions, 1);
    assert!(report.torn_lines.is_empty());
    let first: StoredRecord = serde_json::from_str(&lines(&path)[0]).unwrap();
    assert_eq!(first.v, 2);
    assert_eq!(first.prev, GENESIS);
    assert_eq!(first.anchor.as_deref(), Some(GENESIS));
    assert_eq!(first.seq, 1);
    assert_eq!(first.session, "s1");
    assert!(
        first.time.parse::<jiff::Timestamp>().is_ok(),
        "{}",
        first.time
    );
}

#[test]
fn reopening_continues_the_chain_in_a_new_session() {
    let (_dir, path) = log_with(2);
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append(&rec(3), false).unwrap();
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 3);
    let all = read(&path, &Filter::default()).unwrap();
    assert_eq!(
        all.iter().map(|r| r.session.as_str()).collect::<Vec<_>>(),
        ["s1", "s1", "s2"]
    );
    // A new session starts its own chain, anchored to the newest anchored record.
    assert_eq!((all[2].seq, all[2].prev.as_str()), (1, GENESIS));
    assert_eq!(all[2].anchor.as_ref(), Some(&all[0].hash));
}

#[test]
fn closed_session_ends_with_an_anchored_record_and_drops_its_head() {
    let (_dir, path) = log_with(3);
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append(&rec(4), false).unwrap();
    log.close().unwrap();
    assert!(!session_head_path(&path, "s2").exists());
    assert!(session_head_path(&path, "s1").exists());
    let all = read(&path, &Filter::default()).unwrap();
    let end = all.last().unwrap();
    assert_eq!(
        (end.method.as_str(), end.session.as_str()),
        (SESSION_END, "s2")
    );
    assert_eq!(end.anchor.as_ref(), Some(&all[3].hash));
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!((report.open_sessions, report.head_seq), (1, Some(3)));
    // Nothing is appended to a session after its end.
    assert!(matches!(
        log.append(&rec(5), false),
        Err(LogError::Closed { .. })
    ));
}

#[test]
fn whole_session_removed_breaks_the_anchor_of_the_next() {
    let (_dir, path) = log_with(2);
    let mut b = AuditLog::open(&path, "b").unwrap();
    b.append(&rec(3), false).unwrap();
    b.close().unwrap();
    let mut c = AuditLog::open(&path, "c").unwrap();
    c.append(&rec(4), false).unwrap();
    // Every record of session b goes, with nothing left of it.
    let l: Vec<String> = lines(&path)
        .into_iter()
        .filter(|l| !l.contains("\"session\":\"b\""))
        .collect();
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (3, TamperKind::BrokenChain), "{t:?}");
}

#[test]
fn records_of_a_session_after_its_end_fail_verify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut log = AuditLog::open(&path, "s1").unwrap();
    log.append_all(&[rec(1), rec(2)], false).unwrap();
    log.close().unwrap();
    let mut l = lines(&path);
    // Another record of s1 appended past its end, well chained.
    let end: StoredRecord = serde_json::from_str(&l[2]).unwrap();
    let forged = l[1]
        .replace(
            &format!(
                "\"prev\":\"{}\"",
                serde_json::from_str::<StoredRecord>(&l[1]).unwrap().prev
            ),
            &format!("\"prev\":\"{}\"", end.hash),
        )
        .replace("\"seq\":2,", "\"seq\":4,");
    l.push(rehash(&forged));
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (4, TamperKind::PastHead), "{t:?}");
}

#[test]
fn edited_record_is_reported_at_its_own_line() {
    let (_dir, path) = log_with(4);
    let mut l = lines(&path);
    l[1] = l[1].replace("\"decision\":\"deny\"", "\"decision\":\"allow\"");
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (2, TamperKind::Edited), "{t:?}");
    assert!(t.reason.contains("does not match its hash"), "{}", t.reason);
}

#[test]
fn edited_and_rehashed_record_breaks_the_link_to_the_next() {
    let (_dir, path) = log_with(4);
    let mut l = lines(&path);
    l[1] = rehash(&l[1].replace("\"decision\":\"deny\"", "\"decision\":\"allow\""));
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (3, TamperKind::BrokenChain), "{t:?}");
}

#[test]
fn edited_last_record_is_reported_as_edit_not_crash() {
    let (_dir, path) = log_with(3);
    let mut l = lines(&path);
    l[2] = l[2].replace("tool_3", "tool_X");
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (3, TamperKind::Edited), "{t:?}");
}

#[test]
fn deleted_middle_record_is_reported_where_it_was() {
    let (_dir, path) = log_with(5);
    let mut l = lines(&path);
    l.remove(2);
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (3, TamperKind::Deleted), "{t:?}");
    assert!(t.reason.contains("seq jumps from 2 to 4"), "{}", t.reason);
}

#[test]
fn deleted_first_record_is_reported_at_line_one() {
    let (_dir, path) = log_with(3);
    let mut l = lines(&path);
    l.remove(0);
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (1, TamperKind::Deleted), "{t:?}");
}

#[test]
fn swapped_records_are_reported_as_reordered() {
    let (_dir, path) = log_with(4);
    let mut l = lines(&path);
    l.swap(1, 2);
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (2, TamperKind::Reordered), "{t:?}");
}

#[test]
fn duplicated_record_is_reported_as_reordered() {
    let (_dir, path) = log_with(3);
    let mut l = lines(&path);
    let dup = l[1].clone();
    l.insert(2, dup);
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (3, TamperKind::Reordered), "{t:?}");
}

#[test]
fn records_cut_off_the_end_are_reported_as_truncation() {
    let (_dir, path) = log_with(5);
    let mut l = lines(&path);
    l.truncate(3);
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (4, TamperKind::Truncated), "{t:?}");
    // Record 4 was durable, so the session's head names it.
    assert!(t.reason.contains("1 record(s) removed"), "{}", t.reason);
}

#[test]
fn emptied_log_is_reported_as_truncation() {
    let (_dir, path) = log_with(2);
    fs::write(&path, "").unwrap();
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (1, TamperKind::Truncated), "{t:?}");
}

#[test]
fn missing_head_file_fails_verification() {
    let (_dir, path) = log_with(2);
    fs::remove_file(head_path(&path)).unwrap();
    let t = tamper(&path);
    assert_eq!(t.kind, TamperKind::Head, "{t:?}");
}

#[test]
fn rewritten_log_that_disagrees_with_the_head_is_detected() {
    let (_dir, path) = log_with(4);
    let mut l = lines(&path);
    // Forge record 4 (durable, so the head names it) and re-hash it: the chain is consistent,
    // the head is not.
    l[3] = rehash(&l[3].replace("tool_4", "tool_X"));
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (4, TamperKind::Head), "{t:?}");
}

#[test]
fn records_after_the_heads_last_write_are_counted_as_unanchored() {
    // Record 2 is durable, so the head names it; record 3 follows within the head interval.
    let (_dir, path) = log_with(3);
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!((report.open_sessions, report.unanchored_records), (1, 1));
    // Removing it cannot be told from a crash: the documented limit.
    let mut l = lines(&path);
    l.truncate(2);
    write_lines(&path, &l);
    assert!(verify(&path).unwrap().is_intact());
    // Removing the anchored record too is detected.
    l.truncate(1);
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (2, TamperKind::Truncated), "{t:?}");
}

#[test]
fn head_of_a_burst_is_written_once_the_burst_is_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut log = AuditLog::open(&path, "s").unwrap();
    log.append(&rec(1), false).unwrap();
    assert_eq!(log.head_due(), None, "the first batch writes the head");
    log.append(&rec(3), false).unwrap();
    let due = log.head_due().expect("a burst leaves the head behind");
    assert!(due <= Instant::now() + HEAD_INTERVAL);
    log.write_head().unwrap();
    assert_eq!(log.head_due(), None);
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.unanchored_records, 0);
    // After the interval, an append writes the head itself.
    std::thread::sleep(HEAD_INTERVAL);
    log.append(&rec(5), false).unwrap();
    assert_eq!(log.head_due(), None);
    // A durable batch always does.
    log.append(&rec(7), true).unwrap();
    assert_eq!(log.head_due(), None);
    assert_eq!(verify(&path).unwrap().unanchored_records, 0);
}

#[test]
fn log_head_lagging_after_a_crash_in_an_anchored_append_is_continued() {
    let (_dir, path) = log_with(2);
    let mut b = AuditLog::open(&path, "b").unwrap();
    b.append(&rec(3), false).unwrap();
    let l = lines(&path);
    let first: StoredRecord = serde_json::from_str(&l[0]).unwrap();
    let third: StoredRecord = serde_json::from_str(&l[2]).unwrap();
    // Killed after writing b's anchored record but before the head's second update.
    let head = Head {
        seq: 1,
        hash: first.hash,
        next_seq: Some(2),
        next_hash: Some(third.hash.clone()),
        mac: None,
    };
    write_head(&head_path(&path), &head, false).unwrap();
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    // The next session anchors to the announced record, which is there.
    let mut c = AuditLog::open(&path, "c").unwrap();
    c.append(&rec(4), false).unwrap();
    let all = read(&path, &Filter::default()).unwrap();
    assert_eq!(all[3].anchor.as_ref(), Some(&third.hash));
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.head_seq, Some(3));
}

#[test]
fn forged_record_appended_to_an_open_session_is_unanchored_and_fails_keyed_verify() {
    let (_dir, path) = log_with(4);
    let mut l = lines(&path);
    // A forger appends a record chained to the last one, with the right seq and hash, but
    // leaves the head alone.
    let last: StoredRecord = serde_json::from_str(&l[3]).unwrap();
    let forged = l[3]
        .replace(
            &format!("\"prev\":\"{}\"", last.prev),
            &format!("\"prev\":\"{}\"", last.hash),
        )
        .replace("\"seq\":4,", "\"seq\":5,")
        .replace("tool_4", "tool_forged");
    l.push(rehash(&forged));
    write_lines(&path, &l);
    // Without a key, a record chained after the head's is what a burst leaves: counted.
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.unanchored_records, 1);
    // With a key, the forger cannot make its MAC.
    let (_dir, path) = keyed_log_with(2);
    let mut l = lines(&path);
    let forged = rehash(&l[1].replace("\"seq\":2,", "\"seq\":3,"));
    l.push(forged);
    write_lines(&path, &l);
    let t = verify_keyed(&path, Some(&key())).unwrap().tamper.unwrap();
    assert_eq!(t.kind, TamperKind::Mac, "{t:?}");
}

#[test]
fn truncated_then_appended_log_fails_verify() {
    let (_dir, path) = log_with(5);
    let mut l = lines(&path);
    l.truncate(3);
    write_lines(&path, &l);
    // A later session appends: it must not silently re-chain over the cut.
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append(&rec(6), false).unwrap();
    log.append(&rec(7), false).unwrap();
    log.close().unwrap();
    // The cut session's head still names its newest durable record.
    let t = tamper(&path);
    assert_eq!(t.kind, TamperKind::Truncated, "{t:?}");
    assert!(t.reason.contains("session s1"), "{}", t.reason);
}

#[test]
fn ended_session_cut_off_the_end_fails_verify() {
    let (_dir, path) = log_with(2);
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append(&rec(3), false).unwrap();
    log.close().unwrap();
    let mut l = lines(&path);
    l.truncate(3);
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (4, TamperKind::Truncated), "{t:?}");
}

#[test]
fn rewritten_tail_then_appended_fails_verify() {
    let (_dir, path) = log_with(4);
    let mut l = lines(&path);
    l[3] = rehash(&l[3].replace("tool_4", "tool_X"));
    write_lines(&path, &l);
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append(&rec(5), false).unwrap();
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (4, TamperKind::Head), "{t:?}");
}

/// Simulates `kill -9` in the middle of a write: half a record, no newline.
fn tear(path: &Path) {
    let next = lines(path).last().cloned().unwrap();
    let mut f = OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(&next.as_bytes()[..next.len() / 2]).unwrap();
}

#[test]
fn torn_last_line_is_truncation_by_crash_not_tampering() {
    let (_dir, path) = log_with(3);
    tear(&path);
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.torn_lines, [4]);
    assert_eq!(report.records, 3);
}

#[test]
fn appending_after_a_torn_line_chains_from_the_last_complete_record() {
    let (_dir, path) = log_with(3);
    tear(&path);
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append(&rec(4), true).unwrap();
    log.append(&rec(5), true).unwrap();
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    // The fragment and the next session's first record share line 4.
    assert_eq!(report.torn_lines, [4]);
    assert_eq!(report.records, 5);
    let all = read(&path, &Filter::default()).unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!((all[3].session.as_str(), all[3].line), ("s2", 4));
    assert_eq!(all[4].prev, all[3].hash);
}

#[test]
fn fake_crash_fragment_mid_log_fails_verify() {
    let (_dir, path) = log_with(4);
    let mut l = lines(&path);
    // A cut-off record inserted between two records that still chain: no crash does that.
    let fragment = l[1][..l[1].len() / 2].to_string();
    l.insert(2, fragment);
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (3, TamperKind::Edited), "{t:?}");
    assert!(
        t.reason.contains("a crash leaves a fragment only"),
        "{}",
        t.reason
    );
}

#[test]
fn fake_crash_fragment_at_the_end_with_a_newline_fails_verify() {
    let (_dir, path) = log_with(2);
    let mut l = lines(&path);
    let fragment = l[1][..l[1].len() / 2].to_string();
    l.push(fragment);
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (3, TamperKind::Edited), "{t:?}");
}

#[test]
fn torn_write_that_only_lost_its_newline_still_counts() {
    let (_dir, path) = log_with(2);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.trim_end_matches('\n')).unwrap();
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append(&rec(3), false).unwrap();
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 3);
    assert!(report.torn_lines.is_empty());
    assert_eq!(read(&path, &Filter::default()).unwrap().len(), 3);
}

#[test]
fn garbage_replacing_a_record_is_an_edit_not_a_crash() {
    let (_dir, path) = log_with(4);
    let mut l = lines(&path);
    l[1] = l[1][..l[1].len() / 2].to_string();
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (2, TamperKind::Edited), "{t:?}");
}

#[test]
fn garbage_line_does_not_stop_a_new_session() {
    let (_dir, path) = log_with(2);
    // Another program writes one line of junk into the log.
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(b"not a record\n").unwrap();
    drop(f);
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append(&rec(3), true).unwrap();
    let all = read(&path, &Filter::default()).unwrap();
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all[2].tool.as_deref(), Some("tool_3"));
    // `verify` reports the junk itself.
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (3, TamperKind::Edited), "{t:?}");
}

#[test]
fn garbage_written_between_two_appends_of_a_running_session_is_recorded_not_fatal() {
    let (_dir, path) = log_with(1);
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append(&rec(2), false).unwrap();
    fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"{\"v\":1,\"junk\":true}\n")
        .unwrap();
    log.append(&rec(3), false).unwrap();
    let all = read(&path, &Filter::default()).unwrap();
    assert_eq!(all.len(), 3, "{all:?}");
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (3, TamperKind::Edited), "{t:?}");
}

#[cfg(unix)]
#[test]
fn lock_held_by_another_process_bounds_the_wait_and_writes_nothing() {
    let (_dir, path) = log_with(1);
    // `flock` locks belong to an open file description: a second open of the file holds the
    // lock exactly as another process would.
    let holder = File::open(&path).unwrap();
    rustix::fs::flock(&holder, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.set_lock_timeout(Duration::from_millis(100));
    let before = fs::read(&path).unwrap();
    let start = Instant::now();
    let err = log.append(&rec(2), true).unwrap_err();
    let waited = start.elapsed();
    assert!(matches!(err, LogError::Locked { .. }), "{err}");
    assert!(waited >= Duration::from_millis(100), "{waited:?}");
    assert!(waited < Duration::from_secs(2), "{waited:?}");
    assert!(err.to_string().contains("refused"), "{err}");
    assert_eq!(fs::read(&path).unwrap(), before);
    // Once the holder lets go, the same log appends again.
    drop(holder);
    log.append(&rec(2), true).unwrap();
    assert!(verify(&path).unwrap().is_intact());
}

fn key() -> LogKey {
    LogKey::from_bytes(&[7u8; 32]).unwrap()
}

/// A keyed log of `n` records.
fn keyed_log_with(n: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut log = AuditLog::open(&path, "s1").unwrap().with_key(Some(key()));
    for i in 1..=n {
        log.append(&rec(i), false).unwrap();
    }
    (dir, path)
}

#[test]
fn keyed_log_verifies_with_its_key() {
    let (_dir, path) = keyed_log_with(3);
    let report = verify_keyed(&path, Some(&key())).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert!(report.keyed);
    // Without the key the chain still verifies, and the report says what was not checked.
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.unchecked_macs, 3);
}

#[test]
fn keyed_mode_detects_a_consistent_rewrite_of_log_and_head() {
    let (dir, path) = keyed_log_with(3);
    // A forger without the key rewrites record 2, re-chains everything after it and writes a
    // matching head: the unkeyed checks pass.
    let mut l = lines(&path);
    let mut prev = serde_json::from_str::<StoredRecord>(&l[0]).unwrap().hash;
    for (i, line) in l.iter_mut().enumerate().skip(1) {
        let r: StoredRecord = serde_json::from_str(line).unwrap();
        let mut edited = line.replace(&r.prev, &prev);
        if i == 1 {
            edited = edited.replace("\"decision\":\"deny\"", "\"decision\":\"allow\"");
        }
        *line = rehash(&edited);
        prev = serde_json::from_str::<StoredRecord>(line).unwrap().hash;
    }
    write_lines(&path, &l);
    let head = Head {
        seq: 3,
        hash: prev,
        ..Head::default()
    };
    write_head(&session_head_path(&path, "s1"), &head, false).unwrap();
    assert!(
        verify(&path).unwrap().is_intact(),
        "the unkeyed chain cannot see it"
    );
    let t = verify_keyed(&path, Some(&key())).unwrap().tamper.unwrap();
    assert_eq!((t.line, t.kind), (2, TamperKind::Mac), "{t:?}");
    drop(dir);
}

#[test]
fn keyed_mode_detects_truncation_with_a_forged_head() {
    let (_dir, path) = keyed_log_with(4);
    let mut l = lines(&path);
    l.truncate(2);
    let last: StoredRecord = serde_json::from_str(&l[1]).unwrap();
    write_lines(&path, &l);
    let head = Head {
        seq: 2,
        hash: last.hash,
        ..Head::default()
    };
    write_head(&session_head_path(&path, "s1"), &head, false).unwrap();
    assert!(
        verify(&path).unwrap().is_intact(),
        "the unkeyed check cannot see it"
    );
    let t = verify_keyed(&path, Some(&key())).unwrap().tamper.unwrap();
    assert_eq!(t.kind, TamperKind::Head, "{t:?}");
}

#[test]
fn keyed_verify_of_an_unkeyed_log_fails() {
    let (_dir, path) = log_with(1);
    let t = verify_keyed(&path, Some(&key())).unwrap().tamper.unwrap();
    assert_eq!((t.line, t.kind), (1, TamperKind::Mac), "{t:?}");
}

#[cfg(unix)]
#[test]
fn key_file_is_created_private_and_read_back() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/audit.key");
    let made = LogKey::load_or_create(&path).unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(LogKey::load(&path).unwrap(), made);
    assert_eq!(format!("{made:?}"), "LogKey(<redacted>)");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let err = LogKey::load(&path).unwrap_err();
    assert!(err.to_string().contains("others can read the key"), "{err}");
}

#[cfg(unix)]
#[test]
fn log_and_head_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, path) = log_with(1);
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&head_path(&path)), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
}

#[cfg(unix)]
#[test]
fn existing_world_readable_log_is_narrowed_on_open() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    fs::write(&path, "").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    AuditLog::open(&path, "s").unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn two_writers_on_one_file_keep_one_chain() {
    let (_dir, path) = log_with(1);
    let mut a = AuditLog::open(&path, "a").unwrap();
    let mut b = AuditLog::open(&path, "b").unwrap();
    for i in 0..5 {
        a.append(&rec(i), false).unwrap();
        b.append(&rec(i), false).unwrap();
    }
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 11);
}

#[test]
fn concurrent_threads_appending_keep_one_chain() {
    let (_dir, path) = log_with(0);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut log = AuditLog::open(&path, &format!("t{t}")).unwrap();
                for i in 0..25 {
                    log.append(&rec(i), false).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 100);
}

#[test]
fn args_digest_ignores_key_order_and_whitespace() {
    let a: serde_json::Value =
        serde_json::from_str(r#"{"b": [1, {"y": 2, "x": "é"}], "a": null}"#).unwrap();
    let b: serde_json::Value =
        serde_json::from_str(r#"{"a":null,"b":[1,{"x":"é","y":2}]}"#).unwrap();
    assert_eq!(args_digest(&a), args_digest(&b));
    assert!(args_digest(&a).starts_with("sha256:"));
    assert_eq!(args_digest(&a).len(), "sha256:".len() + 64);
    let c = serde_json::json!({"a": null, "b": [{"x": "é", "y": 2}, 1]});
    assert_ne!(args_digest(&a), args_digest(&c), "array order matters");
}

#[test]
fn args_digest_is_sha256_of_the_canonical_text() {
    let v = serde_json::json!({"path": "/tmp/x", "mode": 1});
    let expected = sha256_hex(br#"{"mode":1,"path":"/tmp/x"}"#);
    assert_eq!(args_digest(&v), format!("sha256:{expected}"));
}

#[test]
fn read_filters_by_server_tool_and_decision() {
    let (_dir, path) = log_with(4);
    let denied = read(
        &path,
        &Filter {
            decision: Some("deny".into()),
            ..Filter::default()
        },
    )
    .unwrap();
    assert_eq!(denied.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 4]);
    let tool = read(
        &path,
        &Filter {
            tool: Some("tool_3".into()),
            server: Some("filesystem".into()),
            ..Filter::default()
        },
    )
    .unwrap();
    assert_eq!(tool.len(), 1);
    assert_eq!(tool[0].line, 3);
    let none = read(
        &path,
        &Filter {
            server: Some("github".into()),
            ..Filter::default()
        },
    )
    .unwrap();
    assert!(none.is_empty());
}

#[test]
fn verify_of_a_missing_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.jsonl");
    let err = verify(&path).unwrap_err();
    assert!(err.to_string().contains("nope.jsonl"), "{err}");
}

#[test]
fn arbitrary_bytes_never_panic_verify_or_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    for data in [
        &b"\xff\xfe\n{\n"[..],
        b"{\"v\":1}\n",
        b"\n\n\n",
        b"{\"hash\":\"",
        "{\"v\":1,\"hash\":\"é\"}".as_bytes(),
    ] {
        fs::write(&path, data).unwrap();
        let _ = verify(&path);
        let _ = AuditLog::open(&path, "s");
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn verify_and_open_never_panic_on_arbitrary_files(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("audit.jsonl");
            fs::write(&path, &data).unwrap();
            let _ = verify(&path);
            let _ = read(&path, &Filter::default());
            let _ = AuditLog::open(&path, "s");
        }

        #[test]
        fn any_single_byte_change_to_a_record_is_detected(line in 0usize..3, pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let (_dir, path) = log_with(3);
            let mut l = lines(&path);
            let mut bytes = l[line].clone().into_bytes();
            let i = pos.index(bytes.len());
            prop_assume!(bytes[i] != byte);
            bytes[i] = byte;
            l[line] = String::from_utf8_lossy(&bytes).into_owned();
            write_lines(&path, &l);
            let report = verify(&path).unwrap();
            prop_assert!(!report.is_intact(), "{:?}", report);
        }
    }
}

#[test]
fn open_finds_the_last_record_behind_a_long_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut log = AuditLog::open(&path, "s").unwrap();
    let mut big = rec(1);
    big.detail = Some("x".repeat(200_000));
    log.append(&big, false).unwrap();
    drop(log);
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append(&rec(2), false).unwrap();
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 2);
}

#[test]
fn batched_records_chain_like_single_appends_and_verify() {
    let (_dir, path) = log_with(2);
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append_all(&[rec(3), rec(4), rec(5)], false).unwrap();
    log.append_all(&[], true).unwrap();
    log.append(&rec(6), true).unwrap();
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.records, 6);
    assert_eq!(report.head_seq, Some(2));
    let seqs: Vec<u64> = lines(&path)
        .iter()
        .map(|l| serde_json::from_str::<StoredRecord>(l).unwrap().seq)
        .collect();
    assert_eq!(seqs, vec![1, 2, 1, 2, 3, 4]);
}

#[test]
fn head_file_is_overwritten_in_place_at_fixed_width() {
    let (_dir, path) = log_with(3);
    let head = fs::read_to_string(head_path(&path)).unwrap();
    assert_eq!(head.len(), HEAD_WIDTH);
    assert!(head.ends_with('\n'));
    // An old-style (longer) head file is cut to one record when the log is next appended.
    let mut long = head.clone();
    long.push_str(&" ".repeat(300));
    fs::write(head_path(&path), long).unwrap();
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append(&rec(4), false).unwrap();
    assert_eq!(
        fs::read_to_string(head_path(&path)).unwrap().len(),
        HEAD_WIDTH
    );
    assert!(verify(&path).unwrap().is_intact());
}

#[test]
fn forged_seq_at_the_maximum_is_reported_not_a_panic() {
    let (_dir, path) = log_with(2);
    let l = lines(&path);
    let forged = rehash(&l[1].replace("\"seq\":2,", &format!("\"seq\":{},", u64::MAX)));
    write_lines(&path, &[l[0].clone(), forged]);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (2, TamperKind::Deleted), "{t:?}");
    // A writer never reads the log, so a forged record cannot stop it.
    let mut log = AuditLog::open(&path, "s2").unwrap();
    log.append(&rec(3), false).unwrap();
}

#[test]
fn session_head_of_a_session_with_no_records_means_they_were_removed() {
    let (_dir, path) = log_with(2);
    let mut b = AuditLog::open(&path, "b").unwrap();
    b.append(&rec(3), false).unwrap();
    let mut c = AuditLog::open(&path, "c").unwrap();
    c.append(&rec(4), false).unwrap();
    // Session c's records are removed (the last anchored record goes with them, and the log's
    // head is put back to name b's).
    let l = lines(&path);
    let b_first: StoredRecord = serde_json::from_str(&l[2]).unwrap();
    write_lines(&path, &l[..3]);
    write_head(
        &head_path(&path),
        &Head {
            seq: 2,
            hash: b_first.hash,
            ..Head::default()
        },
        false,
    )
    .unwrap();
    let t = tamper(&path);
    assert_eq!(t.kind, TamperKind::Truncated, "{t:?}");
    assert!(
        t.reason.contains("no record of that session"),
        "{}",
        t.reason
    );
}

#[test]
fn session_names_that_are_not_plain_file_names_cannot_place_the_head_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    for name in ["../escape", "a/b", "", ".", "x".repeat(65).as_str()] {
        let head = session_head_path(&path, name);
        assert_eq!(head.parent().unwrap(), sessions_dir(&path), "{name:?}");
        let file = head.file_name().unwrap().to_str().unwrap();
        assert_eq!(file.len(), 64 + HEAD_SUFFIX.len(), "{name:?} -> {file}");
    }
    assert!(session_head_path(&path, "1a2b-3c4d").ends_with("1a2b-3c4d.head"));
    let mut log = AuditLog::open(&path, "../escape").unwrap();
    log.append(&rec(1), false).unwrap();
    assert!(!dir.path().join("escape.head").exists());
    assert!(verify(&path).unwrap().is_intact());
}

/// A log as format 1 wrote it: one chain across sessions (global `seq`, no `anchor`), every
/// record appended under the lock, and a head naming the last record.
fn format1_log(n: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut prev = GENESIS.to_string();
    let mut text = String::new();
    for i in 1..=n {
        let body = format!(
            "{{\"v\":1,\"time\":\"2026-05-01T09:30:12Z\",\"session\":\"old\",\"seq\":{i},\"server\":\"filesystem\",\"method\":\"tools/call\",\"tool\":\"tool_{i}\",\"args_digest\":null,\"decision\":\"allow\",\"rule\":null,\"approver\":null,\"latency_us\":null,\"detail\":null,\"prev\":\"{prev}\"}}"
        );
        let hash = sha256_hex(body.as_bytes());
        text.push_str(&format!(
            "{},\"hash\":\"{hash}\"}}\n",
            &body[..body.len() - 1]
        ));
        prev = hash;
    }
    fs::write(&path, text).unwrap();
    write_head(
        &head_path(&path),
        &Head {
            seq: u64::from(n),
            hash: prev,
            ..Head::default()
        },
        false,
    )
    .unwrap();
    (dir, path)
}

#[test]
fn format1_log_verifies_and_format2_sessions_continue_it() {
    let (_dir, path) = format1_log(3);
    assert!(verify(&path).unwrap().is_intact());
    let mut log = AuditLog::open(&path, "new").unwrap();
    log.append(&rec(4), false).unwrap();
    log.close().unwrap();
    let report = verify(&path).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!((report.records, report.head_seq), (5, Some(5)));
    let all = read(&path, &Filter::default()).unwrap();
    assert_eq!(all[3].anchor.as_ref(), Some(&all[2].hash));
}

#[test]
fn format1_record_removed_under_a_format2_session_is_detected() {
    let (_dir, path) = format1_log(3);
    let mut log = AuditLog::open(&path, "new").unwrap();
    log.append(&rec(4), false).unwrap();
    let mut l = lines(&path);
    l.remove(1);
    write_lines(&path, &l);
    let t = tamper(&path);
    assert_eq!((t.line, t.kind), (2, TamperKind::Deleted), "{t:?}");
}

#[cfg(unix)]
#[test]
fn symlinked_audit_log_is_refused_and_its_target_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("bashrc");
    fs::write(&target, "export PATH\n").unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
    let path = dir.path().join("audit.jsonl");
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let err = AuditLog::open(&path, "s").unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "export PATH\n");
    assert_eq!(
        fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o644
    );
}

#[cfg(unix)]
#[test]
fn symlinked_head_file_is_refused_and_its_target_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let elsewhere = dir.path().join("created-elsewhere");
    std::os::unix::fs::symlink(&elsewhere, head_path(&path)).unwrap();
    let mut log = AuditLog::open(&path, "s").unwrap();
    let err = log.append(&rec(1), false).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert!(!elsewhere.exists());
}

#[cfg(unix)]
#[test]
fn log_in_a_world_writable_directory_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("state");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o777)).unwrap();
    let err = AuditLog::open(&shared.join("audit.jsonl"), "s").unwrap_err();
    assert!(err.to_string().contains("chmod 700"), "{err}");
    assert!(!shared.join("audit.jsonl").exists());
}

#[test]
fn keyed_records_sharing_a_line_after_a_crash_keep_their_macs() {
    let (_dir, path) = keyed_log_with(2);
    // A record that lost its newline, then a fragment, each followed by another session's.
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.trim_end_matches('\n')).unwrap();
    let mut b = AuditLog::open(&path, "b").unwrap().with_key(Some(key()));
    b.append(&rec(3), false).unwrap();
    tear(&path);
    let mut c = AuditLog::open(&path, "c").unwrap().with_key(Some(key()));
    c.append(&rec(4), false).unwrap();
    let report = verify_keyed(&path, Some(&key())).unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!((report.records, report.torn_lines.clone()), (4, vec![3]));
    // A record glued after a fragment is still checked against the key.
    let l = lines(&path);
    let forged = l[2].replace("tool_4", "tool_X");
    let mut l2 = l.clone();
    l2[2] = forged;
    write_lines(&path, &l2);
    assert!(!verify_keyed(&path, Some(&key())).unwrap().is_intact());
}

#[test]
fn canonical_strings_are_escaped_exactly_as_serde_json_escapes_them() {
    let mut every_ascii: String = (0u8..=0x7f).map(char::from).collect();
    every_ascii.push_str("é\u{2028}\u{2029}\u{fffd}😀");
    for s in [every_ascii.as_str(), "", "plain", "a\"b\\c\u{1}d\u{1f}"] {
        let mut out = String::new();
        push_json_string(s, &mut out);
        assert_eq!(out, serde_json::to_string(s).unwrap(), "{s:?}");
    }
}

proptest::proptest! {
    #[test]
    fn canonical_string_escaping_matches_serde_json(s in "\\PC*|[\\x00-\\x20\"\\\\]*") {
        let mut out = String::new();
        push_json_string(&s, &mut out);
        proptest::prop_assert_eq!(out, serde_json::to_string(&s).unwrap());
    }
}

#[test]
fn a_digest_read_through_a_filter_is_the_plain_digest_or_nothing() {
    let args = serde_json::json!({"path": "/tmp/a", "opts": {"n": 1, "tags": ["x", "y"]}});
    assert_eq!(
        args_digest_unless(&args, &mut |_| true),
        Some(args_digest(&args))
    );
    // A key the filter refuses stops the digest, as a value does.
    assert_eq!(args_digest_unless(&args, &mut |s| s != "opts"), None);
    assert_eq!(args_digest_unless(&args, &mut |s| s != "y"), None);
}

#[test]
fn record_bodies_are_written_as_serde_would_write_them() {
    let odd = "quote \" backslash \\ newline \n nul \u{0} del \u{7f} é \u{2028}";
    for (tool, detail, latency) in [
        (None, None, None),
        (Some("read_file"), Some(odd), Some(0)),
        (Some(odd), Some(""), Some(u64::MAX)),
    ] {
        let body = Body {
            v: FORMAT_VERSION,
            time: "2026-12-04T00:00:00.000000Z",
            session: "1a2b-3c4d",
            seq: u64::MAX,
            server: odd,
            method: "tools/call",
            tool,
            args_digest: tool.map(|_| "sha256:00"),
            decision: "allow",
            rule: detail,
            approver: tool,
            latency_us: latency,
            detail,
            anchor: detail,
            prev: GENESIS,
        };
        assert_eq!(body.to_json(), serde_json::to_string(&body).unwrap());
    }
}
