//! Protobuf loader: compiles through the Vfs with protox, keeps spans, reports located errors.

use std::path::PathBuf;

use contracts::fs::MemFs;
use contracts::proto::{self, ProtoContract};
use contracts::{Diagnostic, Refused};

fn fs(files: &[(&str, &str)]) -> MemFs {
    let mut fs = MemFs::new();
    for (p, t) in files {
        fs.insert(*p, t.as_bytes().to_vec());
    }
    fs
}

fn load(files: &[(&str, &str)], paths: &[&str], roots: &[&str]) -> Result<ProtoContract, Refused> {
    let fs = fs(files);
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let roots: Vec<PathBuf> = roots.iter().map(PathBuf::from).collect();
    proto::load(&fs, &paths, &roots).map(|l| l.contract)
}

fn refusal(r: Result<ProtoContract, Refused>) -> Diagnostic {
    match r {
        Ok(_) => panic!("expected a refusal"),
        Err(r) => r
            .diagnostics
            .into_iter()
            .next()
            .expect("a refusal says why"),
    }
}

fn at(d: &Diagnostic) -> String {
    let l = d.location().expect("the error is located");
    format!("{}:{}:{}", l.file, l.line, l.column)
}

const POKEMON: &str = "syntax = \"proto3\";\n\npackage pokemon.v1;\n\nimport \"google/protobuf/timestamp.proto\";\nimport \"common/region.proto\";\n\nservice PokemonService {\n  rpc GetPokemon(GetPokemonRequest) returns (Pokemon);\n}\n\nmessage GetPokemonRequest {\n  int32 id = 1;\n}\n\nmessage Pokemon {\n  int32 id = 1;\n  string name = 2;\n  google.protobuf.Timestamp caught_at = 3;\n  common.Region region = 4;\n  oneof extra { string nickname = 5; }\n  enum Kind { KIND_UNSPECIFIED = 0; FIRE = 1; }\n}\n";
const REGION: &str =
    "syntax = \"proto3\";\npackage common;\nenum Region { REGION_UNSPECIFIED = 0; KANTO = 1; }\n";

#[test]
fn compiles_with_imports_from_a_second_root_and_well_known_types() {
    let c = load(
        &[
            ("api/pokemon.proto", POKEMON),
            ("shared/common/region.proto", REGION),
        ],
        &["api/pokemon.proto"],
        &["api", "shared"],
    )
    .expect("loads");
    assert!(c.is_own("pokemon.proto"));
    assert!(!c.is_own("common/region.proto"));
    assert_eq!(c.own_files().count(), 1);
    assert!(c
        .pool()
        .get_file_by_name("google/protobuf/timestamp.proto")
        .is_some());

    let msg = c.pool().get_message_by_name("pokemon.v1.Pokemon").unwrap();
    let span = c.span_of_message(&msg).unwrap();
    assert_eq!(span.text(), "Pokemon");
    assert_eq!(span.location().to_string(), "api/pokemon.proto:16:9");
    let field = msg.get_field_by_name("caught_at").unwrap();
    let fs = c.span_of_field(&field).unwrap();
    assert_eq!(fs.text(), "google.protobuf.Timestamp caught_at = 3;");
    let svc = c
        .pool()
        .get_service_by_name("pokemon.v1.PokemonService")
        .unwrap();
    let m = svc.methods().next().unwrap();
    assert_eq!(c.span_of_method(&m).unwrap().location().line, 9);
    let kind = msg.child_enums().next().unwrap();
    let fire = kind.get_value_by_name("FIRE").unwrap();
    assert_eq!(c.span_of_enum_value(&fire).unwrap().text(), "FIRE = 1;");
    let oneof = msg.oneofs().next().unwrap();
    assert_eq!(c.span_of_oneof(&oneof).unwrap().text(), "extra");
    // The import's own source is kept too, so findings can point into it.
    let region = c.pool().get_enum_by_name("common.Region").unwrap();
    assert_eq!(
        c.span_of_enum(&region).unwrap().location().to_string(),
        "shared/common/region.proto:3:6"
    );
    assert!(!c.encoded_file_descriptor_set().is_empty());
}

#[test]
fn syntax_error_is_refused_with_its_location() {
    let d = refusal(load(
        &[(
            "r/a.proto",
            "syntax = \"proto3\";\nmessage A {\n  int32 a = 1\n}\n",
        )],
        &["r/a.proto"],
        &["r"],
    ));
    assert_eq!(d.code, "proto-syntax");
    assert_eq!(at(&d), "r/a.proto:4:1");
    assert!(d.hint.is_some());
}

#[test]
fn missing_import_points_at_the_import() {
    let d = refusal(load(
        &[(
            "r/a.proto",
            "syntax = \"proto3\";\nimport \"nope/b.proto\";\nmessage A {}\n",
        )],
        &["r/a.proto"],
        &["r"],
    ));
    assert_eq!(d.code, "import-not-found");
    assert_eq!(at(&d), "r/a.proto:2:1");
    assert!(d.hint.as_deref().unwrap().contains("-I"));
}

#[test]
fn unknown_type_points_at_the_use() {
    let d = refusal(load(
        &[(
            "r/a.proto",
            "syntax = \"proto3\";\npackage p;\nmessage A {\n  Missing m = 1;\n}\n",
        )],
        &["r/a.proto"],
        &["r"],
    ));
    assert_eq!(d.code, "unknown-type");
    assert_eq!(at(&d), "r/a.proto:4:3");
}

#[test]
fn duplicate_name_is_reported() {
    let d = refusal(load(
        &[(
            "r/a.proto",
            "syntax = \"proto3\";\npackage p;\nmessage A {}\nmessage A {}\n",
        )],
        &["r/a.proto"],
        &["r"],
    ));
    assert_eq!(d.code, "duplicate-name");
    assert!(at(&d).starts_with("r/a.proto:"), "{}", at(&d));
}

#[test]
fn a_file_outside_every_root_is_refused_with_a_hint() {
    let d = refusal(load(
        &[("x/a.proto", "syntax = \"proto3\";\n")],
        &["x/a.proto"],
        &["r"],
    ));
    assert_eq!(d.code, "proto-not-in-root");
    assert!(d.hint.unwrap().contains("-I"));
}

#[test]
fn descriptor_sets_load_without_source() {
    let c = load(
        &[
            ("api/pokemon.proto", POKEMON),
            ("shared/common/region.proto", REGION),
        ],
        &["api/pokemon.proto"],
        &["api", "shared"],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("api.binpb");
    std::fs::write(&set, c.encoded_file_descriptor_set()).unwrap();
    let loaded = proto::load(
        &contracts::fs::RealFs,
        std::slice::from_ref(&set),
        &[dir.path().to_path_buf()],
    )
    .expect("a descriptor set loads");
    let c2 = loaded.contract;
    assert!(c2
        .pool()
        .get_message_by_name("pokemon.v1.Pokemon")
        .is_some());
    assert!(c2.is_own("pokemon.proto"));
    assert!(!c2.is_own("google/protobuf/timestamp.proto"));
    let msg = c2.pool().get_message_by_name("pokemon.v1.Pokemon").unwrap();
    assert!(
        c2.span_of_message(&msg).is_none(),
        "no source text, no span"
    );
    assert_eq!(loaded.diagnostics[0].code, "proto-no-source");

    std::fs::write(&set, b"\xff\xff garbage").unwrap();
    let r = proto::load(&contracts::fs::RealFs, &[set], &[dir.path().to_path_buf()]);
    assert_eq!(refusal(r.map(|l| l.contract)).code, "proto-descriptor-set");
}

#[test]
fn lint_flags_missing_package_and_unspecified_zero_values() {
    let c = load(
        &[(
            "r/a.proto",
            "syntax = \"proto3\";\nenum Color {\n  RED = 0;\n}\n",
        )],
        &["r/a.proto"],
        &["r"],
    )
    .unwrap();
    let d = proto::lint(&c);
    let codes: Vec<_> = d.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["proto-package-missing", "enum-zero-value-name"]);
    assert_eq!(at(&d[1]), "r/a.proto:3:3");
    assert!(d[1].hint.as_deref().unwrap().contains("COLOR_UNSPECIFIED"));
}

#[test]
fn editions_files_load_through_their_proto2_lowering() {
    let loaded = proto::load(
        &fs(&[
            (
                "r/a.proto",
                "syntax = \"proto3\";\npackage p;\nmessage A {}\n",
            ),
            (
                "r/b.proto",
                "// new style\nedition = \"2023\";\npackage p;\noption features.enum_type = CLOSED;\nmessage B {\n  int32 id = 1 [features.field_presence = IMPLICIT];\n  E e = 2;\n}\nenum E { E0 = 0; }\n",
            ),
        ]),
        &[PathBuf::from("r/a.proto"), PathBuf::from("r/b.proto")],
        &[PathBuf::from("r")],
    )
    .expect("both files load");
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let c = &loaded.contract;
    let b = c
        .pool()
        .get_message_by_name("p.B")
        .expect("the editions file is compiled");
    assert_eq!(c.edition("b.proto"), Some("2023"));
    assert_eq!(
        c.features("b.proto", "p.B.id").unwrap().field_presence,
        "IMPLICIT"
    );
    assert_eq!(
        c.features("b.proto", "p.B.e").unwrap().field_presence,
        "EXPLICIT"
    );
    assert_eq!(c.features("b.proto", "p.E").unwrap().enum_type, "CLOSED");
    assert_eq!(
        c.features("a.proto", "p.A"),
        None,
        "proto3 files have no features"
    );
    // Spans point into the original text, lines unchanged.
    let id = b.get_field_by_name("id").unwrap();
    assert_eq!(c.span_of_field(&id).unwrap().location().line, 6);
}

#[test]
fn an_editions_file_that_cannot_be_read_is_left_out_with_a_located_warning() {
    let loaded = proto::load(
        &fs(&[
            (
                "r/a.proto",
                "syntax = \"proto3\";\npackage p;\nmessage A {}\n",
            ),
            (
                "r/b.proto",
                "// new style\nedition = \"2023\";\npackage p;\nmessage B { int32 = ; }\n",
            ),
        ]),
        &[PathBuf::from("r/a.proto"), PathBuf::from("r/b.proto")],
        &[PathBuf::from("r")],
    )
    .expect("the proto3 file still loads");
    let d = &loaded.diagnostics[0];
    assert_eq!(d.code, "proto-editions-unsupported");
    assert_eq!(d.severity, contracts::Severity::Warning);
    assert_eq!(at(d), "r/b.proto:2:1");
    assert!(loaded.contract.pool().get_message_by_name("p.A").is_some());
    assert!(loaded.contract.pool().get_message_by_name("p.B").is_none());
}

#[test]
fn columns_count_bytes_so_non_ascii_text_does_not_shift_spans() {
    let c = load(
        &[(
            "r/a.proto",
            "syntax = \"proto3\";\npackage p;\nmessage A { /* ünïcødé */ int32 id = 1; }\n",
        )],
        &["r/a.proto"],
        &["r"],
    )
    .unwrap();
    let m = c.pool().get_message_by_name("p.A").unwrap();
    let f = m.get_field_by_name("id").unwrap();
    assert_eq!(c.span_of_field(&f).unwrap().text(), "int32 id = 1;");
}

/// On the real file system the texts of compiled files are dropped after loading and read back
/// for spans; a file edited since it was compiled gives no span rather than a wrong one.
#[test]
fn texts_are_read_back_for_spans_and_an_edited_file_gives_none() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "a.proto",
        "syntax = \"proto3\";\npackage a;\n\nmessage First { int32 id = 1; }\n",
    );
    write(
        "b.proto",
        "syntax = \"proto3\";\npackage a;\n\nmessage Second { int32 id = 1; }\n",
    );
    let paths = [dir.path().join("a.proto"), dir.path().join("b.proto")];
    let c = proto::load(&contracts::fs::RealFs, &paths, &[dir.path().to_path_buf()])
        .unwrap()
        .contract;
    let first = c.pool().get_message_by_name("a.First").unwrap();
    let span = c.span_of_message(&first).expect("read back from disk");
    assert_eq!(
        &c.source("a.proto").unwrap().text()[span.start..span.end],
        "First"
    );
    write(
        "b.proto",
        "syntax = \"proto3\";\npackage a;\n\nmessage Renamed { int32 id = 1; }\n",
    );
    let second = c.pool().get_message_by_name("a.Second").unwrap();
    assert!(c.span_of_message(&second).is_none());
    assert!(c.source("b.proto").is_none());
}
