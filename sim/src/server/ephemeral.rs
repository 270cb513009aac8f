//! What `kubectl debug POD --image=...` needs: the `pods/NAME/ephemeralcontainers`
//! subresource, and `attach`, `exec` and `portforward`, which the simulated cluster refuses
//! with a clear error because it runs no processes.
//!
//! Through `ephemeralcontainers` only `spec.ephemeralContainers` changes, and only by
//! adding containers, as the real API server validates it; the simulated kubelet then
//! "starts" the new container (its status turns running).

use serde_json::Value;

use super::patch::{self, PatchKind};
use crate::resources::Resource;
use crate::status::ApiError;
use crate::store::{Obj, Store};

/// The error `attach`, `exec` and `portforward` get: a 400 Status whose message says why.
/// (kubectl prints it as "unable to upgrade connection: ..." and, for `debug -it`, falls
/// back to printing the container's log.)
pub fn no_processes(sub: &str) -> ApiError {
    ApiError::bad_request(format!(
        "the simulated cluster does not run containers: {sub} is not supported"
    ))
}

/// A PATCH (any patch type) or, with `kind` None, a PUT of `pods/NAME/ephemeralcontainers`.
pub fn write(
    store: &mut Store,
    res: &'static Resource,
    ns: &str,
    name: &str,
    kind: Option<PatchKind>,
    body: &[u8],
) -> Result<Obj, ApiError> {
    let current = store
        .get(res, ns, name)
        .ok_or_else(|| ApiError::not_found(res.plural, res.group, name))?;
    let wanted = match kind {
        Some(kind) => patch::apply(res, kind, &current, body)?,
        None => serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding body: {e}")))?,
    };
    let list = validated(name, &current, &wanted)?;
    store.modify(res, ns, name, |p| {
        p["spec"]["ephemeralContainers"] = Value::Array(list)
    })
}

fn names(list: &[Value]) -> impl Iterator<Item = &str> {
    list.iter().filter_map(|c| c["name"].as_str())
}

/// The new `spec.ephemeralContainers`, defaulted, if the change only adds containers with
/// names of their own.
fn validated(pod: &str, current: &Value, wanted: &Value) -> Result<Vec<Value>, ApiError> {
    let empty = Vec::new();
    let old = current["spec"]["ephemeralContainers"]
        .as_array()
        .unwrap_or(&empty);
    let mut new = wanted["spec"]["ephemeralContainers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let invalid = |msg: String| ApiError::invalid("Pod", pod, msg);
    for (i, before) in old.iter().enumerate() {
        let name = before["name"].as_str().unwrap_or("");
        match new.iter().find(|c| c["name"] == before["name"]) {
            None => {
                return Err(invalid(format!(
                    "spec.ephemeralContainers: Forbidden: existing ephemeral containers \"{name}\" may not be removed"
                )))
            }
            Some(after) if after != before => {
                return Err(invalid(format!(
                    "spec.ephemeralContainers[{i}]: Forbidden: existing ephemeral containers \"{name}\" may not be changed"
                )))
            }
            Some(_) => {}
        }
    }
    let containers: Vec<&str> = ["containers", "initContainers"]
        .iter()
        .flat_map(|k| current["spec"][*k].as_array().into_iter().flatten())
        .filter_map(|c| c["name"].as_str())
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for (i, c) in new.iter().enumerate() {
        let name = c["name"].as_str().unwrap_or("");
        if name.is_empty() {
            return Err(invalid(format!(
                "spec.ephemeralContainers[{i}].name: Required value"
            )));
        }
        if c["image"].as_str().unwrap_or("").is_empty() {
            return Err(invalid(format!(
                "spec.ephemeralContainers[{i}].image: Required value"
            )));
        }
        if containers.contains(&name) || seen.contains(&name) {
            return Err(invalid(format!(
                "spec.ephemeralContainers[{i}].name: Duplicate value: \"{name}\""
            )));
        }
        seen.push(name);
    }
    let added: Vec<String> = names(&new)
        .filter(|n| !names(old).any(|o| o == *n))
        .map(str::to_string)
        .collect();
    for c in new.iter_mut() {
        if c["name"]
            .as_str()
            .is_some_and(|n| added.iter().any(|a| a == n))
        {
            super::defaults::container(c);
        }
    }
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimClock;
    use crate::resources;
    use serde_json::json;

    fn store_with_pod() -> Store {
        let mut store = Store::new(SimClock::manual(), crate::store::HistoryLimits::events(100));
        store
            .create(
                resources::core("namespaces"),
                "",
                json!({"metadata": {"name": "ns"}}),
            )
            .unwrap();
        store
            .create(
                resources::core("pods"),
                "ns",
                json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "app", "image": "a:1"}]}}),
            )
            .unwrap();
        store
    }

    fn debugger(name: &str) -> Vec<u8> {
        json!({"spec": {"ephemeralContainers": [{"name": name, "image": "busybox", "stdin": true, "tty": true}]}})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn kubectl_debug_adds_an_ephemeral_container_and_nothing_else() {
        let mut store = store_with_pod();
        let pods = resources::core("pods");
        let patch = json!({"metadata": {"labels": {"x": "y"}}, "spec": {"ephemeralContainers": [{"name": "debugger-abcde", "image": "busybox"}]}});
        let pod = write(
            &mut store,
            pods,
            "ns",
            "p",
            Some(PatchKind::Strategic),
            patch.to_string().as_bytes(),
        )
        .unwrap();
        let ec = &pod["spec"]["ephemeralContainers"][0];
        assert_eq!(ec["name"], "debugger-abcde");
        assert_eq!(ec["imagePullPolicy"], "Always");
        assert_eq!(ec["terminationMessagePolicy"], "File");
        assert!(
            pod["metadata"]["labels"].is_null(),
            "only ephemeral containers change"
        );
        let again = write(
            &mut store,
            pods,
            "ns",
            "p",
            Some(PatchKind::Strategic),
            &debugger("debugger-fghij"),
        )
        .unwrap();
        assert_eq!(
            again["spec"]["ephemeralContainers"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn ephemeral_containers_may_not_clash_change_or_go() {
        let mut store = store_with_pod();
        let pods = resources::core("pods");
        let clash = write(
            &mut store,
            pods,
            "ns",
            "p",
            Some(PatchKind::Strategic),
            &debugger("app"),
        )
        .unwrap_err();
        assert_eq!(clash.code, 422);
        assert!(
            clash.message.contains("Duplicate value: \"app\""),
            "{clash}"
        );
        write(
            &mut store,
            pods,
            "ns",
            "p",
            Some(PatchKind::Strategic),
            &debugger("dbg"),
        )
        .unwrap();
        let changed =
            json!({"spec": {"ephemeralContainers": [{"name": "dbg", "image": "alpine"}]}});
        let err = write(
            &mut store,
            pods,
            "ns",
            "p",
            Some(PatchKind::Strategic),
            changed.to_string().as_bytes(),
        )
        .unwrap_err();
        assert!(err.message.contains("may not be changed"), "{err}");
        let gone = json!({"spec": {"ephemeralContainers": []}});
        let err = write(
            &mut store,
            pods,
            "ns",
            "p",
            Some(PatchKind::Merge),
            gone.to_string().as_bytes(),
        )
        .unwrap_err();
        assert!(err.message.contains("may not be removed"), "{err}");
        assert_eq!(no_processes("attach").code, 400);
    }
}
