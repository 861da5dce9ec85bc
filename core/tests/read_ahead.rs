//! `api::call_json_reading`: manifests a native binding reads itself (files streamed from disk,
//! bytes the host holds) join the request's own sources, before them, with the request's parse
//! options — and nothing of them outlives the call.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use netfence::Error;
use netfence::api::{SOURCE_OPERATIONS, call_json, call_json_reading};
use netfence::inventory::ResourceSet;
use netfence::source::ParseOptions;
use serde_json::{Value, json};

const SHOP: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: shop, labels: {app: db}}\n";

const POLICY: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
metadata: {name: db, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  \
ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n    ports: [{port: 5432}]\n";

fn value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn reading(name: &'static str, text: &'static str) -> impl FnMut(&mut ResourceSet, &ParseOptions) -> Result<(), Error> {
    move |set, options| set.add_reader(&mut text.as_bytes(), name, options)
}

#[test]
fn what_a_binding_reads_answers_as_the_same_text_in_the_request() {
    let both = json!({"sources": [{"name": "shop.yaml", "text": SHOP}, {"name": "policy.yaml", "text": POLICY}]});
    let plain = value(&call_json("analyze", &both.to_string()).unwrap());
    let request = json!({"sources": [{"name": "policy.yaml", "text": POLICY}]});
    let read = value(&call_json_reading("analyze", &request.to_string(), &mut reading("shop.yaml", SHOP)).unwrap());
    assert_eq!(read["connections"], plain["connections"]);
    assert_eq!(read["endpoints"], plain["endpoints"]);
    let db = read["connections"].as_array().unwrap().iter().filter(|c| c["dst"] == "shop/db[Pod]").count();
    assert_eq!(db, 1, "only web reaches db: {read}");

    // what was read comes first, with its own name
    let parsed = value(&call_json_reading("parse", &request.to_string(), &mut reading("shop.yaml", SHOP)).unwrap());
    let files: Vec<&str> =
        parsed["resources"].as_array().unwrap().iter().map(|r| r["location"]["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["shop.yaml", "shop.yaml", "shop.yaml", "policy.yaml"], "{parsed}");
}

#[test]
fn nothing_read_outlives_its_call() {
    let empty = json!({"sources": []}).to_string();
    let read = value(&call_json_reading("parse", &empty, &mut reading("shop.yaml", SHOP)).unwrap());
    assert_eq!(read["resources"].as_array().map(Vec::len), Some(3));
    let after = value(&call_json("parse", &empty).unwrap());
    assert_eq!(after["resources"].as_array().map(Vec::len), Some(0), "{after}");
    // a request that does not decode: what was read is dropped with it
    assert!(call_json_reading("parse", "{\"sources\": 7}", &mut reading("shop.yaml", SHOP)).is_err());
    let after = value(&call_json("parse", &empty).unwrap());
    assert_eq!(after["resources"].as_array().map(Vec::len), Some(0), "{after}");
}

#[test]
fn the_request_options_apply_and_a_browser_sized_cap_only_when_asked_for() {
    let mut seen = Vec::new();
    let mut record = |_: &mut ResourceSet, options: &ParseOptions| {
        seen.push((options.max_input_bytes, options.strict));
        Ok(())
    };
    call_json_reading("analyze", &json!({"sources": []}).to_string(), &mut record).unwrap();
    call_json_reading("analyze", &json!({"sources": [], "options": {"strict": true}}).to_string(), &mut record)
        .unwrap();
    call_json_reading("analyze", &json!({"sources": [], "options": {"maxInputBytes": 10}}).to_string(), &mut record)
        .unwrap();
    let bad =
        call_json_reading("analyze", &json!({"sources": [], "options": {"maxDepth": "deep"}}).to_string(), &mut record);
    assert_eq!(bad.unwrap_err().code.as_str(), "NF-E011");
    assert_eq!(seen, [(usize::MAX, false), (usize::MAX, true), (10, false)]);

    // the cap asked for stops what is read, with its code
    let error = call_json_reading(
        "analyze",
        &json!({"sources": [], "options": {"maxInputBytes": 10}}).to_string(),
        &mut reading("shop.yaml", SHOP),
    )
    .unwrap_err();
    assert_eq!(error.code.as_str(), "NF-E001", "{error:?}");
}

#[test]
fn only_operations_with_one_manifest_input_read() {
    for operation in ["diff", "plan", "build", "impact", "schema", "lint", "validate", "review", "nonsense"] {
        assert!(!SOURCE_OPERATIONS.contains(&operation));
        let error = call_json_reading(operation, "{}", &mut reading("shop.yaml", SHOP)).unwrap_err();
        assert_eq!(error.code.as_str(), "NF-E011", "{operation}");
        assert!(error.message.contains(operation), "{}", error.message);
    }
}

#[test]
fn a_panic_reaches_a_host_as_an_error_payload() {
    let error = netfence::api::without_panics::<String>(|| panic!("a bug")).unwrap_err();
    assert_eq!(error.code.as_str(), "NF-E030");
    assert!(error.message.contains("a bug"), "{}", error.message);
    assert_eq!(netfence::api::without_panics(|| Ok(7)), Ok(7));
}
