//! What the OpenAPI document says of v2, checked against the service.

use super::*;

async fn document(app: &Router) -> Value {
    let answer = get(app, "/api-docs/openapi.json").await;
    assert_eq!(answer.status, 200);
    answer.json
}

#[tokio::test]
async fn every_operation_has_an_operation_id_of_its_own() {
    // Swagger UI's "Execute" builds its request from the operation found by operationId: two
    // operations sharing one both send to the first one's path.
    let document = document(&app()).await;
    let mut owners: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if let Some(id) = operation["operationId"].as_str() {
                owners
                    .entry(id.to_owned())
                    .or_default()
                    .push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let shared: Vec<_> = owners.iter().filter(|(_, o)| o.len() > 1).collect();
    assert!(shared.is_empty(), "operationIds shared: {shared:?}");
}

#[tokio::test]
async fn the_documented_v2_answers_are_what_the_request_examples_get() {
    let app = app();
    let document = document(&app).await;
    let uri = |path: &str| format!("{path}?now=2025-06-02T16:00:00Z");
    for (path, answer_schema) in [(PRESET, "DecisionV2"), (GLOBAL, "GlobalDecisionV2")] {
        let request = &document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
            ["example"];
        assert!(request.is_object(), "{path} has no request example");
        let mut documented = document["components"]["schemas"][answer_schema]["example"].clone();
        let mut answer = decided(&app, &uri(path), request).await;
        // Decision ids are new on every call.
        for value in [&mut documented, &mut answer] {
            value.as_object_mut().unwrap().remove("decision_id");
            if let Some(decisions) = value.get_mut("decisions").and_then(Value::as_array_mut) {
                for decision in decisions {
                    decision.as_object_mut().unwrap().remove("decision_id");
                }
            }
        }
        assert_eq!(documented, answer, "{answer_schema}'s example");
    }
}
