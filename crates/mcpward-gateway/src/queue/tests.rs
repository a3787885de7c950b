use super::*;

fn req(q: &ApprovalQueue, tool: &str) -> ApprovalRequest {
    ApprovalRequest {
        id: q.new_id(),
        session: "s1".into(),
        server: "filesystem".into(),
        tool: tool.into(),
        arguments_masked: serde_json::json!({ "path": "src/main.rs" }),
        reason: "writes need review".into(),
    }
}

/// Waits (yielding to the runtime) until `id` is pending.
async fn until_pending(state: &Path, id: &str) {
    for _ in 0..200 {
        if pending(state).unwrap().iter().any(|r| r.id == id) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("request {id} never became pending");
}

/// Queues a request for `tool` from another task and waits until it is listed: its id and the
/// task that ends with the outcome.
async fn queued(
    q: &ApprovalQueue,
    state: &Path,
    tool: &str,
    timeout: Duration,
) -> (String, tokio::task::JoinHandle<ApprovalOutcome>) {
    let r = req(q, tool);
    let id = r.id.clone();
    let waiting = tokio::spawn({
        let q = q.clone();
        async move { q.request(r, timeout).await }
    });
    until_pending(state, &id).await;
    (id, waiting)
}

fn queue_files(state: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(queue_dir(state))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn approve_once_answers_the_waiting_call_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let (id, waiting) = queued(&q, dir.path(), "write_file", Duration::from_secs(10)).await;
    let listed = pending(dir.path()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].tool, "write_file");
    assert_eq!(listed[0].arguments_masked["path"], "src/main.rs");
    approve(dir.path(), &id, ApprovalScope::Once, AnswerSource::Script).unwrap();
    let outcome = waiting.await.unwrap();
    let ApprovalOutcome::Approved { scope, by } = outcome else {
        panic!("expected approval, got {outcome:?}");
    };
    assert_eq!(scope, ApprovalScope::Once);
    assert_eq!(by.source, AnswerSource::Script);
    assert!(
        queue_files(dir.path()).is_empty(),
        "{:?}",
        queue_files(dir.path())
    );
}

#[tokio::test]
async fn approve_for_the_session_is_reported_as_session_scope() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let (id, waiting) = queued(&q, dir.path(), "write_file", Duration::from_secs(10)).await;
    // Ids are accepted in any case, with stray spaces, as people type them.
    approve(
        dir.path(),
        &format!(" {} ", id.to_uppercase()),
        ApprovalScope::Session,
        AnswerSource::Terminal,
    )
    .unwrap();
    assert!(matches!(
        waiting.await.unwrap(),
        ApprovalOutcome::Approved {
            scope: ApprovalScope::Session,
            ..
        }
    ));
}

#[tokio::test]
async fn deny_answers_the_waiting_call() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let (id, waiting) = queued(&q, dir.path(), "delete_file", Duration::from_secs(10)).await;
    deny(dir.path(), &id, AnswerSource::Script).unwrap();
    assert!(matches!(
        waiting.await.unwrap(),
        ApprovalOutcome::Denied { .. }
    ));
}

#[tokio::test]
async fn unanswered_request_times_out_and_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let r = req(&q, "write_file");
    let id = r.id.clone();
    let outcome = q.request(r, Duration::from_millis(120)).await;
    assert_eq!(outcome, ApprovalOutcome::TimedOut);
    assert!(queue_files(dir.path()).is_empty());
    // A late answer is refused with a clear message rather than silently written.
    let err = approve(dir.path(), &id, ApprovalScope::Once, AnswerSource::Script).unwrap_err();
    assert!(matches!(err, QueueError::UnknownId { .. }), "{err}");
}

#[test]
fn unknown_id_says_how_to_list_pending_ids() {
    let dir = tempfile::tempdir().unwrap();
    ApprovalQueue::open(dir.path()).unwrap();
    let err = approve(
        dir.path(),
        "abcdef",
        ApprovalScope::Once,
        AnswerSource::Script,
    )
    .unwrap_err();
    assert!(matches!(err, QueueError::UnknownId { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("abcdef") && msg.contains("mcpward approve --list"),
        "{msg}"
    );
    let err = deny(dir.path(), "abcdef", AnswerSource::Script).unwrap_err();
    assert!(matches!(err, QueueError::UnknownId { .. }));
}

#[test]
fn rejects_ids_that_could_escape_the_queue_directory() {
    let dir = tempfile::tempdir().unwrap();
    for id in ["../../x", "abc/ef", "abcdefg", "", "abc1ef", "abc.ef"] {
        let err = approve(dir.path(), id, ApprovalScope::Once, AnswerSource::Script).unwrap_err();
        assert!(matches!(err, QueueError::InvalidId { .. }), "{id}: {err}");
    }
}

#[tokio::test]
async fn concurrent_requests_get_their_own_answers() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let mut ids = Vec::new();
    let mut tasks = Vec::new();
    for tool in ["a", "b", "c"] {
        let r = req(&q, tool);
        ids.push(r.id.clone());
        let q = q.clone();
        tasks.push(tokio::spawn(async move {
            q.request(r, Duration::from_secs(10)).await
        }));
    }
    for id in &ids {
        until_pending(dir.path(), id).await;
    }
    assert_eq!(pending(dir.path()).unwrap().len(), 3);
    approve(
        dir.path(),
        &ids[0],
        ApprovalScope::Once,
        AnswerSource::Script,
    )
    .unwrap();
    deny(dir.path(), &ids[1], AnswerSource::Script).unwrap();
    approve(
        dir.path(),
        &ids[2],
        ApprovalScope::Session,
        AnswerSource::Script,
    )
    .unwrap();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    assert!(matches!(
        outcomes[0],
        ApprovalOutcome::Approved {
            scope: ApprovalScope::Once,
            ..
        }
    ));
    assert!(matches!(outcomes[1], ApprovalOutcome::Denied { .. }));
    assert!(matches!(
        outcomes[2],
        ApprovalOutcome::Approved {
            scope: ApprovalScope::Session,
            ..
        }
    ));
}

#[tokio::test]
async fn second_answer_to_the_same_request_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let r = req(&q, "write_file");
    let id = r.id.clone();
    // Place the request by hand so no gateway consumes the first answer.
    write_new(
        &request_path(&queue_dir(dir.path()), &id),
        &StoredRequest {
            request: r,
            expires_unix: now_unix() + 60,
            pid: 1,
        },
    )
    .unwrap();
    deny(dir.path(), &id, AnswerSource::Script).unwrap();
    let err = approve(dir.path(), &id, ApprovalScope::Once, AnswerSource::Script).unwrap_err();
    assert!(matches!(err, QueueError::AlreadyAnswered { .. }), "{err}");
}

#[tokio::test]
async fn unreadable_decision_never_counts_as_approval() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let (id, waiting) = queued(&q, dir.path(), "write_file", Duration::from_secs(10)).await;
    fs::write(
        decision_path(&queue_dir(dir.path()), &id),
        r#"{"decision":"approve"}"#,
    )
    .unwrap();
    let outcome = waiting.await.unwrap();
    assert!(
        matches!(outcome, ApprovalOutcome::Unavailable { .. }),
        "{outcome:?}"
    );
}

#[test]
fn pending_removes_expired_requests_and_orphaned_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let qdir = queue_dir(dir.path());
    let old = req(&q, "old");
    write_new(
        &request_path(&qdir, &old.id),
        &StoredRequest {
            request: old.clone(),
            expires_unix: now_unix() - 10,
            pid: 1,
        },
    )
    .unwrap();
    fs::write(decision_path(&qdir, "zzzzzz"), "{}").unwrap();
    assert!(pending(dir.path()).unwrap().is_empty());
    assert!(
        queue_files(dir.path()).is_empty(),
        "{:?}",
        queue_files(dir.path())
    );
    let err = approve(
        dir.path(),
        &old.id,
        ApprovalScope::Once,
        AnswerSource::Script,
    )
    .unwrap_err();
    assert!(matches!(err, QueueError::UnknownId { .. }));
}

#[test]
fn missing_queue_directory_means_nothing_pending() {
    let dir = tempfile::tempdir().unwrap();
    assert!(pending(&dir.path().join("absent")).unwrap().is_empty());
}

#[test]
fn ids_are_short_typeable_and_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let ids: std::collections::HashSet<String> = (0..200).map(|_| q.new_id()).collect();
    assert!(ids.len() > 190, "ids repeat too often: {}", ids.len());
    assert!(ids.iter().all(|id| valid_id(id)), "{ids:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn queue_directory_and_requests_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&queue_dir(dir.path())), 0o700);
    let (id, waiting) = queued(&q, dir.path(), "write_file", Duration::from_secs(10)).await;
    assert_eq!(mode(&request_path(&queue_dir(dir.path()), &id)), 0o600);
    deny(dir.path(), &id, AnswerSource::Script).unwrap();
    waiting.await.unwrap();
}

#[test]
fn default_state_dir_follows_xdg_state_home() {
    // Only checks the shape; the environment is shared with other tests.
    let d = default_state_dir();
    assert!(
        d.ends_with("mcpward") || d.ends_with(".mcpward-state"),
        "{}",
        d.display()
    );
}

#[tokio::test]
async fn absurd_timeouts_are_capped_instead_of_overflowing() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let (id, waiting) = queued(&q, dir.path(), "write_file", Duration::MAX).await;
    deny(dir.path(), &id, AnswerSource::Script).unwrap();
    assert!(matches!(
        waiting.await.unwrap(),
        ApprovalOutcome::Denied { .. }
    ));
}

#[tokio::test]
async fn abandoned_wait_removes_its_request() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let (id, waiting) = queued(&q, dir.path(), "write_file", Duration::from_secs(60)).await;
    // The session ends (or the client cancels) while the person has not answered yet.
    waiting.abort();
    let _ = waiting.await;
    assert!(pending(dir.path()).unwrap().is_empty());
    assert!(matches!(
        approve(dir.path(), &id, ApprovalScope::Once, AnswerSource::Script),
        Err(QueueError::UnknownId { .. })
    ));
}

#[tokio::test]
async fn stale_decision_left_under_an_id_does_not_approve_a_new_request() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let r = req(&q, "write_file");
    // What a gateway killed after `mcpward approve` answered leaves behind.
    fs::write(
        decision_path(&queue_dir(dir.path()), &r.id),
        r#"{"decision":"approve","scope":"session","by":"local:earlier"}"#,
    )
    .unwrap();
    let outcome = q.request(r, Duration::from_millis(200)).await;
    assert!(matches!(outcome, ApprovalOutcome::TimedOut), "{outcome:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn approver_name_written_into_the_decision_file_is_not_trusted() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let (id, waiting) = queued(&q, dir.path(), "write_file", Duration::from_secs(10)).await;
    // What a server (or any code running as the user) can write: a decision claiming a human
    // approver and a terminal.
    let forged = decision_path(&queue_dir(dir.path()), &id);
    fs::write(
        &forged,
        r#"{"decision":"approve","scope":"once","by":"local:alice","from":"terminal"}"#,
    )
    .unwrap();
    let uid = fs::metadata(&forged).unwrap().uid();
    let outcome = waiting.await.unwrap();
    let ApprovalOutcome::Approved { by, .. } = outcome else {
        panic!("{outcome:?}");
    };
    // The log names the channel and the file's owner, and marks the terminal as a claim.
    assert_eq!(by.owner_uid, Some(uid));
    assert_eq!(
        by.to_string(),
        format!("queue (uid {uid}, terminal claimed)")
    );
    assert!(!by.to_string().contains("alice"));
}

#[tokio::test]
async fn decision_that_does_not_say_where_it_came_from_counts_as_scripted() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let (id, waiting) = queued(&q, dir.path(), "write_file", Duration::from_secs(10)).await;
    fs::write(
        decision_path(&queue_dir(dir.path()), &id),
        r#"{"decision":"deny"}"#,
    )
    .unwrap();
    let ApprovalOutcome::Denied { by } = waiting.await.unwrap() else {
        panic!("expected a denial");
    };
    assert_eq!(by.source, AnswerSource::Script);
    assert!(by.to_string().ends_with("no terminal: --no-tty)"), "{by}");
}

#[tokio::test]
async fn flood_of_asks_beyond_the_cap_is_refused_not_queued() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let mut waiting = Vec::new();
    for i in 0..MAX_WAITING {
        waiting.push(queued(&q, dir.path(), &format!("tool{i}"), Duration::from_secs(30)).await);
    }
    let extra = req(&q, "one_too_many");
    let outcome = q.request(extra, Duration::from_secs(30)).await;
    let ApprovalOutcome::Refused { reason } = outcome else {
        panic!("expected a refusal, got {outcome:?}");
    };
    assert!(
        reason.contains(&MAX_WAITING.to_string()) && reason.contains("mcpward approve --list"),
        "{reason}"
    );
    // Nothing was placed for it: a person sees only the calls that really wait.
    assert_eq!(pending(dir.path()).unwrap().len(), MAX_WAITING);
    // Once one is answered there is room again.
    let (id, task) = waiting.pop().unwrap();
    deny(dir.path(), &id, AnswerSource::Script).unwrap();
    assert!(matches!(
        task.await.unwrap(),
        ApprovalOutcome::Denied { .. }
    ));
    let (id, task) = queued(&q, dir.path(), "after", Duration::from_secs(30)).await;
    deny(dir.path(), &id, AnswerSource::Script).unwrap();
    task.await.unwrap();
    for (_, task) in waiting {
        task.abort();
    }
}

#[tokio::test]
async fn waiting_calls_share_one_directory_listing_and_read_only_answered_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let mut waiting = Vec::new();
    for i in 0..MAX_WAITING {
        waiting.push(queued(&q, dir.path(), &format!("tool{i}"), Duration::from_secs(30)).await);
    }
    let (id, task) = waiting.pop().unwrap();
    approve(dir.path(), &id, ApprovalScope::Once, AnswerSource::Script).unwrap();
    assert!(matches!(
        task.await.unwrap(),
        ApprovalOutcome::Approved { .. }
    ));
    let stats = q.stats();
    // However many calls wait, each tick lists the directory once (not once per call), and a
    // decision file is opened only when it exists: here exactly the one answer.
    assert!(stats.ticks > 0);
    assert_eq!(stats.directory_reads, stats.ticks, "{stats:?}");
    assert_eq!(stats.decision_reads, 1, "{stats:?}");
    for (_, task) in waiting {
        task.abort();
        let _ = task.await;
    }
    // With nothing waiting, the scan stops instead of ticking on.
    for _ in 0..200 {
        if !lock(&q.waiters).scanning {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the scan kept running with nothing waiting");
}

#[cfg(unix)]
#[tokio::test]
async fn world_writable_queue_dir_created_beforehand_cannot_approve_calls() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // Another user prepared the queue directory, open to everyone, before mcpward first ran.
    let queue = queue_dir(dir.path());
    fs::create_dir(&queue).unwrap();
    fs::set_permissions(&queue, fs::Permissions::from_mode(0o777)).unwrap();
    let err = ApprovalQueue::open(dir.path()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
    assert!(err.to_string().contains("chmod 700"), "{err}");
    assert!(pending(dir.path()).is_err());
    let err = approve(
        dir.path(),
        "abcdef",
        ApprovalScope::Once,
        AnswerSource::Terminal,
    )
    .unwrap_err();
    assert!(matches!(err, QueueError::State(_)), "{err}");
}

#[cfg(unix)]
#[test]
fn world_writable_state_dir_is_refused_for_the_queue() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("mcpward");
    fs::create_dir(&state).unwrap();
    fs::set_permissions(&state, fs::Permissions::from_mode(0o777)).unwrap();
    let err = ApprovalQueue::open(&state).unwrap_err();
    assert!(err.to_string().contains(&*state.to_string_lossy()), "{err}");
}

#[tokio::test]
async fn answer_from_the_page_is_recorded_as_ui_with_its_page_session() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let (id, waiting) = queued(&q, dir.path(), "write_file", Duration::from_secs(10)).await;
    let page = PageSession::random();
    assert_eq!(page.as_str().len(), PAGE_SESSION_LEN);
    let from = AnswerSource::Ui {
        page_session: page.clone(),
    };
    approve(dir.path(), &id, ApprovalScope::Once, from.clone()).unwrap();
    let outcome = waiting.await.unwrap();
    let ApprovalOutcome::Approved { by, .. } = outcome else {
        panic!("expected approval, got {outcome:?}");
    };
    assert_eq!(by.source, from);
    let shown = by.to_string();
    assert!(shown.starts_with("ui ("), "{shown}");
    assert!(
        shown.ends_with(&format!("page session {page} claimed)")),
        "{shown}"
    );
    #[cfg(unix)]
    assert!(
        shown.contains(&format!("uid {}", state::current_uid())),
        "{shown}"
    );
}

#[test]
fn decision_written_by_the_page_names_its_source_and_old_files_still_read() {
    let path = Path::new("x.decision.json");
    let by = |outcome: ApprovalOutcome| match outcome {
        ApprovalOutcome::Approved { by, .. } | ApprovalOutcome::Denied { by } => by.source,
        other => panic!("{other:?}"),
    };
    // The format the page writes.
    let written = serde_json::to_string(&StoredDecision::Deny {
        from: AnswerSource::Ui {
            page_session: PageSession::try_from("k2d7xq4m".to_owned()).unwrap(),
        },
    })
    .unwrap();
    assert_eq!(
        written,
        r#"{"decision":"deny","from":{"ui":{"page_session":"k2d7xq4m"}}}"#
    );
    assert!(matches!(
        by(decode_decision(written.as_bytes(), Some(7), path)),
        AnswerSource::Ui { page_session } if page_session.as_str() == "k2d7xq4m"
    ));
    // Files written before the page existed mean what they meant.
    for (old, source) in [
        (
            r#"{"decision":"approve","scope":"once","from":"terminal"}"#,
            AnswerSource::Terminal,
        ),
        (
            r#"{"decision":"approve","scope":"session","from":"script"}"#,
            AnswerSource::Script,
        ),
        (r#"{"decision":"deny"}"#, AnswerSource::Script),
    ] {
        assert_eq!(
            by(decode_decision(old.as_bytes(), None, path)),
            source,
            "{old}"
        );
    }
    let terminal = QueueAnswer {
        owner_uid: Some(1000),
        source: AnswerSource::Terminal,
    };
    assert_eq!(terminal.to_string(), "queue (uid 1000, terminal claimed)");
}

#[test]
fn page_session_in_a_decision_file_cannot_carry_arbitrary_text_into_the_log() {
    let path = Path::new("x.decision.json");
    for forged in [
        r#"{"decision":"approve","scope":"once","from":{"ui":{"page_session":"alice) (verified"}}}"#,
        r#"{"decision":"approve","scope":"once","from":{"ui":{"page_session":""}}}"#,
        r#"{"decision":"approve","scope":"once","from":{"ui":{"page_session":"aaaaaaaaaaaaaaaaa"}}}"#,
        r#"{"decision":"approve","scope":"once","from":{"ui":{}}}"#,
        r#"{"decision":"approve","scope":"once","from":"ui"}"#,
    ] {
        let outcome = decode_decision(forged.as_bytes(), Some(1000), path);
        assert!(
            matches!(outcome, ApprovalOutcome::Unavailable { .. }),
            "{forged}: {outcome:?}"
        );
    }
}

#[test]
fn an_answered_request_is_no_longer_listed_as_pending() {
    let dir = tempfile::tempdir().unwrap();
    let q = ApprovalQueue::open(dir.path()).unwrap();
    let r = req(&q, "write_file");
    let id = r.id.clone();
    // A request as a gateway writes it, answered before the gateway's next look at the queue.
    let stored = StoredRequest {
        request: r,
        expires_unix: now_unix() + 60,
        pid: std::process::id(),
    };
    write_new(&request_path(&queue_dir(dir.path()), &id), &stored).unwrap();
    assert_eq!(pending(dir.path()).unwrap().len(), 1);
    deny(dir.path(), &id, AnswerSource::Script).unwrap();
    assert!(pending(dir.path()).unwrap().is_empty());
    // Both files stay for the gateway to read and remove.
    assert_eq!(
        queue_files(dir.path()).len(),
        2,
        "{:?}",
        queue_files(dir.path())
    );
}
