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

/// Client generators with partial OpenAPI 3.1 support (openapi-generator) read a `$ref` with a
/// sibling keyword as an inline schema, and then cannot resolve the discriminator.
#[test]
fn a_discriminated_one_of_lists_bare_refs_and_maps_each_of_them() {
    let doc = document();
    let mut unions = 0;
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let Some(discriminator) = schema.get("discriminator") else {
            continue;
        };
        unions += 1;
        let items = schema["oneOf"].as_array().unwrap();
        let mut refs: Vec<_> = items
            .iter()
            .map(|item| {
                let bare = item.as_object().is_some_and(|o| o.len() == 1);
                assert!(bare, "{name}: {item} is not a bare $ref");
                item["$ref"].as_str().unwrap()
            })
            .collect();
        let mut mapped: Vec<_> = discriminator["mapping"]
            .as_object()
            .unwrap()
            .values()
            .map(|target| target.as_str().unwrap())
            .collect();
        refs.sort_unstable();
        mapped.sort_unstable();
        assert_eq!(refs, mapped, "{name}: the mapping names each variant once");
        let property = discriminator["propertyName"].as_str().unwrap();
        for (tag, target) in discriminator["mapping"].as_object().unwrap() {
            let variant = &doc["components"]["schemas"][target
                .as_str()
                .unwrap()
                .trim_start_matches("#/components/schemas/")];
            assert_eq!(
                variant["properties"][property]["enum"],
                serde_json::json!([tag])
            );
            assert!(
                variant["required"]
                    .as_array()
                    .unwrap()
                    .contains(&property.into())
            );
        }
    }
    assert_eq!(unions, 2, "ReconciliationActions and ActionV2");
}

/// The properties of a schema and of the schemas it references through `allOf`, by name.
fn properties(doc: &Value, schema: &Value) -> Vec<(String, Value)> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return properties(doc, &doc["components"]["schemas"][name]);
    }
    let own = schema["properties"].as_object().into_iter().flatten();
    let inherited = schema["allOf"].as_array().into_iter().flatten();
    own.map(|(name, property)| (name.clone(), property.clone()))
        .chain(inherited.flat_map(|member| properties(doc, member)))
        .collect()
}

/// The required fields of a schema and of the schemas it references through `allOf`.
fn required(doc: &Value, schema: &Value) -> Vec<Value> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return required(doc, &doc["components"]["schemas"][name]);
    }
    let own = schema["required"].as_array().into_iter().flatten().cloned();
    let inherited = schema["allOf"].as_array().into_iter().flatten();
    own.chain(inherited.flat_map(|member| required(doc, member)))
        .collect()
}

/// An `allOf` whose members both define a property (as the v2 bodies once did with `preset`) is
/// one no generator can merge: openapi-python-client drops the operation, openapi-generator keeps
/// one of the two types. The v2 bodies are objects of their own instead.
#[test]
fn no_all_of_defines_a_property_twice() {
    let doc = document();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let mut seen = std::collections::BTreeSet::new();
        for (property, _) in properties(&doc, schema) {
            assert!(seen.insert(property.clone()), "{name}: {property} twice");
        }
    }
    for name in ["PresetSnapshotV2", "GlobalSnapshotV2", "PresetV2"] {
        let schema = &doc["components"]["schemas"][name];
        assert_eq!(schema["type"], "object", "{name}");
        assert!(schema.get("allOf").is_none(), "{name}");
    }
}

/// A v2 body is a v1 body with more fields: each v2 schema holds every property of its v1 twin,
/// the same but for the preset rows, which are v2's.
#[test]
fn the_v2_bodies_hold_every_v1_field() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    for (v1, v2) in [
        ("Preset", "PresetV2"),
        ("PresetSnapshot", "PresetSnapshotV2"),
        ("GlobalSnapshot", "GlobalSnapshotV2"),
    ] {
        for (name, property) in schemas[v1]["properties"].as_object().unwrap() {
            let twin = &schemas[v2]["properties"][name];
            match name.as_str() {
                "preset" => assert_eq!(twin["$ref"], "#/components/schemas/PresetV2"),
                "presets" => {
                    assert_eq!(twin["items"]["$ref"], "#/components/schemas/PresetV2")
                }
                _ => assert_eq!(twin, property, "{v2}.{name}"),
            }
        }
        assert_eq!(schemas[v1]["required"], schemas[v2]["required"], "{v2}");
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

/// The parts of a schema that decide what is on the wire: no descriptions, titles or examples.
fn wire(schema: &Value) -> Value {
    match schema {
        Value::Object(object) => object
            .iter()
            .filter(|(key, _)| {
                !matches!(
                    key.as_str(),
                    "description" | "title" | "example" | "examples"
                )
            })
            .map(|(key, value)| (key.clone(), wire(value)))
            .collect(),
        Value::Array(items) => items.iter().map(wire).collect(),
        other => other.clone(),
    }
}

/// Adds `schema`'s name, and those of the schemas it references, to `names`.
fn referenced(doc: &Value, schema: &Value, names: &mut std::collections::BTreeSet<String>) {
    match schema {
        Value::Object(object) => {
            if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                let name = reference.trim_start_matches("#/components/schemas/");
                if names.insert(name.to_owned()) {
                    referenced(doc, &doc["components"]["schemas"][name], names);
                }
            }
            object
                .values()
                .for_each(|value| referenced(doc, value, names));
        }
        Value::Array(items) => items.iter().for_each(|item| referenced(doc, item, names)),
        _ => {}
    }
}

/// The README's compatibility policy, checked against the previous release's document (the one
/// `scripts/clients.sh` also generates a Go client from): every answer it documents is answered
/// the same way, and each answer schema is unchanged but for fields added to objects. An enum or
/// a union of actions that grew, a field removed, retyped or no longer required fails here.
#[test]
fn answers_only_grow_from_the_previous_release() {
    let previous: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/clients/compat/openapi-previous.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let current = document();
    let mut answers = std::collections::BTreeSet::new();
    for (path, item) in previous["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let now = &current["paths"][path][method]["responses"][status];
                assert_eq!(
                    wire(&now["content"]),
                    wire(&response["content"]),
                    "{method} {path} {status}"
                );
                referenced(&previous, &response["content"], &mut answers);
            }
        }
    }
    assert!(answers.contains("DecisionV2") && answers.contains("Problem"));
    for name in &answers {
        let before = &previous["components"]["schemas"][name];
        let after = &current["components"]["schemas"][name];
        if before.get("properties").is_none() && before.get("allOf").is_none() {
            assert_eq!(wire(after), wire(before), "{name} changed");
            continue;
        }
        let fields: std::collections::BTreeMap<_, _> = properties(&current, after)
            .into_iter()
            .map(|(field, schema)| (field, wire(&schema)))
            .collect();
        for (field, schema) in properties(&previous, before) {
            assert_eq!(
                fields.get(&field),
                Some(&wire(&schema)),
                "{name}.{field} changed"
            );
        }
        let still_required = required(&current, after);
        for field in required(&previous, before) {
            assert!(
                still_required.contains(&field),
                "{name}.{field} no longer required"
            );
        }
        assert_eq!(after["type"], before["type"], "{name} changed type");
    }
}

/// Every `$ref` names a schema the document holds: a generator, Swagger UI and schemathesis all
/// stop at one that does not resolve.
#[test]
fn every_reference_resolves() {
    let text = prebuild_decider::http::openapi_json();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let prefix = "\"#/components/schemas/";
    for (at, _) in text.match_indices(prefix) {
        let name = &text[at + prefix.len()..];
        let name = &name[..name.find('"').unwrap()];
        assert!(
            schemas.contains_key(name),
            "{name} is referenced but not defined"
        );
    }
}
