#![no_main]
//! Fuzzes the OpenAPI loader (YAML and JSON front-ends, $ref resolution, lint) for panics.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let name = if data.first() == Some(&b'{') { "api.json" } else { "api.yaml" };
    common::load_one(contracts::ContractKind::OpenApi, name, data, None);
});
