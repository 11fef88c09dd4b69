//! GraphQL loader: many SDL files with extensions, validation codes with locations, and
//! introspection JSON whose locations point into the JSON.

use std::path::{Path, PathBuf};

use contracts::fs::RealFs;
use contracts::graphql;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/graphql")
        .join(name)
}

#[test]
fn many_files_with_extensions_form_one_schema() {
    let l = graphql::load(
        &RealFs,
        &[fixture("schema.graphql"), fixture("extensions.graphql")],
    )
    .expect("loads");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let s = l.contract.schema();
    let query = s.get_object("Query").unwrap();
    assert!(
        query.fields.contains_key("all"),
        "the extension's field is merged"
    );
    let all = &query.fields["all"];
    let span = l.contract.span_of(all).unwrap().location();
    assert!(
        span.file.ends_with("extensions.graphql") && span.line == 7,
        "{span}"
    );
    let pokemon = s.get_object("Pokemon").unwrap();
    let name = &pokemon.fields["name"];
    assert!(name.directives.get("deprecated").is_some());
    assert!(s.directive_definitions["cost"].repeatable);
}

#[test]
fn introspection_locations_point_into_the_json() {
    let l = graphql::load(&RealFs, &[fixture("introspection.json")]).expect("loads");
    let d: Vec<_> = l
        .diagnostics
        .iter()
        .map(|d| (d.code, d.location().map(|l| l.line)))
        .collect();
    // `Strin` is unknown: reported at the field's object in the JSON (line 15).
    assert_eq!(d, [("unknown-type", Some(15))], "{:?}", l.diagnostics);
    let s = l.contract.schema();
    let pokemon = s.get_object("Pokemon").unwrap();
    assert_eq!(
        pokemon
            .description
            .as_ref()
            .map(|d| d.to_string())
            .as_deref(),
        Some("A Pokémon.")
    );
    let q = &s.get_object("Query").unwrap().fields["pokemon"];
    assert_eq!(l.contract.span_of(q).unwrap().location().line, 8);
}

#[test]
fn broken_inputs_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let p = write("syntax.graphql", "type Query {\n  a: Int\n");
    let r = graphql::load(&RealFs, &[p]).unwrap_err();
    assert_eq!(r.diagnostics[0].code, "graphql-syntax");
    assert_eq!(
        r.diagnostics[0].location().unwrap().line,
        3,
        "at the end of the file"
    );

    let p = write("bad.graphql", "type Query { a: Int }\ninterface I { x: Int! }\ntype T implements I { y: Int }\ntype U { a: Int a: String }\n");
    let l = graphql::load(&RealFs, &[p]).unwrap();
    let codes: Vec<_> = l
        .diagnostics
        .iter()
        .map(|d| (d.code, d.location().unwrap().line))
        .collect();
    assert!(
        codes.contains(&("bad-interface-implementation", 3)),
        "{codes:?}"
    );
    assert!(codes.contains(&("duplicate-field", 4)), "{codes:?}");

    let p = write("bad.json", "{\"data\": {}}");
    let r = graphql::load(&RealFs, &[p]).unwrap_err();
    assert_eq!(r.diagnostics[0].code, "not-introspection");
}
