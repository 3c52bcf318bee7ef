//! A timer queue with lazy cancellation: components re-check an entry's
//! validity when it fires, so re-arming a timer costs one push.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

pub struct Timers<K: Ord + Copy> {
    heap: BinaryHeap<Reverse<(Instant, K)>>,
}

impl<K: Ord + Copy> Default for Timers<K> {
    fn default() -> Self {
        Timers { heap: BinaryHeap::new() }
    }
}

impl<K: Ord + Copy> Timers<K> {
    pub fn schedule(&mut self, at: Instant, key: K) {
        self.heap.push(Reverse((at, key)));
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Removes and returns the next entry due at `now`.
    pub fn pop_due(&mut self, now: Instant) -> Option<K> {
        match self.heap.peek() {
            Some(Reverse((at, _))) if *at <= now => self.heap.pop().map(|Reverse((_, k))| k),
            _ => None,
        }
    }

    pub fn clear(&mut self) {
        self.heap.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn due_in_order() {
        let now = Instant::now();
        let mut t = Timers::default();
        t.schedule(now + Duration::from_secs(2), 2);
        t.schedule(now + Duration::from_secs(1), 1);
        t.schedule(now + Duration::from_secs(5), 5);
        assert_eq!(t.next_deadline(), Some(now + Duration::from_secs(1)));
        let later = now + Duration::from_secs(3);
        assert_eq!(t.pop_due(later), Some(1));
        assert_eq!(t.pop_due(later), Some(2));
        assert_eq!(t.pop_due(later), None);
        assert_eq!(t.next_deadline(), Some(now + Duration::from_secs(5)));
    }
}
