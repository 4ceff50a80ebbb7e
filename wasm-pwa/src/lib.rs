//! The wasm-bindgen facade over client-core for the officer's web app.
//! Not built yet (issue 4).
