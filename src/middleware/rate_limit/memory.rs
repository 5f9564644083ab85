//! Buckets of one process: sharded maps behind short mutex holds.

use super::bucket::Bucket;
use super::ClientKey;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const SHARDS: usize = 16;
/// A shard this large drops its full (idle) buckets before growing further.
const PRUNE_AT: usize = 50_000;

type Key = (usize, ClientKey);
/// A bucket with its route's rate and burst, so pruning judges it by them.
type Entry = (Bucket, f64, f64);

pub struct MemoryStore {
    shards: Vec<Mutex<HashMap<Key, Entry>>>,
    hasher: RandomState,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
        }
    }
}

impl MemoryStore {
    pub fn clear(&self) {
        for shard in &self.shards {
            shard.lock().unwrap_or_else(|p| p.into_inner()).clear();
        }
    }

    /// `route` identifies the route's bucket family; `rate`/`burst` are its limits.
    pub fn take(
        &self,
        route: usize,
        client: &ClientKey,
        rate: f64,
        burst: f64,
    ) -> Result<(), Duration> {
        let key = (route, client.clone());
        let shard = &self.shards[(self.hasher.hash_one(&key) as usize) % SHARDS];
        let now = Instant::now();
        // A poisoned shard only means another thread panicked mid-update of a counter.
        let mut map = shard.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= PRUNE_AT && !map.contains_key(&key) {
            map.retain(|_, (b, r, cap)| !b.is_full(*r, *cap, now));
        }
        map.entry(key)
            .or_insert_with(|| (Bucket::full(burst, now), rate, burst))
            .0
            .take(rate, burst, now)
    }
}
