//! Newtype ids: a record id can never be passed where a school id is expected.
//!
//! Ids are UUIDs chosen by the caller (the phone or the server); the core never
//! generates one, because it has no random source.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        // Serialized as the bare UUID: serde writes a newtype struct as its content.
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "string"))]
        pub struct $name(pub Uuid);

        impl $name {
            pub const fn from_u128(v: u128) -> Self {
                Self(Uuid::from_u128(v))
            }
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
            pub fn is_nil(&self) -> bool {
                self.0.is_nil()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }

        // Stored as the 16 UUID bytes; the id doubles as the merge key when a
        // list element carries it (`#[key]`), so concurrent inserts of
        // different students or reviews never collide.
        impl autosurgeon::Reconcile for $name {
            type Key<'a> = Uuid;
            fn reconcile<R: autosurgeon::Reconciler>(&self, r: R) -> Result<(), R::Error> {
                autosurgeon::Reconcile::reconcile(&self.0, r)
            }
            fn key(&self) -> autosurgeon::reconcile::LoadKey<Uuid> {
                autosurgeon::reconcile::LoadKey::Found(self.0)
            }
            fn hydrate_key<'k, D: autosurgeon::ReadDoc>(
                doc: &D,
                obj: &automerge::ObjId,
                prop: autosurgeon::Prop<'_>,
            ) -> Result<autosurgeon::reconcile::LoadKey<Self::Key<'k>>, autosurgeon::ReconcileError> {
                <Uuid as autosurgeon::Reconcile>::hydrate_key(doc, obj, prop)
            }
        }

        impl autosurgeon::Hydrate for $name {
            fn hydrate_bytes(b: &[u8]) -> Result<Self, autosurgeon::HydrateError> {
                <Uuid as autosurgeon::Hydrate>::hydrate_bytes(b).map(Self)
            }
        }
    };
}

id_type!(
    /// One interaction record (UUID v7 chosen by the device that created it).
    RecordId
);
id_type!(
    /// A school.
    SchoolId
);
id_type!(
    /// A user of any role.
    UserId
);
id_type!(
    /// One installation of the app (a phone, a browser profile).
    DeviceId
);
id_type!(
    /// Links a student's entry in the officer's account to the same student's
    /// restricted values in another document; meaningless outside its record.
    StudentKey
);
id_type!(
    /// One supervisor review entry.
    ReviewId
);

/// How far from the server's clock the time inside an id a caller chooses
/// for a new record may be (see [`judge_new_record_id`]).
pub const NEW_RECORD_ID_MINUTES: i64 = 10;

impl RecordId {
    /// When a UUID v7 was minted (its first 48 bits are Unix milliseconds);
    /// `None` for any other kind of UUID.
    pub fn minted_at(&self) -> Option<crate::Timestamp> {
        (self.0.get_version_num() == 7).then(|| {
            let b = self.0.as_bytes();
            let ms = b[..6]
                .iter()
                .fold(0i64, |acc, x| (acc << 8) | i64::from(*x));
            crate::Timestamp::from_millis(ms)
        })
    }
}

/// What a caller who names `id` for a record it creates through the JSON
/// API gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewRecordId {
    /// Create the record under this id.
    Use,
    /// The caller may read the record that holds this id already: a retry of
    /// its own create (409).
    Taken,
    /// Not usable; the same answer whether or not some record holds the id,
    /// so that it never confirms a record the caller may not read exists.
    Unusable,
}

/// Judges an id a caller chose for a new record. `existing` is `None` when
/// no record holds the id, else whether the caller may read that record.
///
/// Ids are global, so "taken" cannot be hidden from someone who may name the
/// id: one of two creates with the same id fails. What can be done is that
/// the answer for someone else's record is the one every unusable id gets,
/// and that only ids minted moments ago (UUID v7, within
/// [`NEW_RECORD_ID_MINUTES`]) are usable at all: any older record's id
/// answers exactly as a never-used old id does. A caller that leaves `id`
/// out gets a fresh one from the server.
pub fn judge_new_record_id(
    id: RecordId,
    existing: Option<bool>,
    now: crate::Timestamp,
) -> NewRecordId {
    if existing == Some(true) {
        return NewRecordId::Taken;
    }
    let m = NEW_RECORD_ID_MINUTES;
    let fresh = id
        .minted_at()
        .is_some_and(|t| t >= now.plus_minutes(-m) && t <= now.plus_minutes(m));
    if fresh && existing.is_none() {
        NewRecordId::Use
    } else {
        NewRecordId::Unusable
    }
}
