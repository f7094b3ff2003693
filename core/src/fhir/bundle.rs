//! Reading a FHIR R4 JSON bundle from outside, within bounds: the file's size, its nesting
//! and its longest string are checked before anything is built from it, then the entries are
//! indexed so references (`urn:uuid:…`, `Patient/123`, absolute URLs, `#contained`) resolve.
//!
//! The JSON itself is parsed by `serde_json` into a `Value`: FHIR resources are open-ended
//! (extensions anywhere, choice types), and the mapping reads the few elements it needs.

use super::FhirError;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The largest bundle read (the largest corpus bundle is 1.8 MB; a bundle with PDFs inside
/// can be larger).
pub const MAX_BUNDLE_BYTES: usize = 64 * 1024 * 1024;
/// The deepest nesting of arrays and objects (real bundles stay under 20).
pub const MAX_DEPTH: usize = 64;
/// The longest string (base64 attachment data is the longest).
pub const MAX_DATA_BYTES: usize = 48 * 1024 * 1024;
/// The most entries a bundle may hold.
pub const MAX_ENTRIES: usize = 100_000;

/// Checks size, depth and string lengths on the raw bytes, without building anything.
fn check_shape(bytes: &[u8]) -> Result<(), FhirError> {
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(FhirError::TooLarge {
            limit: MAX_BUNDLE_BYTES,
        });
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                if i - string_start > MAX_DATA_BYTES {
                    return Err(FhirError::StringTooLong {
                        limit: MAX_DATA_BYTES,
                    });
                }
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                string_start = i + 1;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(FhirError::TooDeep { limit: MAX_DEPTH });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Parses `bytes` as one JSON object, within the bounds above.
pub fn parse(bytes: &[u8]) -> Result<Value, FhirError> {
    check_shape(bytes)?;
    let value: Value = serde_json::from_slice(bytes).map_err(|e| FhirError::NotJson {
        line: e.line(),
        column: e.column(),
    })?;
    if !value.is_object() {
        return Err(FhirError::NotABundle {
            found: "JSON that is not an object".into(),
        });
    }
    Ok(value)
}

/// One entry of a bundle.
pub struct Entry<'a> {
    /// Its position in `Bundle.entry`, for messages.
    pub index: usize,
    pub full_url: Option<&'a str>,
    pub resource: &'a Map<String, Value>,
    pub resource_type: &'a str,
}

impl Entry<'_> {
    /// "entry 3 (Observation)": where an item is, never what it says.
    pub fn place(&self) -> String {
        format!("entry {}", self.index)
    }
}

impl std::fmt::Debug for Entry<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Entry({} {})", self.index, self.resource_type)
    }
}

/// The bundle, its entries and the index references resolve through.
pub struct Bundle<'a> {
    pub root: &'a Map<String, Value>,
    pub bundle_type: &'a str,
    pub entries: Vec<Entry<'a>>,
    by_url: HashMap<String, usize>,
}

impl std::fmt::Debug for Bundle<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bundle({}, {} entries)",
            self.bundle_type,
            self.entries.len()
        )
    }
}

/// The bundle types Carnet reads: those that carry resources as they are.
const READABLE_TYPES: [&str; 6] = [
    "document",
    "collection",
    "searchset",
    "transaction",
    "batch",
    "message",
];

impl<'a> Bundle<'a> {
    pub fn index(root: &'a Value) -> Result<Self, FhirError> {
        let root = root.as_object().ok_or(FhirError::NotABundle {
            found: "JSON that is not an object".into(),
        })?;
        match root.get("resourceType").and_then(Value::as_str) {
            Some("Bundle") => {}
            Some(other) => {
                return Err(FhirError::NotABundle {
                    found: safe_name(other),
                });
            }
            None => {
                return Err(FhirError::NotABundle {
                    found: "an object without resourceType".into(),
                });
            }
        }
        let bundle_type = root
            .get("type")
            .and_then(Value::as_str)
            .ok_or(FhirError::Invalid {
                place: "the bundle".into(),
                field: "type",
                problem: "is missing",
            })?;
        if !READABLE_TYPES.contains(&bundle_type) {
            return Err(FhirError::UnsupportedBundleType {
                found: safe_name(bundle_type),
            });
        }
        let raw = match root.get("entry") {
            None => &[][..],
            Some(Value::Array(entries)) => entries.as_slice(),
            Some(_) => {
                return Err(FhirError::Invalid {
                    place: "the bundle".into(),
                    field: "entry",
                    problem: "is not a list",
                });
            }
        };
        if raw.len() > MAX_ENTRIES {
            return Err(FhirError::TooManyEntries { limit: MAX_ENTRIES });
        }
        let mut entries = Vec::with_capacity(raw.len());
        let mut by_url = HashMap::new();
        for (index, entry) in raw.iter().enumerate() {
            let place = || format!("entry {index}");
            let entry = entry.as_object().ok_or_else(|| FhirError::Invalid {
                place: place(),
                field: "entry",
                problem: "is not an object",
            })?;
            let Some(resource) = entry.get("resource") else {
                // A transaction response or a deleted search hit: nothing to read.
                continue;
            };
            let resource = resource.as_object().ok_or_else(|| FhirError::Invalid {
                place: place(),
                field: "resource",
                problem: "is not an object",
            })?;
            let resource_type = resource
                .get("resourceType")
                .and_then(Value::as_str)
                .ok_or_else(|| FhirError::Invalid {
                    place: place(),
                    field: "resourceType",
                    problem: "is missing or not text",
                })?;
            let full_url = match entry.get("fullUrl") {
                None => None,
                Some(Value::String(url)) => Some(url.as_str()),
                Some(_) => {
                    return Err(FhirError::Invalid {
                        place: place(),
                        field: "fullUrl",
                        problem: "is not text",
                    });
                }
            };
            let at = entries.len();
            if let Some(url) = full_url {
                by_url.insert(url.to_owned(), at);
            }
            if let Some(id) = resource.get("id").and_then(Value::as_str) {
                by_url.entry(format!("{resource_type}/{id}")).or_insert(at);
            }
            entries.push(Entry {
                index,
                full_url,
                resource,
                resource_type,
            });
        }
        Ok(Self {
            root,
            bundle_type,
            entries,
            by_url,
        })
    }

    /// The resource a reference names, seen from `from`: a `#id` in `from`'s contained
    /// resources, a full URL, or `Type/id` (also when the reference is an absolute URL ending
    /// in `Type/id`).
    pub fn resolve(
        &self,
        from: &Map<String, Value>,
        reference: &Value,
    ) -> Option<&'a Map<String, Value>> {
        let text = reference.get("reference")?.as_str()?;
        if let Some(local) = text.strip_prefix('#') {
            // A contained resource lives in the resource that refers to it; its lifetime is
            // the caller's, so look it up in the bundle's copy of that resource.
            let own = self
                .entries
                .iter()
                .find(|e| std::ptr::eq(e.resource, from))?;
            return own
                .resource
                .get("contained")?
                .as_array()?
                .iter()
                .filter_map(Value::as_object)
                .find(|c| c.get("id").and_then(Value::as_str) == Some(local));
        }
        if let Some(&at) = self.by_url.get(text) {
            return Some(self.entries[at].resource);
        }
        // An absolute URL to a server: its last two segments are Type/id.
        let mut parts = text.rsplitn(3, '/');
        let id = parts.next()?;
        let kind = parts.next()?;
        let at = self.by_url.get(&format!("{kind}/{id}"))?;
        Some(self.entries[*at].resource)
    }

    /// The entry a reference names (not a contained resource): by full URL, `Type/id`, or an
    /// absolute URL ending in `Type/id`. A map lookup, whatever the bundle's size.
    pub fn resolve_entry(&self, reference: &Value) -> Option<&Entry<'a>> {
        let text = reference.get("reference")?.as_str()?;
        if let Some(&at) = self.by_url.get(text) {
            return self.entries.get(at);
        }
        let mut parts = text.rsplitn(3, '/');
        let id = parts.next()?;
        let kind = parts.next()?;
        let at = self.by_url.get(&format!("{kind}/{id}"))?;
        self.entries.get(*at)
    }

    /// The resources of `resource_type`.
    pub fn of_type<'s>(&'s self, resource_type: &'s str) -> impl Iterator<Item = &'s Entry<'a>> {
        self.entries
            .iter()
            .filter(move |e| e.resource_type == resource_type)
    }
}

/// A name from the file fit for a message: a short run of letters, digits and dashes.
pub fn safe_name(text: &str) -> String {
    let name: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    if name.is_empty() {
        "something unnamed".into()
    } else {
        format!("\"{name}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_and_long_strings_are_refused_before_parsing() {
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert!(matches!(
            parse(deep.as_bytes()),
            Err(FhirError::TooDeep { .. })
        ));
        let long = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_DATA_BYTES + 1));
        assert!(matches!(
            parse(long.as_bytes()),
            Err(FhirError::StringTooLong { .. })
        ));
        // Brackets inside strings do not count as nesting.
        let inside = format!("{{\"a\":\"{}\"}}", "[".repeat(MAX_DEPTH * 2));
        assert!(parse(inside.as_bytes()).is_ok());
    }

    #[test]
    fn references_resolve_by_url_type_and_id_and_contained() {
        let json: Value = serde_json::from_str(
            r##"{"resourceType":"Bundle","type":"collection","entry":[
            {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","id":"p"}},
            {"fullUrl":"http://x/fhir/Medication/m","resource":{"resourceType":"Medication","id":"m"}},
            {"resource":{"resourceType":"MedicationStatement","id":"s",
              "contained":[{"resourceType":"Medication","id":"c"}]}}]}"##,
        )
        .unwrap();
        let b = Bundle::index(&json).unwrap();
        let stmt = b.entries[2].resource;
        let r = |t: &str| b.resolve(stmt, &serde_json::json!({ "reference": t }));
        assert_eq!(r("urn:uuid:1").unwrap()["id"], "p");
        assert_eq!(r("Patient/p").unwrap()["id"], "p");
        assert_eq!(r("Medication/m").unwrap()["id"], "m");
        assert_eq!(r("https://other/fhir/Medication/m").unwrap()["id"], "m");
        assert_eq!(r("#c").unwrap()["id"], "c");
        assert!(r("Patient/nobody").is_none());
    }
}
