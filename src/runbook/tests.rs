use std::collections::BTreeMap;

use super::builtin::{builtin, merge, FILES};
use super::model::{Check, Cmp, NativeAction, What};
use super::mutates::{command_interactive, command_mutates};
use super::parse::{id_from, parse, validate_input};
use super::placeholder::{fill, names, parse_set, shell_quote, Quoting};
use super::run::{printable, OutputTail};
use crate::effect::{ClusterWrite, WorkloadKind};

#[test]
fn every_embedded_runbook_parses() {
    for (file, text) in FILES {
        let stem = super::builtin::stem(file);
        if let Err(e) = parse(text, file, stem) {
            panic!("{e}");
        }
    }
    let all = builtin();
    assert_eq!(all.len(), FILES.len());
    let ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    for id in [
        "kubechat-high-error-rate",
        "kubechat-pod-crash-looping",
        "pre-deployment-checks",
        "staging-validation",
        "blue-green",
        "canary-promotion",
        "database-point-in-time-recovery",
        "application-recovery",
        "configuration-backup",
        "security-audit",
        "initial-response",
        "investigation-process",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
}

#[test]
fn the_seeds_alert_runbooks_have_their_steps() {
    let all = builtin();
    let find = |id: &str| all.iter().find(|r| r.id == id).unwrap();
    let high = find("kubechat-high-error-rate");
    assert_eq!(high.alerts, ["KubeChatHighErrorRate"]);
    assert_eq!(high.severity.as_deref(), Some("warning"));
    let counts: Vec<(&str, usize)> = high
        .sections
        .iter()
        .map(|s| (s.name.as_str(), s.steps.len()))
        .collect();
    assert_eq!(counts, [("investigate", 4), ("mitigate", 3)]);
    assert!(high.sections[0].steps.iter().all(|s| !s.mutates));
    assert!(high.sections[1].steps.iter().all(|s| s.mutates));
    assert!(high.sections[0].steps[0].note.is_some());

    let crash = find("kubechat-pod-crash-looping");
    let counts: Vec<usize> = crash.sections.iter().map(|s| s.steps.len()).collect();
    assert_eq!(counts, [4, 2]);
    assert_eq!(crash.placeholders(), ["pod_name", "live_deployment"]);
    assert!(crash.sections[1].steps[1].interactive);

    let pre = find("pre-deployment-checks");
    assert_eq!(pre.sections[0].steps.len(), 5);
    assert_eq!(
        pre.sections[0].steps[0].criteria.as_deref(),
        Some("100% pass rate")
    );
    let staging = find("staging-validation");
    assert_eq!(staging.sections[0].steps.len(), 5);
    assert!(staging.sections[0]
        .steps
        .iter()
        .all(|s| matches!(s.what, What::Check(_)) && s.timeout.is_some()));
    let initial = find("initial-response");
    assert_eq!(initial.sections[0].steps.len(), 5);
    assert_eq!(
        initial.sections[0].steps[3].responsible.as_deref(),
        Some("Incident commander")
    );
}

#[test]
fn the_seeds_blocks_load_as_they_are() {
    let staging = r#"
staging_validation:
  - name: "Deployment Health"
    check: "All pods running and ready"
    timeout: "10 minutes"
"#;
    let rb = parse(staging, "s.yaml", "s").unwrap();
    let step = &rb.sections[0].steps[0];
    assert_eq!(step.title, "Deployment Health");
    assert_eq!(step.what, What::Manual);
    assert_eq!(step.criteria.as_deref(), Some("All pods running and ready"));
    assert_eq!(step.timeout, Some(std::time::Duration::from_secs(600)));
    let alert = "alert_name: \"KubeChatFoo\"\ninvestigation_steps:\n  - step: 1\n    action: \"Look\"\n    command: \"kubectl get pods\"\n";
    let rb = parse(alert, "f.yaml", "f").unwrap();
    assert_eq!(rb.id, "kubechat-foo");
    assert_eq!(rb.title, "KubeChatFoo");
    assert_eq!(rb.alerts, ["KubeChatFoo"]);
    assert_eq!(
        rb.sections[0].steps[0].what,
        What::Command("kubectl get pods".into())
    );
}

#[test]
fn malformed_yaml_names_file_line_and_field() {
    let bad = "id: x\nsections:\n  - name: a\n    steps:\n      - title: ok\n        command: true\n      - title: t\n        comand: \"kubectl get pods\"\n";
    let e = parse(bad, "my.yaml", "x").unwrap_err();
    assert!(e.starts_with("my.yaml: line "), "{e}");
    assert!(e.contains("comand"), "{e}");
    assert!(e.contains("line 7") || e.contains("line 8"), "{e}");

    let bad_action = "id: x\nsections:\n  - name: a\n    steps:\n      - title: t\n        action: \"scael deployment/x 3\"\n";
    let e = parse(bad_action, "a.yaml", "x").unwrap_err();
    assert!(e.contains("a.yaml: line 5"), "{e}");
    assert!(e.contains("unknown native action \"scael\""), "{e}");

    let bad_check = "id: x\nsections:\n  - name: a\n    steps:\n      - title: t\n        check: {pods_redy: x}\n";
    let e = parse(bad_check, "c.yaml", "x").unwrap_err();
    assert!(
        e.contains("c.yaml: line 5") && e.contains("pods_redy"),
        "{e}"
    );

    let e = parse("id: [unclosed", "u.yaml", "x").unwrap_err();
    assert!(e.starts_with("u.yaml: line 1"), "{e}");
    let e = parse("id: x\n", "e.yaml", "x").unwrap_err();
    assert!(e.contains("no steps"), "{e}");
    let e = parse("id: x\nsections:\n  - name: a\n    steps:\n      - title: t\n        command: x\n        timeout: soon\n", "t.yaml", "x").unwrap_err();
    assert!(e.contains("t.yaml: line 5") && e.contains("timeout"), "{e}");
}

#[test]
fn native_actions_and_checks() {
    let now = jiff::Timestamp::from_second(1_764_000_123).unwrap();
    let to_write = |a: &str| NativeAction::to_write(a, now);
    assert_eq!(
        to_write("run-cronjob postgres-backup"),
        Ok(ClusterWrite::RunCronJob {
            cronjob: "postgres-backup".into(),
            job: "postgres-backup-manual-123".into()
        })
    );
    assert_eq!(
        to_write("run-cronjob cronjob/postgres-backup job/nightly-now"),
        Ok(ClusterWrite::RunCronJob {
            cronjob: "postgres-backup".into(),
            job: "nightly-now".into()
        })
    );
    assert_eq!(
        to_write("suspend-cronjob postgres-backup"),
        Ok(ClusterWrite::SuspendCronJob {
            name: "postgres-backup".into(),
            suspend: true
        })
    );
    assert_eq!(
        to_write("resume-cronjob cronjob/postgres-backup"),
        Ok(ClusterWrite::SuspendCronJob {
            name: "postgres-backup".into(),
            suspend: false
        })
    );
    assert!(to_write("run-cronjob")
        .unwrap_err()
        .contains("expected `run-cronjob CRONJOB [JOB]`"));
    assert_eq!(
        to_write("scale deployment/web 10"),
        Ok(ClusterWrite::Scale {
            kind: WorkloadKind::Deployment,
            name: "web".into(),
            replicas: 10
        })
    );
    assert_eq!(
        to_write("switch kubechat-api-gateway green"),
        Ok(ClusterWrite::SwitchSlot {
            service: "kubechat-api-gateway".into(),
            slot: "green".into()
        })
    );
    assert!(to_write("scale web")
        .unwrap_err()
        .contains("expected `scale"));
    let rb = parse(
        "id: x\nsections:\n  - name: a\n    steps:\n      - title: p\n        check: {promql: up, above: 0.5}\n",
        "x.yaml",
        "x",
    )
    .unwrap();
    assert_eq!(
        rb.sections[0].steps[0].what,
        What::Check(Check::Promql {
            query: "up".into(),
            cmp: Cmp::Above,
            threshold: 0.5
        })
    );
}

#[test]
fn placeholders_are_filled_and_quoted() {
    assert_eq!(
        names("kubectl logs [POD_NAME] -n {{ ns }} {range .items[*]} [ -f x ]"),
        ["pod_name", "ns"]
    );
    let mut values = BTreeMap::new();
    values.insert("pod_name".to_string(), "web-1".to_string());
    assert_eq!(
        fill(
            "kubectl logs [POD_NAME] {{ pod_name }}",
            &values,
            Quoting::Shell
        )
        .unwrap(),
        "kubectl logs web-1 web-1"
    );
    values.insert("pod_name".into(), "x; rm -rf / #'".into());
    assert_eq!(
        fill("kubectl logs [POD_NAME]", &values, Quoting::Shell).unwrap(),
        r"kubectl logs 'x; rm -rf / #'\'''"
    );
    assert_eq!(
        fill("[POD_NAME] {{ other }}", &values, Quoting::Shell).unwrap_err(),
        ["other"]
    );
    assert_eq!(shell_quote(""), "''");
    assert_eq!(
        parse_set("POD_NAME=a=b"),
        Ok(("pod_name".into(), "a=b".into()))
    );
    assert!(parse_set("novalue").is_err());
}

#[test]
fn the_kubectl_verb_decides_whether_a_command_writes() {
    for read in [
        "kubectl get deployment x -o yaml | grep image",
        "kubectl -n kubechat-system describe pod x",
        "kubectl logs -l app=x --tail=100",
        "kubectl top pod x",
        "kubectl events",
        "kubectl auth can-i delete pods",
        "kubectl --context prod rollout status deployment/x",
        "make test-unit",
    ] {
        assert!(!command_mutates(read), "{read}");
    }
    for write in [
        "kubectl scale deployment x --replicas=10",
        "kubectl rollout restart deployment x",
        "kubectl patch deployment x -p '{}'",
        "kubectl get pods; kubectl delete pod x",
        "kubectl create namespace x --dry-run=client -o yaml | kubectl apply -f -",
        "kubectl debug x -it --image=busybox",
        "helm upgrade kubechat ./chart",
    ] {
        assert!(command_mutates(write), "{write}");
    }
    assert!(command_interactive("kubectl debug p -it --image=busybox"));
    assert!(!command_interactive("kubectl debug p --image=busybox"));
    assert!(!command_interactive("kubectl logs p --tail=10"));
}

#[test]
fn user_runbooks_replace_defaults_with_the_same_id() {
    let mine = parse(
        "id: staging-validation\ntitle: Mine\nsections:\n  - name: a\n    steps:\n      - title: t\n",
        "mine.yaml",
        "mine",
    )
    .unwrap();
    let merged = merge(builtin(), vec![mine]);
    assert_eq!(merged.len(), FILES.len());
    let s = merged
        .iter()
        .find(|r| r.id == "staging-validation")
        .unwrap();
    assert_eq!(s.title, "Mine");
    assert_eq!(s.source, "mine.yaml");
}

#[test]
fn ids_inputs_and_output() {
    assert_eq!(
        id_from("KubeChatPodCrashLooping"),
        "kubechat-pod-crash-looping"
    );
    let rb = builtin()
        .into_iter()
        .find(|r| r.id == "database-point-in-time-recovery")
        .unwrap();
    let t = &rb.inputs[0];
    assert!(validate_input(t, "2024-01-01 12:00:00").is_ok());
    assert!(validate_input(t, "yesterday; rm -rf /")
        .unwrap_err()
        .contains("not a time"));
    let mut tail = OutputTail::new(3);
    for i in 0..5 {
        tail.push(format!("{i}"));
    }
    assert_eq!(tail.to_vec(), ["… 2 earlier lines dropped", "2", "3", "4"]);
    // a batch longer than the tail: only its last lines are kept, the rest counted
    let batch: Vec<String> = (5..12).map(|i| i.to_string()).collect();
    assert_eq!(tail.push_all(&batch), 3);
    assert_eq!(
        tail.to_vec(),
        ["… 9 earlier lines dropped", "9", "10", "11"]
    );
    assert_eq!(tail.push_all(&["12".to_string()]), 1);
    assert_eq!(
        tail.to_vec(),
        ["… 10 earlier lines dropped", "10", "11", "12"]
    );
    assert_eq!(printable(b"a\x1b[31mb\xff\r"), "a\u{FFFD}[31mb\u{FFFD}");
    assert!(printable(&[b'x'; 5000]).ends_with("(904 bytes cut)"));
    assert_eq!(printable(b"plain\ttext\r"), "plain\ttext");
    assert_eq!(printable(b"caf\xc3\xa9 ok"), "café ok");
}

#[test]
fn values_come_from_the_selection_then_the_alert_labels() {
    use super::placeholder::{initial_values, kind_of, Kind};
    let map = |kv: &[(&str, &str)]| -> std::collections::BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let wanted: Vec<String> = ["pod_name", "deployment", "namespace", "backup_dir"]
        .map(String::from)
        .to_vec();
    let labels = map(&[
        ("alertname", "KubeChatPodCrashLooping"),
        ("pod", "web-blue-1"),
        ("namespace", "kubechat-system"),
        ("deployment", "web-blue"),
    ]);
    // the alert's labels alone: `pod` fills [POD_NAME]; a label no placeholder uses is left
    assert_eq!(
        initial_values(&wanted, &map(&[]), &labels),
        map(&[
            ("pod_name", "web-blue-1"),
            ("deployment", "web-blue"),
            ("namespace", "kubechat-system")
        ])
    );
    // the selection first
    let selection = map(&[("deployment", "web-green"), ("pod", "web-green-2")]);
    assert_eq!(
        initial_values(&wanted, &selection, &labels),
        map(&[
            ("pod_name", "web-green-2"),
            ("deployment", "web-green"),
            ("namespace", "kubechat-system")
        ])
    );
    // a name given outright wins over an alias; nothing known: nothing filled
    let labels = map(&[("pod", "a"), ("pod_name", "b")]);
    assert_eq!(
        initial_values(&wanted, &map(&[]), &labels),
        map(&[("pod_name", "b")])
    );
    assert!(initial_values(&wanted, &map(&[]), &map(&[])).is_empty());
    // the kinds a picker lists
    assert_eq!(kind_of("pod_name"), Some(Kind::Pod));
    assert_eq!(kind_of("deployment"), Some(Kind::Deployment));
    assert_eq!(kind_of("rollout_name"), Some(Kind::Rollout));
    assert_eq!(kind_of("backup_dir"), None);
}
