//! The CustomResourceDefinitions of the custom kinds the simulator serves (Argo Rollouts,
//! CloudNativePG): their printer columns (for Table output) and the CRD objects that
//! `kubectl get crds` lists.

use serde_json::{json, Value};

use crate::resources::{Resource, RESOURCES};

/// One `additionalPrinterColumns` entry.
#[derive(Debug)]
pub struct PrinterColumn {
    pub name: &'static str,
    pub kind: &'static str,
    pub json_path: &'static str,
    pub description: &'static str,
    pub priority: u8,
}

const fn col(
    name: &'static str,
    kind: &'static str,
    json_path: &'static str,
    description: &'static str,
) -> PrinterColumn {
    PrinterColumn {
        name,
        kind,
        json_path,
        description,
        priority: 0,
    }
}

const AGE: PrinterColumn = col("Age", "date", ".metadata.creationTimestamp", "");

static ROLLOUT: &[PrinterColumn] = &[
    col("Desired", "integer", ".spec.replicas", "Number of desired pods"),
    col("Current", "integer", ".status.replicas", "Total number of non-terminated pods targeted by this rollout"),
    col("Up-to-date", "integer", ".status.updatedReplicas", "Total number of non-terminated pods targeted by this rollout that have the desired template spec"),
    col("Available", "integer", ".status.availableReplicas", "Total number of available pods (ready for at least minReadySeconds) targeted by this rollout"),
    AGE,
];
static ANALYSIS_RUN: &[PrinterColumn] = &[
    col("Status", "string", ".status.phase", "AnalysisRun status"),
    AGE,
];
static AGE_ONLY: &[PrinterColumn] = &[AGE];
static CNPG_CLUSTER: &[PrinterColumn] = &[
    AGE,
    col(
        "Instances",
        "integer",
        ".status.instances",
        "Number of instances",
    ),
    col(
        "Ready",
        "integer",
        ".status.readyInstances",
        "Number of ready instances",
    ),
    col(
        "Status",
        "string",
        ".status.phase",
        "Cluster current status",
    ),
    col("Primary", "string", ".status.currentPrimary", "Primary pod"),
];

static CNPG_BACKUP: &[PrinterColumn] = &[
    AGE,
    col("Cluster", "string", ".spec.cluster.name", ""),
    col("Method", "string", ".spec.method", ""),
    col("Phase", "string", ".status.phase", ""),
    col("Error", "string", ".status.error", ""),
];

/// The printer columns of a custom resource (without the leading NAME column).
pub fn printer_columns(res: &Resource) -> &'static [PrinterColumn] {
    match (res.group, res.plural) {
        ("argoproj.io", "rollouts") => ROLLOUT,
        ("argoproj.io", "analysisruns") => ANALYSIS_RUN,
        ("postgresql.cnpg.io", "clusters") => CNPG_CLUSTER,
        ("postgresql.cnpg.io", "backups") => CNPG_BACKUP,
        _ => AGE_ONLY,
    }
}

/// Where a kind with a `scale` subresource keeps its replica counts and selector.
pub struct ScalePaths {
    pub spec_replicas: &'static str,
    pub status_replicas: &'static str,
    /// JSON pointer to a selector: a string or a LabelSelector object.
    pub selector: &'static str,
}

pub fn scale_paths(res: &Resource) -> ScalePaths {
    match (res.group, res.plural) {
        ("argoproj.io", "rollouts") => ScalePaths {
            spec_replicas: "/spec/replicas",
            status_replicas: "/status/HPAReplicas",
            selector: "/status/selector",
        },
        ("postgresql.cnpg.io", "clusters") => ScalePaths {
            spec_replicas: "/spec/instances",
            status_replicas: "/status/instances",
            selector: "/status/selector",
        },
        _ => ScalePaths {
            spec_replicas: "/spec/replicas",
            status_replicas: "/status/replicas",
            selector: "/spec/selector",
        },
    }
}

/// The CRD object for one custom resource, as the cluster would store it.
pub fn definition(res: &Resource) -> Value {
    let columns: Vec<Value> = printer_columns(res)
        .iter()
        .map(|c| {
            let mut v = json!({"name": c.name, "type": c.kind, "jsonPath": c.json_path});
            if !c.description.is_empty() {
                v["description"] = json!(c.description);
            }
            v
        })
        .collect();
    let mut subresources = json!({});
    if res.subresources.contains(&"status") {
        subresources["status"] = json!({});
    }
    if res.subresources.contains(&"scale") {
        let p = scale_paths(res);
        subresources["scale"] = json!({
            "specReplicasPath": p.spec_replicas.replace('/', "."),
            "statusReplicasPath": p.status_replicas.replace('/', "."),
            "labelSelectorPath": p.selector.replace('/', "."),
        });
    }
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{}.{}", res.plural, res.group)},
        "spec": {
            "group": res.group,
            "names": {
                "kind": res.kind,
                "listKind": format!("{}List", res.kind),
                "plural": res.plural,
                "singular": res.singular,
                "shortNames": res.short_names,
                "categories": res.categories,
            },
            "scope": if res.namespaced { "Namespaced" } else { "Cluster" },
            "versions": [{
                "name": res.version,
                "served": true,
                "storage": true,
                "additionalPrinterColumns": columns,
                "subresources": subresources,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
            }],
        },
        "status": {
            "acceptedNames": {"kind": res.kind, "plural": res.plural},
            "storedVersions": [res.version],
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts"},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted"},
            ],
        },
    })
}

/// Every custom resource the simulator serves.
pub fn custom_resources() -> impl Iterator<Item = &'static Resource> {
    RESOURCES.iter().filter(|r| r.is_custom())
}
