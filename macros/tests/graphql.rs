//! Schema-first GraphQL: the server `graphql!` generates serves the schema in the SDL (its
//! `Schema::sdl()` has no difference from the input under the GraphQL diff engine), and a
//! query runs through resolvers implemented on the generated traits.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use async_graphql::{Context, Result, SDLExportOptions, ID};
use contracts::diff::{self, Date, DiffOptions, Policy};
use contracts::fs::Vfs;

mod pokemon {
    contract_macros::graphql!("../contracts/examples/pokemon/v1/pokemon.graphql");
}

mod sink {
    contract_macros::graphql!("../codegen/tests/fixtures/graphql/kitchen_sink.graphql");
}

/// Two SDL documents in memory, for the loader.
struct Sdl(HashMap<PathBuf, String>);

impl Vfs for Sdl {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.0
            .get(path)
            .map(|s| s.clone().into_bytes())
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }
    fn is_dir(&self, _: &Path) -> bool {
        false
    }
    fn is_file(&self, path: &Path) -> bool {
        self.0.contains_key(path)
    }
    fn read_dir(&self, _: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(Vec::new())
    }
}

/// What the schema serves, as SDL (with `@specifiedBy`, which `sdl()` leaves out by default).
fn served<Q, M, S>(schema: &async_graphql::Schema<Q, M, S>) -> String
where
    Q: async_graphql::ObjectType + 'static,
    M: async_graphql::ObjectType + 'static,
    S: async_graphql::SubscriptionType + 'static,
{
    schema.sdl_with_options(SDLExportOptions::new().include_specified_by())
}

/// Every difference the diff engine finds between the input SDL and what the server serves.
fn differences(input: &str, served: &str) -> Vec<String> {
    let fs = Sdl(HashMap::from([
        (PathBuf::from("input.graphql"), input.to_string()),
        (PathBuf::from("served.graphql"), served.to_string()),
    ]));
    let load = |p: &str| {
        contracts::graphql::load(&fs, &[PathBuf::from(p)])
            .unwrap_or_else(|e| panic!("{p}: {e}\n{served}"))
            .contract
    };
    let (old, new) = (load("input.graphql"), load("served.graphql"));
    let policy = Policy::default();
    let opts = DiffOptions {
        policy: &policy,
        today: Date::today(),
        graphql_operations: None,
    };
    diff::graphql::diff(&old, &new, &opts)
        .into_iter()
        .map(|f| format!("{} {}: {}", f.rule.id, f.subject, f.message))
        .collect()
}

struct Pokedex;

#[async_graphql::async_trait::async_trait]
impl pokemon::QueryResolver for Pokedex {
    async fn pokemon(&self, _: &Context<'_>, id: ID) -> Result<Option<pokemon::Pokemon>> {
        Ok((id.as_str() == "1").then(|| pokemon::Pokemon::from(Bulbasaur)))
    }
}

struct Bulbasaur;

#[async_graphql::async_trait::async_trait]
impl pokemon::PokemonResolver for Bulbasaur {
    async fn id(&self, _: &Context<'_>) -> Result<ID> {
        Ok(ID::from("1"))
    }
    async fn name(&self, _: &Context<'_>) -> Result<String> {
        Ok("Bulbasaur".into())
    }
}

#[test]
fn pokemon_schema_served_is_the_sdl() {
    let input = include_str!("../../contracts/examples/pokemon/v1/pokemon.graphql");
    let served = served(&pokemon::schema(Pokedex).finish());
    assert_eq!(
        differences(input, &served),
        Vec::<String>::new(),
        "{served}"
    );
}

#[tokio::test]
async fn query_runs_through_the_generated_resolvers() {
    let schema = pokemon::schema(Pokedex).finish();
    let found = schema
        .execute(r#"{ pokemon(id: "1") { id name } missing: pokemon(id: "2") { id } }"#)
        .await;
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    assert_eq!(
        found.data.into_json().unwrap(),
        serde_json::json!({"pokemon": {"id": "1", "name": "Bulbasaur"}, "missing": null})
    );
}

/// Root resolvers for the kitchen sink: enough to build the schema.
struct Stub;

fn stub<T>() -> Result<T> {
    Err("not implemented in this test".into())
}

#[async_graphql::async_trait::async_trait]
impl sink::QueryResolver for Stub {
    async fn node(&self, _: &Context<'_>, _: ID) -> Result<Option<sink::Node>> {
        stub()
    }
    async fn pokemon(&self, _: &Context<'_>, _: ID) -> Result<Option<sink::Pokemon>> {
        stub()
    }
    async fn search(
        &self,
        _: &Context<'_>,
        _: String,
        _: Option<sink::PokemonFilter>,
        _: Option<sink::Page>,
    ) -> Result<Vec<sink::SearchResult>> {
        stub()
    }
    async fn trainer(&self, _: &Context<'_>, _: sink::TrainerRef) -> Result<Option<sink::Trainer>> {
        stub()
    }
    async fn random(
        &self,
        _: &Context<'_>,
        _: Option<Vec<sink::Type>>,
    ) -> Result<Option<sink::Pokemon>> {
        stub()
    }
}

#[async_graphql::async_trait::async_trait]
impl sink::MutationResolver for Stub {
    async fn catch(&self, _: &Context<'_>, _: ID, _: sink::TrainerRef) -> Result<sink::Pokemon> {
        stub()
    }
    async fn release(&self, _: &Context<'_>, _: ID) -> Result<bool> {
        stub()
    }
}

#[async_graphql::async_trait::async_trait]
impl sink::SubscriptionResolver for Stub {
    async fn wild_pokemon(
        &self,
        _: &Context<'_>,
        _: Option<String>,
    ) -> Result<async_graphql::futures_util::stream::BoxStream<'static, Result<sink::Pokemon>>>
    {
        stub()
    }
}

/// Everything but default values is served as written. async-graphql prints a default from the
/// Rust value, so input-object defaults come back with every field filled in (the fields'
/// own defaults, `null` for the others) and a single value given for a list comes back as a
/// list of one: the same values after GraphQL input coercion, written differently.
#[test]
fn kitchen_sink_schema_served_is_the_sdl_up_to_default_spelling() {
    let input = include_str!("../../codegen/tests/fixtures/graphql/kitchen_sink.graphql");
    let served = served(&sink::schema(Stub, Stub, Stub).finish());
    let diffs = differences(input, &served);
    let rules: Vec<&str> = diffs
        .iter()
        .map(|d| d.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        rules,
        [
            "field-argument-default-changed Query",
            "field-argument-default-changed Query",
            "field-argument-default-changed Query",
        ],
        "{diffs:#?}\n{served}"
    );
    for (arg, coerced) in [
        ("search.filter", "nameContains: \"a\""),
        ("search.page", "after: null"),
        ("random.types", "'[\n  WATER,\n]'"),
    ] {
        assert!(
            diffs.iter().any(|d| d.contains(arg) && d.contains(coerced)),
            "{arg}: {diffs:#?}"
        );
    }
}
