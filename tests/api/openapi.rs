//! The OpenAPI document: served as committed, and complete where the contract asks.

use serde_json::Value;

use crate::helpers::*;

const REGENERATE: &str = "cargo run -- openapi > openapi/openapi.json";

fn committed() -> String {
    std::fs::read_to_string(format!(
        "{}/openapi/openapi.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_default()
}

#[test]
fn the_committed_document_matches_the_code() {
    let generated = prebuild_decider::http::openapi_json();
    assert!(
        committed() == generated,
        "openapi/openapi.json is out of date with the code; regenerate it with `{REGENERATE}`"
    );
}

#[tokio::test]
async fn the_served_document_is_the_committed_one_byte_for_byte() {
    let answer = get(&app(), "/api-docs/openapi.json").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "application/json");
    assert!(
        answer.bytes == committed().as_bytes(),
        "served document differs from the committed one"
    );
}

fn document() -> Value {
    serde_json::from_str(&prebuild_decider::http::openapi_json()).unwrap()
}

#[test]
fn it_is_openapi_3_1_with_every_endpoint() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: Vec<_> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    for path in [
        "/v1/presets/state",
        "/v1/presets/actions",
        "/v1/presets/reconcile",
        "/v1/global/reconcile",
        "/healthz",
        "/readyz",
    ] {
        assert!(
            paths.iter().any(|p| p == path),
            "{path} missing from {paths:?}"
        );
    }
}

#[test]
fn every_decision_operation_is_documented_fully() {
    let doc = document();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("post") else { continue };
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{path}: summary"
        );
        assert!(
            op["description"].as_str().is_some_and(|s| s.len() > 40),
            "{path}: description"
        );
        let body = &op["requestBody"]["content"]["application/json"];
        assert!(
            body["schema"]["$ref"].is_string(),
            "{path}: request body schema"
        );
        assert!(
            op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].is_string(),
            "{path}: 200"
        );
        for status in ["400", "401", "408", "413", "415", "422", "503"] {
            let problem =
                &op["responses"][status]["content"]["application/problem+json"]["schema"]["$ref"];
            assert_eq!(problem, "#/components/schemas/Problem", "{path}: {status}");
            assert!(
                op["responses"][status]["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty())
            );
        }
        assert_eq!(
            op["security"],
            serde_json::json!([{}, {"bearer": []}]),
            "{path}: security"
        );
        if path != "/v1/presets/state" {
            let names: Vec<_> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            let expected: &[&str] = if path.ends_with("/forecast") {
                &["from", "to", "format"]
            } else {
                &["now", "backoff_interval", "explain"]
            };
            assert_eq!(names, expected, "{path}");
            for parameter in op["parameters"].as_array().unwrap() {
                assert!(
                    parameter["description"]
                        .as_str()
                        .is_some_and(|d| d.len() > 20),
                    "{path}: {parameter}"
                );
            }
        }
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[test]
fn the_action_is_a_one_of_told_apart_by_action_type() {
    let doc = document();
    let actions = &doc["components"]["schemas"]["ReconciliationActions"];
    assert_eq!(actions["oneOf"].as_array().unwrap().len(), 3);
    assert_eq!(actions["discriminator"]["propertyName"], "action_type");
    for (tag, schema) in [
        ("create", "CreateAction"),
        ("delete", "DeleteAction"),
        ("backoff", "BackoffAction"),
    ] {
        assert_eq!(
            actions["discriminator"]["mapping"][tag],
            format!("#/components/schemas/{schema}")
        );
        let variant = &doc["components"]["schemas"][schema];
        assert_eq!(
            variant["properties"]["action_type"]["enum"],
            serde_json::json!([tag]),
            "{schema}"
        );
    }
}

#[test]
fn every_schema_and_field_is_described() {
    let doc = document();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        assert!(
            schema["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{name} undescribed"
        );
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            let described = property["description"].is_string()
                || property["oneOf"]
                    .as_array()
                    .is_some_and(|items| items.iter().any(|i| i["description"].is_string()));
            assert!(described, "{name}.{field} undescribed: {property}");
        }
    }
}

#[tokio::test]
async fn each_request_example_answers_200_as_is() {
    let doc = document();
    let app = app();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("post") else { continue };
        let reference = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap();
        let name = reference.rsplit('/').next().unwrap();
        let schema = &doc["components"]["schemas"][name];
        let example = if schema["example"].is_object() {
            &schema["example"]
        } else {
            &schema["examples"][0]
        };
        assert!(example.is_object(), "{name} has no example");
        let media_example = &op["requestBody"]["content"]["application/json"]["example"];
        assert!(
            media_example.is_null() || media_example == example,
            "{path}: two different examples"
        );
        let answer = post_json(&app, path, example).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.json);
    }
}

/// Every timestamp a request may carry states the one pattern of RFC 3339 as the service reads
/// it: utoipa takes a pattern only as a literal, so each field repeats it, and this holds every
/// copy to the one in the code.
#[test]
fn every_input_timestamp_has_the_one_rfc3339_pattern() {
    use prebuild_decider::codec::wire::RFC3339_PATTERN;
    fn walk(value: &Value, at: &str, found: &mut Vec<String>) {
        match value {
            Value::Object(members) => {
                if let Some(pattern) = members.get("pattern") {
                    assert_eq!(pattern, RFC3339_PATTERN, "the pattern at {at}");
                    found.push(at.to_owned());
                }
                for (key, member) in members {
                    walk(member, &format!("{at}/{key}"), found);
                }
            }
            Value::Array(elements) => {
                for (index, element) in elements.iter().enumerate() {
                    walk(element, &format!("{at}/{index}"), found);
                }
            }
            _ => {}
        }
    }
    let doc = document();
    let mut found = Vec::new();
    walk(&doc["components"], "/components", &mut found);
    for path in doc["paths"].as_object().unwrap().values() {
        for parameter in path["post"]["parameters"].as_array().into_iter().flatten() {
            if ["now", "from", "to"].contains(&parameter["name"].as_str().unwrap_or_default()) {
                assert_eq!(parameter["schema"]["pattern"], RFC3339_PATTERN);
            }
        }
    }
    for field in [
        "RunningPrebuild/properties/created_at",
        "Backoff/properties/last_build_at",
    ] {
        assert!(
            found.iter().any(|at| at.ends_with(field)),
            "{field} has no pattern: {found:?}"
        );
    }
}
