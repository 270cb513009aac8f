//! A runbook's checks and native actions, and the values the cluster itself supplies:
//! pods running and ready (kube-rs), a PromQL value against a threshold (the console's
//! Prometheus client), an HTTP probe (directly, or through the API server's service proxy
//! with the kube client), a native action through the kube writer; `live_deployment` and
//! friends from the Service's selector.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, ListParams};
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::kube_writer::KubeWriter;
use super::prom::PromClient;
use crate::runbook::run::StepState;
use crate::runbook::{Check, Cmp, NativeAction};

/// How often a check with a timeout is tried again.
const RETRY: Duration = Duration::from_secs(2);
/// The longest one try of a check may take.
const TRY_TIMEOUT: Duration = Duration::from_secs(15);
/// The blue/green Service whose selector says which slot is live.
pub const GATEWAY_SERVICE: &str = "kubechat-api-gateway";

/// What checks read with.
#[derive(Clone)]
pub struct CheckCx {
    /// Built with `default_retry = false`: a 503 is the answer, not a reason to retry.
    pub client: kube::Client,
    pub namespace: String,
    pub prom: Option<PromClient>,
}

/// One try of a check: passed, and why (or why not).
async fn try_check(check: &Check, cx: &CheckCx) -> (bool, String) {
    match check {
        Check::PodsReady {
            selector,
            namespace,
        } => pods_ready(cx, selector, namespace.as_deref()).await,
        Check::Promql {
            query,
            cmp,
            threshold,
        } => promql(cx, query, *cmp, *threshold).await,
        Check::Http {
            service,
            namespace,
            target,
            status,
            body,
        } => {
            http(
                cx,
                service.as_deref(),
                namespace.as_deref(),
                target,
                *status,
                body.as_deref(),
            )
            .await
        }
    }
}

/// Runs a check (placeholders already filled in): tried every 2 s until it passes, the
/// timeout passes (once without one), or `cancel` fires. Each try's answer goes to `on_line`.
pub async fn run_check(
    check: &Check,
    cx: &CheckCx,
    timeout: Option<Duration>,
    mut cancel: oneshot::Receiver<()>,
    mut on_line: impl FnMut(&str),
) -> (StepState, String) {
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut last = String::new();
    loop {
        let attempt = async {
            tokio::time::timeout(TRY_TIMEOUT, try_check(check, cx))
                .await
                .unwrap_or_else(|_| {
                    (
                        false,
                        format!("no answer within {}s", TRY_TIMEOUT.as_secs()),
                    )
                })
        };
        let (ok, why) = tokio::select! {
            r = attempt => r,
            _ = &mut cancel => return (StepState::Failed, "cancelled".into()),
        };
        // a try that says what the last one said is not repeated
        if why != last {
            on_line(&why);
            last.clone_from(&why);
        }
        if ok {
            return (StepState::Passed, why);
        }
        match deadline {
            Some(at) if Instant::now() + RETRY < at => {
                tokio::select! {
                    _ = tokio::time::sleep(RETRY) => {}
                    _ = &mut cancel => return (StepState::Failed, "cancelled".into()),
                }
            }
            Some(_) => {
                let t = timeout.unwrap_or_default().as_secs() as i64;
                return (
                    StepState::Failed,
                    format!(
                        "still failing after {}: {why}",
                        crate::text::duration_label(t)
                    ),
                );
            }
            None => return (StepState::Failed, why),
        }
    }
}

async fn pods_ready(cx: &CheckCx, selector: &str, namespace: Option<&str>) -> (bool, String) {
    let ns = namespace.unwrap_or(&cx.namespace);
    let api: Api<Pod> = Api::namespaced(cx.client.clone(), ns);
    let list = match api.list(&ListParams::default().labels(selector)).await {
        Ok(l) => l,
        Err(e) => return (false, format!("cannot list pods {selector}: {e}")),
    };
    let pods: Vec<&Pod> = list
        .items
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| {
            let phase = p.status.as_ref().and_then(|s| s.phase.as_deref());
            phase != Some("Succeeded")
        })
        .collect();
    if pods.is_empty() {
        return (false, format!("no pod matches {selector} in {ns}"));
    }
    let not_ready: Vec<String> = pods
        .iter()
        .filter(|p| {
            let status = p.status.as_ref();
            let running = status.and_then(|s| s.phase.as_deref()) == Some("Running");
            let ready = status
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
            !(running && ready)
        })
        .map(|p| p.metadata.name.clone().unwrap_or_default())
        .collect();
    if not_ready.is_empty() {
        (
            true,
            format!("{} of {} pods running and ready", pods.len(), pods.len()),
        )
    } else {
        let shown: Vec<&str> = not_ready.iter().take(5).map(String::as_str).collect();
        (
            false,
            format!(
                "{} of {} pods not running and ready: {}",
                not_ready.len(),
                pods.len(),
                shown.join(", ")
            ),
        )
    }
}

async fn promql(cx: &CheckCx, query: &str, cmp: Cmp, threshold: f64) -> (bool, String) {
    let Some(prom) = &cx.prom else {
        return (false, "no Prometheus to ask".into());
    };
    let values = match prom.instant(query, None).await {
        Ok(r) => r.latest_values(),
        Err(e) => return (false, format!("Prometheus: {e}")),
    };
    if values.is_empty() {
        return (false, "no data: the query returned no series".into());
    }
    let (sign, bad): (&str, Vec<f64>) = match cmp {
        Cmp::Below => (
            "<",
            values
                .iter()
                .copied()
                .filter(|v| v.partial_cmp(&threshold) != Some(std::cmp::Ordering::Less))
                .collect(),
        ),
        Cmp::Above => (
            ">",
            values
                .iter()
                .copied()
                .filter(|v| v.partial_cmp(&threshold) != Some(std::cmp::Ordering::Greater))
                .collect(),
        ),
    };
    let shown: Vec<String> = values.iter().take(5).map(|v| format!("{v:.4}")).collect();
    if bad.is_empty() {
        (true, format!("{} {sign} {threshold}", shown.join(", ")))
    } else {
        (
            false,
            format!("{} not {sign} {threshold}", shown.join(", ")),
        )
    }
}

async fn http(
    cx: &CheckCx,
    service: Option<&str>,
    namespace: Option<&str>,
    target: &str,
    want: u16,
    body: Option<&str>,
) -> (bool, String) {
    let (status, text, what) = match service {
        Some(svc) => {
            let ns = namespace.unwrap_or(&cx.namespace);
            let path = format!(
                "/api/v1/namespaces/{ns}/services/{svc}/proxy/{}",
                target.trim_start_matches('/')
            );
            let req = match http::Request::get(&path).body(Vec::new()) {
                Ok(r) => r,
                Err(e) => return (false, format!("{path}: {e}")),
            };
            match cx.client.request_text(req).await {
                Ok(text) => (200u16, text, path),
                Err(kube::Error::Api(s)) => (s.code, s.message.clone(), path),
                Err(e) => return (false, format!("GET {path}: {e}")),
            }
        }
        None => {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build();
            let resp = match client {
                Ok(c) => c.get(target).send().await,
                Err(e) => return (false, format!("{e}")),
            };
            match resp {
                Ok(r) => {
                    let code = r.status().as_u16();
                    (code, r.text().await.unwrap_or_default(), target.to_string())
                }
                Err(e) => return (false, format!("GET {target}: {e}")),
            }
        }
    };
    let first: String = text
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    if status != want {
        return (
            false,
            format!("GET {what}: status {status}, expected {want}: {first}"),
        );
    }
    if let Some(re) = body {
        let ok = regex::Regex::new(re).is_ok_and(|r| r.is_match(&text));
        if !ok {
            return (
                false,
                format!("GET {what}: status {status}, body does not match /{re}/: {first}"),
            );
        }
    }
    (true, format!("GET {what}: status {status}: {first}"))
}

/// Carries out a native action (placeholders filled in) with the writer; without one
/// (read-only) it is refused.
pub async fn run_action(resolved: &str, writer: Option<&KubeWriter>) -> (StepState, String) {
    let write = match NativeAction::to_write(resolved, jiff::Timestamp::now()) {
        Ok(w) => w,
        Err(e) => return (StepState::Failed, e),
    };
    let Some(writer) = writer else {
        return (
            StepState::Refused,
            format!("read-only: {write} was not sent"),
        );
    };
    match writer.apply(&write).await {
        Ok(summary) => (StepState::Passed, summary),
        Err(e) => (StepState::Failed, format!("{write}: {e}")),
    }
}

/// The values the cluster supplies for the placeholders `wanted`: `namespace`, and
/// `live_slot`/`live_deployment`/`idle_slot`/`idle_deployment` from the selector of the
/// Service `kubechat-api-gateway`.
pub async fn cluster_values(
    client: &kube::Client,
    namespace: &str,
    wanted: &[String],
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    out.insert("namespace".to_string(), namespace.to_string());
    let slots = [
        "live_slot",
        "live_deployment",
        "idle_slot",
        "idle_deployment",
    ];
    if wanted.iter().any(|w| slots.contains(&w.as_str())) {
        let api: Api<Service> = Api::namespaced(client.clone(), namespace);
        let svc = api
            .get(GATEWAY_SERVICE)
            .await
            .map_err(|e| format!("live_deployment: cannot read service {GATEWAY_SERVICE}: {e}"))?;
        let live = svc
            .spec
            .and_then(|s| s.selector)
            .and_then(|s| s.get("deployment-slot").cloned())
            .ok_or_else(|| {
                format!("live_deployment: service {GATEWAY_SERVICE} selects no deployment-slot")
            })?;
        let idle = if live == "blue" { "green" } else { "blue" };
        out.insert("live_slot".into(), live.clone());
        out.insert(
            "live_deployment".into(),
            format!("{GATEWAY_SERVICE}-{live}"),
        );
        out.insert("idle_slot".into(), idle.to_string());
        out.insert(
            "idle_deployment".into(),
            format!("{GATEWAY_SERVICE}-{idle}"),
        );
    }
    Ok(out)
}
