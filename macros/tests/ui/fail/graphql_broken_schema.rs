//! A schema error is a compile error on the path, with the SDL's file:line:col.

contract_macros::graphql!("contracts/broken/unknown_type.graphql");

fn main() {}
