//! A service that does not implement every operation of the contract does not compile.

mod api {
    contract_macros::openapi!("contracts/pokemon/v1/pokemon.openapi.yaml", only = "server");
}

struct Pokedex;

impl api::Api for Pokedex {}

fn main() {
    let _ = api::router(Pokedex);
}
