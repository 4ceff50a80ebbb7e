//! End-to-end stories that start the real server and talk HTTP to it.
//! Empty until the server exists (issue 3).
