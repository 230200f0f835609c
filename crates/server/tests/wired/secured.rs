//! `secureData` on a trigger over the real backend: the run keeps and reads the secured
//! trigger outputs, the API shows neither them nor what actions read from them, and a
//! resubmit fires with them again.

use super::Wired;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

fn secured_trigger() -> Value {
    json!({
        "triggers": {"manual": {"type": "Request", "kind": "Http",
            "runtimeConfiguration": {"secureData": {"properties": ["outputs"]}}}},
        "actions": {
            "Name": {"type": "Compose", "inputs": "@triggerBody()?['name']", "runAfter": {}},
            "Greeting": {"type": "Compose", "inputs": "@{outputs('Name')}!",
                         "runAfter": {"Name": ["Succeeded"]}}
        }
    })
}

impl Wired {
    async fn action(&self, workflow: &str, run: &str, action: &str) -> Value {
        let path = format!("/api/workflows/{workflow}/runs/{run}/actions/{action}");
        self.get_json(&path).await["properties"].take()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secured_trigger_outputs_are_used_but_never_shown() {
    let w = Wired::new();
    w.put("secret", secured_trigger()).await;
    let path = w.callback_path("secret", "manual", None).await;
    let answer = w.call(&path, "application/json", r#"{"name":"Ada"}"#).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());

    let runs = w.finished_runs("secret").await;
    let run = runs[0]["name"].as_str().expect("run id").to_string();
    assert_eq!(runs[0]["properties"]["status"], "Succeeded");
    assert!(runs[0]["properties"]["trigger"].get("outputs").is_none());
    let one = w
        .get_json(&format!("/api/workflows/secret/runs/{run}"))
        .await;
    assert!(one["properties"]["trigger"].get("outputs").is_none());
    assert!(!one.to_string().contains("Ada"), "{one}");

    // The action that read the secured outputs hides its inputs (and, a Compose, its
    // outputs); the one after it reads only that Compose's outputs and shows them.
    let name = w.action("secret", &run, "Name").await;
    assert_eq!(name["status"], "Succeeded");
    assert!(name.get("inputs").is_none() && name.get("outputs").is_none());
    let greeting = w.action("secret", &run, "Greeting").await;
    assert_eq!(greeting["outputs"], "Ada!");

    let resubmitted = w
        .api(
            Method::POST,
            &format!("/api/workflows/secret/triggers/manual/histories/{run}/resubmit"),
            None,
        )
        .await;
    assert_eq!(
        resubmitted.status,
        StatusCode::ACCEPTED,
        "{}",
        resubmitted.text()
    );
    let again = resubmitted.json()["run"]["name"]
        .as_str()
        .expect("the new run")
        .to_string();
    w.finished_runs("secret").await;
    assert_eq!(
        w.action("secret", &again, "Greeting").await["outputs"],
        "Ada!"
    );
}
