//! Identifiers: run ids sort by time and round-trip; repetitions name and parse.

use chrono::{TimeZone, Utc};
use hookflow_store::{ErrorKind, Repetition, RunId, VersionId};

#[test]
fn run_ids_sort_by_creation_time() {
    let early = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("instant");
    let late = early + chrono::Duration::milliseconds(1);
    let a = RunId::generate(early);
    let b = RunId::generate(late);
    assert_eq!(a.as_str().len(), 26);
    assert!(a < b, "{a} sorts before {b}");
    assert_ne!(
        RunId::generate(early),
        RunId::generate(early),
        "random part differs"
    );
    assert_eq!(RunId::parse(a.as_str()).expect("parses"), a);
}

#[test]
fn run_id_layout_is_ulid() {
    assert_eq!(
        RunId::from_parts(0, 0).as_str(),
        "00000000000000000000000000"
    );
    assert_eq!(
        RunId::from_parts(1, 0).as_str(),
        "00000000010000000000000000"
    );
    assert_eq!(
        RunId::from_parts(0, u128::MAX).as_str(),
        "0000000000ZZZZZZZZZZZZZZZZ"
    );
}

#[test]
fn repetitions_name_and_parse() {
    let rep = Repetition(vec![3, 1]);
    assert_eq!(rep.name(), "000003-000001");
    assert_eq!(Repetition::parse("000003-000001").expect("parses"), rep);
    assert_eq!(Repetition::parse("").expect("empty"), Repetition::default());
    assert_eq!(
        Repetition::parse("x").map_err(|e| e.kind()),
        Err(ErrorKind::Invalid)
    );
}

#[test]
fn version_ids_round_trip() {
    let v = VersionId(42);
    assert_eq!(VersionId::parse(&v.to_string()).expect("parses"), v);
    assert_eq!(
        VersionId::parse("abc").map_err(|e| e.kind()),
        Err(ErrorKind::Invalid)
    );
}
