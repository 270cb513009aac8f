//! Restoring a configuration snapshot: the plan (`cluster::restore`) applied through the
//! `KubeWriter` in its order — the CRDs, waited for until established; the cluster RBAC;
//! the namespace, created when missing; its objects — then every restored Deployment
//! waited for until Available. Each step is reported as it happens through `say`.

use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt as _};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::Api;
use kube::runtime::wait::{await_condition, conditions};
use kube::Client;

use crate::cluster::restore::{Plan, Planned};
use crate::io::kube_writer::KubeWriter;

/// What a restore did: objects that could not be applied and Deployments not Available
/// in time, each with why.
#[derive(Debug, Default)]
pub struct Outcome {
    pub applied: usize,
    pub failed: Vec<String>,
    pub unavailable: Vec<String>,
}

impl Outcome {
    pub fn healthy(&self) -> bool {
        self.failed.is_empty() && self.unavailable.is_empty()
    }
}

/// Whether a Deployment is Available for its latest spec.
fn available(d: Option<&Deployment>) -> bool {
    let Some(d) = d else { return false };
    let Some(status) = &d.status else {
        return false;
    };
    let current = status.observed_generation >= d.metadata.generation;
    current
        && status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Available" && c.status == "True")
}

async fn apply_each(
    writer: &KubeWriter,
    objects: &[&Planned],
    out: &mut Outcome,
    say: &mut impl FnMut(String),
) {
    for p in objects {
        match writer.restore(p).await {
            Ok(()) => {
                out.applied += 1;
                say(format!("applied {}", p.label()));
            }
            Err(e) => {
                say(format!("FAILED {}: {e}", p.label()));
                out.failed.push(format!("{}: {e}", p.label()));
            }
        }
    }
}

/// Restores `plan` into `namespace`; `timeout` bounds each wait (CRDs established,
/// Deployments Available).
pub async fn run(
    writer: &KubeWriter,
    client: &Client,
    namespace: &str,
    plan: &Plan,
    timeout: Duration,
    say: &mut impl FnMut(String),
) -> Outcome {
    let mut out = Outcome::default();
    let (crds, rest): (Vec<&Planned>, Vec<&Planned>) = plan
        .objects
        .iter()
        .partition(|p| p.kind() == "CustomResourceDefinition");
    let (cluster, namespaced): (Vec<&Planned>, Vec<&Planned>) =
        rest.into_iter().partition(|p| !p.namespaced());

    apply_each(writer, &crds, &mut out, say).await;
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    for p in &crds {
        let wait = await_condition(api.clone(), p.name(), conditions::is_crd_established());
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(_)) => say(format!("established {}", p.label())),
            Ok(Err(e)) => out.failed.push(format!("{}: {e}", p.label())),
            Err(_) => out
                .failed
                .push(format!("{}: not established within {timeout:?}", p.label())),
        }
    }
    apply_each(writer, &cluster, &mut out, say).await;
    match writer.ensure_namespace(namespace).await {
        Ok(()) => say(format!("namespace {namespace} ready")),
        Err(e) => {
            say(format!("FAILED namespace {namespace}: {e}"));
            out.failed.push(format!("namespace {namespace}: {e}"));
            return out;
        }
    }
    apply_each(writer, &namespaced, &mut out, say).await;

    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let mut waits: FuturesUnordered<_> = namespaced
        .iter()
        .filter(|p| p.kind() == "Deployment")
        .map(|p| {
            let api = deployments.clone();
            let name = p.name().to_string();
            async move {
                let r = tokio::time::timeout(timeout, await_condition(api, &name, available)).await;
                (name, r)
            }
        })
        .collect();
    while let Some((name, r)) = waits.next().await {
        match r {
            Ok(Ok(_)) => say(format!("available Deployment {name}")),
            Ok(Err(e)) => {
                say(format!("NOT AVAILABLE Deployment {name}: {e}"));
                out.unavailable.push(format!("Deployment {name}: {e}"));
            }
            Err(_) => {
                say(format!(
                    "NOT AVAILABLE Deployment {name} within {timeout:?}"
                ));
                out.unavailable.push(format!(
                    "Deployment {name}: not Available within {timeout:?}"
                ));
            }
        }
    }
    out
}
