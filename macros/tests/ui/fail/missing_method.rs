//! A service that does not implement every method of the contract does not compile.

mod grpc {
    contract_macros::proto!("contracts/pokemon/v1/pokemon.proto", only = "server");
}

use grpc::pokemon::v1::pokemon_service_server::PokemonService;

struct Pokedex;

#[tonic::async_trait]
impl PokemonService for Pokedex {}

fn main() {}
