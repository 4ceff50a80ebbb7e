//! Fieldlog's database schema as sea-orm migrations. Empty until the server
//! exists (issue 3).
