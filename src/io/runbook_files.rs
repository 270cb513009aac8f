//! The runbooks the console knows: the embedded defaults with the user's own
//! (`<config dir>/runbooks/*.yaml`) over them. A file that cannot be read or parsed is left
//! out with one warning naming file, line and field; the defaults stay.

use std::path::Path;

use crate::runbook::builtin::{builtin, merge, stem};
use crate::runbook::{parse, Runbook};

/// Every runbook, and a warning per user file left out.
pub fn load(config_dir: &Path) -> (Vec<Runbook>, Vec<String>) {
    let dir = config_dir.join("runbooks");
    let mut warnings = Vec::new();
    let mut user = Vec::new();
    let mut files: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            warnings.push(format!("{}: cannot read the runbooks: {e}", dir.display()));
            Vec::new()
        }
    };
    files.sort();
    for path in files {
        let shown = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => match parse(&text, &shown, stem(&shown)) {
                Ok(rb) => {
                    if user.iter().any(|u: &Runbook| u.id == rb.id) {
                        warnings.push(format!(
                            "{shown}: id {:?} is used by another file there: left out",
                            rb.id
                        ));
                    } else {
                        user.push(rb);
                    }
                }
                Err(e) => warnings.push(e),
            },
            Err(e) => warnings.push(format!("{shown}: cannot read: {e}")),
        }
    }
    (merge(builtin(), user), warnings)
}
