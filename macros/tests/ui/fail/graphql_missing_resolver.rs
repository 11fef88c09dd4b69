//! A resolver that does not resolve every field of its type does not compile.

mod api {
    contract_macros::graphql!("contracts/pokemon/v1/pokemon.graphql");
}

struct Query;

#[async_graphql::async_trait::async_trait]
impl api::QueryResolver for Query {}

fn main() {
    let _ = api::schema(Query);
}
