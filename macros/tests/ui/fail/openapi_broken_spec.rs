//! A reference that does not resolve is a compile error with the document's file:line:col.

contract_macros::openapi!("contracts/broken/unresolved_ref.yaml");

fn main() {}
