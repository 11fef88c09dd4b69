//! Contract validation through a real gateway, a real upstream and a real client, in both
//! modes: routing, parameters in every place and style, security, bodies by media type,
//! readOnly/writeOnly, discriminator, formats, responses.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use contract_gateway::{GatewayHandle, Mode, OperationOverride, Policy};
use serde_json::Value;

fn petstore() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/petstore.yaml")
}

/// An upstream that answers like the petstore, with a few deliberately wrong answers.
async fn upstream() -> TestUpstream {
    TestUpstream::start(|seen| {
        let path = seen.uri.split('?').next().unwrap_or("").to_string();
        let query = seen
            .uri
            .split_once('?')
            .map(|(_, q)| q.to_string())
            .unwrap_or_default();
        let mut c = match (seen.method.as_str(), path.as_str()) {
            ("GET", "/v1/pets") => {
                let mut c = Canned::json(200, r#"[{"id":1,"name":"Rex","tag":null}]"#);
                if !query.contains("limit=99") {
                    c.headers.push(("x-total".into(), "1".into()));
                }
                c
            }
            ("POST", "/v1/pets") => Canned::json(201, r#"{"id":2,"name":"Tom"}"#),
            ("GET", "/v1/pets/1") => Canned::json(200, r#"{"id":1,"name":"Rex"}"#),
            ("GET", "/v1/pets/2") => Canned::json(200, r#"{"id":"two","name":""}"#),
            ("GET", "/v1/pets/3") => {
                Canned::json(200, r#"{"id":3,"name":"Tim","secret":"s3cr3t"}"#)
            }
            ("GET", "/v1/pets/4") => Canned::json(418, r#"{"message":"teapot"}"#),
            ("GET", "/v1/pets/5") => Canned {
                headers: vec![("content-type".into(), "text/html".into())],
                ..Canned::json(200, "<p>hi</p>")
            },
            ("GET", "/v1/pets/6") => Canned::json(200, r#"{"id":6,"name":"#),
            ("GET", "/v1/pets/7") => Canned::json(404, r#"{"message":"gone"}"#),
            ("DELETE", _) | ("PUT", _) | ("POST", "/v1/animals") => Canned {
                headers: vec![],
                ..Canned::json(204, "")
            },
            ("GET", p) if p.starts_with("/v1/reports/") => Canned {
                headers: vec![("content-type".into(), "text/csv".into())],
                ..Canned::json(200, "a,b\n1,2\n")
            },
            ("POST", "/v1/notes") => Canned {
                headers: vec![],
                ..Canned::json(201, "")
            },
            _ => Canned {
                headers: vec![],
                ..Canned::json(200, "")
            },
        };
        c.chunked = false;
        c
    })
    .await
}

async fn gateway(up: &TestUpstream, mode: Mode) -> GatewayHandle {
    start(config(&up.url(), Some(petstore()), mode)).await
}

fn url(gw: &GatewayHandle, path: &str) -> String {
    format!("http://{}{path}", gw.addr())
}

/// Stored violations (the store is written asynchronously, so poll briefly).
async fn recorded(gw: &GatewayHandle, filter: &str, at_least: usize) -> Vec<Value> {
    let admin = gw.admin_addr().unwrap();
    for _ in 0..100 {
        let v = get(&format!("http://{admin}/violations?{filter}"))
            .await
            .json();
        let rows = v["violations"].as_array().cloned().unwrap_or_default();
        if rows.len() >= at_least {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("fewer than {at_least} violations recorded for `{filter}`");
}

fn locations(p: &Value) -> Vec<String> {
    p["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["location"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_traffic_passes_in_both_modes() {
    let up = upstream().await;
    for mode in [Mode::Enforce, Mode::Report] {
        let gw = gateway(&up, mode).await;
        let ok = [
            get(&url(
                &gw,
                "/v1/pets?limit=10&tags=a&tags=b&ids=1|2&filter[minAge]=2&filter[kind]=cat",
            ))
            .await,
            get(&url(&gw, "/v1/pets/1")).await,
            get(&url(&gw, "/v1/pets/mine")).await,
            get(&url(&gw, "/v1/reports/sales.csv")).await,
            send(
                "GET",
                &url(&gw, "/v1/search?q%5B%5D=a&q[]=b"),
                &[("cookie", "session=abcdefgh")],
                Bytes::new(),
            )
            .await,
            send(
                "POST",
                &url(&gw, "/v1/pets"),
                &[("x-api-key", "k"), ("content-type", "application/json")],
                r#"{"name":"Tom","tag":null}"#,
            )
            .await,
            send(
                "POST",
                &url(&gw, "/v1/notes"),
                &[("content-type", "text/plain")],
                "remember",
            )
            .await,
            send(
                "DELETE",
                &url(&gw, "/v1/pets/1"),
                &[("cookie", "sid=1")],
                Bytes::new(),
            )
            .await,
            send("GET", &url(&gw, "/v1/pets/7"), &[], Bytes::new()).await,
        ];
        for (i, g) in ok.iter().enumerate() {
            assert!(
                g.status < 300 || g.status == 404,
                "#{i} in {mode}: {} {}",
                g.status,
                String::from_utf8_lossy(&g.body)
            );
        }
        assert_eq!(ok[1].json()["name"], "Rex");
        let m = gw.metrics();
        assert!(
            !m.contains("gateway_violations_total{"),
            "{mode}: no violations expected:\n{m}"
        );
        gw.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforce_rejects_invalid_parameters_without_calling_the_upstream() {
    let up = upstream().await;
    let gw = gateway(&up, Mode::Enforce).await;
    let p = get(&url(
        &gw,
        "/v1/pets?limit=0&tags=toolong&ids=1|x&filter[kind]=cow",
    ))
    .await
    .problem(400);
    let locs = locations(&p);
    for want in [
        "request.query.limit",
        "request.query.tags",
        "request.query.ids",
        "request.query.filter",
    ] {
        assert!(locs.iter().any(|l| l == want), "{want} in {locs:?}");
    }
    let limit = &p["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["location"] == "request.query.limit")
        .unwrap()
        .clone();
    assert_eq!(limit["kind"], "parameter-invalid");
    assert_eq!(
        limit["schema_path"],
        "/paths/~1pets/get/parameters/0/schema/minimum"
    );
    assert_eq!(
        limit["spec"],
        format!("{}:18", petstore().display()),
        "the `minimum:` line"
    );
    assert_eq!(up.hits(), 0);

    let p = get(&url(&gw, "/v1/pets?limit=3000000000"))
        .await
        .problem(400);
    assert_eq!(
        p["violations"][0]["location"], "request.query.limit",
        "int32 range"
    );
    let p = get(&url(&gw, "/v1/pets/abc")).await.problem(400);
    assert_eq!(p["violations"][0]["location"], "request.path.petId");
    let p = send(
        "GET",
        &url(&gw, "/v1/pets"),
        &[("x-trace", "not-a-uuid")],
        Bytes::new(),
    )
    .await
    .problem(400);
    assert_eq!(p["violations"][0]["location"], "request.header.x-trace");
    let p = get(&url(&gw, "/v1/reports/Sales.doc")).await.problem(400);
    assert_eq!(locations(&p), ["request.path.name", "request.path.ext"]);
    let p = get(&url(&gw, "/v1/search?q[]=a")).await.problem(400);
    assert_eq!(p["violations"][0]["kind"], "parameter-missing");
    assert_eq!(p["violations"][0]["location"], "request.cookie.session");
    let p = send(
        "GET",
        &url(&gw, "/v1/search"),
        &[("cookie", "session=short")],
        Bytes::new(),
    )
    .await
    .problem(400);
    assert_eq!(
        locations(&p),
        ["request.query.q[]", "request.cookie.session"]
    );
    // Label style path parameter.
    let ok = send("PUT", &url(&gw, "/v1/pets/.5/photo"), &[], Bytes::new())
        .await
        .problem(400);
    assert!(
        !locations(&ok).contains(&"request.path.petId".to_string()),
        "label `.5` is valid"
    );
    assert_eq!(up.hits(), 0, "no invalid request reached the upstream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_forwards_invalid_requests_unchanged_and_records_them() {
    let up = upstream().await;
    let gw = gateway(&up, Mode::Report).await;
    let body = r#"{"id": 5, "name": ""}"#;
    let got = send(
        "POST",
        &url(&gw, "/v1/pets?limit=x"),
        &[
            ("content-type", "application/json"),
            ("authorization", "Bearer t0k3n"),
        ],
        body,
    )
    .await;
    assert_eq!(got.status, 201);
    assert_eq!(got.body, Bytes::from_static(br#"{"id":2,"name":"Tom"}"#));
    let seen = up.last();
    assert_eq!(
        seen.body,
        Bytes::from(body),
        "the upstream gets the client's bytes"
    );
    assert_eq!(seen.uri, "/v1/pets?limit=x");
    let rows = recorded(&gw, "operation=createPet", 3).await;
    let locs: Vec<&str> = rows
        .iter()
        .map(|r| r["location"].as_str().unwrap())
        .collect();
    assert!(locs.contains(&"request.body"), "{locs:?}");
    assert!(
        locs.contains(&"request.query.limit"),
        "unknown query parameter recorded: {locs:?}"
    );
    let ro = rows
        .iter()
        .find(|r| r["instance_path"] == "/id")
        .expect("readOnly id");
    assert!(ro["message"].as_str().unwrap().contains("readOnly"));
    for r in &rows {
        assert!(!r.to_string().contains("t0k3n"), "credentials never stored");
        assert_eq!(r["mode"], "report");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_404_and_405_with_allow() {
    let up = upstream().await;
    let gw = gateway(&up, Mode::Enforce).await;
    let p = get(&url(&gw, "/v1/unknown")).await.problem(404);
    assert_eq!(p["violations"][0]["kind"], "unknown-path");
    get(&url(&gw, "/pets")).await.problem(404); // outside the servers base path
    let got = send("PATCH", &url(&gw, "/v1/pets"), &[], Bytes::new()).await;
    got.problem(405);
    assert_eq!(got.headers.get("allow").unwrap(), "GET, POST, HEAD");
    assert_eq!(up.hits(), 0);
    // Concrete path wins over the template.
    assert_eq!(get(&url(&gw, "/v1/pets/mine")).await.status, 200);
    gw.shutdown().await;

    let gw = gateway(&up, Mode::Report).await;
    assert_eq!(
        get(&url(&gw, "/v1/unknown")).await.status,
        200,
        "report mode forwards"
    );
    let rows = recorded(&gw, "kind=unknown-path", 1).await;
    assert_eq!(rows[0]["path"], "/v1/unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_requirements() {
    let up = upstream().await;
    let gw = gateway(&up, Mode::Enforce).await;
    let pet = r#"{"name":"Tom"}"#;
    let json = ("content-type", "application/json");
    let p = send("POST", &url(&gw, "/v1/pets"), &[json], pet)
        .await
        .problem(401);
    assert_eq!(p["violations"][0]["kind"], "security");
    assert!(
        p["violations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("X-API-Key")
            || p["violations"][0]["message"]
                .as_str()
                .unwrap()
                .contains("x-api-key")
    );
    let p = send(
        "POST",
        &url(&gw, "/v1/pets"),
        &[json, ("authorization", "Basic c2VjcmV0")],
        pet,
    )
    .await
    .problem(401);
    assert!(
        !p.to_string().contains("c2VjcmV0"),
        "credentials never echoed"
    );
    assert_eq!(
        send(
            "POST",
            &url(&gw, "/v1/pets"),
            &[json, ("authorization", "Bearer x")],
            pet
        )
        .await
        .status,
        201
    );
    assert_eq!(
        send(
            "POST",
            &url(&gw, "/v1/pets"),
            &[json, ("x-api-key", "x")],
            pet
        )
        .await
        .status,
        201
    );
    send("DELETE", &url(&gw, "/v1/pets/1"), &[], Bytes::new())
        .await
        .problem(401);
    assert_eq!(
        send(
            "DELETE",
            &url(&gw, "/v1/pets/1"),
            &[("cookie", "sid=1")],
            Bytes::new()
        )
        .await
        .status,
        204
    );
    assert_eq!(up.hits(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_by_content_type() {
    let up = upstream().await;
    let gw = gateway(&up, Mode::Enforce).await;
    let key = ("x-api-key", "k");
    let post = |ct: &'static str, body: &'static str| {
        let u = url(&gw, "/v1/pets");
        async move { send("POST", &u, &[key, ("content-type", ct)], body).await }
    };
    let p = post("application/xml", "<pet/>").await.problem(415);
    assert_eq!(
        p["violations"][0]["location"],
        "request.header.content-type"
    );
    let p = post("application/json", "{\"name\": ").await.problem(400);
    assert_eq!(p["type"], "urn:contract:gateway:malformed-json");
    assert_eq!(p["violations"][0]["kind"], "malformed-json");
    let p = post(
        "application/json",
        r#"{"name":"Tom","born":"yesterday","age":-1}"#,
    )
    .await
    .problem(400);
    assert_eq!(p["violations"].as_array().unwrap().len(), 2);
    let p = post("application/json", r#"{"id":1,"name":"Tom"}"#)
        .await
        .problem(400);
    assert!(p["violations"][0]["message"]
        .as_str()
        .unwrap()
        .contains("readOnly"));
    assert_eq!(
        post("application/json; charset=utf-8", r#"{"name":"Tom"}"#)
            .await
            .status,
        201
    );
    // Form bodies are coerced: age=3 is an integer.
    assert_eq!(
        post("application/x-www-form-urlencoded", "name=Tom&age=3")
            .await
            .status,
        201
    );
    let p = post("application/x-www-form-urlencoded", "name=Tom&age=old")
        .await
        .problem(400);
    assert_eq!(p["violations"][0]["instance_path"], "/age");
    let p = send("POST", &url(&gw, "/v1/pets"), &[key], Bytes::new())
        .await
        .problem(400);
    assert_eq!(p["violations"][0]["kind"], "body-missing");
    // Text.
    let notes = url(&gw, "/v1/notes");
    assert_eq!(
        send("POST", &notes, &[("content-type", "text/plain")], "short")
            .await
            .status,
        201
    );
    send(
        "POST",
        &notes,
        &[("content-type", "text/plain")],
        "much too long for the twenty",
    )
    .await
    .problem(400);
    // An operation without a body.
    let p = send(
        "GET",
        &url(&gw, "/v1/pets/1"),
        &[("content-type", "application/json")],
        "{}",
    )
    .await
    .problem(400);
    assert_eq!(p["violations"][0]["kind"], "body-unexpected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_with_part_encoding() {
    let up = upstream().await;
    let gw = gateway(&up, Mode::Enforce).await;
    let u = url(&gw, "/v1/pets/.5/photo");
    let body = |caption: &str, rating: &str, ptype: &str| {
        format!(
            "--B\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n{caption}\r\n\
             --B\r\nContent-Disposition: form-data; name=\"rating\"\r\n\r\n{rating}\r\n\
             --B\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p\"\r\nContent-Type: {ptype}\r\n\r\n\x01PNG\r\n\
             --B--\r\n"
        )
    };
    let ct = ("content-type", "multipart/form-data; boundary=B");
    assert_eq!(
        send("PUT", &u, &[ct], body("cute", "5", "image/png"))
            .await
            .status,
        204
    );
    let p = send("PUT", &u, &[ct], body("cute", "9", "image/png"))
        .await
        .problem(400);
    assert_eq!(p["violations"][0]["instance_path"], "/rating");
    let p = send("PUT", &u, &[ct], body("cute", "1", "image/gif"))
        .await
        .problem(400);
    assert_eq!(p["violations"][0]["kind"], "part-content-type");
    let p = send("PUT", &u, &[ct], "--B\r\nbroken").await.problem(400);
    assert_eq!(p["violations"][0]["kind"], "body-malformed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discriminator_chooses_the_schema() {
    let up = upstream().await;
    let gw = gateway(&up, Mode::Enforce).await;
    let u = url(&gw, "/v1/animals");
    let j = ("content-type", "application/json");
    assert_eq!(
        send("POST", &u, &[j], r#"{"kind":"cat","meows":true}"#)
            .await
            .status,
        204
    );
    // Valid against both Cat and Dog: a plain oneOf would refuse it, the discriminator picks Cat.
    assert_eq!(
        send(
            "POST",
            &u,
            &[j],
            r#"{"kind":"cat","meows":true,"barks":true}"#
        )
        .await
        .status,
        204
    );
    let p = send("POST", &u, &[j], r#"{"kind":"dog","meows":true}"#)
        .await
        .problem(400);
    assert_eq!(
        p["violations"][0]["schema_path"],
        "/components/schemas/Dog/required"
    );
    let p = send("POST", &u, &[j], r#"{"kind":"cow"}"#)
        .await
        .problem(400);
    assert!(p.to_string().contains("must be one of cat, dog"), "{p}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_query_parameters_by_policy() {
    let up = upstream().await;
    for (policy, status) in [
        (Policy::Reject, 400),
        (Policy::Report, 200),
        (Policy::Allow, 200),
    ] {
        let mut c = config(&up.url(), Some(petstore()), Mode::Enforce);
        c.routes[0].policies.unknown_query = policy;
        let gw = start(c).await;
        let got = get(&url(&gw, "/v1/pets?limit=1&debug=1")).await;
        assert_eq!(got.status, status, "{policy:?}");
        if policy == Policy::Report {
            let rows = recorded(&gw, "kind=unknown-query-parameter", 1).await;
            assert_eq!(rows[0]["location"], "request.query.debug");
        }
        gw.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_responses_are_502_in_enforce_and_untouched_in_report() {
    let up = upstream().await;
    let cases: [(&str, &str, &str); 6] = [
        ("/v1/pets/2", "response.body", "response-body-invalid"),
        ("/v1/pets/3", "response.body", "response-body-invalid"), // writeOnly `secret`
        (
            "/v1/pets/4",
            "response.status",
            "response-status-undeclared",
        ),
        (
            "/v1/pets/5",
            "response.header.content-type",
            "response-content-type",
        ),
        ("/v1/pets/6", "response.body", "response-body-malformed"),
        (
            "/v1/pets?limit=99",
            "response.header.x-total",
            "response-header-missing",
        ),
    ];
    let gw = gateway(&up, Mode::Enforce).await;
    for (path, location, kind) in cases {
        let p = get(&url(&gw, path)).await.problem(502);
        assert_eq!(p["violations"][0]["location"], location, "{path}: {p}");
        assert_eq!(p["violations"][0]["kind"], kind, "{path}");
        assert!(
            !p.to_string().contains("s3cr3t"),
            "never echo response values"
        );
    }
    gw.shutdown().await;

    let gw = gateway(&up, Mode::Report).await;
    for (path, _, kind) in cases {
        let direct = get(&format!("{}{path}", up.url())).await;
        let via = get(&url(&gw, path)).await;
        assert_eq!(via.status, direct.status, "{path}");
        assert_eq!(
            via.body, direct.body,
            "{path}: the client gets the upstream's bytes"
        );
        assert_eq!(
            via.headers.get("content-type"),
            direct.headers.get("content-type")
        );
        recorded(&gw, &format!("kind={kind}"), 1).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_operation_mode_and_response_sampling() {
    let up = upstream().await;
    let mut c = config(&up.url(), Some(petstore()), Mode::Enforce);
    c.routes[0].operations.insert(
        "showPet".into(),
        OperationOverride {
            mode: Some(Mode::Report),
            response_sampling: None,
        },
    );
    c.routes[0].operations.insert(
        "GET /pets".into(),
        OperationOverride {
            mode: None,
            response_sampling: Some(0.0),
        },
    );
    let gw = start(c).await;
    assert_eq!(
        get(&url(&gw, "/v1/pets/2")).await.status,
        200,
        "showPet reports only"
    );
    assert_eq!(
        get(&url(&gw, "/v1/pets/abc")).await.status,
        200,
        "even invalid requests"
    );
    assert_eq!(
        get(&url(&gw, "/v1/pets?limit=99")).await.status,
        200,
        "responses not sampled"
    );
    get(&url(&gw, "/v1/pets?limit=0")).await.problem(400); // requests still enforced
    let rows = recorded(&gw, "operation=showPet", 2).await;
    assert!(rows.iter().all(|r| r["mode"] == "report"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn byte_identity_in_report_mode_with_a_contract() {
    // Odd spacing, key order and unicode escapes must survive: nothing is re-serialized.
    let reply = "{ \"id\" : 1,\n  \"name\":\"R\\u00e9x\" , \"extra\": [1,2 ] }";
    let up = TestUpstream::start(move |_| Canned::json(200, reply)).await;
    let gw = gateway(&up, Mode::Report).await;
    let sent = "{\"name\" :\"T\\u00f6m\",   \"age\": 1}";
    let got = send(
        "POST",
        &url(&gw, "/v1/pets?limit=1"),
        &[("content-type", "application/json"), ("x-api-key", "k")],
        sent,
    )
    .await;
    assert_eq!(got.body, Bytes::from(reply));
    assert_eq!(up.last().body, Bytes::from(sent));
    recorded(&gw, "kind=response-status-undeclared", 1).await;
}
