use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use hookflow_runtime::signing::{
    mint_action_url, mint_trigger_url, signature_matches, string_to_sign, verify, AccessKey,
    ActionUrlParams, CallbackUrl, KeyType, Operation, SignatureError, SignedQuery,
    TriggerUrlParams, WorkflowKeys,
};

fn keys() -> WorkflowKeys {
    WorkflowKeys {
        primary: AccessKey::from_bytes([1; 32]),
        secondary: AccessKey::from_bytes([2; 32]),
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

fn trigger_url(key: &AccessKey, not_after: Option<DateTime<Utc>>) -> CallbackUrl {
    mint_trigger_url(&TriggerUrlParams {
        public_base: "https://flows.example.com/",
        workflow: "orders",
        trigger: "manual",
        relative_path: None,
        method: None,
        key,
        not_after,
    })
}

fn query_of(url: &str) -> SignedQuery {
    SignedQuery::from_query(url.split_once('?').map(|(_, q)| q).unwrap_or(""))
}

const MANUAL: Operation<'static> = Operation::TriggerRun { trigger: "manual" };

#[test]
fn trigger_url_has_the_contract_shape() {
    let url = trigger_url(&keys().primary, None);
    let prefix = "https://flows.example.com/workflows/orders/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=";
    assert!(url.value.starts_with(prefix), "{}", url.value);
    let sig = &url.value[prefix.len()..];
    assert_eq!(sig.len(), 43, "base64url of 32 bytes without padding");
    assert!(sig
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    assert_eq!(url.method, "POST");
    assert_eq!(
        url.base_path,
        "https://flows.example.com/workflows/orders/triggers/manual/paths/invoke"
    );
    assert_eq!(url.queries.sp, "/triggers/manual/run");
    assert_eq!(url.queries.sv, "1.0");
    assert_eq!(url.queries.api_version, "2016-10-01");
    assert_eq!(url.queries.sig, sig);
    assert_eq!(url.queries.se, None);

    let json = serde_json::to_value(&url).unwrap_or_default();
    assert_eq!(json["basePath"], url.base_path.as_str());
    assert_eq!(json["queries"]["api-version"], "2016-10-01");
    assert!(json.get("relativePath").is_none());
    assert!(json["queries"].get("se").is_none());
}

#[test]
fn relative_path_and_method_go_into_the_url() {
    let key = keys().primary;
    let url = mint_trigger_url(&TriggerUrlParams {
        public_base: "http://127.0.0.1:7071",
        workflow: "my flow",
        trigger: "manual",
        relative_path: Some("/customers/{id}/orders x"),
        method: Some("get"),
        key: &key,
        not_after: None,
    });
    assert!(
        url.value.starts_with(
            "http://127.0.0.1:7071/workflows/my%20flow/triggers/manual/paths/invoke/customers/{id}/orders%20x?api-version="
        ),
        "{}",
        url.value
    );
    assert_eq!(url.method, "GET");
    assert_eq!(
        url.relative_path.as_deref(),
        Some("customers/{id}/orders x")
    );
    assert_eq!(
        url.base_path,
        "http://127.0.0.1:7071/workflows/my%20flow/triggers/manual/paths/invoke"
    );
}

#[test]
fn round_trip_with_either_key() {
    let keys = keys();
    for (key, expected) in [
        (&keys.primary, KeyType::Primary),
        (&keys.secondary, KeyType::Secondary),
    ] {
        let url = trigger_url(key, None);
        let permission = verify(&keys, &MANUAL, &query_of(&url.value), now());
        assert_eq!(permission.map(|p| p.key_type), Ok(expected));
    }
}

#[test]
fn action_url_encodes_loop_iteration_keys() {
    let keys = keys();
    let action = "For_each[3] > Inner/x";
    let url = mint_action_url(&ActionUrlParams {
        public_base: "https://h",
        workflow: "wf",
        run: "08585",
        action,
        key: &keys.primary,
    });
    assert!(
        url.value.starts_with(
            "https://h/workflows/wf/runs/08585/actions/For_each%5B3%5D%20%3E%20Inner%2Fx/run?api-version=2016-10-01&sp=%2Fruns%2F08585%2Factions%2FFor_each%255B3%255D%2520%253E%2520Inner%252Fx%2Frun&sv=1.0&sig="
        ),
        "{}",
        url.value
    );
    let op = Operation::ActionRun {
        run: "08585",
        action,
    };
    assert!(verify(&keys, &op, &query_of(&url.value), now()).is_ok());
    // The parsed URL is what a server sees; the path segment decodes to the key.
    let parsed = url::Url::parse(&url.value).ok();
    let segment = parsed
        .as_ref()
        .and_then(|u| u.path_segments())
        .and_then(|mut s| s.nth(5))
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        });
    assert_eq!(segment.as_deref(), Some(action));
    // Another iteration is another operation.
    let other = Operation::ActionRun {
        run: "08585",
        action: "For_each[4] > Inner/x",
    };
    assert_eq!(
        verify(&keys, &other, &query_of(&url.value), now()),
        Err(SignatureError::WrongOperation)
    );
}

#[test]
fn tampered_signature_is_invalid() {
    let keys = keys();
    let url = trigger_url(&keys.primary, None);
    let mut query = query_of(&url.value);
    let mut sig: Vec<char> = query.sig.clone().unwrap_or_default().chars().collect();
    sig[0] = if sig[0] == 'A' { 'B' } else { 'A' };
    query.sig = Some(sig.into_iter().collect());
    assert_eq!(
        verify(&keys, &MANUAL, &query, now()),
        Err(SignatureError::Invalid)
    );

    // Truncated, padded garbage, not base64: all invalid, never a panic.
    for bad in ["", "abc", "!!!!", "AAAA===="] {
        query.sig = Some(bad.into());
        assert_eq!(
            verify(&keys, &MANUAL, &query, now()),
            Err(SignatureError::Invalid)
        );
    }
}

#[test]
fn tampered_permission_or_version_is_invalid() {
    let keys = keys();
    let url = trigger_url(&keys.primary, None);
    let mut query = query_of(&url.value);
    query.sp = Some("/triggers/other/run".into());
    assert_eq!(
        verify(&keys, &MANUAL, &query, now()),
        Err(SignatureError::Invalid)
    );
    let mut query = query_of(&url.value);
    query.sv = Some("2.0".into());
    assert_eq!(
        verify(&keys, &MANUAL, &query, now()),
        Err(SignatureError::Invalid)
    );
}

#[test]
fn missing_parts_are_missing() {
    let keys = keys();
    let url = trigger_url(&keys.primary, None);
    for strip in ["sp", "sv", "sig"] {
        let mut query = query_of(&url.value);
        match strip {
            "sp" => query.sp = None,
            "sv" => query.sv = None,
            _ => query.sig = None,
        }
        assert_eq!(
            verify(&keys, &MANUAL, &query, now()),
            Err(SignatureError::Missing)
        );
    }
    assert_eq!(
        verify(&keys, &MANUAL, &SignedQuery::default(), now()),
        Err(SignatureError::Missing)
    );
}

#[test]
fn a_valid_signature_for_another_operation_is_wrong_operation() {
    let keys = keys();
    let url = trigger_url(&keys.primary, None);
    let other = Operation::TriggerRun { trigger: "other" };
    assert_eq!(
        verify(&keys, &other, &query_of(&url.value), now()),
        Err(SignatureError::WrongOperation)
    );
    let action = Operation::ActionRun {
        run: "r",
        action: "manual",
    };
    assert_eq!(
        verify(&keys, &action, &query_of(&url.value), now()),
        Err(SignatureError::WrongOperation)
    );
}

#[test]
fn expiry_is_signed_and_enforced() {
    let keys = keys();
    let not_after = now() + ChronoDuration::minutes(5);
    let url = trigger_url(&keys.primary, Some(not_after));
    assert!(
        url.value.contains("&se=2030-01-01T12%3A05%3A00Z&sig="),
        "{}",
        url.value
    );
    assert_eq!(url.queries.se.as_deref(), Some("2030-01-01T12:05:00Z"));
    let query = query_of(&url.value);
    let permission = verify(&keys, &MANUAL, &query, now());
    assert_eq!(permission.map(|p| p.expires), Ok(Some(not_after)));
    assert!(
        verify(&keys, &MANUAL, &query, not_after).is_ok(),
        "valid up to notAfter"
    );
    assert_eq!(
        verify(
            &keys,
            &MANUAL,
            &query,
            not_after + ChronoDuration::seconds(1)
        ),
        Err(SignatureError::Expired("2030-01-01T12:05:00Z".into()))
    );
    // Moving the expiry breaks the signature; dropping it too.
    let mut later = query.clone();
    later.se = Some("2031-01-01T00:00:00Z".into());
    assert_eq!(
        verify(&keys, &MANUAL, &later, now()),
        Err(SignatureError::Invalid)
    );
    let mut dropped = query;
    dropped.se = None;
    assert_eq!(
        verify(&keys, &MANUAL, &dropped, now()),
        Err(SignatureError::Invalid)
    );
}

#[test]
fn regenerated_key_invalidates_old_urls() {
    let mut keys = WorkflowKeys::generate().unwrap_or_else(|_| keys());
    let primary_url = trigger_url(&keys.primary, None);
    let secondary_url = trigger_url(&keys.secondary, None);
    assert!(keys.regenerate(KeyType::Primary).is_ok());
    assert_eq!(
        verify(&keys, &MANUAL, &query_of(&primary_url.value), now()),
        Err(SignatureError::Invalid)
    );
    assert!(verify(&keys, &MANUAL, &query_of(&secondary_url.value), now()).is_ok());
    let fresh = trigger_url(&keys.primary, None);
    assert!(verify(&keys, &MANUAL, &query_of(&fresh.value), now()).is_ok());
}

#[test]
fn keys_are_random_and_round_trip_as_base64url() {
    let a = AccessKey::generate();
    let b = AccessKey::generate();
    assert!(a.is_ok() && b.is_ok());
    let (a, b) = (
        a.unwrap_or_else(|_| keys().primary),
        b.unwrap_or_else(|_| keys().secondary),
    );
    assert_ne!(a, b);
    let text = a.to_base64url();
    assert_eq!(text.len(), 43);
    assert_eq!(AccessKey::from_base64url(&text), Ok(a.clone()));
    assert!(AccessKey::from_base64url("short").is_err());
    assert_eq!(format!("{a:?}"), "AccessKey(***)");
}

#[test]
fn the_constant_time_comparison_is_what_verify_uses() {
    // The documented string to sign, checked with the constant-time comparison, agrees
    // with the minted signature: verify goes through `signature_matches`.
    let keys = keys();
    let url = trigger_url(&keys.primary, None);
    let sig = base64_url(&url.queries.sig);
    let message = string_to_sign("1.0", "/triggers/manual/run", None);
    assert!(signature_matches(&keys.primary, message.as_bytes(), &sig));
    assert!(!signature_matches(
        &keys.secondary,
        message.as_bytes(),
        &sig
    ));
    assert!(!signature_matches(
        &keys.primary,
        message.as_bytes(),
        &sig[..31]
    ));
    assert!(!signature_matches(&keys.primary, b"other", &sig));
}

fn base64_url(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap_or_default()
}

#[test]
fn query_parsing_ignores_other_parameters() {
    let q = SignedQuery::from_query("a=1&sp=%2Ftriggers%2Fm%2Frun&sv=1.0&sig=x&sig=y&extra=2");
    assert_eq!(q.sp.as_deref(), Some("/triggers/m/run"));
    assert_eq!(q.sig.as_deref(), Some("x"));
    assert_eq!(q.se, None);
}
