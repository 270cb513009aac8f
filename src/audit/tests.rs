use k8s_openapi::api::core::v1::{Pod, ServiceAccount};
use serde_json::{json, Value};

use super::pods::image_problem;
use super::report;
use super::*;

/// A pod that every check passes; `patch` merges into it (null deletes).
fn clean() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop"},
        "spec": {
            "serviceAccountName": "web",
            "securityContext": {"runAsNonRoot": true, "runAsUser": 1000},
            "containers": [{
                "name": "web",
                "image": "registry.local/web:1.2.3",
                "securityContext": {"allowPrivilegeEscalation": false},
                "resources": {"limits": {"cpu": "1", "memory": "256Mi"}},
            }],
        },
    })
}

fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(k);
                } else {
                    merge(b.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn pod(patch: Value) -> Pod {
    let mut v = clean();
    merge(&mut v, &patch);
    serde_json::from_value(v).unwrap()
}

fn findings(p: &Pod) -> Vec<Finding> {
    let mut out = Vec::new();
    audit_pod(p, &ServiceAccounts::default(), &mut out);
    out
}

fn checks(p: &Pod) -> Vec<(Check, Severity, Option<String>)> {
    findings(p)
        .into_iter()
        .map(|f| (f.check, f.severity, f.object.container))
        .collect()
}

/// The container patched: the pod's containers replaced by one with `c` merged in.
fn with_container(c: Value) -> Pod {
    let mut ctr = clean()["spec"]["containers"][0].clone();
    merge(&mut ctr, &c);
    pod(json!({"spec": {"containers": [ctr]}}))
}

#[test]
fn a_clean_pod_has_no_findings() {
    assert_eq!(checks(&pod(json!({}))), vec![]);
}

#[test]
fn run_as_root_pod_level_container_level_and_image_default() {
    let p = pod(json!({"spec": {"securityContext": {"runAsUser": 0, "runAsNonRoot": null}}}));
    let f = findings(&p);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0].check, f[0].severity),
        (Check::RunAsRoot, Severity::High)
    );
    assert_eq!(f[0].object.container, None);
    assert_eq!(f[0].evidence, ["spec.securityContext.runAsUser: 0"]);

    // the container overrides the pod: only the container is root
    let p = with_container(json!({"securityContext": {"runAsUser": 0}}));
    assert_eq!(
        checks(&p),
        [(Check::RunAsRoot, Severity::High, Some("web".into()))]
    );

    // neither runAsNonRoot nor runAsUser anywhere: may run as root
    let p = pod(json!({"spec": {"securityContext": null}}));
    let f = findings(&p);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].check, f[0].severity),
        (Check::RunAsRoot, Severity::Medium)
    );
    assert!(f[0].message.starts_with("may run as root: image default"));
    // runAsNonRoot alone is enough; runAsUser alone (non-zero) too
    assert_eq!(
        checks(&pod(
            json!({"spec": {"securityContext": {"runAsUser": null}}})
        )),
        []
    );
    assert_eq!(
        checks(&pod(
            json!({"spec": {"securityContext": {"runAsNonRoot": null}}})
        )),
        []
    );
    // a container that sets it for itself, beside one that does not
    let mut p = pod(json!({"spec": {"securityContext": null}}));
    let spec = p.spec.as_mut().unwrap();
    let mut second = spec.containers[0].clone();
    second.name = "sidecar".into();
    spec.containers[0]
        .security_context
        .as_mut()
        .unwrap()
        .run_as_non_root = Some(true);
    spec.containers.push(second);
    assert_eq!(
        checks(&p),
        [(Check::RunAsRoot, Severity::Medium, Some("sidecar".into()))]
    );
}

#[test]
fn privileged_includes_init_and_ephemeral_containers() {
    let main = with_container(
        json!({"securityContext": {"privileged": true, "allowPrivilegeEscalation": null}}),
    );
    assert_eq!(
        checks(&main),
        [(Check::Privileged, Severity::High, Some("web".into()))]
    );
    let mut init = clean()["spec"]["containers"][0].clone();
    merge(
        &mut init,
        &json!({"name": "setup", "securityContext": {"privileged": true, "allowPrivilegeEscalation": null}}),
    );
    let p = pod(json!({"spec": {"initContainers": [init]}}));
    let f = findings(&p);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].object.container.as_deref(), Some("setup"));
    assert_eq!(
        f[0].evidence,
        ["spec.initContainers[setup].securityContext.privileged: true"]
    );
    let p = pod(json!({"spec": {"ephemeralContainers": [{
        "name": "debugger", "image": "busybox:1.36",
        "securityContext": {"privileged": true},
    }]}}));
    assert_eq!(
        checks(&p),
        [(Check::Privileged, Severity::High, Some("debugger".into()))]
    );
}

#[test]
fn host_path_and_host_namespaces() {
    let p = pod(json!({"spec": {"volumes": [
        {"name": "logs", "hostPath": {"path": "/var/log"}},
        {"name": "tmp", "emptyDir": {}},
    ]}}));
    let f = findings(&p);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].check, f[0].severity),
        (Check::HostPath, Severity::High)
    );
    assert!(f[0].message.contains("/var/log"));
    assert_eq!(
        f[0].evidence,
        ["spec.volumes[logs].hostPath.path: /var/log"]
    );

    let p = pod(json!({"spec": {"hostNetwork": true, "hostPID": true, "hostIPC": false}}));
    let f = findings(&p);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].check, Check::HostNamespace);
    assert!(f[0].message.contains("hostNetwork, hostPID"));
}

#[test]
fn privilege_escalation_unset_or_true_but_not_when_privileged() {
    let unset = with_container(json!({"securityContext": {"allowPrivilegeEscalation": null}}));
    assert_eq!(
        checks(&unset),
        [(
            Check::PrivilegeEscalation,
            Severity::Medium,
            Some("web".into())
        )]
    );
    let yes = with_container(json!({"securityContext": {"allowPrivilegeEscalation": true}}));
    assert!(findings(&yes)[0].message.contains("is true"));
    let sys_admin = with_container(json!({"securityContext": {
        "allowPrivilegeEscalation": null, "capabilities": {"add": ["SYS_ADMIN"]}}}));
    assert_eq!(
        checks(&sys_admin),
        [(Check::Capabilities, Severity::High, Some("web".into()))]
    );
}

#[test]
fn dangerous_capabilities_in_any_spelling() {
    let p = with_container(
        json!({"securityContext": {"capabilities": {"add": ["cap_net_admin", "ALL", "NET_BIND_SERVICE"]}}}),
    );
    let f = findings(&p);
    let caps: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(f.len(), 2, "{caps:?}");
    assert!(caps[0].starts_with("adds capability ALL"));
    assert!(caps[1].starts_with("adds capability NET_ADMIN"));
    let p = with_container(
        json!({"securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}}}),
    );
    assert_eq!(checks(&p), []);
}

#[test]
fn image_tags() {
    assert_eq!(image_problem("nginx:1.27"), None);
    assert_eq!(image_problem("registry:5000/team/app:2"), None);
    assert_eq!(image_problem("app@sha256:abcd"), None);
    assert_eq!(image_problem("app:latest@sha256:abcd"), None);
    assert!(image_problem("nginx:latest").unwrap().contains(":latest"));
    assert!(image_problem("nginx").unwrap().contains("no tag"));
    assert!(image_problem("registry:5000/team/app")
        .unwrap()
        .contains("no tag"));
    let p = with_container(json!({"image": "redis"}));
    assert_eq!(
        checks(&p),
        [(Check::ImageTag, Severity::Low, Some("web".into()))]
    );
}

#[test]
fn limits_missing_but_not_on_ephemeral_containers() {
    let p = with_container(json!({"resources": {"limits": null, "requests": {"cpu": "1"}}}));
    let f = findings(&p);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].check, Check::NoLimits);
    assert!(f[0].message.contains("no memory or cpu limit"));
    let p = with_container(json!({"resources": {"limits": {"cpu": null}}}));
    assert!(findings(&p)[0].message.contains("no cpu limit"));
    let p = pod(json!({"spec": {"ephemeralContainers": [{
        "name": "debugger", "image": "busybox:1.36",
        "securityContext": {"allowPrivilegeEscalation": false},
    }]}}));
    assert_eq!(checks(&p), []);
}

#[test]
fn secrets_in_the_environment_name_the_variable_never_a_value() {
    let p = with_container(json!({
        "env": [
            {"name": "PLAIN", "value": "x"},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
        ],
        "envFrom": [{"secretRef": {"name": "api-keys"}}, {"configMapRef": {"name": "cfg"}}],
    }));
    let f = findings(&p);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].check, f[0].severity),
        (Check::SecretEnv, Severity::Medium)
    );
    assert!(f[0]
        .message
        .contains("DB_PASSWORD (Secret db, key password)"));
    assert!(f[0].message.contains("every key of Secret api-keys"));
    assert_eq!(f[0].evidence.len(), 2);
}

#[test]
fn default_token_automounted_unless_the_pod_or_the_account_says_no() {
    let p = pod(json!({"spec": {"serviceAccountName": null}}));
    assert_eq!(checks(&p), [(Check::DefaultToken, Severity::Low, None)]);
    let p = pod(json!({"spec": {"serviceAccountName": "default"}}));
    assert_eq!(checks(&p).len(), 1);
    let off =
        pod(json!({"spec": {"serviceAccountName": null, "automountServiceAccountToken": false}}));
    assert_eq!(checks(&off), []);
    let sa: ServiceAccount = serde_json::from_value(json!({
        "metadata": {"name": "default", "namespace": "shop"},
        "automountServiceAccountToken": false,
    }))
    .unwrap();
    let mut out = Vec::new();
    audit_pod(&p, &ServiceAccounts::new(&[sa]), &mut out);
    assert_eq!(out, []);
    // the pod's own true wins over the account's false
    let on =
        pod(json!({"spec": {"serviceAccountName": null, "automountServiceAccountToken": true}}));
    let mut accounts = ServiceAccounts::default();
    accounts.insert("shop", "default", Some(false));
    let mut out = Vec::new();
    audit_pod(&on, &accounts, &mut out);
    assert_eq!(out.len(), 1);
}

fn rbac(objects: Value) -> Rbac {
    let mut r = Rbac::default();
    for o in objects.as_array().unwrap() {
        match o["kind"].as_str().unwrap() {
            "ClusterRoleBinding" => r
                .cluster_role_bindings
                .push(serde_json::from_value(o.clone()).unwrap()),
            "RoleBinding" => r
                .role_bindings
                .push(serde_json::from_value(o.clone()).unwrap()),
            "ClusterRole" => r
                .cluster_roles
                .push(serde_json::from_value(o.clone()).unwrap()),
            "Role" => r.roles.push(serde_json::from_value(o.clone()).unwrap()),
            k => panic!("{k}"),
        }
    }
    r
}

#[test]
fn subjects_bound_to_cluster_admin() {
    let r = rbac(json!([
        {"kind": "ClusterRoleBinding", "metadata": {"name": "ops-admin"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
         "subjects": [
            {"kind": "ServiceAccount", "name": "robot", "namespace": "ci"},
            {"kind": "User", "name": "alice@example.com", "apiGroup": "rbac.authorization.k8s.io"},
            {"kind": "Group", "name": "ops", "apiGroup": "rbac.authorization.k8s.io"},
         ]},
        {"kind": "RoleBinding", "metadata": {"name": "shop-admin", "namespace": "shop"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
         "subjects": [{"kind": "ServiceAccount", "name": "deployer"}]},
        {"kind": "ClusterRoleBinding", "metadata": {"name": "viewers"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
         "subjects": [{"kind": "Group", "name": "everyone", "apiGroup": "rbac.authorization.k8s.io"}]},
        {"kind": "ClusterRoleBinding",
         "metadata": {"name": "cluster-admin", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
         "subjects": [{"kind": "Group", "name": "system:masters", "apiGroup": "rbac.authorization.k8s.io"}]},
    ]));
    let f = audit_rbac(&r);
    let got: Vec<(String, Option<&str>, &str, Severity)> = f
        .iter()
        .map(|f| {
            (
                f.object.kind.clone(),
                f.object.namespace.as_deref(),
                f.object.name.as_str(),
                f.severity,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("ServiceAccount".into(), Some("ci"), "robot", Severity::High),
            ("User".into(), None, "alice@example.com", Severity::High),
            ("Group".into(), None, "ops", Severity::High),
            ("Group".into(), None, "system:masters", Severity::Low),
            // a RoleBinding's service account defaults to the binding's namespace
            (
                "ServiceAccount".into(),
                Some("shop"),
                "deployer",
                Severity::High
            ),
        ]
    );
    assert!(f[0].message.contains("ClusterRoleBinding ops-admin"));
    assert!(f[4].message.contains("in namespace shop"));
    assert_eq!(f[0].evidence[1], "roleRef: ClusterRole/cluster-admin");
}

#[test]
fn wildcard_rules_except_the_built_in_roles() {
    let r = rbac(json!([
        {"kind": "ClusterRole", "metadata": {"name": "cluster-admin", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
         "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
        {"kind": "ClusterRole", "metadata": {"name": "system:controller:x"},
         "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
        {"kind": "ClusterRole", "metadata": {"name": "god"},
         "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
                   {"apiGroups": ["apps"], "resources": ["*"], "verbs": ["get", "list"]}]},
        {"kind": "Role", "metadata": {"name": "deployer", "namespace": "shop"},
         "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]}]},
        {"kind": "Role", "metadata": {"name": "reader", "namespace": "shop"},
         "rules": [{"apiGroups": ["*"], "resources": ["pods"], "verbs": ["get"]}]},
    ]));
    let f = audit_rbac(&r);
    let got: Vec<(&str, &str, Severity)> = f
        .iter()
        .map(|f| (f.object.kind.as_str(), f.object.name.as_str(), f.severity))
        .collect();
    assert_eq!(
        got,
        [
            ("ClusterRole", "god", Severity::High),
            ("Role", "deployer", Severity::Medium)
        ]
    );
    assert_eq!(
        f[0].evidence,
        ["rule: apiGroups [apps] resources [*] verbs [get, list]"]
    );
}

#[test]
fn reports_say_none_for_an_empty_check_and_json_has_the_fields() {
    let p = pod(json!({"spec": {"securityContext": {"runAsUser": 0, "runAsNonRoot": null}}}));
    let all = audit(&[p], &ServiceAccounts::default(), &Rbac::default());
    let text = report::text(&all, "20261201", "all namespaces");
    assert!(text.starts_with(
        "KubeChat Security Audit Report - 20261201\n===========================================\nPods running as root:\nhigh    Pod shop/web-1: runs as root"
    ), "{text}");
    assert!(text.contains("\nPrivileged containers:\nnone\n"), "{text}");
    assert!(text.contains("\nService accounts, users and groups with cluster-admin:\nnone\n"));
    assert!(text.ends_with("\n1 finding (1 high, 0 medium, 0 low) in all namespaces\n"));
    let v: Value = serde_json::from_str(&report::json(&all)).unwrap();
    assert_eq!(v[0]["check"], "run-as-root");
    assert_eq!(v[0]["severity"], "high");
    assert_eq!(
        v[0]["object"],
        json!({"kind": "Pod", "namespace": "shop", "name": "web-1", "container": null})
    );
    assert!(v[0]["message"].as_str().unwrap().contains("root"));
    assert_eq!(report::json(&[]), "[]");
    let md = report::markdown(&all, "20261201", "namespace shop");
    assert!(md.contains("## Pods running as root (`run-as-root`)\n\n| severity |"));
    assert!(md.contains("## Privileged containers (`privileged`)\n\nnone\n"));
    assert_eq!(at_or_above(&all, Severity::High), 1);
    assert_eq!(at_or_above(&[], Severity::Low), 0);
}
