//! Matching what people type: names folded (case, accents and spacing ignored) so the same
//! drug typed twice is one medication, and full-text search over what a record says, not over
//! its field names.

use super::RecordBody;
use serde::Deserialize;

/// Lower-case, accents removed, runs of whitespace collapsed: for matching names people type.
pub fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let stripped: String = text
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Full-text search: the folded words of a query. Every one must occur in a hit.
pub struct SearchTerms(Vec<String>);

impl std::fmt::Debug for SearchTerms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The words may be health data (a drug, a diagnosis): never printed.
        write!(f, "SearchTerms({} words)", self.0.len())
    }
}

impl SearchTerms {
    pub fn new(query: &str) -> Self {
        Self(fold(query).split_whitespace().map(str::to_owned).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a record's body holds every word, case and accents ignored.
    pub fn matches(&self, body: &RecordBody) -> bool {
        self.matches_json(&body.search_text())
    }

    /// [`Self::matches`] on a stored record's JSON (any object with the body under `"body"`),
    /// without decoding it: the body's JSON text is read as it stands, which is what
    /// [`RecordBody::search_text`] writes (the same serializer wrote it). A store decodes
    /// only the hits.
    pub fn matches_stored(&self, stored_json: &[u8]) -> Result<bool, serde_json::Error> {
        #[derive(Deserialize)]
        struct Stored<'a> {
            #[serde(borrow)]
            body: &'a serde_json::value::RawValue,
        }
        let stored: Stored<'_> = serde_json::from_slice(stored_json)?;
        Ok(self.matches_json(stored.body.get()))
    }

    fn matches_json(&self, body_json: &str) -> bool {
        let mut written = String::with_capacity(body_json.len());
        let mut de = serde_json::Deserializer::from_str(body_json);
        if serde::de::DeserializeSeed::deserialize(WrittenText(&mut written), &mut de).is_err() {
            return false;
        }
        let text = fold(&written);
        self.0.iter().all(|t| text.contains(t.as_str()))
    }
}

/// The fields whose values are Carnet's own tags, not something a person wrote: the kind of a
/// record, a condition's status, an allergy's severity, a code's system.
const TAG_FIELDS: [&str; 4] = ["kind", "status", "severity", "system"];

/// Collects what is written in a record's JSON (text and numbers, one per line), leaving out
/// field names and [`TAG_FIELDS`]: "kind" or "medications" must not find every record. It
/// reads the JSON as it streams, without building the record or a tree.
struct WrittenText<'a>(&'a mut String);

impl<'de> serde::de::DeserializeSeed<'de> for WrittenText<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for WrittenText<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a record's JSON")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.0.push_str(v);
        self.0.push('\n');
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        self.visit_str(&v.to_string())
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        self.visit_str(&v.to_string())
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        self.visit_str(&v.to_string())
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(WrittenText(&mut *self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if TAG_FIELDS.contains(&key.as_ref()) {
                map.next_value::<serde::de::IgnoredAny>()?;
            } else {
                map.next_value_seed(WrittenText(&mut *self.0))?;
            }
        }
        Ok(())
    }
}
