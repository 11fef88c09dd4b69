//! The last step of every generator: tokens or source text to formatted Rust (prettyplease).

use contracts::{Diagnostic, Refused};
use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// Formats a token stream as a Rust file.
pub fn format_tokens(tokens: TokenStream) -> Result<String, Refused> {
    match syn::parse2::<syn::File>(tokens) {
        Ok(file) => Ok(prettyplease::unparse(&file)),
        Err(e) => Err(internal(&e)),
    }
}

/// Formats Rust source text (comments other than doc comments are dropped).
pub fn format_source(code: &str) -> Result<String, Refused> {
    match syn::parse_file(code) {
        Ok(file) => Ok(prettyplease::unparse(&file)),
        Err(e) => Err(internal(&e)),
    }
}

/// `#[doc = " line"]` per line of a description (each line trimmed: descriptions are not Rust
/// examples, and an indented line would become a doctest).
pub fn doc_attrs(doc: Option<&str>) -> TokenStream {
    let Some(doc) = doc else {
        return TokenStream::new();
    };
    let lines = doc.trim().lines().map(|l| {
        let l = l.trim();
        let text = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote::quote!(#[doc = #text])
    });
    quote::quote!(#(#lines)*)
}

/// An expression or type as compact one-line source, for attributes that take code as a
/// string (`default_with = "…"`, `ty = "…"`): `Some(vec![Type::Fire])` rather than the
/// `Some (vec ! [Type :: Fire])` of `TokenStream::to_string`.
pub fn compact(tokens: TokenStream) -> String {
    let mut out = String::new();
    let mut prev_word = false;
    for tt in tokens {
        match tt {
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                if prev_word {
                    out.push(' ');
                }
                out.push_str(&tt.to_string());
                prev_word = true;
            }
            TokenTree::Punct(p) => {
                match p.as_char() {
                    ',' => out.push_str(", "),
                    ':' if p.spacing() == Spacing::Joint || out.ends_with(':') => out.push(':'),
                    ':' => out.push_str(": "),
                    '=' => out.push_str(" = "),
                    c => out.push(c),
                }
                prev_word = false;
            }
            TokenTree::Group(g) => {
                let inner = compact(g.stream());
                match g.delimiter() {
                    Delimiter::Parenthesis => out.push_str(&format!("({inner})")),
                    Delimiter::Bracket => out.push_str(&format!("[{inner}]")),
                    Delimiter::Brace => {
                        if prev_word {
                            out.push(' ');
                        }
                        out.push_str(&format!("{{ {inner} }}"));
                    }
                    Delimiter::None => out.push_str(&inner),
                }
                prev_word = false;
            }
        }
    }
    out
}

/// A generator produced code that does not parse: a bug of ours, reported, never a panic.
fn internal(e: &syn::Error) -> Refused {
    Refused::one(
        Diagnostic::error(
            "codegen-internal",
            format!("the generated code does not parse: {e}"),
        )
        .with_hint(
            "this is a bug in `contract`; please report it with the contract that triggers it",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn formats_and_reports_unparsable_code() {
        let out = format_tokens(quote! { pub struct A { pub b: i32 } });
        assert_eq!(
            out.ok().as_deref(),
            Some("pub struct A {\n    pub b: i32,\n}\n")
        );
        let t = quote! { Some(Filter { kinds: ::std::vec![Kind::Fire, Kind::Water], name: None }) };
        assert_eq!(
            compact(t),
            "Some(Filter { kinds: ::std::vec![Kind::Fire, Kind::Water], name: None })"
        );
        assert_eq!(
            compact(quote!(Option<::async_graphql::ID>)),
            "Option<::async_graphql::ID>"
        );
        let err = format_source("pub struct {").err();
        assert_eq!(
            err.and_then(|r| r.diagnostics.first().map(|d| d.code)),
            Some("codegen-internal")
        );
    }
}
