//! Round trip over loopback: a server implemented on the `Api` trait `openapi!` generated and
//! the generated client exchange every parameter kind, several statuses (fixed, range,
//! default), response headers, JSON, text, binary, form and multipart bodies, a discriminated
//! `oneOf`, a recursive type, defaults, readOnly/writeOnly views and string formats; requests
//! that break the contract are answered with problem+json.

use std::collections::BTreeMap;
use std::sync::Mutex;

use contract_runtime::bytes::Bytes;
use contract_runtime::stream::ByteStream;

mod api {
    contract_macros::openapi!("../codegen/tests/fixtures/openapi/pokedex.yaml");
}

use api::*;

#[derive(Default)]
struct Dex {
    pokemon: Mutex<BTreeMap<i32, Pokemon>>,
}

impl Dex {
    fn get(&self, id: i32) -> Option<Pokemon> {
        self.pokemon.lock().ok()?.get(&id).cloned()
    }
}

fn problem(title: &str, status: i64) -> Problem {
    Problem {
        r#type: None,
        title: title.into(),
        status,
        detail: None,
        additional_properties: BTreeMap::new(),
    }
}

impl Api for Dex {
    async fn list_pokemon(&self, params: ListPokemonParams) -> ListPokemonResponse {
        let all: Vec<Pokemon> = self
            .pokemon
            .lock()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default();
        let types = params.r#type.unwrap_or_default();
        let ids = params.ids.unwrap_or_default();
        let body: Vec<Pokemon> = all
            .into_iter()
            .filter(|p| types.is_empty() || p.types.iter().any(|t| types.contains(t)))
            .filter(|p| ids.is_empty() || ids.contains(&p.id))
            .take(params.limit as usize)
            .collect();
        ListPokemonResponse::Ok {
            x_total_count: body.len() as i64,
            // Echo what arrived in the header and the cookie.
            x_next: Some(format!(
                "{}/{}",
                params.x_trace_id,
                params.session.unwrap_or_default()
            )),
            body,
        }
    }

    async fn create_pokemon(&self, body: NewPokemon) -> CreatePokemonResponse {
        if body.name.is_empty() {
            return CreatePokemonResponse::UnprocessableEntity(problem("empty name", 422));
        }
        let Ok(mut map) = self.pokemon.lock() else {
            return CreatePokemonResponse::UnprocessableEntity(problem("poisoned", 422));
        };
        let id = map.len() as i32 + 1;
        let evolves_from = map.get(&(id - 1)).cloned().map(Box::new);
        // The writeOnly `trainer_note` arrived; the response view has no field for it.
        let nickname = match body.trainer_note {
            Some(note) => Some(format!("{} ({note})", body.nickname.unwrap_or_default())),
            None => body.nickname,
        };
        let p = Pokemon {
            name: body.name,
            types: body.types,
            generation: body.generation,
            nickname,
            stats: body.stats,
            extra: body.extra,
            weight: body.weight,
            caught_at: body.caught_at,
            shiny: body.shiny,
            level: body.level,
            region: body.region,
            trainer_email: body.trainer_email,
            _1st_move: body._1st_move,
            size: body.size,
            id,
            evolves_from,
            evolutions: None,
        };
        map.insert(id, p.clone());
        CreatePokemonResponse::Created(p)
    }

    async fn get_pokemon(&self, params: GetPokemonParams) -> GetPokemonResponse {
        match (params.id, self.get(params.id)) {
            (0, _) => GetPokemonResponse::Default {
                status: 418,
                body: problem("zero is a teapot", 418),
            },
            (_, Some(p)) => GetPokemonResponse::Ok(p),
            (_, None) => GetPokemonResponse::NotFound,
        }
    }

    async fn replace_pokemon(
        &self,
        params: ReplacePokemonParams,
        body: PokemonRequest,
    ) -> ReplacePokemonResponse {
        // The request view has no `id` (readOnly): the path gives it.
        let p = Pokemon {
            name: body.name,
            types: body.types,
            generation: body.generation,
            nickname: body.trainer_note.or(body.nickname),
            stats: body.stats,
            extra: body.extra,
            weight: body.weight,
            caught_at: body.caught_at,
            shiny: body.shiny,
            level: body.level,
            region: body.region,
            trainer_email: body.trainer_email,
            _1st_move: body._1st_move,
            size: body.size,
            id: params.id,
            evolves_from: None,
            evolutions: None,
        };
        if let Ok(mut map) = self.pokemon.lock() {
            map.insert(params.id, p.clone());
        }
        ReplacePokemonResponse::Ok(p)
    }

    async fn release_pokemon(&self, params: ReleasePokemonParams) -> ReleasePokemonResponse {
        let removed = self
            .pokemon
            .lock()
            .ok()
            .and_then(|mut m| m.remove(&params.id));
        match removed {
            Some(_) => ReleasePokemonResponse::NoContent,
            None => ReleasePokemonResponse::Status4xx {
                status: 409,
                body: format!("no Pokémon {} to release", params.id),
            },
        }
    }

    async fn put_pokemon_id_sprite(
        &self,
        _params: PutPokemonIdSpriteParams,
        body: Option<ByteStream>,
    ) -> PutPokemonIdSpriteResponse {
        // Streamed through: the request's chunks become the response's as they arrive.
        PutPokemonIdSpriteResponse::Ok(body.unwrap_or_default())
    }

    async fn my_pokemon(&self) -> MyPokemonResponse {
        MyPokemonResponse::Ok(Pokemon {
            name: "Pikachu".into(),
            types: vec![Type::Grass2],
            generation: Generation::new(1),
            nickname: None,
            stats: None,
            extra: None,
            weight: None,
            caught_at: None,
            shiny: true,
            level: 50,
            region: Region::Johto,
            trainer_email: None,
            _1st_move: "thunder shock".into(),
            size: Size::new(serde_json::json!(0.5)),
            id: 25,
            evolves_from: None,
            evolutions: None,
        })
    }

    async fn upload_card(
        &self,
        params: UploadCardParams,
        body: UploadCardBody,
    ) -> UploadCardResponse {
        UploadCardResponse::Ok(format!(
            "#{} {:?} level {:?} tags {:?}: {} bytes starting {:?}",
            params.id,
            body.caption,
            body.level,
            body.tags.unwrap_or_default(),
            body.image.0.len(),
            &body.image.0[..body.image.0.len().min(4)],
        ))
    }

    async fn search_form(&self, body: SearchFormBody) -> SearchFormResponse {
        SearchFormResponse::Ok(format!(
            "{:?} {:?} {:?}",
            body.name, body.shiny, body.r#type
        ))
    }

    async fn trainer_party(&self, params: TrainerPartyParams) -> TrainerPartyResponse {
        let mut party: Vec<PartyMember> = self
            .pokemon
            .lock()
            .map(|m| m.values().cloned().map(PartyMember::Pokemon).collect())
            .unwrap_or_default();
        party.push(PartyMember::Trainer(Trainer {
            kind: "trainer".into(),
            name: params.name,
            badges: Some(8),
            homepage: Some("https://pallet.example/ash".parse().unwrap()),
            badge_image: Some(contract_runtime::format::Base64(b"\x89PNG".to_vec())),
            last_seen_from: Some("::1".parse().unwrap()),
        }));
        TrainerPartyResponse::Ok(party)
    }
}

fn new_pokemon(name: &str, types: Vec<Type>) -> NewPokemon {
    NewPokemon {
        name: name.into(),
        types,
        generation: Generation::new(1),
        nickname: Some("Bulby".into()),
        stats: Some(BTreeMap::from([("hp".to_string(), 45)])),
        extra: Some(serde_json::json!({"any": ["thing"]})),
        weight: Some(6.9),
        caught_at: Some("2026-11-25T08:30:00.5+01:00".parse().unwrap()),
        trainer_note: None,
        shiny: false,
        level: 5,
        region: Region::Kanto,
        trainer_email: Some("ash@pallet.example".parse().unwrap()),
        _1st_move: "vine whip".into(),
        size: Size::new(serde_json::json!("large")),
    }
}

/// The problem document a rejection carries.
async fn problem_of(r: contract_runtime::reqwest::Response) -> contract_runtime::problem::Problem {
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn generated_client_and_server_exchange_every_feature() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        contract_runtime::axum::serve(listener, router(Dex::default())).await
    });
    let base = format!("http://{addr}");
    let client = Client::new(&base);

    // JSON body in, 201 out; a recursive field filled on the second one.
    let CreatePokemonResponse::Created(bulbasaur) = client
        .create_pokemon(&new_pokemon("Bulbasaur", vec![Type::Grass]))
        .await
        .unwrap()
    else {
        panic!("201 expected")
    };
    assert_eq!(bulbasaur.id, 1);
    assert_eq!(
        bulbasaur.caught_at.as_ref().map(|d| d.as_str()),
        Some("2026-11-25T08:30:00.5+01:00"),
        "a date-time keeps its text both ways"
    );
    assert_eq!(bulbasaur.stats.as_ref().unwrap()["hp"], 45);
    assert_eq!(
        bulbasaur.size.as_ref().map(Size::get),
        Some(&serde_json::json!("large")),
        "a mixed enum's value both ways"
    );
    let CreatePokemonResponse::Created(ivysaur) = client
        .create_pokemon(&new_pokemon("Ivysaur", vec![Type::Grass, Type::Fire]))
        .await
        .unwrap()
    else {
        panic!("201 expected")
    };
    assert_eq!(ivysaur.evolves_from.as_deref(), Some(&bulbasaur));
    assert_eq!(
        client
            .create_pokemon(&new_pokemon("", vec![]))
            .await
            .unwrap(),
        CreatePokemonResponse::UnprocessableEntity(problem("empty name", 422))
    );

    // Path parameter; 200, a 404 without a body, and `default` with its status.
    assert_eq!(
        client
            .get_pokemon(&GetPokemonParams { id: 2 })
            .await
            .unwrap(),
        GetPokemonResponse::Ok(ivysaur.clone())
    );
    assert_eq!(
        client
            .get_pokemon(&GetPokemonParams { id: 99 })
            .await
            .unwrap(),
        GetPokemonResponse::NotFound
    );
    assert_eq!(
        client
            .get_pokemon(&GetPokemonParams { id: 0 })
            .await
            .unwrap(),
        GetPokemonResponse::Default {
            status: 418,
            body: problem("zero is a teapot", 418)
        }
    );

    // Query (exploded list, comma list, scalar), header and cookie; response headers.
    let listed = client
        .list_pokemon(&ListPokemonParams {
            r#type: Some(vec![Type::Fire, Type::Water]),
            ids: Some(vec![1, 2]),
            limit: 5,
            _3d_sprites: true,
            x_trace_id: "trace-1".into(),
            session: Some("s3ss10n".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        listed,
        ListPokemonResponse::Ok {
            body: vec![ivysaur.clone()],
            x_total_count: 1,
            x_next: Some("trace-1/s3ss10n".into())
        }
    );

    // Defaults: an absent property or parameter takes the contract's value. Raw JSON, so the
    // client's own field values play no part.
    let http = contract_runtime::reqwest::Client::new();
    let r = http
        .post(format!("{base}/pokemon"))
        .header("content-type", "application/json")
        .body(r#"{"name": "Oddish", "types": ["grass"], "trainerNote": "found at night"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let created: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(
        (&created["shiny"], &created["level"], &created["region"]),
        (
            &serde_json::json!(false),
            &serde_json::json!(5),
            &serde_json::json!("kanto")
        )
    );
    // writeOnly: the note reached the server (it folds it into the nickname), and the
    // response view has no place for the property itself.
    assert_eq!(created["nickname"], serde_json::json!(" (found at night)"));
    assert_eq!(created["1stMove"], serde_json::json!("tackle"));
    assert!(created.get("trainerNote").is_none(), "{created}");
    let r = http
        .get(format!("{base}/pokemon"))
        .header("x-trace-id", "t")
        .send()
        .await
        .unwrap();
    let all: Vec<serde_json::Value> = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(all.len(), 3, "no limit sent: the default 20 applies");
    // readOnly: the request view of `Pokemon` has no `id`; the response carries the path's.
    let ReplacePokemonResponse::Ok(replaced) = client
        .replace_pokemon(
            &ReplacePokemonParams { id: 3 },
            &PokemonRequest {
                name: "Gloom".into(),
                types: vec![Type::Grass],
                generation: None,
                nickname: None,
                stats: None,
                extra: None,
                weight: None,
                caught_at: None,
                trainer_note: Some("evolved".into()),
                trainer_email: None,
                _1st_move: "absorb".into(),
                size: None,
                shiny: true,
                level: 21,
                region: Region::Johto,
                evolves_from: None,
                evolutions: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (replaced.id, replaced.nickname.as_deref(), replaced.level),
        (3, Some("evolved"), 21)
    );

    // A concrete path beside a template.
    let MyPokemonResponse::Ok(me) = client.my_pokemon().await.unwrap();
    assert_eq!(
        (me.name.as_str(), me.types.as_slice()),
        ("Pikachu", &[Type::Grass2][..])
    );

    // A discriminated oneOf both ways (the tag is written even where the member lacks it).
    let TrainerPartyResponse::Ok(party) = client
        .trainer_party(&TrainerPartyParams {
            name: "Ash Ketchum".into(),
        })
        .await
        .unwrap();
    assert_eq!(party.len(), 4);
    assert!(matches!(&party[0], PartyMember::Pokemon(p) if p.name == "Bulbasaur"));
    assert!(matches!(&party[3], PartyMember::Trainer(t) if t.name == "Ash Ketchum"));
    // Formats: uri, byte (base64 on the wire, bytes in Rust) and ipv6.
    let trainer = serde_json::to_value(&party[3]).unwrap();
    assert_eq!(
        (
            &trainer["homepage"],
            &trainer["badgeImage"],
            &trainer["lastSeenFrom"]
        ),
        (
            &serde_json::json!("https://pallet.example/ash"),
            &serde_json::json!("iVBORw=="),
            &serde_json::json!("::1")
        )
    );
    let PartyMember::Trainer(t) = &party[3] else {
        unreachable!()
    };
    assert_eq!(t.badge_image.as_ref().unwrap().0, b"\x89PNG");
    assert_eq!(
        serde_json::to_value(&party[0]).unwrap()["kind"],
        serde_json::json!("pokemon")
    );

    // A binary body streamed both ways: 3 MiB in 48 chunks, more than the 2 MiB a buffered
    // body may have, echoed back chunk by chunk.
    let chunk = |i: u8| Bytes::from(vec![i; 64 * 1024]);
    let chunks = futures_util::stream::iter((0..48u8).map(move |i| Ok(chunk(i))));
    let PutPokemonIdSpriteResponse::Ok(echo) = client
        .put_pokemon_id_sprite(
            &PutPokemonIdSpriteParams { id: 1 },
            Some(ByteStream::new(chunks)),
        )
        .await
        .unwrap();
    let echoed = echo.collect().await.unwrap();
    assert_eq!(echoed.len(), 48 * 64 * 1024);
    assert!(echoed
        .chunks(64 * 1024)
        .enumerate()
        .all(|(i, c)| c.iter().all(|b| usize::from(*b) == i)));
    // No body at all: absent on the server, an empty stream back.
    let PutPokemonIdSpriteResponse::Ok(empty) = client
        .put_pokemon_id_sprite(&PutPokemonIdSpriteParams { id: 1 }, None)
        .await
        .unwrap();
    assert!(empty.collect().await.unwrap().is_empty());

    // A multipart body: text fields coerced, a repeated field as a list, a file part as bytes
    // (with CR LF and a would-be boundary inside).
    let image = b"\x89PNG\r\n--contract-boundary-".to_vec();
    assert_eq!(
        client
            .upload_card(
                &UploadCardParams { id: 25 },
                &UploadCardBody {
                    caption: "Pika & \"chu\"".into(),
                    level: Some(12),
                    tags: Some(vec!["electric".into(), "mouse".into()]),
                    image: contract_runtime::form::Binary(image.clone()),
                },
            )
            .await
            .unwrap(),
        UploadCardResponse::Ok(format!(
            "#25 \"Pika & \\\"chu\\\"\" level Some(12) tags [\"electric\", \"mouse\"]: {} bytes starting [137, 80, 78, 71]",
            image.len()
        ))
    );
    // A form body, coerced to a boolean and an enum.
    assert_eq!(
        client
            .search_form(&SearchFormBody {
                name: "Mr. Mime".into(),
                shiny: Some(true),
                r#type: Some(Type::Water),
            })
            .await
            .unwrap(),
        SearchFormResponse::Ok("\"Mr. Mime\" Some(true) Some(Water)".into())
    );

    // 204, and a 4XX range with a text body.
    assert_eq!(
        client
            .release_pokemon(&ReleasePokemonParams { id: 1 })
            .await
            .unwrap(),
        ReleasePokemonResponse::NoContent
    );
    assert_eq!(
        client
            .release_pokemon(&ReleasePokemonParams { id: 1 })
            .await
            .unwrap(),
        ReleasePokemonResponse::Status4xx {
            status: 409,
            body: "no Pokémon 1 to release".into()
        }
    );

    // Requests that break the contract: every violation at once, as problem+json.
    let r = http
        .get(format!("{base}/pokemon?ids=1,x&limit=many&type=fire"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let p = problem_of(r).await;
    let got: Vec<(&str, &str)> = p
        .violations
        .iter()
        .map(|v| (v.kind.as_str(), v.location.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("parameter-invalid", "request.query.ids"),
            ("parameter-invalid", "request.query.limit"),
            ("parameter-missing", "request.header.x-trace-id"),
        ]
    );
    // A parameter's constraints.
    let r = http
        .get(format!("{base}/pokemon?limit=500"))
        .header("x-trace-id", "t")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let p = problem_of(r).await;
    assert_eq!(
        (
            p.violations[0].kind.as_str(),
            p.violations[0].location.as_str(),
            p.violations[0].message.as_str()
        ),
        (
            "parameter-invalid",
            "request.query.limit",
            "above the maximum 50"
        )
    );
    let r = http
        .post(format!("{base}/pokemon"))
        .header("content-type", "application/json")
        .body(r#"{"name": "Mew"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let p = problem_of(r).await;
    assert_eq!(p.violations[0].kind, "body-invalid");
    assert!(p.violations[0].message.starts_with("missing field `types`"));
    // The contract's constraints, checked as the body deserializes: named, never echoed.
    for (body, message) in [
        (
            r#"{"name": "Abcdefghijklmnopqrstuvwxyz", "types": []}"#,
            "`name` longer than maxLength 20",
        ),
        (
            r#"{"name": "R2D2", "types": []}"#,
            "`name` does not match the pattern ^[^0-9]*$",
        ),
        (
            r#"{"name": "Mew", "types": ["fire", "fire"]}"#,
            "`types` items are not unique (uniqueItems)",
        ),
        (
            r#"{"name": "Mew", "types": [], "weight": 0}"#,
            "`weight` not above the exclusive minimum 0",
        ),
        (
            r#"{"name": "Mew", "types": [], "caughtAt": "yesterday"}"#,
            "not a valid date-time (RFC 3339)",
        ),
        (
            r#"{"name": "Mew", "types": [], "trainerEmail": "ash at pallet"}"#,
            "not a valid email address",
        ),
        (
            r#"{"name": "Mew", "types": [], "size": "huge"}"#,
            "not one of the values of Size",
        ),
        (
            r#"{"name": "Mew", "types": [], "trainerEmail": "a-very-long-name@a-very-long-domain.example"}"#,
            "`trainerEmail` longer than maxLength 40",
        ),
    ] {
        let r = http
            .post(format!("{base}/pokemon"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{body}");
        let p = problem_of(r).await;
        assert_eq!(p.violations[0].kind, "body-invalid");
        assert!(
            p.violations[0].message.starts_with(message),
            "{body}: {}",
            p.violations[0].message
        );
    }
    // A form field of the wrong type, and a multipart body without its file part.
    for (path, ct, body, kind, message) in [
        (
            "/search",
            "application/x-www-form-urlencoded",
            "name=Mew&shiny=perhaps",
            "body-invalid",
            "expected a boolean",
        ),
        (
            "/pokemon/1/card",
            "multipart/form-data; boundary=XyZ",
            "--XyZ\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nhi\r\n--XyZ--\r\n",
            "body-invalid",
            "missing field `image`",
        ),
        (
            "/pokemon/1/card",
            "multipart/form-data",
            "no boundary",
            "body-malformed",
            "multipart/form-data needs a boundary in Content-Type",
        ),
    ] {
        let r = http
            .post(format!("{base}{path}"))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{path} {body}");
        let p = problem_of(r).await;
        assert_eq!(p.violations[0].kind, kind, "{path} {body}");
        assert!(
            p.violations[0].message.starts_with(message),
            "{}",
            p.violations[0].message
        );
        assert!(
            !p.violations[0].message.contains("perhaps"),
            "values are not echoed"
        );
    }
    let r = http.get(format!("{base}/nope")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = http
        .patch(format!("{base}/pokemon/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"].to_str().unwrap(), "GET, PUT, DELETE");

    server.abort();
}
