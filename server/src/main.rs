//! Fieldlog's sync server. Not built yet (issue 3): this stub only exists so
//! the workspace builds and prints that plainly instead of pretending.

fn main() {
    eprintln!("fieldlog server: not implemented yet (see issue 3)");
    std::process::exit(2);
}
