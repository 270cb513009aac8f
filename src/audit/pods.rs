//! The checks over one pod: root, privileged, host paths and namespaces, privilege
//! escalation, capabilities, image tags, limits, Secrets in the environment, the default
//! service account's token.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, EnvFromSource, EnvVar, EphemeralContainer, Pod, ResourceRequirements,
    SecurityContext,
};

use super::{Check, Finding, ObjectRef, ServiceAccounts, Severity};

/// Which list of the pod spec a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Main,
    Init,
    Ephemeral,
}

impl Place {
    fn path(self) -> &'static str {
        match self {
            Place::Main => "spec.containers",
            Place::Init => "spec.initContainers",
            Place::Ephemeral => "spec.ephemeralContainers",
        }
    }
}

/// What the checks read of any kind of container.
struct Ctr<'a> {
    place: Place,
    name: &'a str,
    image: Option<&'a str>,
    sc: Option<&'a SecurityContext>,
    resources: Option<&'a ResourceRequirements>,
    env: &'a [EnvVar],
    env_from: &'a [EnvFromSource],
}

impl<'a> Ctr<'a> {
    fn of(place: Place, c: &'a Container) -> Self {
        Ctr {
            place,
            name: &c.name,
            image: c.image.as_deref(),
            sc: c.security_context.as_ref(),
            resources: c.resources.as_ref(),
            env: c.env.as_deref().unwrap_or_default(),
            env_from: c.env_from.as_deref().unwrap_or_default(),
        }
    }

    fn ephemeral(c: &'a EphemeralContainer) -> Self {
        Ctr {
            place: Place::Ephemeral,
            name: &c.name,
            image: c.image.as_deref(),
            sc: c.security_context.as_ref(),
            resources: c.resources.as_ref(),
            env: c.env.as_deref().unwrap_or_default(),
            env_from: c.env_from.as_deref().unwrap_or_default(),
        }
    }

    /// `spec.containers[api].securityContext.privileged`
    fn path(&self, field: &str) -> String {
        format!("{}[{}].{field}", self.place.path(), self.name)
    }

    fn privileged(&self) -> bool {
        self.sc.and_then(|s| s.privileged) == Some(true)
    }

    fn added_caps(&self) -> Vec<String> {
        self.sc
            .and_then(|s| s.capabilities.as_ref())
            .and_then(|c| c.add.as_ref())
            .map(|add| add.iter().map(|c| normal_cap(c)).collect())
            .unwrap_or_default()
    }
}

/// `CAP_SYS_ADMIN`, `sys_admin` → `SYS_ADMIN`.
fn normal_cap(cap: &str) -> String {
    let up = cap.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

/// The capabilities that are as good as root.
const DANGEROUS_CAPS: &[(&str, &str)] = &[
    (
        "ALL",
        "every capability: as good as root on the node once out of the container",
    ),
    (
        "SYS_ADMIN",
        "mounts, namespaces and most of what root may do: the usual way out of a container",
    ),
    (
        "NET_ADMIN",
        "reconfigures the network: interfaces, routes and firewall rules, traffic sniffed or redirected",
    ),
];

/// Audits one pod; appends what it finds.
pub fn audit_pod(pod: &Pod, accounts: &ServiceAccounts, out: &mut Vec<Finding>) {
    let Some(spec) = &pod.spec else {
        return;
    };
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let object = |container: Option<&str>| ObjectRef {
        kind: "Pod".into(),
        namespace: Some(ns.clone()),
        name: name.clone(),
        container: container.map(str::to_string),
    };
    let mut push = |check,
                    severity,
                    container: Option<&str>,
                    message: String,
                    fix: &str,
                    evidence: Vec<String>| {
        out.push(Finding {
            check,
            severity,
            object: object(container),
            message,
            fix: fix.to_string(),
            evidence,
        })
    };
    let ctrs: Vec<Ctr> = spec
        .containers
        .iter()
        .map(|c| Ctr::of(Place::Main, c))
        .chain(
            spec.init_containers
                .iter()
                .flatten()
                .map(|c| Ctr::of(Place::Init, c)),
        )
        .chain(
            spec.ephemeral_containers
                .iter()
                .flatten()
                .map(Ctr::ephemeral),
        )
        .collect();
    let pod_sc = spec.security_context.as_ref();
    let pod_uid = pod_sc.and_then(|s| s.run_as_user);
    let pod_nonroot = pod_sc.and_then(|s| s.run_as_non_root);

    // Root: runAsUser 0 (the pod's or the container's), or neither runAsUser nor
    // runAsNonRoot anywhere (the image decides, and most images are root).
    let uid = |c: &Ctr| c.sc.and_then(|s| s.run_as_user).or(pod_uid);
    let nonroot = |c: &Ctr| c.sc.and_then(|s| s.run_as_non_root).or(pod_nonroot);
    let root: Vec<&Ctr> = ctrs.iter().filter(|c| uid(c) == Some(0)).collect();
    if !root.is_empty() && root.len() == ctrs.len() && pod_uid == Some(0) {
        push(
            Check::RunAsRoot,
            Severity::High,
            None,
            "runs as root (runAsUser 0): a process that breaks out of the container is root on \
             the node"
                .into(),
            FIX_ROOT,
            vec!["spec.securityContext.runAsUser: 0".into()],
        );
    } else {
        for c in root {
            let evidence = if c.sc.and_then(|s| s.run_as_user) == Some(0) {
                c.path("securityContext.runAsUser: 0")
            } else {
                "spec.securityContext.runAsUser: 0 (inherited)".into()
            };
            push(
                Check::RunAsRoot,
                Severity::High,
                Some(c.name),
                "runs as root (runAsUser 0): a process that breaks out of the container is \
                 root on the node"
                    .into(),
                FIX_ROOT,
                vec![evidence],
            );
        }
    }
    let maybe: Vec<&Ctr> = ctrs
        .iter()
        .filter(|c| uid(c).is_none() && nonroot(c) != Some(true))
        .collect();
    let maybe_message = "may run as root: image default (neither runAsNonRoot nor runAsUser \
                         is set, so the image's USER decides, and most images run as root)";
    if !maybe.is_empty() && maybe.len() == ctrs.len() {
        push(
            Check::RunAsRoot,
            Severity::Medium,
            None,
            maybe_message.into(),
            FIX_MAYBE_ROOT,
            vec!["spec.securityContext: no runAsUser, no runAsNonRoot".into()],
        );
    } else {
        for c in maybe {
            push(
                Check::RunAsRoot,
                Severity::Medium,
                Some(c.name),
                maybe_message.into(),
                FIX_MAYBE_ROOT,
                vec![c.path("securityContext: no runAsUser, no runAsNonRoot")],
            );
        }
    }

    for c in ctrs.iter().filter(|c| c.privileged()) {
        push(
            Check::Privileged,
            Severity::High,
            Some(c.name),
            "privileged: the container has every capability and the node's devices; getting \
             out to the node is trivial"
                .into(),
            "remove securityContext.privileged; add only the capabilities it needs \
             (capabilities.add), or use a device plugin",
            vec![c.path("securityContext.privileged: true")],
        );
    }

    let host_paths: Vec<(String, String)> = spec
        .volumes
        .iter()
        .flatten()
        .filter_map(|v| {
            v.host_path
                .as_ref()
                .map(|h| (v.name.clone(), h.path.clone()))
        })
        .collect();
    if !host_paths.is_empty() {
        let paths: Vec<&str> = host_paths.iter().map(|(_, p)| p.as_str()).collect();
        push(
            Check::HostPath,
            Severity::High,
            None,
            format!(
                "mounts the node's filesystem (hostPath {}): node files, other pods' data and \
                 credentials can be read, or written",
                paths.join(", ")
            ),
            "use a PersistentVolumeClaim, emptyDir, ConfigMap or Secret volume; if the node's \
             files are truly needed, mount the narrowest path, readOnly",
            host_paths
                .iter()
                .map(|(v, p)| format!("spec.volumes[{v}].hostPath.path: {p}"))
                .collect(),
        );
    }

    let shared: Vec<&str> = [
        ("hostNetwork", spec.host_network),
        ("hostPID", spec.host_pid),
        ("hostIPC", spec.host_ipc),
    ]
    .into_iter()
    .filter(|(_, on)| *on == Some(true))
    .map(|(n, _)| n)
    .collect();
    if !shared.is_empty() {
        push(
            Check::HostNamespace,
            Severity::High,
            None,
            format!(
                "shares the node's namespaces ({}): it sees the node's traffic, processes or \
                 shared memory, and network policies do not apply to host networking",
                shared.join(", ")
            ),
            "remove hostNetwork, hostPID and hostIPC from the pod spec",
            shared.iter().map(|n| format!("spec.{n}: true")).collect(),
        );
    }

    for c in &ctrs {
        let ape = c.sc.and_then(|s| s.allow_privilege_escalation);
        // privileged (and SYS_ADMIN) already escalate, and reject allowPrivilegeEscalation:
        // false; they are reported by their own checks
        let caps = c.added_caps();
        if ape != Some(false) && !c.privileged() && !caps.iter().any(|c| c == "SYS_ADMIN") {
            let (shown, why) = match ape {
                Some(true) => ("true", "is true"),
                _ => ("unset (true)", "is not set, and unset means true"),
            };
            push(
                Check::PrivilegeEscalation,
                Severity::Medium,
                Some(c.name),
                format!(
                    "allowPrivilegeEscalation {why}: a setuid binary in the image can gain more \
                     privileges than the process started with"
                ),
                "set securityContext.allowPrivilegeEscalation: false on the container",
                vec![c.path(&format!(
                    "securityContext.allowPrivilegeEscalation: {shown}"
                ))],
            );
        }
        for (cap, why) in DANGEROUS_CAPS {
            if caps.iter().any(|c| c == cap) {
                push(
                    Check::Capabilities,
                    Severity::High,
                    Some(c.name),
                    format!("adds capability {cap}: {why}"),
                    "remove it from securityContext.capabilities.add; drop ALL and add back \
                     only narrow ones (e.g. NET_BIND_SERVICE)",
                    vec![c.path(&format!("securityContext.capabilities.add: {cap}"))],
                );
            }
        }
        if let Some(problem) = c.image.and_then(image_problem) {
            let image = c.image.unwrap_or_default();
            push(
                Check::ImageTag,
                Severity::Low,
                Some(c.name),
                format!(
                    "image {image} {problem}: what runs changes without a deploy, and a \
                     rollback cannot bring the old one back"
                ),
                "pin a version tag or a digest (image@sha256:…)",
                vec![c.path(&format!("image: {image}"))],
            );
        }
        // ephemeral containers cannot have resources
        if c.place != Place::Ephemeral {
            let limits: Option<&BTreeMap<_, _>> = c.resources.and_then(|r| r.limits.as_ref());
            let missing: Vec<&str> = ["memory", "cpu"]
                .into_iter()
                .filter(|r| !limits.is_some_and(|l| l.contains_key(*r)))
                .collect();
            if !missing.is_empty() {
                push(
                    Check::NoLimits,
                    Severity::Low,
                    Some(c.name),
                    format!(
                        "no {} limit: one runaway container can starve the node and its \
                         neighbours",
                        missing.join(" or ")
                    ),
                    "set resources.limits (memory, and cpu) on the container",
                    vec![c.path(&format!("resources.limits: no {}", missing.join(", no ")))],
                );
            }
        }
        let mut exposed: Vec<String> = c
            .env
            .iter()
            .filter_map(|e| {
                let key = e.value_from.as_ref()?.secret_key_ref.as_ref()?;
                Some(format!("{} (Secret {}, key {})", e.name, key.name, key.key))
            })
            .collect();
        exposed.extend(c.env_from.iter().filter_map(|e| {
            let s = e.secret_ref.as_ref()?;
            Some(format!("every key of Secret {}", s.name))
        }));
        if !exposed.is_empty() {
            push(
                Check::SecretEnv,
                Severity::Medium,
                Some(c.name),
                format!(
                    "exposes {} as environment variables: they leak into crash dumps, child \
                     processes, /proc and debug output",
                    exposed.join(", ")
                ),
                "mount the Secret as a volume and read it from a file (e.g. \
                 POSTGRES_PASSWORD_FILE)",
                exposed
                    .iter()
                    .map(|e| c.path(&format!("env: {e}")))
                    .collect(),
            );
        }
    }

    let account = spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("default");
    let automount = spec
        .automount_service_account_token
        .or_else(|| accounts.automount(&ns, account))
        .unwrap_or(true);
    if account == "default" && automount {
        push(
            Check::DefaultToken,
            Severity::Low,
            None,
            "mounts the default service account's token: whoever takes the pod can call the \
             API server as that account, which every pod of the namespace shares"
                .into(),
            "set automountServiceAccountToken: false on the pod (or on the default \
             ServiceAccount), or give the pod its own ServiceAccount with only what it needs",
            vec![
                format!(
                    "spec.serviceAccountName: {}",
                    spec.service_account_name
                        .as_deref()
                        .unwrap_or("unset (default)")
                ),
                match (
                    spec.automount_service_account_token,
                    accounts.automount(&ns, account),
                ) {
                    (Some(_), _) => "spec.automountServiceAccountToken: true".into(),
                    (None, Some(_)) => {
                        "ServiceAccount default: automountServiceAccountToken: true".into()
                    }
                    (None, None) => "automountServiceAccountToken: set neither on the pod nor \
                                     on ServiceAccount default (true)"
                        .into(),
                },
            ],
        );
    }
}

const FIX_ROOT: &str = "set securityContext.runAsNonRoot: true and a non-zero runAsUser in the \
                        pod template, and a non-root USER in the image";
const FIX_MAYBE_ROOT: &str = "set securityContext.runAsNonRoot: true (and a runAsUser) in the \
                              pod template, so the kubelet refuses to start it as root";

/// `":latest"` or `"has no tag (pulls :latest)"`; None when pinned (a tag or a digest).
pub(super) fn image_problem(image: &str) -> Option<&'static str> {
    if image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, "latest")) => Some("uses the moving tag :latest"),
        Some(_) => None,
        None => Some("has no tag (so it pulls :latest)"),
    }
}
