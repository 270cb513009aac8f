//! Which namespaces the console watches: one, or all of them (`-A`, `:ns all`).
//!
//! Inside the console an object is known by its *qualified name*: its plain name when the
//! scope is one namespace, `namespace/name` when it is all of them (a Kubernetes name never
//! contains `/`). Owner references, slots and event subjects are qualified the same way, so
//! everything that matches objects by name (rows, details, logs) works unchanged in both
//! scopes; only the edges (the watchers, the writer, the log reader) translate.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Namespace(String),
    All,
}

impl Scope {
    /// What the status bar says.
    pub fn label(&self) -> &str {
        match self {
            Scope::Namespace(ns) => ns,
            Scope::All => "all namespaces",
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Scope::All)
    }

    /// The console's name for `name` in namespace `ns`.
    pub fn qualify(&self, ns: &str, name: &str) -> String {
        match self {
            Scope::Namespace(_) => name.to_string(),
            Scope::All => format!("{ns}/{name}"),
        }
    }

    /// Where a qualified name lives: (namespace, plain name). `None` when the name does not
    /// belong to this scope (no namespace part while watching all of them).
    pub fn locate<'a>(&'a self, qualified: &'a str) -> Option<(&'a str, &'a str)> {
        match self {
            Scope::Namespace(ns) => Some((ns.as_str(), qualified)),
            Scope::All => qualified.split_once('/'),
        }
    }

    /// Parses what a user types after `:ns`: `all`, `-A` or a namespace name.
    pub fn parse(input: &str) -> Result<Scope, String> {
        let input = input.trim();
        match input {
            "all" | "-A" | "*" => Ok(Scope::All),
            "" => Err("which namespace? (a name, or all)".into()),
            ns if is_dns_label(ns) => Ok(Scope::Namespace(ns.to_string())),
            ns => Err(format!(
                "{ns:?} is not a namespace name (lower-case letters, digits and '-', at most 63)"
            )),
        }
    }
}

impl std::fmt::Display for Scope {
    /// "namespace shop" or "all namespaces", as a sentence says it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Namespace(ns) => write!(f, "namespace {ns}"),
            Scope::All => f.write_str("all namespaces"),
        }
    }
}

/// The namespace part of a qualified name ("" for a plain one): objects are only grouped
/// (a Service with its Deployments) when this is the same.
pub fn namespace_of(qualified: &str) -> &str {
    qualified.split_once('/').map_or("", |(ns, _)| ns)
}

fn is_dns_label(s: &str) -> bool {
    s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_namespace_keeps_plain_names() {
        let s = Scope::Namespace("shop".into());
        assert_eq!(s.qualify("shop", "api"), "api");
        assert_eq!(s.locate("api"), Some(("shop", "api")));
        assert_eq!(s.label(), "shop");
    }

    #[test]
    fn all_namespaces_qualify_and_locate() {
        let s = Scope::All;
        let q = s.qualify("scale-001", "app-7");
        assert_eq!(q, "scale-001/app-7");
        assert_eq!(s.locate(&q), Some(("scale-001", "app-7")));
        assert_eq!(s.locate("plain"), None);
        assert_eq!(namespace_of(&q), "scale-001");
        assert_eq!(namespace_of("plain"), "");
    }

    #[test]
    fn parse_what_the_user_types() {
        assert_eq!(Scope::parse("all"), Ok(Scope::All));
        assert_eq!(Scope::parse(" -A "), Ok(Scope::All));
        assert_eq!(
            Scope::parse("kube-system"),
            Ok(Scope::Namespace("kube-system".into()))
        );
        assert!(Scope::parse("").is_err());
        assert!(Scope::parse("Bad_Name").unwrap_err().contains("Bad_Name"));
        assert!(Scope::parse("-x").is_err());
    }
}
