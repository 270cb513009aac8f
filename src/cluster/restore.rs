//! Restoring a configuration snapshot, pure: which objects are applied, in which order
//! (CRDs, then cluster RBAC, then the namespace's objects, those others refer to first), and
//! where the Secrets' values come from — a redacted Secret is never applied (its values are
//! digests), so a snapshot with redacted Secrets is refused unless told where to get them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::snapshot::is_redacted;

/// Where the values of a snapshot's redacted Secrets come from.
#[derive(Debug, Clone, PartialEq)]
pub enum SecretsSource {
    /// The snapshot must have no redacted Secret.
    Snapshot,
    /// Another snapshot of the same namespace, taken with `--include-secrets`.
    From(BTreeMap<String, Value>),
    /// Restore without the redacted Secrets.
    Skip,
}

/// One object to apply: its name in the snapshot ("namespace/deployments.apps/web") and
/// the object.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub path: String,
    pub object: Value,
}

impl Planned {
    /// The kind's plural (the snapshot's directory is `plural[.group]`).
    pub fn plural(&self) -> &str {
        let dir = self.path.split('/').nth(1).unwrap_or_default();
        dir.split('.').next().unwrap_or_default()
    }

    /// Whether the object lives in the namespace (else it is cluster-scoped).
    pub fn namespaced(&self) -> bool {
        self.path.starts_with("namespace/")
    }

    pub fn kind(&self) -> &str {
        self.object["kind"].as_str().unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.object["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// "Deployment web", as printed when applied.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind(), self.name())
    }
}

/// What a restore applies, in order, and the Secrets it leaves out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub objects: Vec<Planned>,
    /// Redacted Secrets left out (`--skip-secrets`).
    pub skipped: Vec<String>,
}

/// The order kinds are applied in: what others refer to first (CRDs before their objects,
/// cluster RBAC, then a namespace's accounts, secrets and config before the workloads that
/// mount them, Services and Roles before what binds or routes to them).
const ORDER: &[&str] = &[
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "PersistentVolumeClaim",
    "Role",
    "RoleBinding",
    "Service",
    "AnalysisTemplate",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "Rollout",
    "HorizontalPodAutoscaler",
    "Ingress",
    "Cluster",
];

fn rank(p: &Planned) -> (usize, bool) {
    let kind = p.kind();
    let at = ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len());
    (at, p.namespaced())
}

/// The snapshot's objects in the order they are applied, with the redacted Secrets
/// replaced from `secrets` (or left out); an error names what is missing.
pub fn plan(snapshot: &BTreeMap<String, Value>, secrets: &SecretsSource) -> Result<Plan, String> {
    let redacted: Vec<&String> = snapshot
        .iter()
        .filter(|(_, o)| o["kind"] == "Secret" && is_redacted(o))
        .map(|(p, _)| p)
        .collect();
    let mut out = Plan::default();
    match secrets {
        SecretsSource::Snapshot if !redacted.is_empty() => {
            return Err(format!(
                "its Secrets are redacted ({}: the values are digests, they cannot be applied): give --secrets-from SNAPSHOT (one taken with --include-secrets) or --skip-secrets",
                names(&redacted)
            ));
        }
        SecretsSource::From(source) => {
            let missing: Vec<&String> = redacted
                .iter()
                .copied()
                .filter(|p| source.get(*p).is_none_or(is_redacted))
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "--secrets-from has no clear values for {}",
                    names(&missing)
                ));
            }
        }
        SecretsSource::Skip => out.skipped = redacted.iter().map(|p| (*p).clone()).collect(),
        SecretsSource::Snapshot => {}
    }
    for (path, object) in snapshot {
        let object = if redacted.contains(&path) {
            match secrets {
                SecretsSource::From(source) => source[path].clone(),
                _ => continue,
            }
        } else {
            object.clone()
        };
        out.objects.push(Planned {
            path: path.clone(),
            object,
        });
    }
    out.objects.sort_by_key(rank);
    Ok(out)
}

fn names(paths: &[&String]) -> String {
    paths
        .iter()
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::snapshot::{redact_secret, DigestKey};
    use serde_json::json;

    fn obj(kind: &str, name: &str) -> Value {
        json!({"kind": kind, "metadata": {"name": name}, "data": {"k": "dmFsdWU="}})
    }

    fn snapshot() -> BTreeMap<String, Value> {
        BTreeMap::from([
            (
                "namespace/deployments.apps/web".into(),
                obj("Deployment", "web"),
            ),
            (
                "namespace/secrets/pg".into(),
                redact_secret(&obj("Secret", "pg"), &DigestKey::from_bytes([0; 32])),
            ),
            (
                "cluster/clusterrolebindings.rbac.authorization.k8s.io/admin".into(),
                obj("ClusterRoleBinding", "admin"),
            ),
            (
                "cluster/customresourcedefinitions.apiextensions.k8s.io/rollouts.argoproj.io"
                    .into(),
                obj("CustomResourceDefinition", "rollouts.argoproj.io"),
            ),
            (
                "namespace/rollouts.argoproj.io/api".into(),
                obj("Rollout", "api"),
            ),
        ])
    }

    #[test]
    fn redacted_secrets_are_refused_unless_told_where_the_values_come_from() {
        let s = snapshot();
        let e = plan(&s, &SecretsSource::Snapshot).unwrap_err();
        assert!(
            e.contains("redacted (pg") && e.contains("--secrets-from"),
            "{e}"
        );
        let skipped = plan(&s, &SecretsSource::Skip).unwrap();
        assert_eq!(skipped.skipped, vec!["namespace/secrets/pg"]);
        assert!(skipped.objects.iter().all(|p| p.kind() != "Secret"));
        // a source that is itself redacted does not do
        let e = plan(&s, &SecretsSource::From(s.clone())).unwrap_err();
        assert!(e.contains("no clear values for pg"), "{e}");
        let clear = BTreeMap::from([("namespace/secrets/pg".to_string(), obj("Secret", "pg"))]);
        let p = plan(&s, &SecretsSource::From(clear)).unwrap();
        let secret = p.objects.iter().find(|o| o.kind() == "Secret").unwrap();
        assert_eq!(secret.object["data"]["k"], "dmFsdWU=");
    }

    #[test]
    fn crds_then_cluster_rbac_then_the_namespace_referred_first() {
        let p = plan(&snapshot(), &SecretsSource::Skip).unwrap();
        let order: Vec<String> = p.objects.iter().map(Planned::label).collect();
        assert_eq!(
            order,
            vec![
                "CustomResourceDefinition rollouts.argoproj.io",
                "ClusterRoleBinding admin",
                "Deployment web",
                "Rollout api"
            ]
        );
        assert_eq!(p.objects[3].plural(), "rollouts");
        assert!(p.objects[3].namespaced() && !p.objects[0].namespaced());
    }
}
