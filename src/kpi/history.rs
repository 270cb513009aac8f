//! A KPI's recent values: a fixed-capacity ring of compact points (8 bytes each), so 24 h
//! at a 15 s step for 20 KPIs stays under 1 MiB.

use std::collections::VecDeque;

use jiff::Timestamp;

/// One point: Unix seconds (u32 lasts until 2106) and the value (f32 is plenty to draw).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub secs: u32,
    pub value: f32,
}

impl Point {
    pub fn new(at: Timestamp, value: f64) -> Self {
        Point {
            secs: at.as_second().clamp(0, u32::MAX as i64) as u32,
            value: value as f32,
        }
    }
}

/// The newest `capacity` points, oldest first, strictly increasing in time.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    points: VecDeque<Point>,
    capacity: usize,
}

impl History {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        History {
            points: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// Adds a point; a point at the same second replaces the last one; an older one is ignored.
    pub fn push(&mut self, p: Point) {
        match self.points.back_mut() {
            Some(last) if last.secs == p.secs => *last = p,
            Some(last) if last.secs > p.secs => {}
            _ => {
                if self.points.len() == self.capacity {
                    self.points.pop_front();
                }
                self.points.push_back(p);
            }
        }
    }

    /// Replaces everything with `points` (sorted here; the newest `capacity` kept).
    pub fn replace(&mut self, mut points: Vec<Point>) {
        points.sort_by_key(|p| p.secs);
        self.points.clear();
        let skip = points.len().saturating_sub(self.capacity);
        for p in points.into_iter().skip(skip) {
            self.push(p);
        }
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Point> + ExactSizeIterator {
        self.points.iter()
    }

    /// Bytes held on the heap for the points.
    pub fn heap_bytes(&self) -> usize {
        self.points.capacity() * std::mem::size_of::<Point>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(secs: u32, value: f32) -> Point {
        Point { secs, value }
    }

    #[test]
    fn stays_bounded_and_ordered() {
        let mut h = History::new(3);
        for s in 0..10 {
            h.push(p(s, s as f32));
        }
        assert_eq!(h.len(), 3);
        assert_eq!(h.iter().map(|p| p.secs).collect::<Vec<_>>(), vec![7, 8, 9]);
        h.push(p(9, 42.0));
        h.push(p(5, 1.0));
        assert_eq!(h.iter().last(), Some(&p(9, 42.0)));
        assert_eq!(h.len(), 3);
        assert!(h.heap_bytes() >= 3 * 8);
    }

    #[test]
    fn replace_sorts_and_keeps_newest() {
        let mut h = History::new(2);
        h.replace(vec![p(3, 3.0), p(1, 1.0), p(2, 2.0)]);
        assert_eq!(
            h.iter().copied().collect::<Vec<_>>(),
            vec![p(2, 2.0), p(3, 3.0)]
        );
    }
}
