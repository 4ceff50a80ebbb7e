//! Closed school years' report families, computed once per process.
//!
//! A year is answered only after its cutoff, from the rows the server
//! received as submitted by then, and rows of counted records are frozen
//! (`client_core::school_year`): every answer for a year is the same
//! forever. So its family (every table of both sources, suppressed
//! together; seconds of work at a district's size) is computed at its first
//! request and kept. Each process keeps its own; they agree because the
//! rows do. One family is computed at a time, so a burst of requests for
//! many years queues instead of loading every core at once.

use client_core::report::Year;
use client_core::school_year::SchoolYear;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// Years kept at once; older entries make room (an analyst reads a few
/// recent years, and any year past these is recomputed, not lost).
const KEPT: usize = 8;

type Key = (SchoolYear, u64);
/// Kept answers, oldest first.
type Kept<T> = Vec<(Key, Arc<T>)>;

/// What a closed year publishes, kept per year and threshold: its family
/// (`Year`), or another figure as fixed as the family is (the public
/// page's staff requests, counted from the same frozen rows).
#[derive(Debug)]
pub struct PublishedYears<T = Year> {
    kept: Arc<Mutex<Kept<T>>>,
    computing: Arc<tokio::sync::Mutex<()>>,
}

impl<T> Default for PublishedYears<T> {
    fn default() -> Self {
        Self {
            kept: Default::default(),
            computing: Default::default(),
        }
    }
}

impl<T> Clone for PublishedYears<T> {
    fn clone(&self) -> Self {
        Self {
            kept: self.kept.clone(),
            computing: self.computing.clone(),
        }
    }
}

impl<T> PublishedYears<T> {
    /// The answer for `year` at `threshold`: kept, or computed by `compute`
    /// and kept.
    pub async fn family<E>(
        &self,
        year: SchoolYear,
        threshold: u64,
        compute: impl Future<Output = Result<T, E>>,
    ) -> Result<Arc<T>, E> {
        let key = (year, threshold);
        if let Some(found) = self.find(key) {
            return Ok(found);
        }
        let _turn = self.computing.lock().await;
        // Another request may have computed it while this one waited.
        if let Some(found) = self.find(key) {
            return Ok(found);
        }
        let family = Arc::new(compute.await?);
        let mut kept = self.lock();
        if kept.len() >= KEPT {
            kept.remove(0);
        }
        kept.push((key, family.clone()));
        Ok(family)
    }

    fn find(&self, key: Key) -> Option<Arc<T>> {
        self.lock()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, y)| y.clone())
    }

    /// The list survives a panic elsewhere: it holds only finished families.
    fn lock(&self) -> std::sync::MutexGuard<'_, Kept<T>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}
