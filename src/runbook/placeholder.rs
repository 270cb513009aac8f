//! Placeholders: the seed's `[POD_NAME]` and `{{ name }}`, one name space (case does not
//! matter: `[POD_NAME]` is `{{ pod_name }}`). Values go into shell commands quoted, so a
//! pod name can never inject a command.

use std::collections::BTreeMap;

/// One placeholder found in a text: where it is and its name (lower case).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    start: usize,
    end: usize,
    name: String,
}

fn is_name(s: &str, upper_only: bool) -> bool {
    let mut chars = s.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() && (!upper_only || c.is_ascii_uppercase()));
    first_ok
        && s.chars().all(|c| {
            (c.is_ascii_alphanumeric() && (!upper_only || !c.is_ascii_lowercase()))
                || c == '_'
                || (!upper_only && c == '-')
        })
}

fn find(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        if text[i..].starts_with("{{") {
            if let Some(close) = text[i + 2..].find("}}") {
                let inner = text[i + 2..i + 2 + close].trim();
                if is_name(inner, false) {
                    let end = i + 2 + close + 2;
                    out.push(Found {
                        start: i,
                        end,
                        name: inner.to_ascii_lowercase().replace('-', "_"),
                    });
                    i = end;
                    continue;
                }
            }
        } else if bytes[i] == b'[' {
            if let Some(close) = text[i + 1..].find(']') {
                let inner = &text[i + 1..i + 1 + close];
                // `[POD_NAME]`: upper case, at least two characters (`[*]`, `[0]` and a
                // shell test `[ -f x ]` are not placeholders)
                if inner.len() >= 2 && is_name(inner, true) {
                    let end = i + 1 + close + 1;
                    out.push(Found {
                        start: i,
                        end,
                        name: inner.to_ascii_lowercase(),
                    });
                    i = end;
                    continue;
                }
            }
        }
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// The placeholder names in `text`, lower case, in order, each once.
pub fn names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for f in find(text) {
        if !names.contains(&f.name) {
            names.push(f.name);
        }
    }
    names
}

/// How values are put in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    /// Shell-quoted (commands for `sh -c`).
    Shell,
    /// As they are (native actions, checks: no shell reads them).
    Plain,
}

/// `text` with its placeholders filled from `values` (keys lower case); the names without
/// a value when any is missing.
pub fn fill(
    text: &str,
    values: &BTreeMap<String, String>,
    quoting: Quoting,
) -> Result<String, Vec<String>> {
    let mut out = String::with_capacity(text.len());
    let mut missing = Vec::new();
    let mut last = 0;
    for f in find(text) {
        out.push_str(&text[last..f.start]);
        match values.get(&f.name) {
            Some(v) => match quoting {
                Quoting::Shell => out.push_str(&shell_quote(v)),
                Quoting::Plain => out.push_str(v),
            },
            None => {
                if !missing.contains(&f.name) {
                    missing.push(f.name.clone());
                }
            }
        }
        last = f.end;
    }
    out.push_str(&text[last..]);
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(missing)
    }
}

/// A word for `sh`: as it is when made only of characters the shell leaves alone, else in
/// single quotes (a `'` inside written `'\''`).
pub fn shell_quote(v: &str) -> String {
    let safe = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if safe {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
}

/// `KEY=VALUE` (from `--set`) into a lower-case key and its value.
pub fn parse_set(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected KEY=VALUE"))?;
    let k = k.trim().trim_start_matches('[').trim_end_matches(']');
    let k = k.trim_start_matches("{{").trim_end_matches("}}").trim();
    if !is_name(k, false) {
        return Err(format!("{k:?}: not a placeholder name"));
    }
    Ok((k.to_ascii_lowercase().replace('-', "_"), v.to_string()))
}

/// Names that stand for the same object: a `pod` label or selection also fills `pod_name`
/// (as the seed writes `[POD_NAME]`), and so on.
const ALIASES: &[(&str, &str)] = &[
    ("pod", "pod_name"),
    ("deployment", "deployment_name"),
    ("rollout", "rollout_name"),
];

/// What kind of live object a placeholder names, to offer a list of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pod,
    Deployment,
    Rollout,
}

/// The kind of object `name` stands for, if it is one.
pub fn kind_of(name: &str) -> Option<Kind> {
    let base = ALIASES
        .iter()
        .find(|(_, alias)| *alias == name)
        .map_or(name, |(base, _)| base);
    match base {
        "pod" => Some(Kind::Pod),
        "deployment" => Some(Kind::Deployment),
        "rollout" => Some(Kind::Rollout),
        _ => None,
    }
}

/// `source` with every name's aliases added (a name given outright wins over an alias).
fn with_aliases(source: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out = source.clone();
    for (base, alias) in ALIASES {
        if let Some(v) = source.get(*base) {
            out.entry(alias.to_string()).or_insert_with(|| v.clone());
        }
    }
    out
}

/// The values a run starts with for the placeholders `wanted`, in the order they are
/// taken: the selection (the object under the cursor in the pane the user came from),
/// then the firing alert's labels. What neither gives is `--set` or picked later.
pub fn initial_values(
    wanted: &[String],
    selection: &BTreeMap<String, String>,
    alert_labels: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let (selection, labels) = (with_aliases(selection), with_aliases(alert_labels));
    wanted
        .iter()
        .filter_map(|name| {
            let v = selection.get(name).or_else(|| labels.get(name))?;
            (!v.is_empty()).then(|| (name.clone(), v.clone()))
        })
        .collect()
}
