//! A service implementing the generated trait compiles, warnings denied.
#![deny(warnings)]

mod grpc {
    contract_macros::proto!("contracts/pokemon/v1/pokemon.proto");
}

use grpc::pokemon::v1::pokemon_service_server::{PokemonService, PokemonServiceServer};
use grpc::pokemon::v1::{GetPokemonRequest, Pokemon};

struct Pokedex;

#[tonic::async_trait]
impl PokemonService for Pokedex {
    async fn get_pokemon(
        &self,
        request: tonic::Request<GetPokemonRequest>,
    ) -> Result<tonic::Response<Pokemon>, tonic::Status> {
        let id = request.into_inner().id;
        Ok(tonic::Response::new(Pokemon {
            id,
            name: "Bulbasaur".into(),
        }))
    }
}

fn main() {
    let _server = PokemonServiceServer::new(Pokedex);
}
