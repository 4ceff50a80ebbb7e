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
