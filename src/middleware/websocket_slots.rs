//! `BOLT_WS_MAX_CONNECTIONS`: the WebSockets one process holds, from the upgrade request to the
//! end of the session. A slot is taken before the handler runs and given back when the
//! connection ends however it ends (refused, failed, client gone, closed).

use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Default)]
pub struct Slots {
    open: AtomicUsize,
}

/// One taken slot; dropping it gives it back.
pub struct Slot<'a>(&'a Slots);

impl Slots {
    /// A slot, or `None` when `max` are taken (`max` `None`: no limit, the count is kept anyway).
    pub fn take(&self, max: Option<usize>) -> Option<Slot<'_>> {
        let before = self.open.fetch_add(1, Ordering::AcqRel);
        if max.is_some_and(|max| before >= max) {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Slot(self))
    }

    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_and_given_back() {
        let slots = Slots::default();
        let first = slots.take(Some(2)).unwrap();
        let second = slots.take(Some(2)).unwrap();
        assert!(slots.take(Some(2)).is_none());
        assert_eq!(slots.open(), 2);
        drop(first);
        let third = slots.take(Some(2)).unwrap();
        drop((second, third));
        assert_eq!(slots.open(), 0);
        let unlimited: Vec<_> = (0..5).map(|_| slots.take(None).unwrap()).collect();
        assert_eq!(slots.open(), 5);
        drop(unlimited);
        assert_eq!(slots.open(), 0);
    }
}
