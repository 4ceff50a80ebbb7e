//! The replica's side of a sync round, its persistence and its memory:
//! preparing a request, applying a reply a few records at a time (so a
//! phone's main thread can yield between steps), retention, and eviction.

use super::*;
use crate::sync::RefusalCode;

impl Replica {
    /// The next request: every change the server is not known to have, for
    /// every record in memory that may have some, plus the pull cursor.
    /// Records refused at their current heads are held back until they
    /// change again. Records in `outbox` that were not loaded wait for the
    /// next round (the reply then says `more`).
    pub fn prepare_sync(&mut self) -> Vec<u8> {
        let mut push: Vec<DocChanges> = Vec::new();
        let mut budget = sync::MAX_PUSH_BYTES;
        let mut held_back = false;
        let mut synced = Vec::new();
        // A record's documents travel together: the server checks a record
        // as a whole against what it held before the request, so an account
        // accepted in one request and its restricted part in the next would
        // look like an unexplained change to a submitted record.
        let ids: Vec<RecordId> = self.unpushed.iter().copied().collect();
        for id in ids {
            let Some((_, rec)) = self.live.get_mut(&id) else {
                synced.push(id);
                continue;
            };
            let group: Vec<DocChanges> = rec
                .unpushed()
                .into_iter()
                .map(|(kind, generation, changes)| DocChanges {
                    doc: DocId { record: id, kind },
                    generation,
                    changes,
                })
                .collect();
            if group.is_empty() {
                synced.push(id);
                continue;
            }
            let size: usize = group.iter().flat_map(|d| &d.changes).map(Vec::len).sum();
            if size > budget && !push.is_empty() {
                // The rest goes in the next round trip.
                held_back = true;
                break;
            }
            budget = budget.saturating_sub(size);
            push.extend(group);
        }
        for id in synced {
            self.unpushed.remove(&id);
        }
        self.held_back = held_back || !self.outbox(1).is_empty();
        SyncRequest {
            version: PROTOCOL_VERSION,
            device: self.device,
            cursor: self.state.cursor,
            push,
        }
        .encode()
    }

    /// Starts applying the server's reply. Nothing is applied yet; a reply
    /// that does not decode is an error and leaves the replica as it was
    /// (each record's changes are parsed at its step: one that does not
    /// parse stops the reply there, and what came before it stays, being
    /// valid). Returns the records to `load` before `receive_step`.
    pub fn begin_receive(&mut self, bytes: &[u8]) -> Result<Vec<RecordId>, ReplicaError> {
        // A reply left half-applied (the app failed to load a record for
        // it) is dropped: its cursor was never saved, so it comes again.
        self.pending = None;
        let response = SyncResponse::decode(bytes)?;
        // The server restarted the pull under another reach (`reach`): it
        // sends again everything the user may hold now, document by
        // document, so what the device holds goes first (a document the
        // user may no longer read must not stay beside one they may).
        // Records with edits the server lacks or refused stay: the officer
        // still has work in them (pushed, or to fix), as at sign-out.
        let mut restart_dropped = Vec::new();
        if crate::sync::Cursor::restarted(self.state.cursor, response.cursor) {
            restart_dropped = self
                .index
                .iter()
                .flat_map(|b| b.values())
                .filter(|s| s.state == SyncStatus::Synced && !self.unpushed.contains(&s.id))
                .map(|s| s.id)
                .collect();
            self.drop_records(&restart_dropped);
        }
        let mut records: Vec<Pulled> = Vec::new();
        let mut at: BTreeMap<RecordId, usize> = BTreeMap::new();
        for pulled in response.pull {
            let i = *at.entry(pulled.doc.record).or_insert_with(|| {
                records.push((pulled.doc.record, Vec::new()));
                records.len() - 1
            });
            records[i]
                .1
                .push((pulled.doc.kind, pulled.generation, pulled.changes));
        }
        // The account first: the other parts are read against it.
        for (_, docs) in &mut records {
            docs.sort_by_key(|(kind, _, _)| *kind != DocKind::Account);
        }
        let needed: BTreeSet<RecordId> = records
            .iter()
            .map(|(id, _)| *id)
            .chain(response.accepted.iter().map(|a| a.doc.record))
            .chain(response.refused.iter().map(|r| r.doc.record))
            .collect();
        let answered: BTreeSet<RecordId> = response
            .accepted
            .iter()
            .map(|a| a.doc.record)
            .chain(response.refused.iter().map(|r| r.doc.record))
            .collect();
        let load = needed
            .iter()
            .copied()
            .filter(|id| self.needs(*id))
            .collect();
        self.pending = Some(Pending {
            records: records.into(),
            accepted: response.accepted,
            refused: response.refused,
            response_cursor: response.cursor,
            retain_from: response.retain_from,
            report: SyncReport {
                more: response.more || std::mem::take(&mut self.held_back),
                ..Default::default()
            },
            needed,
            answered,
            replaced: BTreeSet::new(),
            restart_dropped,
        });
        Ok(load)
    }

    /// Applies up to `max_records` records of the pending reply; returns the
    /// round's report once all of it is applied.
    pub fn receive_step(&mut self, max_records: usize) -> Result<Option<SyncReport>, ReplicaError> {
        let mut pending = self.pending.take().ok_or(ReplicaError::Receiving)?;
        // On an error the reply is abandoned; what was applied stays (it
        // is valid), and the cursor does not move, so it comes again.
        self.apply_some(&mut pending, max_records)?;
        if !pending.records.is_empty() {
            self.pending = Some(pending);
            return Ok(None);
        }
        Ok(Some(self.finish(pending)))
    }

    /// Applies the server's reply at once (every record it touches must be
    /// live: on the host everything is).
    pub fn receive_sync(&mut self, bytes: &[u8]) -> Result<SyncReport, ReplicaError> {
        if let Some(id) = self.begin_receive(bytes)?.first() {
            self.pending = None;
            return Err(ReplicaError::NotLoaded(*id));
        }
        loop {
            if let Some(report) = self.receive_step(usize::MAX)? {
                return Ok(report);
            }
        }
    }

    fn apply_some(&mut self, p: &mut Pending, max_records: usize) -> Result<(), ReplicaError> {
        for _ in 0..max_records {
            let Some((id, docs)) = p.records.pop_front() else {
                break;
            };
            let existed = self.summary_of(id).is_some() || self.live.contains_key(&id);
            let mut rec = match self.live.remove(&id) {
                Some((_, rec)) => rec,
                None if existed => return Err(ReplicaError::NotLoaded(id)),
                None => DeviceRecord::empty(id),
            };
            let mut received = Vec::new();
            for (kind, generation, raw) in docs {
                let doc = DocId { record: id, kind };
                let held = rec.sync.get(&kind).map_or(0, |s| s.generation);
                if generation < held {
                    // Changes of a history this device already saw redacted.
                    continue;
                }
                let replacing = generation > held && rec.docs.contains_key(&kind);
                let bad = |e: DocumentError| ReplicaError::BadPull {
                    doc,
                    reason: e.to_string(),
                };
                let applied = parse_changes(&raw)
                    .map_err(|reason| ReplicaError::BadPull { doc, reason })
                    .and_then(|changes| {
                        if replacing {
                            let carried = rec
                                .replace(kind, generation, changes.clone(), &self.actor)
                                .map_err(bad)?;
                            if carried {
                                self.unpushed.insert(id);
                            }
                            p.replaced.insert(doc);
                            return Ok(changes);
                        }
                        rec.doc_or_new(kind, &self.actor)
                            .apply(changes.clone())
                            .map_err(bad)?;
                        rec.doc_sync(kind).generation = generation;
                        Ok(changes)
                    });
                let changes = match applied {
                    Ok(changes) => changes,
                    Err(e) => {
                        if existed {
                            self.tick += 1;
                            self.live.insert(id, (self.tick, rec));
                        }
                        return Err(e);
                    }
                };
                rec.doc_sync(kind).learn(&changes);
                received.push(doc);
            }
            if !p.answered.contains(&id) {
                p.needed.remove(&id);
            }
            if !existed && p.retain_from.is_some() && !rec.complete() {
                // A server with a window pulls in causal order and nothing
                // outside it, so changes without their history belong to a
                // record that left this device: alone they are no record.
                continue;
            }
            let facts = rec.facts();
            let summary = rec.summary(facts);
            self.tick += 1;
            self.live.insert(id, (self.tick, rec));
            self.set_summary(summary);
            self.dirty.insert(id);
            p.report.received.extend(received);
        }
        Ok(())
    }

    fn finish(&mut self, mut p: Pending) -> SyncReport {
        for accepted in p.accepted {
            // Heads of a history this reply replaced (a redaction committed
            // between the push and the pull) say nothing of the new one.
            if p.replaced.contains(&accepted.doc) {
                p.report.accepted.push(accepted.doc);
                continue;
            }
            if let Some((_, rec)) = self.live.get_mut(&accepted.doc.record) {
                let sync = rec.doc_sync(accepted.doc.kind);
                sync.server_heads = accepted.heads.clone();
                sync.refused = None;
                self.dirty.insert(accepted.doc.record);
            }
            p.report.accepted.push(accepted.doc);
        }
        for refusal in p.refused {
            if refusal.code == RefusalCode::Superseded && p.replaced.contains(&refusal.doc) {
                // Not the officer's to act on: the reply carried the new
                // generation, and the edits go again on top of it. (Without
                // it, the refusal is kept as any other, so a device never
                // loops on it.)
                self.unpushed.insert(refusal.doc.record);
                p.report.more = true;
                continue;
            }
            if let Some((_, rec)) = self.live.get_mut(&refusal.doc.record)
                && let Some(doc) = rec.docs.get_mut(&refusal.doc.kind)
            {
                let heads = wire_hashes(&doc.heads());
                rec.doc_sync(refusal.doc.kind).refused = Some((refusal.clone(), heads));
                self.dirty.insert(refusal.doc.record);
            }
            p.report.refused.push(refusal);
        }
        let next = SyncState {
            cursor: Some(p.response_cursor),
            retain_from: p.retain_from,
        };
        // Only a moved window, or records the server now has, can let a
        // record go: a quiet round does not look at thousands of summaries.
        let look = next.retain_from != self.state.retain_from
            || !p.report.accepted.is_empty()
            || !p.report.received.is_empty();
        // A quiet round moves nothing: nothing to seal and write.
        if next != self.state {
            self.state = next;
            self.state_dirty = true;
        }
        self.refresh();
        if look {
            p.report.dropped += self.retain();
        }
        // Of the records a restart let go, those not sent back (yet).
        p.report.dropped += p
            .restart_dropped
            .iter()
            .filter(|id| self.summary_of(**id).is_none())
            .count();
        p.report
    }

    /// Brings the summaries of changed live records up to date.
    fn refresh(&mut self) {
        let ids: Vec<RecordId> = self.dirty.iter().copied().collect();
        for id in ids {
            let stale = self.stale.remove(&id);
            let known = self.summary_of(id).and_then(|s| s.facts.clone());
            let Some((_, rec)) = self.live.get_mut(&id) else {
                continue;
            };
            let facts = if stale || known.is_none() {
                rec.facts()
            } else {
                known
            };
            let s = rec.summary(facts);
            self.set_summary(s);
        }
    }

    /// Drops the records retention lets go; returns how many.
    fn retain(&mut self) -> usize {
        let window = self.state.retain_from.map(Timestamp::from_millis);
        let gone: Vec<RecordId> = self
            .index
            .iter()
            .flat_map(|b| b.values())
            .filter(|s| !retention::keeps(s, window))
            .map(|s| s.id)
            .collect();
        self.drop_records(&gone);
        gone.len()
    }

    /// Lets records go from the device (`Dirty::dropped` deletes them).
    fn drop_records(&mut self, gone: &[RecordId]) {
        for id in gone {
            self.index[summary::bucket(*id) as usize].remove(id);
            self.unsynced.remove(id);
            self.buckets.insert(summary::bucket(*id));
            self.live.remove(id);
            self.unpushed.remove(id);
            self.dirty.remove(id);
            self.stale.remove(id);
            self.dropped.insert(*id);
        }
        if !gone.is_empty() {
            self.order = None;
        }
    }

    /// What to persist now; afterwards records beyond the live capacity
    /// leave memory (never one still to be persisted or being received).
    pub fn take_dirty(&mut self) -> Dirty {
        self.refresh();
        let ids = std::mem::take(&mut self.dirty);
        let records = ids
            .into_iter()
            .filter_map(|id| self.live.get_mut(&id).map(|(_, r)| (id, r.save())))
            .collect();
        let buckets = std::mem::take(&mut self.buckets)
            .into_iter()
            .map(|b| {
                let all: Vec<&Summary> = self.index[b as usize].values().collect();
                (b, summary::encode_bucket(&all))
            })
            .collect();
        let state = std::mem::take(&mut self.state_dirty).then(|| self.state.to_bytes());
        let dropped = std::mem::take(&mut self.dropped).into_iter().collect();
        self.evict();
        Dirty {
            records,
            buckets,
            state,
            dropped,
        }
    }

    fn evict(&mut self) {
        if self.live.len() <= self.capacity {
            return;
        }
        let keep = self.pending.as_ref().map(|p| &p.needed);
        let mut by_age: Vec<(u64, RecordId)> = self
            .live
            .iter()
            .filter(|(id, _)| !self.dirty.contains(id) && !keep.is_some_and(|k| k.contains(id)))
            .map(|(id, (t, _))| (*t, *id))
            .collect();
        by_age.sort_unstable();
        let excess = self.live.len() - self.capacity;
        for (_, id) in by_age.into_iter().take(excess) {
            self.live.remove(&id);
            self.unpushed.remove(&id);
        }
    }
}
