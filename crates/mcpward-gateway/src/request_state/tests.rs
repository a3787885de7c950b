use proptest::prelude::*;
use serde_json::json;

use super::*;

fn key(byte: u8) -> StateKey {
    StateKey::from_bytes(&[byte; 32]).unwrap()
}

fn claims(expires: u64) -> StateClaims {
    StateClaims {
        id: "00112233445566778899aabbccddeeff".into(),
        server: "notes".into(),
        launch: "launch-1".into(),
        tool: "save_note".into(),
        arguments: "sha256:aa".into(),
        rule: "rule #1 (policy.toml:1)".into(),
        question: "mcpward-approval-0011".into(),
        expires,
        server_state: Some("the server's own state".into()),
        server_responses: Some(json!({"confirm": {"action": "accept"}})),
    }
}

fn answers() -> Value {
    json!({"mcpward-approval-0011": {"action": "accept", "content": {"approve": true}}})
}

fn call<'a>(tool: &'a str, arguments: &'a str, responses: &'a Value) -> RetriedCall<'a> {
    RetriedCall {
        server: "notes",
        launch: "launch-1",
        tool,
        arguments,
        responses: Some(responses),
    }
}

#[test]
fn a_sealed_state_opens_to_its_claims() {
    let state = seal(&key(1), &claims(1000));
    assert!(is_ours(&state));
    assert_eq!(open(&key(1), &state, 999).unwrap(), claims(1000));
}

#[test]
fn a_state_sealed_under_another_key_is_refused() {
    let state = seal(&key(2), &claims(1000));
    assert!(matches!(
        open(&key(1), &state, 999),
        Err(RequestStateError::BadSignature)
    ));
}

#[test]
fn a_state_with_rewritten_claims_is_refused() {
    // The client re-encodes the claims with a later expiry and keeps the old signature.
    let state = seal(&key(1), &claims(1000));
    let (_, tag) = state.rsplit_once('.').unwrap();
    let forged = format!(
        "{PREFIX}{}.{tag}",
        hex::encode(serde_json::to_vec(&claims(u64::MAX)).unwrap())
    );
    assert!(matches!(
        open(&key(1), &forged, 999),
        Err(RequestStateError::BadSignature)
    ));
}

#[test]
fn a_state_is_accepted_until_its_expiry_and_refused_after() {
    let state = seal(&key(1), &claims(1000));
    assert!(open(&key(1), &state, 1000).is_ok());
    assert!(matches!(
        open(&key(1), &state, 1003),
        Err(RequestStateError::Expired { ago: 3 })
    ));
}

#[test]
fn malformed_states_are_refused_before_any_parsing() {
    let good = seal(&key(1), &claims(1000));
    for bad in [
        String::new(),
        "mcpward-rs1.".to_owned(),
        "mcpward-rs1.zz.00".to_owned(),
        good.to_uppercase(),
        good.replace('.', ""),
        good.trim_start_matches(PREFIX).to_owned(),
    ] {
        assert!(
            matches!(open(&key(1), &bad, 0), Err(RequestStateError::Malformed(_))),
            "{bad}"
        );
    }
}

#[test]
fn the_call_it_was_issued_for_passes_with_its_answer() {
    let c = claims(1000);
    let responses = answers();
    let answer = c
        .check_call(&call("save_note", "sha256:aa", &responses))
        .unwrap();
    assert_eq!(answer["content"]["approve"], true);
}

#[test]
fn another_tool_other_arguments_or_another_server_are_refused() {
    let c = claims(1000);
    let responses = answers();
    assert!(matches!(
        c.check_call(&call("delete_note", "sha256:aa", &responses)),
        Err(RequestStateError::OtherTool { .. })
    ));
    assert!(matches!(
        c.check_call(&call("save_note", "sha256:bb", &responses)),
        Err(RequestStateError::OtherArguments)
    ));
    let mut other = call("save_note", "sha256:aa", &responses);
    other.server = "mail";
    assert!(matches!(
        c.check_call(&other),
        Err(RequestStateError::OtherServer { .. })
    ));
    let mut relaunched = call("save_note", "sha256:aa", &responses);
    relaunched.launch = "launch-2";
    assert!(matches!(
        c.check_call(&relaunched),
        Err(RequestStateError::OtherServer { .. })
    ));
}

#[test]
fn a_retry_without_an_answer_to_the_question_is_refused() {
    let c = claims(1000);
    let elsewhere = json!({"confirm": {"action": "accept"}});
    assert!(matches!(
        c.check_call(&call("save_note", "sha256:aa", &elsewhere)),
        Err(RequestStateError::NoAnswer { .. })
    ));
    let mut none = call("save_note", "sha256:aa", &elsewhere);
    none.responses = None;
    assert!(matches!(
        c.check_call(&none),
        Err(RequestStateError::NoAnswer { .. })
    ));
}

#[test]
fn a_state_is_redeemed_once_even_across_gateways() {
    let dir = tempfile::tempdir().unwrap();
    let first = UsedStates::open(dir.path()).unwrap();
    let second = UsedStates::open(dir.path()).unwrap();
    first.redeem(&claims(1000)).unwrap();
    assert!(matches!(
        second.redeem(&claims(1000)),
        Err(RequestStateError::Replayed)
    ));
    assert!(matches!(
        first.redeem(&claims(1000)),
        Err(RequestStateError::Replayed)
    ));
}

#[test]
fn an_id_that_is_no_file_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let used = UsedStates::open(dir.path()).unwrap();
    let mut c = claims(1000);
    c.id = "../key".into();
    assert!(matches!(
        used.redeem(&c),
        Err(RequestStateError::Malformed("id"))
    ));
}

#[test]
fn the_sweep_removes_only_markers_of_long_expired_states() {
    let dir = tempfile::tempdir().unwrap();
    let used = UsedStates::open(dir.path()).unwrap();
    let mut old = claims(100);
    old.id = "aa".into();
    let mut live = claims(10_000);
    live.id = "bb".into();
    used.redeem(&old).unwrap();
    used.redeem(&live).unwrap();
    assert_eq!(used.sweep(1000), 1);
    assert!(matches!(
        used.redeem(&live),
        Err(RequestStateError::Replayed)
    ));
}

#[test]
fn the_key_is_created_private_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let a = StateKey::load_or_create(dir.path()).unwrap();
    let b = StateKey::load_or_create(dir.path()).unwrap();
    let state = seal(&a, &claims(1000));
    assert!(open(&b, &state, 0).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = state_root(dir.path()).join("key");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(format!("{a:?}"), "StateKey(<redacted>)");
    }
}

#[cfg(unix)]
#[test]
fn a_key_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    StateKey::load_or_create(dir.path()).unwrap();
    let path = state_root(dir.path()).join("key");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = StateKey::load_or_create(dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("others can read the key"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_key_that_is_a_symlink_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = state_root(dir.path());
    crate::state::private_dir(&root).unwrap();
    let elsewhere = dir.path().join("planted");
    std::fs::write(&elsewhere, hex::encode([7u8; 32])).unwrap();
    std::os::unix::fs::symlink(&elsewhere, root.join("key")).unwrap();
    let err = StateKey::load_or_create(dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("symbolic link"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_state_directory_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = state_root(dir.path());
    std::fs::create_dir(&root).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o777)).unwrap();
    assert!(StateKey::load_or_create(dir.path()).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever byte of a state the client changes, and to whatever value, the state is refused.
    #[test]
    fn any_byte_flip_in_a_state_is_refused(pos in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let state = seal(&key(1), &claims(1000));
        let mut bytes = state.into_bytes();
        let i = pos.index(bytes.len());
        bytes[i] ^= flip;
        let altered = String::from_utf8_lossy(&bytes).into_owned();
        prop_assert!(open(&key(1), &altered, 0).is_err());
    }
}
