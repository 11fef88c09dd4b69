//! The last step of every generator: tokens or source text to formatted Rust (prettyplease).

use contracts::{Diagnostic, Refused};
use proc_macro2::TokenStream;

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
        let err = format_source("pub struct {").err();
        assert_eq!(
            err.and_then(|r| r.diagnostics.first().map(|d| d.code)),
            Some("codegen-internal")
        );
    }
}
