//! Round trip over loopback: a server implemented on the trait `proto!` generated and the
//! client it generated exchange a found and a not-found lookup.

use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;
use tonic::{Code, Request, Response, Status};

mod grpc {
    contract_macros::proto!("../contracts/examples/pokemon/v1/pokemon.proto");
}

use grpc::pokemon::v1::pokemon_service_client::PokemonServiceClient;
use grpc::pokemon::v1::pokemon_service_server::{PokemonService, PokemonServiceServer};
use grpc::pokemon::v1::{GetPokemonRequest, Pokemon};

struct Pokedex;

#[tonic::async_trait]
impl PokemonService for Pokedex {
    async fn get_pokemon(
        &self,
        request: Request<GetPokemonRequest>,
    ) -> Result<Response<Pokemon>, Status> {
        match request.into_inner().id {
            1 => Ok(Response::new(Pokemon {
                id: 1,
                name: "Bulbasaur".into(),
            })),
            id => Err(Status::not_found(format!("no Pokémon {id}"))),
        }
    }
}

#[tokio::test]
async fn generated_client_calls_generated_server() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(Server::builder().serve_with_incoming(
        PokemonServiceServer::new(Pokedex),
        TcpIncoming::from(listener),
    ));

    let mut client = PokemonServiceClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let found = client
        .get_pokemon(GetPokemonRequest { id: 1 })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        found,
        Pokemon {
            id: 1,
            name: "Bulbasaur".into()
        }
    );
    let missing = client
        .get_pokemon(GetPokemonRequest { id: 999 })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    assert_eq!(missing.message(), "no Pokémon 999");

    server.abort();
}
