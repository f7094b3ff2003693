//! A CDA file read into a small element tree, within bounds, with its binary content left on
//! disk: the base64 of an embedded PDF (`<value representation="B64">`, a level-1 document's
//! `<text representation="B64">`) is not kept, only where it lies in the file, so a 100 MB
//! report streams into the vault later ([`Binary::decode_into`]) and the heap stays bounded.
//!
//! The XML is read by `quick-xml`, a pull parser: it never resolves a DTD or an external
//! entity. Carnet refuses any `<!DOCTYPE` outright (no CDA document has one; it is how XXE and
//! entity-expansion attacks start), resolves only XML's five predefined entities and character
//! references, and bounds the file, the nesting, the number of elements and the text it keeps.
//! A tree rather than events because CDA's meaning is in nesting (an observation in an
//! organizer in a section); it is small once the binaries are out.

use super::CdaError;
use quick_xml::events::{BytesStart, Event};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The largest CDA file read (binaries included; they stream).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// The most XML text (outside binaries) kept in memory.
pub const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;
pub const MAX_DEPTH: usize = 96;
pub const MAX_ELEMENTS: usize = 500_000;

/// Where a base64 binary lies in the file.
#[derive(Clone, PartialEq, Eq)]
pub struct Binary {
    pub path: PathBuf,
    pub offset: u64,
    pub length: u64,
}

/// One element: its local name (namespace prefix dropped), attributes, children and text.
/// `text` is its own text (children's left out); `parts` keeps its text runs and children in
/// document order, for [`Element::all_text`].
#[derive(Default)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
    parts: Vec<Part>,
    pub binary: Option<Binary>,
}

/// A piece of an element's content: a run of its own text (a range of `text`) or a child.
#[derive(Clone, Copy)]
enum Part {
    Text(usize, usize),
    Child(usize),
}

// Health data: `Debug` says only what the element is.
impl std::fmt::Debug for Element {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Element({}, {} children)",
            self.name,
            self.children.len()
        )
    }
}

impl Element {
    fn push_text(&mut self, text: &str) {
        let start = self.text.len();
        self.text.push_str(text);
        match self.parts.last_mut() {
            Some(Part::Text(_, end)) if *end == start => *end = self.text.len(),
            _ => self.parts.push(Part::Text(start, self.text.len())),
        }
    }

    fn push_child(&mut self, child: Element) {
        self.parts.push(Part::Child(self.children.len()));
        self.children.push(child);
    }
}

impl std::fmt::Debug for Binary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Binary({} bytes of base64)", self.length)
    }
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element at the end of a path of child names.
    pub fn at(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |e, name| e.child(name))
    }

    /// Every descendant (depth first), this element excluded.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut stack: Vec<&Element> = self.children.iter().rev().collect();
        while let Some(e) = stack.pop() {
            out.push(e);
            stack.extend(e.children.iter().rev());
        }
        out
    }

    /// All text inside, children included, in document order, whitespace collapsed (a
    /// section's narrative).
    pub fn all_text(&self) -> String {
        fn walk<'a>(e: &'a Element, parts: &mut Vec<&'a str>) {
            for part in &e.parts {
                match *part {
                    Part::Text(start, end) => parts.push(&e.text[start..end]),
                    Part::Child(i) => walk(&e.children[i], parts),
                }
            }
        }
        let mut parts = Vec::new();
        walk(self, &mut parts);
        parts
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether it carries the templateId `root`.
    pub fn has_template(&self, root: &str) -> bool {
        self.children_named("templateId")
            .any(|t| t.attr("root") == Some(root))
    }
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    match name.rsplit_once(':') {
        Some((_, local)) => local.to_owned(),
        None => name.into_owned(),
    }
}

fn attributes(start: &BytesStart<'_>) -> Result<Vec<(String, String)>, CdaError> {
    let mut out = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|_| CdaError::NotXml)?;
        let value = attr.unescape_value().map_err(|_| CdaError::NotXml)?;
        out.push((local(attr.key.as_ref()), value.into_owned()));
    }
    Ok(out)
}

fn is_binary(attributes: &[(String, String)]) -> bool {
    attributes
        .iter()
        .any(|(k, v)| k == "representation" && v == "B64")
}

/// The five predefined entities and character references; anything else is refused.
fn entity(name: &str) -> Result<char, CdaError> {
    Ok(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else {
                name.strip_prefix('#').and_then(|d| d.parse().ok())
            };
            return code
                .and_then(char::from_u32)
                .ok_or(CdaError::UndeclaredEntity);
        }
    })
}

/// Reads the file at `path` into a tree, binaries left in place.
pub fn read(path: &Path) -> Result<Element, CdaError> {
    let file = std::fs::File::open(path).map_err(|_| CdaError::Unreadable)?;
    let meta = file.metadata().map_err(|_| CdaError::Unreadable)?;
    if !meta.is_file() {
        return Err(CdaError::Unreadable);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(CdaError::TooLarge {
            limit: MAX_FILE_BYTES,
        });
    }
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(file));
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut elements = 0usize;
    let mut kept = 0usize;
    loop {
        buf.clear();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|_| CdaError::NotXml)?;
        match event {
            Event::DocType(_) => return Err(CdaError::DocumentTypeDeclaration),
            Event::Start(start) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(CdaError::TooManyElements {
                        limit: MAX_ELEMENTS,
                    });
                }
                if stack.len() > MAX_DEPTH {
                    return Err(CdaError::TooDeep { limit: MAX_DEPTH });
                }
                let attributes = attributes(&start)?;
                let mut element = Element {
                    name: local(start.name().as_ref()),
                    attributes,
                    ..Element::default()
                };
                if is_binary(&element.attributes) {
                    // Note where the base64 lies, and step over it without keeping it.
                    let offset = reader.buffer_position();
                    let (mut length, mut data) = (0u64, 0u64);
                    let mut stream = reader.stream();
                    loop {
                        let chunk = stream.fill_buf().map_err(|_| CdaError::Unreadable)?;
                        if chunk.is_empty() {
                            return Err(CdaError::NotXml);
                        }
                        let end = chunk.iter().position(|&b| b == b'<');
                        let run = &chunk[..end.unwrap_or(chunk.len())];
                        data += run.iter().filter(|b| !b.is_ascii_whitespace()).count() as u64;
                        let n = run.len();
                        length += n as u64;
                        stream.consume(n);
                        if end.is_some() {
                            break;
                        }
                    }
                    // An encapsulated datum that starts with markup (a <reference>, a
                    // <thumbnail>) has no inline base64 where Carnet looks: it is not a file.
                    if data > 0 {
                        element.binary = Some(Binary {
                            path: path.to_owned(),
                            offset,
                            length,
                        });
                    }
                }
                stack.push(element);
            }
            Event::Empty(start) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(CdaError::TooManyElements {
                        limit: MAX_ELEMENTS,
                    });
                }
                let element = Element {
                    name: local(start.name().as_ref()),
                    attributes: attributes(&start)?,
                    ..Element::default()
                };
                if let Some(parent) = stack.last_mut() {
                    parent.push_child(element);
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or(CdaError::NotXml)?;
                match stack.last_mut() {
                    Some(parent) => parent.push_child(element),
                    None => return Err(CdaError::NotXml),
                }
            }
            Event::Text(text) => {
                let text = text.decode().map_err(|_| CdaError::NotXml)?;
                kept += text.len();
                if kept > MAX_TEXT_BYTES {
                    return Err(CdaError::TooMuchText {
                        limit: MAX_TEXT_BYTES,
                    });
                }
                if let Some(e) = stack.last_mut() {
                    e.push_text(&text);
                }
            }
            Event::CData(data) => {
                let text = String::from_utf8_lossy(&data).into_owned();
                kept += text.len();
                if kept > MAX_TEXT_BYTES {
                    return Err(CdaError::TooMuchText {
                        limit: MAX_TEXT_BYTES,
                    });
                }
                if let Some(e) = stack.last_mut() {
                    e.push_text(&text);
                }
            }
            Event::GeneralRef(name) => {
                let name = name.decode().map_err(|_| CdaError::NotXml)?;
                let c = entity(&name)?;
                if let Some(e) = stack.last_mut() {
                    e.push_text(c.encode_utf8(&mut [0u8; 4]));
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    let mut root = stack.pop().ok_or(CdaError::NotXml)?;
    if !stack.is_empty() {
        return Err(CdaError::NotXml);
    }
    root.children
        .pop()
        .filter(|_| root.children.is_empty())
        .ok_or(CdaError::NotXml)
}

/// The chunk of base64 read at a time when streaming a binary.
const CHUNK: usize = 64 * 1024;

impl Binary {
    fn raw(&self) -> std::io::Result<std::io::Take<std::fs::File>> {
        let mut file = std::fs::File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.offset))?;
        Ok(file.take(self.length))
    }
}

impl crate::import::FileSource for Binary {
    /// Counted from the base64 where it lies (characters and padding), reading it once.
    fn size(&self) -> std::io::Result<u64> {
        let mut raw = self.raw()?;
        let mut buf = vec![0u8; CHUNK];
        let (mut chars, mut padding) = (0u64, 0u64);
        loop {
            let n = raw.read(&mut buf)?;
            if n == 0 {
                break;
            }
            for &b in &buf[..n] {
                if !b.is_ascii_whitespace() {
                    chars += 1;
                    padding = if b == b'=' { padding + 1 } else { 0 };
                }
            }
        }
        if chars % 4 != 0 || padding > 2 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "an embedded file is not valid base64",
            ));
        }
        Ok(chars / 4 * 3 - padding)
    }

    fn open(&self) -> std::io::Result<Box<dyn Read>> {
        Ok(Box::new(Base64Reader {
            raw: self.raw()?,
            pending: Vec::with_capacity(CHUNK + 4),
            out: Vec::new(),
            at: 0,
            done: false,
        }))
    }
}

/// Decodes base64 from a file as it is read, `CHUNK` bytes at a time, skipping whitespace.
struct Base64Reader {
    raw: std::io::Take<std::fs::File>,
    pending: Vec<u8>,
    out: Vec<u8>,
    at: usize,
    done: bool,
}

impl Read for Base64Reader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.out.len() && !self.done {
            let mut raw = vec![0u8; CHUNK];
            let n = self.raw.read(&mut raw)?;
            self.pending.extend(
                raw[..n]
                    .iter()
                    .copied()
                    .filter(|b| !b.is_ascii_whitespace()),
            );
            // The last quantum waits for the end: it may hold the padding.
            let ready = if n == 0 {
                self.done = true;
                self.pending.len()
            } else {
                (self.pending.len() / 4 * 4).saturating_sub(4)
            };
            let decoded = data_encoding::BASE64
                .decode(&self.pending[..ready])
                .map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "an embedded file is not valid base64",
                    )
                })?;
            self.pending.drain(..ready);
            self.out = decoded;
            self.at = 0;
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(xml: &str) -> Result<Element, CdaError> {
        let dir = tempfile::tempdir().map_err(|_| CdaError::Unreadable)?;
        let path = dir.path().join("doc.xml");
        std::fs::write(&path, xml).map_err(|_| CdaError::Unreadable)?;
        read(&path)
    }

    #[test]
    fn mixed_content_reads_in_document_order() {
        let t =
            tree("<text>vu le <content>12/03</content> pour douleur &amp; fièvre</text>").unwrap();
        assert_eq!(t.all_text(), "vu le 12/03 pour douleur & fièvre");
    }

    #[test]
    fn an_encapsulated_datum_without_inline_base64_is_no_file() {
        let t = tree(r#"<value representation="B64"> <reference value="x"/></value>"#).unwrap();
        assert!(t.binary.is_none());
        assert_eq!(t.children.len(), 1);
    }
}
