#![no_main]
//! Fuzzes the protobuf loader (protox compile through our resolver, source spans, lint) for panics.

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::load_one(contracts::ContractKind::Proto, "root/a.proto", data, Some("root"));
});
