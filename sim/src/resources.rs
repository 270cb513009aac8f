//! The kinds of object the simulated API server serves: one static table that discovery,
//! routing, the store and Table output all read.

/// One served resource (a REST collection).
#[derive(Debug, PartialEq, Eq)]
pub struct Resource {
    /// API group; "" for the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Subresources served below an object: "status", "scale", "log", "proxy", ...
    pub subresources: &'static [&'static str],
    /// Verbs as discovery lists them.
    pub verbs: &'static [&'static str],
}

const RW: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const CREATE_ONLY: &[&str] = &["create"];
const READ_ONLY: &[&str] = &["get", "list"];

macro_rules! res {
    ($group:expr, $version:expr, $kind:expr, $plural:expr, $singular:expr, $ns:expr, $short:expr, $cat:expr, $sub:expr) => {
        Resource {
            group: $group,
            version: $version,
            kind: $kind,
            plural: $plural,
            singular: $singular,
            namespaced: $ns,
            short_names: $short,
            categories: $cat,
            subresources: $sub,
            verbs: RW,
        }
    };
}

const ALL: &[&str] = &["all"];
const NONE: &[&str] = &[];

#[rustfmt::skip]
pub static RESOURCES: &[Resource] = &[
    res!("", "v1", "Namespace", "namespaces", "namespace", false, &["ns"], NONE, &["status"]),
    res!("", "v1", "Pod", "pods", "pod", true, &["po"], ALL, &["status", "log", "ephemeralcontainers", "attach", "exec", "portforward"]),
    res!("", "v1", "Service", "services", "service", true, &["svc"], ALL, &["status", "proxy"]),
    res!("", "v1", "Endpoints", "endpoints", "endpoints", true, &["ep"], NONE, NONE),
    res!("", "v1", "Event", "events", "event", true, &["ev"], NONE, NONE),
    res!("", "v1", "ConfigMap", "configmaps", "configmap", true, &["cm"], NONE, NONE),
    res!("", "v1", "Secret", "secrets", "secret", true, NONE, NONE, NONE),
    res!("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", true, &["sa"], NONE, NONE),
    res!("", "v1", "Node", "nodes", "node", false, &["no"], NONE, &["status"]),
    res!("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", true, &["pvc"], NONE, &["status"]),
    res!("apps", "v1", "Deployment", "deployments", "deployment", true, &["deploy"], ALL, &["status", "scale"]),
    res!("apps", "v1", "ReplicaSet", "replicasets", "replicaset", true, &["rs"], ALL, &["status", "scale"]),
    res!("batch", "v1", "CronJob", "cronjobs", "cronjob", true, &["cj"], ALL, &["status"]),
    res!("batch", "v1", "Job", "jobs", "job", true, NONE, ALL, &["status"]),
    res!("events.k8s.io", "v1", "Event", "events", "event", true, &["ev"], NONE, NONE),
    res!("rbac.authorization.k8s.io", "v1", "Role", "roles", "role", true, NONE, NONE, NONE),
    res!("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", "rolebinding", true, NONE, NONE, NONE),
    res!("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", "clusterrole", false, NONE, NONE, NONE),
    res!("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding", false, NONE, NONE, NONE),
    Resource {
        group: "authorization.k8s.io",
        version: "v1",
        kind: "SelfSubjectAccessReview",
        plural: "selfsubjectaccessreviews",
        singular: "selfsubjectaccessreview",
        namespaced: false,
        short_names: NONE,
        categories: NONE,
        subresources: NONE,
        verbs: CREATE_ONLY,
    },
    // metrics-server's API (kubectl top): computed from the cluster, never stored
    Resource {
        group: "metrics.k8s.io",
        version: "v1beta1",
        kind: "NodeMetrics",
        plural: "nodes",
        singular: "",
        namespaced: false,
        short_names: NONE,
        categories: NONE,
        subresources: NONE,
        verbs: READ_ONLY,
    },
    Resource {
        group: "metrics.k8s.io",
        version: "v1beta1",
        kind: "PodMetrics",
        plural: "pods",
        singular: "",
        namespaced: true,
        short_names: NONE,
        categories: NONE,
        subresources: NONE,
        verbs: READ_ONLY,
    },
    res!("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", "customresourcedefinition", false, &["crd", "crds"], NONE, &["status"]),
    res!("argoproj.io", "v1alpha1", "Rollout", "rollouts", "rollout", true, &["ro"], ALL, &["status", "scale"]),
    res!("argoproj.io", "v1alpha1", "AnalysisTemplate", "analysistemplates", "analysistemplate", true, &["at"], NONE, NONE),
    res!("argoproj.io", "v1alpha1", "AnalysisRun", "analysisruns", "analysisrun", true, &["ar"], NONE, &["status"]),
    res!("postgresql.cnpg.io", "v1", "Cluster", "clusters", "cluster", true, NONE, NONE, &["status", "scale"]),
    res!("postgresql.cnpg.io", "v1", "Backup", "backups", "backup", true, NONE, NONE, &["status"]),
];

impl Resource {
    /// "pods" for the core group, "deployments.apps" otherwise: the store's key.
    pub fn key(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// "v1" for the core group, "apps/v1" otherwise.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// True for resources whose `spec` changes bump `metadata.generation`.
    pub fn has_status(&self) -> bool {
        self.subresources.contains(&"status")
    }

    /// Whether this is metrics-server's API: computed on request, never stored or written.
    pub fn is_metrics(&self) -> bool {
        self.group == "metrics.k8s.io"
    }

    /// Whether this is a custom resource (served through a CRD).
    pub fn is_custom(&self) -> bool {
        matches!(self.group, "argoproj.io" | "postgresql.cnpg.io")
    }
}

/// Finds a resource by group and plural.
pub fn find(group: &str, plural: &str) -> Option<&'static Resource> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.plural == plural)
}

/// Finds a resource by apiVersion ("v1", "apps/v1") and kind ("Deployment").
pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static Resource> {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.kind == kind)
}

/// Shorthand for the resources the controllers use most.
pub fn core(plural: &str) -> &'static Resource {
    find("", plural).unwrap_or_else(|| panic!("no core resource {plural}"))
}

/// Shorthand for a resource of a named group; panics on a typo in our own code.
pub fn of(group: &str, plural: &str) -> &'static Resource {
    find(group, plural).unwrap_or_else(|| panic!("no resource {plural}.{group}"))
}
