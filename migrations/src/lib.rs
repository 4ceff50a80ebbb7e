//! Fieldlog's database schema as sea-orm migrations, identical on SQLite and
//! PostgreSQL. `server serve` applies them at start; `server migrate` alone.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;
mod m20261122_000002_record_students;
mod m20261122_000003_student_key;
mod m20261122_000004_staff_member;
mod m20261123_000005_oversight;
mod m20261202_000006_sessions;
mod m20261202_000007_audit_chain;
mod m20261202_000008_device_epoch;
mod m20261202_000009_submitted_received;
mod m20261202_000010_redaction;
mod m20261206_000011_not_safety_matter;
mod m20261206_000012_organizations;
mod m20261206_000013_school_zone;
mod m20261206_000014_totp;
mod m20261207_000015_complaints;
mod m20261207_000016_training;
mod m20261207_000017_webhooks;
mod m20261207_000018_report_requests;
mod m20261207_000019_agreements;
mod m20261207_000020_assessments;
mod m20261207_000021_vouched_by;
mod m20261207_000022_identity_links;

#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial::Migration),
            Box::new(m20261122_000002_record_students::Migration),
            Box::new(m20261122_000003_student_key::Migration),
            Box::new(m20261122_000004_staff_member::Migration),
            Box::new(m20261123_000005_oversight::Migration),
            Box::new(m20261202_000006_sessions::Migration),
            Box::new(m20261202_000007_audit_chain::Migration),
            Box::new(m20261202_000008_device_epoch::Migration),
            Box::new(m20261202_000009_submitted_received::Migration),
            Box::new(m20261202_000010_redaction::Migration),
            Box::new(m20261206_000011_not_safety_matter::Migration),
            Box::new(m20261206_000012_organizations::Migration),
            Box::new(m20261206_000013_school_zone::Migration),
            Box::new(m20261206_000014_totp::Migration),
            Box::new(m20261207_000015_complaints::Migration),
            Box::new(m20261207_000016_training::Migration),
            Box::new(m20261207_000017_webhooks::Migration),
            Box::new(m20261207_000018_report_requests::Migration),
            Box::new(m20261207_000019_agreements::Migration),
            Box::new(m20261207_000020_assessments::Migration),
            Box::new(m20261207_000021_vouched_by::Migration),
            Box::new(m20261207_000022_identity_links::Migration),
        ]
    }
}
