//! One pass over JSON text that records where every node starts and ends (byte offsets) and
//! the keys of object entries: the span tree of a JSON document, built only when a location is
//! first asked for.

use super::Tree;

/// Scans `text`; `None` if it is not well-formed JSON (callers only scan parsed documents).
pub(super) fn scan(text: &str) -> Option<Tree> {
    let mut s = Scanner {
        b: text.as_bytes(),
        text,
        i: 0,
        tree: Tree::default(),
    };
    s.ws();
    s.value(None, 0)?;
    Some(s.tree)
}

struct Scanner<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    tree: Tree,
}

impl<'a> Scanner<'a> {
    fn ws(&mut self) {
        while let Some(c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') || (self.i == 0 && *c == 0xEF) {
                self.i += if *c == 0xEF { 3 } else { 1 };
            } else {
                break;
            }
        }
    }

    /// A string starting at `self.i` (a quote); returns its decoded text.
    fn string(&mut self) -> Option<std::borrow::Cow<'a, str>> {
        let start = self.i;
        self.i += 1;
        let mut escaped = false;
        while let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            match c {
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                }
                b'"' => {
                    let raw: &'a str = self.text.get(start..self.i)?;
                    return if escaped {
                        serde_json::from_str::<String>(raw)
                            .ok()
                            .map(std::borrow::Cow::Owned)
                    } else {
                        Some(std::borrow::Cow::Borrowed(&raw[1..raw.len() - 1]))
                    };
                }
                _ => {}
            }
        }
        None
    }

    fn value(
        &mut self,
        entry: Option<(usize, std::borrow::Cow<'a, str>)>,
        depth: usize,
    ) -> Option<u32> {
        if depth > 4096 {
            return None;
        }
        let start = entry.as_ref().map_or(self.i, |(s, _)| *s);
        let id = self
            .tree
            .push(start, entry.as_ref().map(|(_, k)| k.as_ref()));
        match self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut children = Vec::new();
                loop {
                    self.ws();
                    match self.b.get(self.i)? {
                        b'}' => {
                            self.i += 1;
                            break;
                        }
                        b',' => {
                            self.i += 1;
                            continue;
                        }
                        b'"' => {
                            let kstart = self.i;
                            let key = self.string()?;
                            self.ws();
                            if self.b.get(self.i) != Some(&b':') {
                                return None;
                            }
                            self.i += 1;
                            self.ws();
                            children.push(self.value(Some((kstart, key)), depth + 1)?);
                        }
                        _ => return None,
                    }
                }
                self.tree.link(id, &children);
            }
            b'[' => {
                self.i += 1;
                let mut children = Vec::new();
                loop {
                    self.ws();
                    match self.b.get(self.i)? {
                        b']' => {
                            self.i += 1;
                            break;
                        }
                        b',' => {
                            self.i += 1;
                            continue;
                        }
                        _ => children.push(self.value(None, depth + 1)?),
                    }
                }
                self.tree.link(id, &children);
            }
            b'"' => {
                self.string()?;
            }
            _ => {
                while let Some(c) = self.b.get(self.i) {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.i += 1;
                }
            }
        }
        self.tree.finish(id, self.i);
        Some(id)
    }
}
