//! Protobuf loader: `.proto` sources compiled in pure Rust by `protox` (no `protoc`), or a binary
//! `FileDescriptorSet`. Every element keeps its source location through the descriptors'
//! source-code info, turned into [`Span`]s on demand.

pub mod editions;
mod errors;
mod lint;
mod resolver;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use prost_reflect::{
    DescriptorPool, EnumDescriptor, EnumValueDescriptor, ExtensionDescriptor, FieldDescriptor,
    FileDescriptor, MessageDescriptor, MethodDescriptor, OneofDescriptor, ServiceDescriptor,
};

use crate::fs::Vfs;
use crate::kind::DESCRIPTOR_SET_EXTENSIONS;
use crate::source::{SourceFile, Span};
use crate::{Diagnostic, LoadResult, Loaded, Refused};

pub use lint::lint;

/// A compiled set of protobuf files: the user's own files plus everything they import.
pub struct ProtoContract {
    pool: DescriptorPool,
    own: Vec<String>,
    /// Files of the module that could not be compiled (protobuf editions) and were left out.
    left_out: Vec<String>,
    sources: HashMap<String, ProtoSource>,
    /// Editions files (compiled through their proto2 lowering) by name: edition and features.
    editions: BTreeMap<String, Arc<editions::Lowered>>,
}

/// 1-based start line, start column, end line, end column.
type LineSpan = (u32, u32, u32, u32);

/// One source file and, built on first use, the span of every source-code-info path in it.
struct ProtoSource {
    /// The text: kept from loading, or read again on first use (`None`: unreadable now, or it
    /// changed since it was compiled).
    file: OnceLock<Option<Arc<SourceFile>>>,
    reread: Option<resolver::Reread>,
    spans: OnceLock<HashMap<Vec<i32>, LineSpan>>,
}

impl ProtoSource {
    fn file(&self) -> Option<&Arc<SourceFile>> {
        self.file
            .get_or_init(|| self.reread.as_ref().and_then(resolver::Reread::read))
            .as_ref()
    }
}

impl std::fmt::Debug for ProtoContract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtoContract")
            .field("own_files", &self.own)
            .field("files", &self.pool.files().len())
            .finish()
    }
}

impl ProtoContract {
    /// Every file, imports and well-known types included.
    pub fn pool(&self) -> &DescriptorPool {
        &self.pool
    }

    /// The compiled set as encoded `FileDescriptorSet` bytes, custom options included (for
    /// codegen and gRPC reflection). Encoded on each call: it is not kept in memory.
    pub fn encoded_file_descriptor_set(&self) -> Vec<u8> {
        self.pool.encode_to_vec()
    }

    /// The edition of a file written in protobuf editions (`2023`); `None` for proto2/proto3.
    pub fn edition(&self, file: &str) -> Option<&str> {
        self.editions.get(file).map(|l| l.edition.as_str())
    }

    /// The resolved editions features of an element (message, field, extension or enum, by
    /// full name) of an editions file in `file`; `None` for proto2/proto3 files.
    pub fn features(&self, file: &str, full_name: &str) -> Option<&editions::Features> {
        self.editions.get(file)?.features.get(full_name)
    }

    /// The user's own files (not imports, not well-known types), sorted by name.
    pub fn own_files(&self) -> impl Iterator<Item = FileDescriptor> + '_ {
        self.own
            .iter()
            .filter_map(|n| self.pool.get_file_by_name(n))
    }

    /// Whether `name` is a file of the module that was left out (it could not be compiled).
    pub fn is_left_out(&self, name: &str) -> bool {
        self.left_out.iter().any(|n| n == name)
    }

    /// Whether `name` (a proto file name such as `pokemon/v1/pokemon.proto`) is one of the
    /// user's own files.
    pub fn is_own(&self, name: &str) -> bool {
        self.own.binary_search_by(|n| n.as_str().cmp(name)).is_ok()
    }

    /// The source-code info of a file compiled from source (locations and comments, as protoc
    /// writes them; option paths are left as written). Parsed again from the text on each
    /// call: the pool does not keep it.
    pub fn source_code_info(&self, name: &str) -> Option<prost_types::SourceCodeInfo> {
        source_code_info(name, self.sources.get(name)?.file()?.text())
    }

    /// The source text of a file, when it was compiled from source (not for descriptor sets).
    pub fn source(&self, name: &str) -> Option<&Arc<SourceFile>> {
        self.sources.get(name)?.file()
    }

    /// The span of the element at source-code-info `path` in file `name`. For a path without a
    /// location of its own, the nearest enclosing element's span. `None` for descriptor sets,
    /// which carry no source text.
    pub fn span(&self, name: &str, path: &[i32]) -> Option<Span> {
        let src = self.sources.get(name)?;
        let file = src.file()?;
        let index = src.spans.get_or_init(|| {
            // Source-code info is not kept in the pool (see `VfsResolver::preload`): parse the
            // text again, for the few files a report points into.
            let mut map = HashMap::new();
            if let Some(info) = source_code_info(name, file.text()) {
                for loc in &info.location {
                    let s = &loc.span;
                    let span = match s.len() {
                        3 => (s[0], s[1], s[0], s[2]),
                        4 => (s[0], s[1], s[2], s[3]),
                        _ => continue,
                    };
                    let as_u32 = |v: i32| u32::try_from(v).unwrap_or(0);
                    map.entry(loc.path.clone()).or_insert((
                        as_u32(span.0) + 1,
                        as_u32(span.1) + 1,
                        as_u32(span.2) + 1,
                        as_u32(span.3) + 1,
                    ));
                }
            }
            map
        });
        let mut p = path;
        loop {
            if let Some(&(l, c, el, ec)) = index.get(p) {
                // protobuf columns count bytes, not characters.
                let start = file.offset_byte_col(l, c - 1);
                let end = file.offset_byte_col(el, ec - 1);
                return Some(file.span(start, end.max(start)));
            }
            if p.is_empty() {
                return None;
            }
            p = &p[..p.len() - 1];
        }
    }

    /// Span of the name of an element (`path` + the name field), falling back to the element.
    fn name_span(&self, file: &FileDescriptor, path: &[i32], name_field: i32) -> Option<Span> {
        let mut p = path.to_vec();
        p.push(name_field);
        self.span(file.name(), &p)
    }

    /// Where a file starts (its `syntax`/`package` line or first element).
    pub fn span_of_file(&self, f: &FileDescriptor) -> Option<Span> {
        // 12 = syntax, 2 = package.
        self.span(f.name(), &[12])
            .or_else(|| self.span(f.name(), &[2]))
            .or_else(|| self.span(f.name(), &[]))
    }

    /// The `package` statement of a file.
    pub fn span_of_package(&self, f: &FileDescriptor) -> Option<Span> {
        self.span(f.name(), &[2])
    }

    /// A message's name.
    pub fn span_of_message(&self, m: &MessageDescriptor) -> Option<Span> {
        self.name_span(&m.parent_file(), m.path(), 1)
    }

    /// A field's declaration.
    pub fn span_of_field(&self, f: &FieldDescriptor) -> Option<Span> {
        self.span(f.parent_file().name(), f.path())
    }

    /// An extension's declaration.
    pub fn span_of_extension(&self, e: &ExtensionDescriptor) -> Option<Span> {
        self.span(e.parent_file().name(), e.path())
    }

    /// A oneof's name.
    pub fn span_of_oneof(&self, o: &OneofDescriptor) -> Option<Span> {
        self.name_span(&o.parent_message().parent_file(), o.path(), 1)
    }

    /// An enum's name.
    pub fn span_of_enum(&self, e: &EnumDescriptor) -> Option<Span> {
        self.name_span(&e.parent_file(), e.path(), 1)
    }

    /// An enum value's declaration.
    pub fn span_of_enum_value(&self, v: &EnumValueDescriptor) -> Option<Span> {
        self.span(v.parent_enum().parent_file().name(), v.path())
    }

    /// A service's name.
    pub fn span_of_service(&self, s: &ServiceDescriptor) -> Option<Span> {
        self.name_span(&s.parent_file(), s.path(), 1)
    }

    /// A method's declaration.
    pub fn span_of_method(&self, m: &MethodDescriptor) -> Option<Span> {
        self.span(m.parent_service().parent_file().name(), m.path())
    }
}

/// Loads protobuf contracts. `paths` are `.proto` files under one of the `roots` (import roots;
/// the first is the directory the user gave), or a single binary `FileDescriptorSet`
/// (`.binpb`, `.pb`, `.desc`, `.protoset`). Well-known types (`google/protobuf/*.proto`) are built
/// in; a file of the same name in a root shadows them.
///
/// protox stops at the first compile error, so a refusal carries one located error.
pub fn load(fs: &dyn Vfs, paths: &[PathBuf], roots: &[PathBuf]) -> LoadResult<ProtoContract> {
    if let [single] = paths {
        let is_set = single
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| DESCRIPTOR_SET_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if is_set {
            return load_descriptor_set(fs, single);
        }
    }
    let mut resolver = resolver::VfsResolver::new(fs, roots)?;
    let mut names = Vec::new();
    for p in paths {
        match resolver.name_of(p) {
            Some(n) => names.push(n),
            None => {
                return Err(Refused::one(
                    Diagnostic::error(
                        "proto-not-in-root",
                        "this file is not under any import root",
                    )
                    .with_file(fs.display(p))
                    .with_hint("pass its directory, or add the directory that holds it with -I"),
                ))
            }
        }
    }
    names.sort();
    names.dedup();
    let mut lean = true;
    let failures = resolver.preload(fs, &names, lean);
    // Files in protobuf editions cannot be compiled yet: leave them out with a warning and
    // compare the rest, rather than refusing the whole module. Any other failure refuses.
    let mut diagnostics = Vec::new();
    let mut left_out = Vec::new();
    let mut leave_out =
        |e: &protox::Error, sources: &SourceMap, names: &mut Vec<String>| -> Result<(), Refused> {
            let d = errors::convert(e, sources, roots, fs);
            let name = e.file().filter(|n| names.iter().any(|m| m == n));
            match name {
                Some(name) if d.code == "proto-editions-unsupported" => {
                    names.retain(|n| n != name);
                    left_out.push(name.to_string());
                    diagnostics.push(crate::Diagnostic {
                        severity: crate::Severity::Warning,
                        message: format!("{} (left out; the other files are loaded)", d.message),
                        ..d
                    });
                    Ok(())
                }
                _ => Err(Refused::one(d)),
            }
        };
    // A file that fails to parse keeps its text, so these errors are located.
    let sources = resolver.sources();
    for e in &failures {
        leave_out(e, &sources, &mut names)?;
    }
    let compiler = loop {
        if names.is_empty() {
            break None;
        }
        let mut compiler = protox::Compiler::with_file_resolver(resolver.clone());
        compiler.include_source_info(!lean).include_imports(true);
        match names
            .iter()
            .try_for_each(|n| compiler.open_file(n).map(|_| ()))
        {
            Ok(()) => break Some(compiler),
            // Without source info the error has no location: compile again with it.
            Err(_) if lean => lean = false,
            Err(e) => leave_out(&e, &resolver.sources(), &mut names)?,
        }
        // The compiler took the files it opened: read them again for the next try.
        resolver = resolver::VfsResolver::new(fs, roots)?;
        resolver.preload(fs, &names, lean);
    };
    let Some(compiler) = compiler else {
        return Err(Refused {
            diagnostics: diagnostics
                .into_iter()
                .map(|d| crate::Diagnostic {
                    severity: crate::Severity::Error,
                    ..d
                })
                .collect(),
        });
    };
    // protox's own pool keeps custom options (its `prost_types` set would drop them); taking it
    // and dropping the compiler avoids holding two copies of every descriptor.
    let pool = compiler.descriptor_pool();
    drop(compiler);
    let kept = resolver.sources().into_iter().map(|(name, file)| {
        let text = OnceLock::new();
        let _ = text.set(Some(file));
        (name, text, None)
    });
    let dropped = resolver
        .reread()
        .into_iter()
        .map(|(name, r)| (name, OnceLock::new(), Some(r)));
    let sources = kept
        .chain(dropped)
        .map(|(name, file, reread)| {
            (
                name,
                ProtoSource {
                    file,
                    reread,
                    spans: OnceLock::new(),
                },
            )
        })
        .collect();
    let contract = ProtoContract {
        pool,
        own: names,
        left_out,
        sources,
        editions: resolver.editions(),
    };
    Ok(Loaded {
        contract,
        diagnostics,
    })
}

fn load_descriptor_set(fs: &dyn Vfs, path: &Path) -> LoadResult<ProtoContract> {
    let shown = fs.display(path);
    let bytes = fs.read(path).map_err(|e| {
        Refused::one(
            Diagnostic::error("unreadable-input", format!("cannot read: {e}"))
                .with_file(shown.clone()),
        )
    })?;
    let pool = DescriptorPool::decode(bytes.as_slice()).map_err(|e| {
        Refused::one(
            Diagnostic::error(
                "proto-descriptor-set",
                format!("not a valid FileDescriptorSet: {e}"),
            )
            .with_file(shown.clone())
            .with_hint(
                "produce it with `buf build -o FILE.binpb` or `protoc --descriptor_set_out=FILE \
                 --include_imports --include_source_info`",
            ),
        )
    })?;
    let mut own: Vec<String> = pool
        .files()
        .map(|f| f.name().to_string())
        .filter(|n| !n.starts_with("google/protobuf/"))
        .collect();
    own.sort();
    let diagnostics = vec![Diagnostic::new(
        "proto-no-source",
        crate::Severity::Info,
        "a descriptor set carries no source text: findings name files and elements, not lines",
    )
    .with_file(shown)];
    Ok(Loaded {
        contract: ProtoContract {
            pool,
            own,
            left_out: Vec::new(),
            editions: BTreeMap::new(),
            sources: HashMap::new(),
        },
        diagnostics,
    })
}

fn source_code_info(name: &str, text: &str) -> Option<prost_types::SourceCodeInfo> {
    if editions::is_editions(text) {
        return protox_parse::parse(name, &editions::lower(text).text)
            .ok()?
            .source_code_info;
    }
    protox_parse::parse(name, text).ok()?.source_code_info
}

/// Proto file names of every source read, for error conversion.
pub(crate) type SourceMap = BTreeMap<String, Arc<SourceFile>>;
