//! GraphQL change types: graphql-inspector's, kebab-cased, with their default criticality.

use crate::diff::{Level::*, Rule};
use crate::ContractKind;

/// Every GraphQL rule, sorted by id.
pub static RULES: &[Rule] = &[
    Rule { id: "directive-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a directive definition was added", explain: ADDITION },
    Rule { id: "directive-argument-added", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "a directive argument was added (breaking when required)", explain: INPUT_TYPE },
    Rule { id: "directive-argument-default-value-changed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive argument's default value changed", explain: DEFAULTS },
    Rule { id: "directive-argument-description-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a directive argument description was added", explain: DOCS },
    Rule { id: "directive-argument-description-changed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a directive argument description was changed", explain: DOCS },
    Rule { id: "directive-argument-description-removed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a directive argument description was removed", explain: DOCS },
    Rule { id: "directive-argument-removed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "a directive argument was removed", explain: REMOVAL },
    Rule { id: "directive-argument-type-changed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "a directive argument's type changed (safe when only made nullable)", explain: INPUT_TYPE },
    Rule { id: "directive-description-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a directive description was added", explain: DOCS },
    Rule { id: "directive-description-changed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a directive description was changed", explain: DOCS },
    Rule { id: "directive-description-removed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a directive description was removed", explain: DOCS },
    Rule { id: "directive-location-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a directive may be used in a new location", explain: ADDITION },
    Rule { id: "directive-location-removed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "a directive may no longer be used in a location", explain: REMOVAL },
    Rule { id: "directive-removed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "a directive definition was removed", explain: REMOVAL },
    Rule { id: "directive-repeatable-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a directive became repeatable", explain: ADDITION },
    Rule { id: "directive-repeatable-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive is no longer repeatable", explain: WIDENED },
    Rule { id: "directive-usage-argument-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "an argument of an applied directive was added or changed", explain: USAGE },
    Rule { id: "directive-usage-argument-definition-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was added on a argument definition (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-argument-definition-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was removed on a argument definition (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-argument-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "an argument of an applied directive was removed", explain: USAGE },
    Rule { id: "directive-usage-enum-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was added on a enum (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-enum-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was removed on a enum (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-enum-value-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was added on a enum value (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-enum-value-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was removed on a enum value (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-field-definition-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was added on a field definition (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-field-definition-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was removed on a field definition (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-input-field-definition-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was added on a input field definition (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-input-field-definition-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was removed on a input field definition (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-input-object-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was added on a input object (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-input-object-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was removed on a input object (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-interface-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was added on a interface (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-interface-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was removed on a interface (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-object-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was added on a object (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-object-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was removed on a object (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-scalar-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was added on a scalar (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-scalar-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was removed on a scalar (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-schema-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was added on a schema (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-schema-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was removed on a schema (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-union-member-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was added on a union member (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "directive-usage-union-member-removed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a directive was removed on a union member (@oneOf added: breaking; @deprecated: safe)", explain: USAGE },
    Rule { id: "enum-value-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "an enum value was added", explain: WIDENED },
    Rule { id: "enum-value-deprecation-reason-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "an enum value's deprecation reason was added", explain: DEPRECATION },
    Rule { id: "enum-value-deprecation-reason-changed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "an enum value's deprecation reason was changed", explain: DEPRECATION },
    Rule { id: "enum-value-deprecation-reason-removed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "an enum value's deprecation reason was removed", explain: DEPRECATION },
    Rule { id: "enum-value-description-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a enum value description was added", explain: DOCS },
    Rule { id: "enum-value-description-changed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a enum value description was changed", explain: DOCS },
    Rule { id: "enum-value-description-removed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a enum value description was removed", explain: DOCS },
    Rule { id: "enum-value-removed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "an enum value was removed", explain: REMOVAL },
    Rule { id: "field-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a field was added", explain: ADDITION },
    Rule { id: "field-argument-added", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "an argument was added (breaking when required, dangerous otherwise)", explain: INPUT_TYPE },
    Rule { id: "field-argument-default-changed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "an argument's default value changed", explain: DEFAULTS },
    Rule { id: "field-argument-description-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a field argument description was added", explain: DOCS },
    Rule { id: "field-argument-description-changed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a field argument description was changed", explain: DOCS },
    Rule { id: "field-argument-description-removed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a field argument description was removed", explain: DOCS },
    Rule { id: "field-argument-removed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "an argument was removed", explain: REMOVAL },
    Rule { id: "field-argument-type-changed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "an argument's type changed (safe when only made nullable)", explain: INPUT_TYPE },
    Rule { id: "field-deprecation-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a field was deprecated", explain: DEPRECATION },
    Rule { id: "field-deprecation-reason-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a field's deprecation reason was added", explain: DEPRECATION },
    Rule { id: "field-deprecation-reason-changed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a field's deprecation reason was changed", explain: DEPRECATION },
    Rule { id: "field-deprecation-reason-removed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a field's deprecation reason was removed", explain: DEPRECATION },
    Rule { id: "field-deprecation-removed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a field is no longer deprecated", explain: DEPRECATION },
    Rule { id: "field-description-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a field description was added", explain: DOCS },
    Rule { id: "field-description-changed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a field description was changed", explain: DOCS },
    Rule { id: "field-description-removed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a field description was removed", explain: DOCS },
    Rule { id: "field-removed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "a field was removed", explain: REMOVAL },
    Rule { id: "field-removed-after-deprecation", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a deprecated field was removed (allowed by the policy)", explain: DEPRECATION },
    Rule { id: "field-type-changed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "a field's type changed (safe when only made non-null)", explain: OUTPUT_TYPE },
    Rule { id: "input-field-added", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "an input field was added (breaking when non-null without default)", explain: INPUT_TYPE },
    Rule { id: "input-field-default-value-changed", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "an input field's default value changed", explain: DEFAULTS },
    Rule { id: "input-field-description-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a input field description was added", explain: DOCS },
    Rule { id: "input-field-description-changed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a input field description was changed", explain: DOCS },
    Rule { id: "input-field-description-removed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a input field description was removed", explain: DOCS },
    Rule { id: "input-field-removed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "an input field was removed", explain: REMOVAL },
    Rule { id: "input-field-type-changed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "an input field's type changed (safe when only made nullable)", explain: INPUT_TYPE },
    Rule { id: "object-type-interface-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a type implements a new interface", explain: WIDENED },
    Rule { id: "object-type-interface-removed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "a type no longer implements an interface", explain: REMOVAL },
    Rule { id: "schema-mutation-type-changed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "the schema's mutation root type changed (safe when newly set)", explain: ROOTS },
    Rule { id: "schema-query-type-changed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "the schema's query root type changed (safe when newly set)", explain: ROOTS },
    Rule { id: "schema-subscription-type-changed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "the schema's subscription root type changed (safe when newly set)", explain: ROOTS },
    Rule { id: "type-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a type was added", explain: ADDITION },
    Rule { id: "type-description-added", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a type description was added", explain: DOCS },
    Rule { id: "type-description-changed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a type description was changed", explain: DOCS },
    Rule { id: "type-description-removed", kind: ContractKind::GraphQl, level: Safe, categories: &[], summary: "a type description was removed", explain: DOCS },
    Rule { id: "type-kind-changed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "a type changed kind (object, interface, union, enum, input, scalar)", explain: REMOVAL },
    Rule { id: "type-removed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "a type was removed", explain: REMOVAL },
    Rule { id: "union-member-added", kind: ContractKind::GraphQl, level: Dangerous, categories: &[], summary: "a union member was added", explain: WIDENED },
    Rule { id: "union-member-removed", kind: ContractKind::GraphQl, level: Breaking, categories: &[], summary: "a union member was removed", explain: REMOVAL },
];

/// A rule by id.
pub fn get(id: &str) -> Option<&'static Rule> {
    RULES
        .binary_search_by(|r| r.id.cmp(id))
        .ok()
        .map(|i| &RULES[i])
}

const ADDITION: &str = "What it detects: something was added to the schema (a type, field, directive or location).\n\nWhy it breaks clients: it does not: existing operations keep validating and returning what they did.\n\nExample: `type Query { pokemon: Pokemon }` gains `pokemons: [Pokemon!]!`.\n\nHow to evolve safely: nothing to do.";
const REMOVAL: &str = "What it detects: something clients can use was removed or changed kind: a type, field, argument, enum value, union member, interface implementation or directive.\n\nWhy it breaks clients: operations that select the field, pass the argument or the enum value, or spread on the removed type fail validation on the server.\n\nExample: `Pokemon.name` removed: every query selecting `name` is rejected.\n\nHow to evolve safely: deprecate first (`@deprecated(reason: ...)`), watch usage (persisted queries, `--operations`), remove when no operation uses it.";
const DOCS: &str = "What it detects: a description changed.\n\nWhy it breaks clients: it does not; it changes documentation and generated code comments only.\n\nExample: a field's description is reworded.\n\nHow to evolve safely: nothing to do.";
const DEPRECATION: &str = "What it detects: deprecation added or removed, or its reason changed; a deprecated field removed when the policy allows it (`graphql: {allow-removal-of-deprecated: true}`).\n\nWhy it breaks clients: deprecation itself breaks nothing; it warns clients to move away.\n\nExample: `name: String @deprecated(reason: \"use names\")`.\n\nHow to evolve safely: give a reason naming the replacement.";
const OUTPUT_TYPE: &str = "What it detects: the type of an output field changed.\n\nWhy it breaks clients: clients read the field expecting the old type; making it nullable (`String!` to `String`) or changing the named type breaks them. Making it non-null only is safe (reported as safe).\n\nExample: `id: ID!` to `id: Int!`.\n\nHow to evolve safely: add a new field with the new type and deprecate the old one.";
const INPUT_TYPE: &str = "What it detects: an argument, input field or directive argument was added or its type changed.\n\nWhy it breaks clients: a new required (non-null, no default) input, or an input made non-null or retyped, rejects operations that were valid. Optional additions are dangerous at most; making an input nullable is safe.\n\nExample: `pokemon(id: ID!)` gains `region: Region!`.\n\nHow to evolve safely: add inputs as nullable or with a default value.";
const DEFAULTS: &str = "What it detects: a default value changed.\n\nWhy it breaks clients: operations that omit the input silently get different behaviour.\n\nExample: `first: Int = 10` to `first: Int = 50`.\n\nHow to evolve safely: keep the old default, or add a new argument.";
const WIDENED: &str = "What it detects: an output may now hold values clients have not seen: an enum value, a union member or an interface implementation was added; a directive stopped being repeatable.\n\nWhy it breaks clients: code that switches over enum values or `__typename` without a fallback hits an unknown case.\n\nExample: `enum Region { KANTO }` gains `JOHTO`.\n\nHow to evolve safely: make sure clients handle unknown values before adding them.";
const ROOTS: &str = "What it detects: a schema root operation type (query, mutation, subscription) was changed, removed or set.\n\nWhy it breaks clients: tools that introspect the root type name, and federated gateways, break; setting a root for the first time is safe.\n\nExample: `schema { query: Query }` to `schema { query: RootQuery }`.\n\nHow to evolve safely: keep root type names stable.";
const USAGE: &str = "What it detects: a directive was applied or removed somewhere in the schema, or its arguments changed.\n\nWhy it breaks clients: applied directives change behaviour for tools and gateways (caching, auth, federation); `@oneOf` on an input makes existing inputs invalid and is breaking; `@deprecated` is safe.\n\nExample: `@cacheControl(maxAge: 60)` added to a field.\n\nHow to evolve safely: review the directive's effect on clients and gateways before shipping.";
