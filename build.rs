//! Rebuilds the crate when the message catalogue changes: rust-i18n reads `locales/` while
//! compiling but does not tell cargo, so an edit of `locales/app.yml` alone was not picked up.

fn main() {
    println!("cargo:rerun-if-changed=locales");
}
