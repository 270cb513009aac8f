//! What the simulated user may do, as a scenario declares it (`permissions:`), answered by
//! SelfSubjectAccessReview (`kubectl auth can-i`). Everything not denied is allowed.
//!
//! ```yaml
//! permissions:
//!   deny:
//!     - {verb: delete, resource: deployments}             # any group, any namespace
//!     - {verb: "*", resource: rollouts.argoproj.io, namespace: kubechat-system}
//! ```

use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    #[serde(default)]
    pub deny: Vec<Rule>,
}

/// One denied (verb, resource) pair; `*` matches any verb or resource.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub verb: String,
    /// A plural resource name, optionally with its group: `deployments`,
    /// `deployments.apps`, `rollouts.argoproj.io`.
    pub resource: String,
    /// Only in this namespace (any namespace when absent).
    #[serde(default)]
    pub namespace: Option<String>,
}

/// What a SelfSubjectAccessReview asks (its `spec.resourceAttributes`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub namespace: &'a str,
}

impl Rule {
    fn matches(&self, req: &Request) -> bool {
        let verb = self.verb == "*" || self.verb == req.verb;
        let (resource, group) = match self.resource.split_once('.') {
            Some((r, g)) => (r, Some(g)),
            None => (self.resource.as_str(), None),
        };
        let resource = resource == "*" || resource == req.resource;
        let group = group.is_none_or(|g| g == req.group);
        let namespace = self
            .namespace
            .as_deref()
            .is_none_or(|ns| req.namespace.is_empty() || ns == req.namespace);
        verb && resource && group && namespace
    }
}

impl Permissions {
    /// The first rule that denies `req`, if any.
    pub fn denied_by(&self, req: &Request) -> Option<&Rule> {
        self.deny.iter().find(|r| r.matches(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(verb: &'a str, group: &'a str, resource: &'a str) -> Request<'a> {
        Request {
            verb,
            group,
            resource,
            namespace: "kubechat-system",
        }
    }

    #[test]
    fn denies_only_what_is_listed() {
        let p: Permissions = serde_yaml_ng::from_str(
            "deny: [{verb: delete, resource: deployments}, {verb: '*', resource: rollouts.argoproj.io, namespace: other}]",
        )
        .unwrap();
        assert!(p.denied_by(&req("delete", "apps", "deployments")).is_some());
        assert!(p.denied_by(&req("get", "apps", "deployments")).is_none());
        assert!(p.denied_by(&req("delete", "", "pods")).is_none());
        assert!(p
            .denied_by(&req("patch", "argoproj.io", "rollouts"))
            .is_none());
        let mut other = req("patch", "argoproj.io", "rollouts");
        other.namespace = "other";
        assert!(p.denied_by(&other).is_some());
        assert!(Permissions::default()
            .denied_by(&req("delete", "", "pods"))
            .is_none());
    }
}
