//! Workspace integration tests, one module per concern, in one binary to keep linking cheap.

mod corpus_load;
mod docs;
