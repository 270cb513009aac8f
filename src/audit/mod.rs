//! The security audit (issue 13): pure checks over pods and RBAC objects, as the API server
//! returns them (k8s-openapi types), giving findings with a severity, the object, why it
//! matters and the fix. No I/O: `io::audit` lists the objects, `commands::audit` prints,
//! the Security pane shows. The seed's three checks (pods running as root, privileged
//! containers, subjects bound to cluster-admin) come first, done right; the others follow.

mod pods;
mod rbac;
pub mod report;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{Pod, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use serde::Serialize;

pub use pods::audit_pod;
pub use rbac::audit_rbac;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// The checks, in the order reports list them (the seed's three first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    RunAsRoot,
    Privileged,
    ClusterAdmin,
    HostPath,
    HostNamespace,
    PrivilegeEscalation,
    Capabilities,
    ImageTag,
    NoLimits,
    SecretEnv,
    DefaultToken,
    WildcardRbac,
}

impl Check {
    pub const ALL: &'static [Check] = &[
        Check::RunAsRoot,
        Check::Privileged,
        Check::ClusterAdmin,
        Check::HostPath,
        Check::HostNamespace,
        Check::PrivilegeEscalation,
        Check::Capabilities,
        Check::ImageTag,
        Check::NoLimits,
        Check::SecretEnv,
        Check::DefaultToken,
        Check::WildcardRbac,
    ];

    /// Its id in JSON and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Check::RunAsRoot => "run-as-root",
            Check::Privileged => "privileged",
            Check::ClusterAdmin => "cluster-admin",
            Check::HostPath => "host-path",
            Check::HostNamespace => "host-namespace",
            Check::PrivilegeEscalation => "privilege-escalation",
            Check::Capabilities => "capabilities",
            Check::ImageTag => "image-tag",
            Check::NoLimits => "no-limits",
            Check::SecretEnv => "secret-env",
            Check::DefaultToken => "default-token",
            Check::WildcardRbac => "wildcard-rbac",
        }
    }

    /// The report's section title (the seed's words for its three).
    pub fn title(self) -> &'static str {
        match self {
            Check::RunAsRoot => "Pods running as root",
            Check::Privileged => "Privileged containers",
            Check::ClusterAdmin => "Service accounts, users and groups with cluster-admin",
            Check::HostPath => "Pods mounting host paths",
            Check::HostNamespace => "Pods sharing the node's network, PID or IPC namespace",
            Check::PrivilegeEscalation => "Containers allowing privilege escalation",
            Check::Capabilities => "Containers adding dangerous capabilities",
            Check::ImageTag => "Images with :latest or no tag",
            Check::NoLimits => "Containers without resource limits",
            Check::SecretEnv => "Secrets exposed as environment variables",
            Check::DefaultToken => "Pods automounting the default service account's token",
            Check::WildcardRbac => "Roles with wildcard rules",
        }
    }
}

/// The object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    /// None for cluster-scoped objects, users and groups.
    pub namespace: Option<String>,
    pub name: String,
    /// The container, when the finding is about one container of a pod.
    pub container: Option<String>,
}

impl std::fmt::Display for ObjectRef {
    /// `Pod kubechat-system/postgres-0 (container postgres)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ", self.kind)?;
        if let Some(ns) = &self.namespace {
            write!(f, "{ns}/")?;
        }
        f.write_str(&self.name)?;
        if let Some(c) = &self.container {
            write!(f, " (container {c})")?;
        }
        Ok(())
    }
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check: Check,
    pub severity: Severity,
    pub object: ObjectRef,
    /// What is wrong and why it matters.
    pub message: String,
    pub fix: String,
    /// The object's fields that show it, `path: value` (the pane's drill-down).
    pub evidence: Vec<String>,
}

/// The service accounts' own `automountServiceAccountToken`, by (namespace, name).
#[derive(Debug, Clone, Default)]
pub struct ServiceAccounts(HashMap<(String, String), Option<bool>>);

impl ServiceAccounts {
    pub fn new(accounts: &[ServiceAccount]) -> Self {
        let mut map = HashMap::new();
        for sa in accounts {
            let ns = sa.metadata.namespace.clone().unwrap_or_default();
            let name = sa.metadata.name.clone().unwrap_or_default();
            map.insert((ns, name), sa.automount_service_account_token);
        }
        ServiceAccounts(map)
    }

    pub fn insert(&mut self, namespace: &str, name: &str, automount: Option<bool>) {
        self.0
            .insert((namespace.to_string(), name.to_string()), automount);
    }

    /// What the account says (None: it does not say, or it is not known).
    pub fn automount(&self, namespace: &str, name: &str) -> Option<bool> {
        self.0
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
            .flatten()
    }
}

/// What an audit found, and how many pods it read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub findings: Vec<Finding>,
    pub pods: usize,
}

/// The RBAC objects an audit reads.
#[derive(Debug, Clone, Default)]
pub struct Rbac {
    pub cluster_role_bindings: Vec<ClusterRoleBinding>,
    pub role_bindings: Vec<RoleBinding>,
    pub cluster_roles: Vec<ClusterRole>,
    pub roles: Vec<Role>,
}

/// Everything, audited at once (the pods may also be fed page by page to [`audit_pod`]).
pub fn audit(pods: &[Pod], accounts: &ServiceAccounts, rbac: &Rbac) -> Vec<Finding> {
    let mut out = audit_rbac(rbac);
    for pod in pods {
        audit_pod(pod, accounts, &mut out);
    }
    sort(&mut out);
    out
}

/// In report order: by check, then object.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| (a.check, &a.object).cmp(&(b.check, &b.object)));
}

/// How many findings are at or above `threshold`.
pub fn at_or_above(findings: &[Finding], threshold: Severity) -> usize {
    findings.iter().filter(|f| f.severity >= threshold).count()
}
