//! A watched object read leniently: straight from the response's text into its k8s-openapi
//! type, or, when it cannot be read, its metadata and why (the field's path and what is
//! wrong), so one bad object is reported on its own and the rest of its list still shows.
//! Reading the text directly (not through a `serde_json::Value` tree first, as
//! `DynamicObject` does) is what keeps a thousand pod changes a second cheap.

use std::borrow::Cow;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

#[derive(Debug, Clone)]
pub enum Lenient<K> {
    Read(K),
    /// Rare, so its metadata is boxed: the enum stays the size of `K`.
    Unreadable {
        metadata: Box<ObjectMeta>,
        error: String,
    },
}

impl<K> Lenient<K> {
    /// The typed object, or why it could not be read.
    pub fn into_result(self) -> Result<K, String> {
        match self {
            Lenient::Read(k) => Ok(k),
            Lenient::Unreadable { error, .. } => Err(error),
        }
    }
}

/// The metadata alone, for an object that cannot be read whole.
#[derive(Deserialize)]
struct MetadataOnly {
    #[serde(default)]
    metadata: ObjectMeta,
}

impl<'de, K: DeserializeOwned> Deserialize<'de> for Lenient<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <Box<RawValue>>::deserialize(d)?;
        // the common case without tracking the path; only a failure is read again with it
        if let Ok(k) = serde_json::from_str::<K>(raw.get()) {
            return Ok(Lenient::Read(k));
        }
        let mut de = serde_json::Deserializer::from_str(raw.get());
        match serde_path_to_error::deserialize::<_, K>(&mut de) {
            Ok(k) => Ok(Lenient::Read(k)),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner().to_string();
                let error = if path == "." {
                    inner
                } else {
                    format!("{path}: {inner}")
                };
                let metadata = serde_json::from_str::<MetadataOnly>(raw.get())
                    .map(|m| Box::new(m.metadata))
                    .unwrap_or_default();
                Ok(Lenient::Unreadable { metadata, error })
            }
        }
    }
}

impl<K: Resource<DynamicType = ()>> Resource for Lenient<K> {
    type DynamicType = ();
    type Scope = K::Scope;

    fn kind(dt: &()) -> Cow<'_, str> {
        K::kind(dt)
    }

    fn group(dt: &()) -> Cow<'_, str> {
        K::group(dt)
    }

    fn version(dt: &()) -> Cow<'_, str> {
        K::version(dt)
    }

    fn plural(dt: &()) -> Cow<'_, str> {
        K::plural(dt)
    }

    fn meta(&self) -> &ObjectMeta {
        match self {
            Lenient::Read(k) => k.meta(),
            Lenient::Unreadable { metadata, .. } => metadata,
        }
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Lenient::Read(k) => k.meta_mut(),
            Lenient::Unreadable { metadata, .. } => metadata,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::Deployment;

    #[test]
    fn a_good_object_is_read_and_a_bad_one_says_where() {
        let good: Lenient<Deployment> = serde_json::from_str(
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","resourceVersion":"7"},"spec":{"replicas":3,"selector":{},"template":{}}}"#,
        )
        .unwrap();
        assert_eq!(good.meta().resource_version.as_deref(), Some("7"));
        let d = good.into_result().unwrap();
        assert_eq!(d.spec.unwrap().replicas, Some(3));

        let bad: Lenient<Deployment> = serde_json::from_str(
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"b","namespace":"n","resourceVersion":"8"},"spec":{"replicas":"three","selector":{},"template":{}}}"#,
        )
        .unwrap();
        assert_eq!(bad.meta().name.as_deref(), Some("b"));
        assert_eq!(bad.meta().resource_version.as_deref(), Some("8"));
        let error = bad.into_result().unwrap_err();
        assert!(
            error.starts_with("spec.replicas: invalid type: string \"three\""),
            "{error}"
        );
    }
}
