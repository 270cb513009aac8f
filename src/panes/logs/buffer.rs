//! The lines a log view holds: a bounded ring (by lines and by bytes), so a pod that logs
//! megabytes a second costs the same memory as a quiet one. What falls out is counted.

use std::collections::VecDeque;

/// Lines kept at most.
pub const MAX_LINES: usize = 10_000;
/// Bytes of text kept at most.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// One line as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Index of its pod in [`LogBuffer::pods`].
    pub pod: u16,
    pub text: String,
    /// A line the console wrote (a reopened stream, an end), not the container.
    pub marker: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    bytes: usize,
    /// Lines dropped from the front to stay within the bounds.
    pub dropped: u64,
    /// The pods lines came from, in order of their first line.
    pub pods: Vec<String>,
}

impl LogBuffer {
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&LogLine> {
        self.lines.get(i)
    }

    /// Bytes of text held now.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    fn pod_index(&mut self, pod: &str) -> u16 {
        match self.pods.iter().position(|p| p == pod) {
            Some(i) => i as u16,
            None => {
                self.pods.push(pod.to_string());
                (self.pods.len() - 1) as u16
            }
        }
    }

    /// Appends a pod's lines (or a marker), dropping the oldest past the bounds.
    pub fn push(&mut self, pod: &str, text: String, marker: bool) {
        let pod = self.pod_index(pod);
        self.bytes += text.len();
        self.lines.push_back(LogLine { pod, text, marker });
        while self.lines.len() > MAX_LINES || self.bytes > MAX_BYTES {
            let Some(old) = self.lines.pop_front() else {
                break;
            };
            self.bytes -= old.text.len();
            self.dropped += 1;
        }
    }

    pub fn clear(&mut self) {
        *self = LogBuffer::default();
    }

    /// Indices of the lines containing `query` (ASCII case-insensitive), newest first.
    pub fn matches<'a>(&'a self, query: &'a str) -> impl Iterator<Item = usize> + 'a {
        let q = query.to_ascii_lowercase();
        self.lines
            .iter()
            .enumerate()
            .rev()
            .filter(move |(_, l)| !l.marker && contains_ignore_case(&l.text, &q))
            .map(|(i, _)| i)
    }
}

/// `needle` must be lower case already.
pub fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    find_ignore_case(hay, needle, 0).is_some()
}

/// The byte offset of `needle` (lower case) in `hay` at or after `from`, ignoring ASCII case.
pub fn find_ignore_case(hay: &str, needle: &str, from: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (from..=h.len().checked_sub(n.len())?).find(|&i| {
        h[i..i + n.len()]
            .iter()
            .zip(n)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
            && hay.is_char_boundary(i)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_by_lines_and_bytes_and_counts_what_it_drops() {
        let mut b = LogBuffer::default();
        for i in 0..MAX_LINES + 5 {
            b.push("p", format!("line {i}"), false);
        }
        assert_eq!(b.len(), MAX_LINES);
        assert_eq!(b.dropped, 5);
        assert_eq!(b.get(0).unwrap().text, "line 5");
        let mut b = LogBuffer::default();
        let big = "x".repeat(1024 * 1024);
        for _ in 0..10 {
            b.push("p", big.clone(), false);
        }
        assert!(b.bytes() <= MAX_BYTES);
        assert_eq!(b.len(), 8);
        assert_eq!(b.dropped, 2);
    }

    #[test]
    fn search_ignores_case_and_skips_markers() {
        let mut b = LogBuffer::default();
        b.push("a", "GET /healthz 200".into(), false);
        b.push("b", "ERROR out of memory".into(), false);
        b.push("b", "error marker".into(), true);
        b.push("a", "another Error".into(), false);
        assert_eq!(b.matches("error").collect::<Vec<_>>(), vec![3, 1]);
        assert_eq!(b.pods, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(find_ignore_case("héllo WORLD", "world", 0), Some(7));
        assert_eq!(find_ignore_case("abc", "", 0), None);
    }
}
