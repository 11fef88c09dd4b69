//! Argument mistakes are reported on the argument.

mod a {
    contract_macros::proto!();
}

mod b {
    contract_macros::proto!("contracts/pokemon/v1/pokemon.proto", only = "both");
}

mod c {
    contract_macros::proto!("contracts/pokemon/v1/pokemon.proto", root = "x");
}

mod d {
    contract_macros::proto!("contracts/does/not/exist.proto");
}

fn main() {}
