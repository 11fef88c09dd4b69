#![no_main]
//! Fuzzes the GraphQL loader (SDL and introspection JSON, validation, lint) for panics.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let name = if data.first() == Some(&b'{') { "schema.json" } else { "schema.graphql" };
    common::load_one(contracts::ContractKind::GraphQl, name, data, None);
});
