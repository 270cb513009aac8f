//! The simulated API server driven by kube-rs over HTTP, as the console drives a cluster.

use std::time::Duration;

use axum::http::Request;
use futures::{Stream, StreamExt};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret};
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::watcher;
use kube::Client;
use kubechat_sim::store::HistoryLimits;
use kubechat_sim::{SimHandle, SimOptions};
use serde_json::{json, Value};

/// How long a test waits for something the server must do promptly.
const DEADLINE: Duration = Duration::from_secs(10);

/// A simulator whose scenario has no objects (only the base namespaces and the CRDs): the
/// tests create what they need.
async fn start() -> SimHandle {
    start_with(true).await
}

/// [`start`], with or without the simulated control plane.
async fn start_with(control_plane: bool) -> SimHandle {
    start_opts(SimOptions {
        control_plane,
        ..SimOptions::default()
    })
    .await
}

/// [`start`] with these options (the scenario is the empty one).
async fn start_opts(opts: SimOptions) -> SimHandle {
    let file = std::env::temp_dir().join(format!(
        "kubechat-sim-api-empty-{}.yaml",
        std::process::id()
    ));
    std::fs::write(&file, "name: api-test\n").expect("writing the empty scenario");
    SimHandle::start(SimOptions {
        scenario: file.to_string_lossy().into_owned(),
        ..opts
    })
    .await
    .expect("the simulator starts")
}

async fn next_within<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    tokio::time::timeout(DEADLINE, s.next())
        .await
        .expect("no event before the deadline")
}

/// The collection's resourceVersion as a client's list returns it.
async fn list_version(cms: &Api<ConfigMap>) -> String {
    cms.list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap()
}

/// A watch from `rv`.
async fn watch_from(
    cms: &Api<ConfigMap>,
    rv: &str,
) -> futures::stream::BoxStream<'static, kube::Result<WatchEvent<ConfigMap>>> {
    cms.watch(&WatchParams::default(), rv)
        .await
        .unwrap()
        .boxed()
}

fn cm(name: &str, labels: Value) -> ConfigMap {
    serde_json::from_value(
        json!({"metadata": {"name": name, "labels": labels}, "data": {"k": name}}),
    )
    .unwrap()
}

fn deployment(name: &str) -> Deployment {
    serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                {"name": "app", "image": "kubechat/api:1.0", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                {"name": "sidecar", "image": "envoy:1"}
            ]}}
        }
    }))
    .unwrap()
}

fn api_error(err: kube::Error) -> (u16, String, String) {
    match err {
        kube::Error::Api(s) => (s.code, s.reason, s.message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn names<K: kube::Resource>(items: &[K]) -> Vec<String> {
    items
        .iter()
        .map(|o| o.meta().name.clone().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn kube_discovery_finds_every_kind_legacy_and_aggregated() {
    let sim = start().await;
    for aggregated in [false, true] {
        let discovery = kube::Discovery::new(sim.client());
        let discovery = if aggregated {
            discovery.run_aggregated().await
        } else {
            discovery.run().await
        }
        .unwrap();
        for (group, kind) in [
            ("", "Pod"),
            ("apps", "Deployment"),
            ("argoproj.io", "Rollout"),
            ("postgresql.cnpg.io", "Cluster"),
            ("events.k8s.io", "Event"),
        ] {
            let gvk = GroupVersionKind::gvk(
                group,
                if group == "argoproj.io" {
                    "v1alpha1"
                } else {
                    "v1"
                },
                kind,
            );
            let (ar, caps) = discovery
                .resolve_gvk(&gvk)
                .unwrap_or_else(|| panic!("{kind} not discovered (aggregated: {aggregated})"));
            assert!(!ar.plural.is_empty());
            assert!(caps.supports_operation(kube::discovery::verbs::WATCH));
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn list_get_selectors_and_pagination() {
    let sim = start().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    for (name, tier, env) in [
        ("a", "web", "prod"),
        ("b", "web", "dev"),
        ("c", "db", "prod"),
        ("d", "cache", ""),
    ] {
        let labels = if env.is_empty() {
            json!({"tier": tier})
        } else {
            json!({"tier": tier, "env": env})
        };
        cms.create(&PostParams::default(), &cm(name, labels))
            .await
            .unwrap();
    }
    let got = cms.get("b").await.unwrap();
    assert_eq!(got.data.unwrap()["k"], "b");
    assert!(got.metadata.uid.is_some() && got.metadata.creation_timestamp.is_some());

    let cases = [
        ("tier=web", vec!["a", "b"]),
        ("tier!=web", vec!["c", "d"]),
        ("tier in (db,cache)", vec!["c", "d"]),
        ("tier notin (db,cache),env=prod", vec!["a"]),
        ("env", vec!["a", "b", "c"]),
        ("!env", vec!["d"]),
    ];
    for (selector, want) in cases {
        let list = cms
            .list(&ListParams::default().labels(selector))
            .await
            .unwrap();
        assert_eq!(names(&list.items), want, "labelSelector {selector}");
    }
    let by_name = cms
        .list(&ListParams::default().fields("metadata.name=c"))
        .await
        .unwrap();
    assert_eq!(names(&by_name.items), ["c"]);

    let first = cms.list(&ListParams::default().limit(3)).await.unwrap();
    assert_eq!(names(&first.items), ["a", "b", "c"]);
    let token = first.metadata.continue_.clone().expect("a continue token");
    let rest = cms
        .list(&ListParams::default().limit(3).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(names(&rest.items), ["d"]);
    assert!(rest.metadata.continue_.is_none());
    assert_eq!(first.metadata.remaining_item_count, Some(1));

    // a selector's pages join up too; how many objects follow is not said (as a real API
    // server does not)
    let env = ListParams::default().labels("env").limit(2);
    let first = cms.list(&env).await.unwrap();
    assert_eq!(names(&first.items), ["a", "b"]);
    assert_eq!(first.metadata.remaining_item_count, None);
    let token = first.metadata.continue_.clone().expect("a continue token");
    let rest = cms.list(&env.continue_token(&token)).await.unwrap();
    assert_eq!(names(&rest.items), ["c"]);
    assert!(rest.metadata.continue_.is_none());

    let all: Api<ConfigMap> = Api::all(sim.client());
    let everywhere = all
        .list(&ListParams::default().fields("metadata.namespace=kubechat-system"))
        .await
        .unwrap();
    assert_eq!(everywhere.items.len(), 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn watch_resumes_after_dropped_connection_and_after_410() {
    // Config maps keep at most 1,000 changes here (102,400 by default).
    let sim = start_opts(SimOptions {
        history: HistoryLimits::events(1_000),
        ..SimOptions::default()
    })
    .await;
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let start_rv = list_version(&cms).await;

    let mut stream = watch_from(&cms, &start_rv).await;
    cms.create(&PostParams::default(), &cm("one", json!({})))
        .await
        .unwrap();
    let Some(Ok(WatchEvent::Added(one))) = next_within(&mut stream).await else {
        panic!("expected ADDED")
    };
    assert_eq!(one.metadata.name.as_deref(), Some("one"));
    let seen_rv = one.metadata.resource_version.clone().unwrap();

    // The server drops every watch: the stream ends; a re-watch from the last seen
    // version gets exactly what happened in between.
    sim.drop_watches();
    loop {
        match next_within(&mut stream).await {
            None => break,
            Some(Ok(WatchEvent::Bookmark(_))) => continue,
            other => panic!("expected the stream to end, got {other:?}"),
        }
    }
    cms.create(&PostParams::default(), &cm("two", json!({})))
        .await
        .unwrap();
    let mut resumed = watch_from(&cms, &seen_rv).await;
    let Some(Ok(WatchEvent::Added(two))) = next_within(&mut resumed).await else {
        panic!("expected ADDED two")
    };
    assert_eq!(two.metadata.name.as_deref(), Some("two"));

    // Push the first version out of the kept history: a watch from it gets 410 Expired.
    {
        let shared = sim.shared();
        let mut store = shared.store.lock().unwrap();
        let res = kubechat_sim::resources::core("configmaps");
        for i in 0..1_010 {
            store
                .modify(res, "kubechat-system", "two", |o| {
                    o["data"]["n"] = json!(i.to_string())
                })
                .unwrap();
        }
    }
    let mut expired = watch_from(&cms, &start_rv).await;
    match next_within(&mut expired).await {
        Some(Ok(WatchEvent::Error(status))) => {
            assert_eq!((status.code, status.reason.as_str()), (410, "Expired"));
        }
        other => panic!("expected a 410 ERROR event, got {other:?}"),
    }
    // What a client does on 410: list again and watch from the fresh version.
    let fresh = list_version(&cms).await;
    let mut after = watch_from(&cms, &fresh).await;
    cms.create(&PostParams::default(), &cm("three", json!({})))
        .await
        .unwrap();
    let Some(Ok(WatchEvent::Added(three))) = next_within(&mut after).await else {
        panic!("expected ADDED three")
    };
    assert_eq!(three.metadata.name.as_deref(), Some("three"));
    sim.shutdown().await;
}

#[tokio::test]
async fn kube_runtime_watcher_recovers_from_dropped_watches_and_sees_bookmarks() {
    let sim = start().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    cms.create(&PostParams::default(), &cm("before", json!({})))
        .await
        .unwrap();
    let mut events = watcher(cms.clone(), watcher::Config::default().labels("!skip")).boxed();
    loop {
        if let watcher::Event::InitDone = next_within(&mut events).await.unwrap().unwrap() {
            break;
        }
    }
    sim.drop_watches();
    cms.create(&PostParams::default(), &cm("after", json!({})))
        .await
        .unwrap();
    loop {
        match next_within(&mut events).await.unwrap() {
            Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o))
                if o.metadata.name.as_deref() == Some("after") =>
            {
                break
            }
            _ => continue,
        }
    }
    // timeoutSeconds ends a watch from the server side.
    let mut short = cms
        .watch(&WatchParams::default().timeout(1), "0")
        .await
        .unwrap()
        .boxed();
    while let Some(ev) = next_within(&mut short).await {
        assert!(ev.is_ok(), "{ev:?}");
    }
    // Bookmarks arrive on their own on a watch that allows them.
    let mut raw = cms
        .watch(&WatchParams::default(), "0")
        .await
        .unwrap()
        .boxed();
    loop {
        if let Some(Ok(WatchEvent::Bookmark(b))) = next_within(&mut raw).await {
            assert!(!b.metadata.resource_version.is_empty());
            break;
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn selector_watches_see_objects_enter_and_leave_and_streaming_lists_work() {
    let sim = start().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    cms.create(&PostParams::default(), &cm("x", json!({"slot": "blue"})))
        .await
        .unwrap();
    let params = WatchParams::default().labels("slot=blue");
    let mut blue = cms.watch(&params, "0").await.unwrap().boxed();
    let Some(Ok(WatchEvent::Added(x))) = next_within(&mut blue).await else {
        panic!("initial ADDED")
    };
    assert_eq!(x.metadata.name.as_deref(), Some("x"));
    let relabel = |slot: &str| Patch::Merge(json!({"metadata": {"labels": {"slot": slot}}}));
    cms.patch("x", &PatchParams::default(), &relabel("green"))
        .await
        .unwrap();
    cms.patch("x", &PatchParams::default(), &relabel("blue"))
        .await
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match next_within(&mut blue).await {
            Some(Ok(WatchEvent::Deleted(_))) => seen.push("DELETED"),
            Some(Ok(WatchEvent::Added(_))) => seen.push("ADDED"),
            Some(Ok(WatchEvent::Bookmark(_))) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        seen,
        ["DELETED", "ADDED"],
        "leaving the selector is a delete, entering it an add"
    );

    // kube-rs' streaming lists (sendInitialEvents): initial ADDs, then the end bookmark.
    let mut events = watcher(cms.clone(), watcher::Config::default().streaming_lists()).boxed();
    let mut initial = Vec::new();
    loop {
        match next_within(&mut events).await.unwrap().unwrap() {
            watcher::Event::InitApply(o) => initial.push(o.metadata.name.unwrap_or_default()),
            watcher::Event::InitDone => break,
            _ => {}
        }
    }
    assert_eq!(initial, ["x"]);
    cms.create(&PostParams::default(), &cm("y", json!({})))
        .await
        .unwrap();
    loop {
        if let watcher::Event::Apply(o) = next_within(&mut events).await.unwrap().unwrap() {
            assert_eq!(o.metadata.name.as_deref(), Some("y"));
            break;
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_burst_larger_than_one_batch_reaches_the_watcher_complete() {
    let sim = start().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let mut stream = cms
        .watch(&WatchParams::default(), "0")
        .await
        .unwrap()
        .boxed();
    const BURST: usize = 3_000;
    {
        let shared = sim.shared();
        let mut store = shared.store.lock().unwrap();
        let res = kubechat_sim::resources::core("configmaps");
        for i in 0..BURST {
            store
                .create(
                    res,
                    "kubechat-system",
                    json!({"metadata": {"name": format!("burst-{i:04}")}}),
                )
                .unwrap();
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < BURST {
        match next_within(&mut stream).await {
            Some(Ok(WatchEvent::Added(o))) => {
                assert!(seen.insert(o.metadata.name.unwrap()), "no duplicates");
            }
            Some(Ok(WatchEvent::Bookmark(_))) => {}
            other => panic!("after {} events: {other:?}", seen.len()),
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn merge_json_and_strategic_patches() {
    let sim = start().await;
    let deploys: Api<Deployment> = Api::default_namespaced(sim.client());
    let created = deploys
        .create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    assert_eq!(created.metadata.generation, Some(1));
    let pp = PatchParams::default();

    let merged = deploys
        .patch(
            "web",
            &pp,
            &Patch::Merge(json!({"metadata": {"labels": {"tier": "front"}}})),
        )
        .await
        .unwrap();
    assert_eq!(merged.metadata.labels.unwrap()["tier"], "front");
    assert_eq!(
        merged.metadata.generation,
        Some(1),
        "a label change is not a spec change"
    );

    let strategic = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "app", "image": "kubechat/api:1.1", "env": [{"name": "B", "$patch": "delete"}, {"name": "C", "value": "3"}]}
    ]}}}});
    let patched = deploys
        .patch("web", &pp, &Patch::Strategic(strategic))
        .await
        .unwrap();
    let spec = patched.spec.unwrap().template.spec.unwrap();
    assert_eq!(spec.containers.len(), 2, "the sidecar is kept");
    assert_eq!(
        spec.containers[0].image.as_deref(),
        Some("kubechat/api:1.1")
    );
    let env: Vec<String> = spec.containers[0]
        .env
        .clone()
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(env, ["A", "C"]);
    assert_eq!(patched.metadata.generation, Some(2));

    // kube is built without its `jsonpatch` feature: send the JSON patch as kubectl does.
    let json_patch = |ops: Value| {
        Request::patch("/apis/apps/v1/namespaces/kubechat-system/deployments/web")
            .header("Content-Type", "application/json-patch+json")
            .body(serde_json::to_vec(&ops).unwrap())
            .unwrap()
    };
    let ops = json!([
        {"op": "replace", "path": "/spec/replicas", "value": 5},
        {"op": "add", "path": "/metadata/annotations", "value": {"note": "json"}}
    ]);
    let jsoned: Deployment = sim.client().request(json_patch(ops)).await.unwrap();
    assert_eq!(jsoned.spec.unwrap().replicas, Some(5));
    assert_eq!(jsoned.metadata.annotations.unwrap()["note"], "json");
    let bad = json!([{"op": "test", "path": "/spec/replicas", "value": 1}]);
    let err = sim
        .client()
        .request::<Deployment>(json_patch(bad))
        .await
        .unwrap_err();
    let (code, reason, _) = api_error(err);
    assert_eq!((code, reason.as_str()), (422, "Invalid"));
    sim.shutdown().await;
}

#[tokio::test]
async fn status_subresource_is_separate_from_the_main_resource() {
    // The API alone: a running deployment controller would rewrite the status this test
    // writes between two of its requests.
    let sim = start_with(false).await;
    let deploys: Api<Deployment> = Api::default_namespaced(sim.client());
    deploys
        .create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    let status = json!({"status": {"replicas": 2, "readyReplicas": 1, "observedGeneration": 1}});
    let after = deploys
        .patch_status("web", &PatchParams::default(), &Patch::Merge(status))
        .await
        .unwrap();
    assert_eq!(after.status.as_ref().unwrap().ready_replicas, Some(1));
    assert_eq!(
        after.metadata.generation,
        Some(1),
        "a status write is not a spec change"
    );
    // A write of the main resource cannot change status; one of status cannot change spec.
    let sneaky = json!({"spec": {"replicas": 9}, "status": {"readyReplicas": 9}});
    let main = deploys
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(sneaky.clone()),
        )
        .await
        .unwrap();
    assert_eq!(main.status.unwrap().ready_replicas, Some(1));
    assert_eq!(main.spec.unwrap().replicas, Some(9));
    let mut reverted = deploys.get("web").await.unwrap();
    reverted.spec.as_mut().unwrap().replicas = Some(1);
    reverted.status.as_mut().unwrap().ready_replicas = Some(2);
    let via_status = deploys
        .replace_status("web", &PostParams::default(), &reverted)
        .await
        .unwrap();
    assert_eq!(via_status.spec.unwrap().replicas, Some(9));
    assert_eq!(via_status.status.unwrap().ready_replicas, Some(2));
    sim.shutdown().await;
}

#[tokio::test]
async fn scale_subresource_for_deployments_and_rollouts() {
    let sim = start().await;
    let deploys: Api<Deployment> = Api::default_namespaced(sim.client());
    deploys
        .create(&PostParams::default(), &deployment("web"))
        .await
        .unwrap();
    let scale = deploys.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(2));
    assert_eq!(scale.status.unwrap().selector.as_deref(), Some("app=web"));
    let scaled = deploys
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 4}})),
        )
        .await
        .unwrap();
    assert_eq!(scaled.spec.unwrap().replicas, Some(4));
    assert_eq!(
        deploys.get("web").await.unwrap().spec.unwrap().replicas,
        Some(4)
    );

    let gvk = GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout");
    let rollouts: Api<DynamicObject> =
        Api::default_namespaced_with(sim.client(), &ApiResource::from_gvk(&gvk));
    let ro: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": {"name": "api"}, "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "api"}}}
    }))
    .unwrap();
    rollouts.create(&PostParams::default(), &ro).await.unwrap();
    rollouts
        .patch_scale(
            "api",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 6}})),
        )
        .await
        .unwrap();
    assert_eq!(
        rollouts.get("api").await.unwrap().data["spec"]["replicas"],
        6
    );
    let (code, _, _) = api_error(
        rollouts
            .patch(
                "api",
                &PatchParams::default(),
                &Patch::Strategic(json!({"spec": {}})),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 415, "custom resources refuse strategic merge patch");
    sim.shutdown().await;
}

#[tokio::test]
async fn stale_update_conflicts_and_status_errors_have_the_real_shapes() {
    let sim = start().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let v1 = cms
        .create(&PostParams::default(), &cm("c", json!({})))
        .await
        .unwrap();
    let mut v2 = v1.clone();
    v2.data = Some([("k".to_string(), "new".to_string())].into());
    cms.replace("c", &PostParams::default(), &v2).await.unwrap();
    let (code, reason, message) = api_error(
        cms.replace("c", &PostParams::default(), &v1)
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (409, "Conflict"));
    assert!(
        message.contains("the object has been modified"),
        "{message}"
    );

    let (code, reason, message) = api_error(cms.get("missing").await.unwrap_err());
    assert_eq!(
        (code, reason.as_str(), message.as_str()),
        (404, "NotFound", "configmaps \"missing\" not found")
    );
    let (code, reason, _) = api_error(
        cms.create(&PostParams::default(), &cm("c", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (409, "AlreadyExists"));
    let (code, reason, message) = api_error(
        cms.create(&PostParams::default(), &cm("Bad_Name", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (422, "Invalid"));
    assert!(message.contains("Bad_Name"), "{message}");
    let (code, reason, message) = api_error(
        cms.list(&ListParams::default().labels("a in b"))
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (400, "BadRequest"));
    assert!(message.contains("a in b"), "{message}");

    let raw = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/namespaces/kubechat-system/configmaps/c",
            sim.url()
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 405);
    let status: Value = raw.json().await.unwrap();
    assert_eq!(
        (status["kind"].as_str(), status["reason"].as_str()),
        (Some("Status"), Some("MethodNotAllowed"))
    );
    sim.shutdown().await;
}

fn owned(name: &str, owner: &impl kube::Resource<DynamicType = ()>, extra: Value) -> Value {
    let mut v = json!({"metadata": {"name": name, "labels": {"app": "web"}, "ownerReferences": [owner.controller_owner_ref(&()).unwrap()]}});
    json_patch::merge(&mut v, &extra);
    v
}

#[tokio::test]
async fn delete_collects_dependents_or_orphans_them() {
    // the API's own cascade, without the control plane: its ReplicaSet controller would
    // scale the replicas-0 set's pod away, racing the orphan check below
    let sim = start_with(false).await;
    let client: Client = sim.client();
    let deploys: Api<Deployment> = Api::default_namespaced(client.clone());
    let sets: Api<ReplicaSet> = Api::default_namespaced(client.clone());
    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    let pp = PostParams::default();
    let pod_spec = json!({"spec": {"containers": [{"name": "app", "image": "x"}]}});
    // A real server refuses a ReplicaSet without a template its selector matches.
    let rs_spec = json!({"spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec["spec"]}}});

    let d = deploys.create(&pp, &deployment("web")).await.unwrap();
    let rs = sets
        .create(
            &pp,
            &serde_json::from_value(owned("web-1", &d, rs_spec.clone())).unwrap(),
        )
        .await
        .unwrap();
    pods.create(
        &pp,
        &serde_json::from_value(owned("web-1-a", &rs, pod_spec.clone())).unwrap(),
    )
    .await
    .unwrap();
    deploys
        .delete("web", &DeleteParams::background())
        .await
        .unwrap();
    assert!(
        sets.get_opt("web-1").await.unwrap().is_none(),
        "the ReplicaSet is collected"
    );
    assert!(
        pods.get_opt("web-1-a").await.unwrap().is_none(),
        "and its pod too"
    );

    let rs = sets
        .create(
            &pp,
            &serde_json::from_value(owned("web-2", &d, rs_spec)).unwrap(),
        )
        .await
        .unwrap();
    pods.create(
        &pp,
        &serde_json::from_value(owned("web-2-a", &rs, pod_spec)).unwrap(),
    )
    .await
    .unwrap();
    sets.delete("web-2", &DeleteParams::orphan()).await.unwrap();
    let orphan = pods.get("web-2-a").await.unwrap();
    assert!(orphan
        .metadata
        .owner_references
        .unwrap_or_default()
        .is_empty());

    let (code, _, _) = api_error(
        pods.delete("nope", &DeleteParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn secrets_tables_events_and_the_prometheus_proxy() {
    let sim = start().await;
    let client = sim.client();
    let secrets: Api<Secret> = Api::default_namespaced(client.clone());
    let s: Secret = serde_json::from_value(
        json!({"metadata": {"name": "pg"}, "stringData": {"password": "hunter2"}}),
    )
    .unwrap();
    secrets.create(&PostParams::default(), &s).await.unwrap();
    let raw: Value = client
        .request(
            Request::get("/api/v1/namespaces/kubechat-system/secrets/pg")
                .body(vec![])
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(raw["data"]["password"], "aHVudGVyMg==");
    assert!(raw.get("stringData").is_none());

    let pods: Api<Pod> = Api::default_namespaced(client.clone());
    pods.create(&PostParams::default(), &serde_json::from_value(json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x"}]}})).unwrap()).await.unwrap();
    let table: Value = client
        .request(
            Request::get("/api/v1/namespaces/kubechat-system/pods")
                .header(
                    "Accept",
                    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
                )
                .body(vec![])
                .unwrap(),
        )
        .await
        .unwrap();
    let columns: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        columns,
        [
            "Name",
            "Ready",
            "Status",
            "Restarts",
            "Age",
            "IP",
            "Node",
            "Nominated Node",
            "Readiness Gates"
        ]
    );
    assert_eq!(table["rows"][0]["cells"][0], "p");
    assert_eq!(table["rows"][0]["cells"][1], "0/1");

    let events: Api<DynamicObject> = Api::default_namespaced_with(
        client.clone(),
        &ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", "Event")),
    );
    let ev: DynamicObject = serde_json::from_value(json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "p.1"},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": "kubechat-system"}, "reason": "BackOff", "message": "Back-off restarting", "type": "Warning"})).unwrap();
    events.create(&PostParams::default(), &ev).await.unwrap();
    let new_events: Api<DynamicObject> = Api::default_namespaced_with(
        client.clone(),
        &ApiResource::from_gvk(&GroupVersionKind::gvk("events.k8s.io", "v1", "Event")),
    );
    let listed = new_events
        // the simulated kubelet records its own events for pod p too (Scheduled, …)
        .list(&ListParams::default().fields("regarding.name=p,reason=BackOff"))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].data["note"], "Back-off restarting");
    let core_listed = events
        .list(&ListParams::default().fields("involvedObject.kind=Pod,reason=BackOff"))
        .await
        .unwrap();
    assert_eq!(core_listed.items.len(), 1);

    let http = reqwest::Client::new();
    for prefix in [
        "",
        "/api/v1/namespaces/monitoring-system/services/prometheus:9090/proxy",
        "/api/v1/namespaces/monitoring-system/services/http:prometheus:9090/proxy",
    ] {
        let r = http
            .get(format!("{}{prefix}/api/v1/status/buildinfo", sim.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "prefix {prefix:?}");
    }
    let metrics = http
        .get(format!("{}/metrics", sim.url()))
        .send()
        .await
        .unwrap();
    assert!(metrics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    sim.shutdown().await;
}

#[tokio::test]
async fn stop_restart_refuse_and_the_admin_api() {
    let sim = start().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    cms.create(&PostParams::default(), &cm("kept", json!({})))
        .await
        .unwrap();
    use kube::runtime::WatchStreamExt;
    let mut events = watcher(cms.clone(), watcher::Config::default())
        .default_backoff()
        .boxed();
    while !matches!(
        next_within(&mut events).await,
        Some(Ok(watcher::Event::InitDone))
    ) {}
    sim.stop().await;
    assert!(
        reqwest::get(format!("{}/version", sim.url()))
            .await
            .is_err(),
        "nothing listens after stop"
    );
    sim.restart().await.unwrap();
    let fresh: Api<ConfigMap> = Api::default_namespaced(sim.client());
    assert!(
        fresh.get("kept").await.is_ok(),
        "state survives a restart on the same port"
    );
    // The watcher that lost its server reconnects (with backoff) and sees new changes.
    fresh
        .create(&PostParams::default(), &cm("after-restart", json!({})))
        .await
        .unwrap();
    loop {
        match next_within(&mut events).await {
            Some(Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)))
                if o.metadata.name.as_deref() == Some("after-restart") =>
            {
                break
            }
            Some(_) => continue,
            None => panic!("the watcher stream ended"),
        }
    }

    // A refusal cuts open streams and refuses new connections until it ends.
    let mut open = fresh
        .watch(&WatchParams::default(), "0")
        .await
        .unwrap()
        .boxed();
    let Some(Ok(WatchEvent::Added(_))) = next_within(&mut open).await else {
        panic!("initial ADDED")
    };
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/_sim/refuse?seconds=30", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    while let Some(ev) = next_within(&mut open).await {
        assert!(
            matches!(ev, Ok(WatchEvent::Added(_) | WatchEvent::Bookmark(_))),
            "{ev:?}"
        );
    }
    let refused = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let version = format!("{}/version", sim.url());
    assert!(
        refused.get(&version).send().await.is_err(),
        "new connections are refused"
    );
    sim.refuse_connections_for(Duration::ZERO);
    // The listener comes back on its own: poll for it, within the deadline.
    let back = tokio::time::timeout(DEADLINE, async {
        while refused.get(&version).send().await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(back.is_ok(), "the server listens again after the refusal");

    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let mut stream = cms
        .watch(&WatchParams::default(), "0")
        .await
        .unwrap()
        .boxed();
    let Some(Ok(WatchEvent::Added(_))) = next_within(&mut stream).await else {
        panic!("initial ADDED")
    };
    let r = refused
        .post(format!("{}/_sim/drop-watches", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The watch ends (after whatever was already on its way).
    while let Some(ev) = next_within(&mut stream).await {
        assert!(
            matches!(ev, Ok(WatchEvent::Added(_) | WatchEvent::Bookmark(_))),
            "{ev:?}"
        );
    }
    let r = refused
        .post(format!("{}/_sim/action", sim.url()))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = refused
        .post(format!("{}/_sim/action", sim.url()))
        .body(r#"{"action":"fix-backup"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_server_stopped_during_a_refusal_stays_stopped_until_restarted() {
    let sim = start().await;
    let version = format!("{}/version", sim.url());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    sim.refuse_connections_for(Duration::from_secs(60));
    sim.stop().await;
    sim.refuse_connections_for(Duration::ZERO);
    // Let the supervisor react to the end of the window (on this current-thread runtime,
    // yielding runs it); it must not listen again behind the user's back.
    assert!(!sim.shared().faults.refusing());
    for _ in 0..5 {
        tokio::task::yield_now().await;
    }
    assert!(http.get(&version).send().await.is_err(), "still stopped");
    sim.restart().await.unwrap();
    assert!(http.get(&version).send().await.is_ok());
    sim.shutdown().await;
}

fn sim_args(args: &[&str]) -> kubechat_sim::handle::SimArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sim: kubechat_sim::handle::SimArgs,
    }
    Cli::parse_from(std::iter::once("sim").chain(args.iter().copied())).sim
}

/// Lines written by `serve_until`, sent on as they come.
struct LineSender(tokio::sync::mpsc::UnboundedSender<String>, Vec<u8>);

impl std::io::Write for LineSender {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.1.extend_from_slice(buf);
        while let Some(end) = self.1.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.1.drain(..=end).collect();
            let _ = self
                .0
                .send(String::from_utf8_lossy(&line).trim_end().to_string());
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn cli_prints_the_address_first_writes_the_kubeconfig_and_stops_cleanly() {
    let dir = std::env::temp_dir().join(format!("kubechat-sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    let args = sim_args(&[
        "--kubeconfig-out",
        kubeconfig.to_str().unwrap(),
        "--speed",
        "10",
    ]);
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let mut out = LineSender(lines_tx, Vec::new());
        kubechat_sim::handle::serve_until(args, &mut out, async {
            let _ = stop_rx.await;
        })
        .await
    });
    let first = tokio::time::timeout(DEADLINE, lines.recv())
        .await
        .unwrap()
        .unwrap();
    let url = first
        .strip_prefix("listening on ")
        .expect("the first line names the address");
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{first}"
    );

    let config = kube::config::Kubeconfig::read_from(&kubeconfig).unwrap();
    assert_eq!(config.current_context.as_deref(), Some("kubechat-sim"));
    let options = kube::config::KubeConfigOptions::default();
    let client = Client::try_from(
        kube::Config::from_custom_kubeconfig(config, &options)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(client.default_namespace(), "kubechat-system");
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client);
    let names = names(&namespaces.list(&ListParams::default()).await.unwrap().items);
    assert_eq!(
        names,
        [
            "default",
            "kube-system",
            "kubechat-system",
            "monitoring-system"
        ]
    );

    stop_tx.send(()).unwrap();
    tokio::time::timeout(DEADLINE, server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        reqwest::get(format!("{url}/version")).await.is_err(),
        "the listener is closed"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn cli_refuses_a_remote_address_without_allow_remote() {
    let err = kubechat_sim::handle::run_cli(sim_args(&["--listen", "0.0.0.0:0"]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("--allow-remote"), "{err}");
    let err = kubechat_sim::handle::run_cli(sim_args(&["--speed", "0"]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("--speed"), "{err}");
}

#[tokio::test]
async fn scale_flags_size_the_scale_scenario() {
    let args = sim_args(&[
        "--scenario",
        "scale",
        "--deployments",
        "3",
        "--pods",
        "10",
        "--churn",
        "0",
    ]);
    let params = args.scale_params().unwrap().expect("flags given");
    assert_eq!((params.deployments, params.pods), (3, 10));
    let sim = kubechat_sim::SimHandle::start(kubechat_sim::SimOptions {
        scenario: "scale".into(),
        scale: Some(params),
        ..Default::default()
    })
    .await
    .unwrap();
    let deployments = sim.shared().store.lock().unwrap().list(
        kubechat_sim::resources::of("apps", "deployments"),
        Some("scale-000"),
    );
    let replicas: i64 = deployments
        .iter()
        .map(|d| d["spec"]["replicas"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!((deployments.len(), replicas), (3, 10));
    sim.shutdown().await;

    let err = sim_args(&["--pods", "5"]).scale_params().unwrap_err();
    assert!(err.to_string().contains("scale"), "{err}");
    assert!(sim_args(&["--scenario", "scale"])
        .scale_params()
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_pod_list_then_watch_survives_thousands_of_changes_of_every_kind() {
    let sim = start_with(false).await;
    let pods: Api<Pod> = Api::default_namespaced(sim.client());
    let shared = sim.shared();
    let pod_res = kubechat_sim::resources::core("pods");
    let cm_res = kubechat_sim::resources::core("configmaps");
    let churn = |pod_changes: usize, other_changes: usize, round: usize| {
        let mut store = shared.store.lock().unwrap();
        for i in 0..other_changes {
            let name = format!("noise-{}", i % 50);
            if store.get(cm_res, "kubechat-system", &name).is_none() {
                store
                    .create_internal(
                        cm_res,
                        "kubechat-system",
                        json!({"metadata": {"name": name}}),
                    )
                    .unwrap();
            } else {
                store
                    .modify(cm_res, "kubechat-system", &name, |o| {
                        o["data"] = json!({"n": format!("{round}-{i}")})
                    })
                    .unwrap();
            }
        }
        for i in 0..pod_changes {
            let name = format!("p-{}", i % 100);
            if store.get(pod_res, "kubechat-system", &name).is_none() {
                store
                    .create_internal(
                        pod_res,
                        "kubechat-system",
                        json!({"metadata": {"name": name, "labels": {"app": "churn"}},
                        "spec": {"containers": [{"name": "c", "image": "i"}]}}),
                    )
                    .unwrap();
            } else {
                store
                    .modify(pod_res, "kubechat-system", &name, |o| {
                        o["metadata"]["annotations"] = json!({"n": format!("{round}-{i}")})
                    })
                    .unwrap();
            }
        }
    };
    // Thousands of changes before the list (the old cluster-wide history kept 5,000).
    churn(3_000, 20_000, 0);
    let listed = pods.list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.items.len(), 100);
    let rv = listed.metadata.resource_version.unwrap();
    let mut watch = pods
        .watch(&WatchParams::default(), &rv)
        .await
        .unwrap()
        .boxed();
    // While the watch is open and unread: more changes than the broadcast queues (8,192),
    // mostly of another kind; the watch catches up from the pods' own history.
    churn(3_000, 20_000, 1);
    let mut seen = 0;
    let mut last = 0u64;
    while seen < 3_000 {
        match next_within(&mut watch).await {
            Some(Ok(WatchEvent::Modified(p))) => {
                let v: u64 = p.metadata.resource_version.unwrap().parse().unwrap();
                assert!(v > last, "in order");
                last = v;
                seen += 1;
            }
            other => panic!("expected the pods' changes, got {other:?}"),
        }
    }
    // The configmaps' history was not pushed out by the pods' or the other way round.
    let cms: Api<ConfigMap> = Api::default_namespaced(sim.client());
    let mut cm_watch = watch_from(&cms, &rv).await;
    assert!(matches!(
        next_within(&mut cm_watch).await,
        Some(Ok(WatchEvent::Modified(_)))
    ));
    sim.shutdown().await;
}

/// `/_sim/requests` counts what clients cost the API server: lists and gets as reads,
/// watches opened, writes; Prometheus queries and the admin API are not counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_counts_api_requests_by_kind() {
    let sim = start_with(false).await;
    let http = reqwest::Client::new();
    let counts = || async {
        http.get(format!("{}/_sim/requests", sim.url()))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let before = counts().await;
    let pods: Api<Pod> = Api::namespaced(sim.client(), "kubechat-system");
    pods.list(&ListParams::default()).await.unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(sim.client(), "kubechat-system");
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "counted"}})).unwrap();
    cms.create(&PostParams::default(), &cm).await.unwrap();
    let mut watch = pods
        .watch(&WatchParams::default().timeout(1), "0")
        .await
        .unwrap()
        .boxed();
    let _ = watch.next().await;
    http.get(format!("{}/api/v1/query?query=up", sim.url()))
        .send()
        .await
        .unwrap();
    let after = counts().await;
    let delta = |k: &str| after[k].as_u64().unwrap() - before[k].as_u64().unwrap();
    assert_eq!(
        (delta("reads"), delta("watches"), delta("writes")),
        (1, 1, 1),
        "{after}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn pages_of_pods_across_namespaces_join_up_to_the_whole_list() {
    let sim = start_with(false).await;
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(sim.client());
    for ns in ["a", "b", "c"] {
        let namespace = serde_json::from_value(json!({"metadata": {"name": ns}})).unwrap();
        namespaces
            .create(&PostParams::default(), &namespace)
            .await
            .unwrap();
    }
    for (ns, name) in [
        ("a", "p1"),
        ("a", "p2"),
        ("b", "p1"),
        ("b", "p3"),
        ("c", "p0"),
    ] {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": ns},
            "spec": {"containers": [{"name": "app", "image": "app:1"}]}
        }))
        .unwrap();
        Api::<Pod>::namespaced(sim.client(), ns)
            .create(&PostParams::default(), &pod)
            .await
            .unwrap();
    }
    let pods: Api<Pod> = Api::all(sim.client());
    let whole = names(&pods.list(&ListParams::default()).await.unwrap().items);
    assert_eq!(whole, ["p1", "p2", "p1", "p3", "p0"]);
    let mut paged = Vec::new();
    let mut params = ListParams::default().limit(2);
    loop {
        let page = pods.list(&params).await.unwrap();
        assert!(page.items.len() <= 2);
        paged.extend(names(&page.items));
        let Some(token) = page.metadata.continue_.clone() else {
            assert_eq!(page.metadata.remaining_item_count, None);
            break;
        };
        assert_eq!(
            page.metadata.remaining_item_count,
            Some((whole.len() - paged.len()) as i64),
            "what follows the page is counted"
        );
        params = ListParams::default().limit(2).continue_token(&token);
    }
    assert_eq!(paged, whole);
}
