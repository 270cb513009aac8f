//! The checks over RBAC: subjects bound to cluster-admin (ClusterRoleBindings and
//! RoleBindings; service accounts, users and groups) and roles with wildcard rules.

use k8s_openapi::api::rbac::v1::{PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Finding, ObjectRef, Rbac, Severity};

/// The label Kubernetes puts on the roles and bindings it creates itself.
const BOOTSTRAP: (&str, &str) = ("kubernetes.io/bootstrapping", "rbac-defaults");

fn built_in(meta: &ObjectMeta) -> bool {
    meta.name
        .as_deref()
        .is_some_and(|n| n.starts_with("system:"))
        || meta
            .labels
            .as_ref()
            .and_then(|l| l.get(BOOTSTRAP.0))
            .is_some_and(|v| v == BOOTSTRAP.1)
}

pub fn audit_rbac(rbac: &Rbac) -> Vec<Finding> {
    let mut out = Vec::new();
    for b in &rbac.cluster_role_bindings {
        bound_to_cluster_admin(
            &b.metadata,
            "ClusterRoleBinding",
            &b.role_ref,
            b.subjects.as_deref().unwrap_or_default(),
            &mut out,
        );
    }
    for b in &rbac.role_bindings {
        bound_to_cluster_admin(
            &b.metadata,
            "RoleBinding",
            &b.role_ref,
            b.subjects.as_deref().unwrap_or_default(),
            &mut out,
        );
    }
    for r in &rbac.cluster_roles {
        wildcards(&r.metadata, "ClusterRole", r.rules.as_deref(), &mut out);
    }
    for r in &rbac.roles {
        wildcards(&r.metadata, "Role", r.rules.as_deref(), &mut out);
    }
    out
}

fn bound_to_cluster_admin(
    meta: &ObjectMeta,
    kind: &str,
    role: &RoleRef,
    subjects: &[Subject],
    out: &mut Vec<Finding>,
) {
    if role.kind != "ClusterRole" || role.name != "cluster-admin" {
        return;
    }
    let binding_ns = meta.namespace.clone();
    let binding = match &binding_ns {
        Some(ns) => format!("{kind} {ns}/{}", meta.name.as_deref().unwrap_or_default()),
        None => format!("{kind} {}", meta.name.as_deref().unwrap_or_default()),
    };
    let (severity, reach) = match (&binding_ns, built_in(meta)) {
        // Kubernetes' own binding (system:masters): reported, low, to keep it empty
        (_, true) => (
            Severity::Low,
            "full control of the cluster (a built-in binding: keep its group empty)".to_string(),
        ),
        (None, false) => (
            Severity::High,
            "full control of every object in every namespace, Secrets and RBAC included"
                .to_string(),
        ),
        (Some(ns), false) => (
            Severity::High,
            format!("full control of every object in namespace {ns}, Secrets and RBAC included"),
        ),
    };
    for s in subjects {
        let namespace = match s.kind.as_str() {
            "ServiceAccount" => s.namespace.clone().or_else(|| binding_ns.clone()),
            _ => None,
        };
        let who = match &namespace {
            Some(ns) => format!("{} {ns}/{}", s.kind, s.name),
            None => format!("{} {}", s.kind, s.name),
        };
        out.push(Finding {
            check: Check::ClusterAdmin,
            severity,
            object: ObjectRef {
                kind: s.kind.clone(),
                namespace,
                name: s.name.clone(),
                container: None,
            },
            message: format!("bound to cluster-admin by {binding}: {reach}"),
            fix: "bind a Role with only the verbs and resources it needs, and delete this \
                  binding (or remove the subject from it)"
                .into(),
            evidence: vec![
                format!("binding: {binding}"),
                format!("roleRef: {}/{}", role.kind, role.name),
                format!("subject: {who}"),
            ],
        });
    }
}

fn wildcards(meta: &ObjectMeta, kind: &str, rules: Option<&[PolicyRule]>, out: &mut Vec<Finding>) {
    if built_in(meta) {
        return;
    }
    let wild: Vec<&PolicyRule> = rules
        .unwrap_or_default()
        .iter()
        .filter(|r| {
            r.verbs.iter().any(|v| v == "*") || r.resources.iter().flatten().any(|res| res == "*")
        })
        .collect();
    if wild.is_empty() {
        return;
    }
    let severity = if kind == "ClusterRole" {
        Severity::High
    } else {
        Severity::Medium
    };
    let show = |r: &PolicyRule| {
        format!(
            "apiGroups [{}] resources [{}] verbs [{}]",
            r.api_groups.as_deref().unwrap_or_default().join(", "),
            r.resources.as_deref().unwrap_or_default().join(", "),
            r.verbs.join(", ")
        )
    };
    out.push(Finding {
        check: Check::WildcardRbac,
        severity,
        object: ObjectRef {
            kind: kind.into(),
            namespace: meta.namespace.clone(),
            name: meta.name.clone().unwrap_or_default(),
            container: None,
        },
        message: format!(
            "grants {}: a wildcard also grants whatever the API gains later, Secrets and RBAC \
             included",
            show(wild[0])
        ),
        fix: "list the verbs and resources it needs instead of *".into(),
        evidence: wild.iter().map(|r| format!("rule: {}", show(r))).collect(),
    });
}
