//! A contract error is a compile error on the path, with the contract's file:line:col.

contract_macros::proto!("contracts/broken/missing_import.proto");

fn main() {}
