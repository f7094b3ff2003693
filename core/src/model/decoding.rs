//! Reading the two enums every stored record holds, [`RecordBody`] (tagged by `"kind"`) and
//! [`LabValue`] (a number or a text), without serde's buffering.
//!
//! serde's derived `Deserialize` for an internally tagged or an untagged enum first copies the
//! whole value into a private buffer (its `Content` tree), then reads the variant from the
//! copy: for every record listed, the body was parsed twice and every lab value allocated a
//! node. Listing and searching read every record, so that copy was about a tenth of their time.
//!
//! Here the body is read in one pass when `"kind"` is its first key, which is how Carnet (and
//! serde's derived `Serialize`) writes it: the kind names the variant, whose fields are read
//! straight from the rest of the map. A body written in another order (by hand, by another
//! tool) is still read, through a buffer, as before. A second `"kind"` is refused either way,
//! as the derived code refused it, so one body never reads as two different kinds. What a
//! body reads as is unchanged; the tests below hold both paths to the derived behaviour.
//!
//! Written by hand rather than by a crate: serde offers no attribute for "tag first, else
//! buffer", and this is the one place that needs it.

use super::{Allergy, Condition, Document, Immunisation, LabReport, Letter, Prescription};
use super::{LabValue, RecordBody, RecordKind};
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, StrDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use std::fmt;

const TAG: &str = "kind";

/// The kinds' names as stored, in [`RecordKind::ALL`]'s order, for the "unknown kind" error.
const KINDS: [&str; RecordKind::ALL.len()] = {
    let mut names = [""; RecordKind::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = RecordKind::ALL[i].as_str();
        i += 1;
    }
    names
};

impl RecordBody {
    /// The body of kind `kind` (its stored name, exactly) read from `fields`, the body's map
    /// without its tag.
    fn of_kind<'de, D: Deserializer<'de>>(kind: &str, fields: D) -> Result<Self, D::Error> {
        let Some(known) = RecordKind::ALL.into_iter().find(|k| k.as_str() == kind) else {
            return Err(de::Error::unknown_variant(kind, &KINDS));
        };
        Ok(match known {
            RecordKind::Prescription => Self::Prescription(Prescription::deserialize(fields)?),
            RecordKind::LabReport => Self::LabReport(LabReport::deserialize(fields)?),
            RecordKind::Letter => Self::Letter(Letter::deserialize(fields)?),
            RecordKind::Document => Self::Document(Document::deserialize(fields)?),
            RecordKind::Allergy => Self::Allergy(Allergy::deserialize(fields)?),
            RecordKind::Condition => Self::Condition(Condition::deserialize(fields)?),
            RecordKind::Immunisation => Self::Immunisation(Immunisation::deserialize(fields)?),
        })
    }
}

impl<'de> Deserialize<'de> for RecordBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(BodyVisitor)
    }
}

struct BodyVisitor;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = RecordBody;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record body tagged by \"kind\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RecordBody, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Err(de::Error::missing_field(TAG));
        };
        if first == TAG {
            let kind: String = map.next_value()?;
            return RecordBody::of_kind(&kind, MapAccessDeserializer::new(WithoutTag(map)));
        }
        // Another order: buffer the map, then take the tag out of it.
        let mut fields = serde_json::Map::new();
        fields.insert(first, map.next_value()?);
        while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
            if fields.insert(key, value).is_some() {
                return Err(de::Error::custom("a record body repeats a field"));
            }
        }
        let kind = match fields.remove(TAG) {
            Some(serde_json::Value::String(kind)) => kind,
            Some(_) => return Err(de::Error::custom("a record body's kind is not a text")),
            None => return Err(de::Error::missing_field(TAG)),
        };
        RecordBody::of_kind(&kind, serde_json::Value::Object(fields)).map_err(de::Error::custom)
    }
}

/// The rest of a body's map once its tag has been read: a second tag is an error.
struct WithoutTag<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for WithoutTag<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(NotTag(seed))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// A field name handed on to the variant's own field reader, unless it is the tag again.
struct NotTag<K>(K);

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for NotTag<K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<K::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, K: DeserializeSeed<'de>> Visitor<'de> for NotTag<K> {
    type Value = K::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<K::Value, E> {
        if name == TAG {
            return Err(de::Error::duplicate_field(TAG));
        }
        let name: StrDeserializer<'_, E> = name.into_deserializer();
        self.0.deserialize(name)
    }
}

impl<'de> Deserialize<'de> for LabValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LabValueVisitor)
    }
}

struct LabValueVisitor;

impl Visitor<'_> for LabValueVisitor {
    type Value = LabValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a text")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<LabValue, E> {
        Ok(LabValue::Numeric(v))
    }

    // As serde reads an integer into an f64: `as`, exact up to 2^53, which any value a
    // laboratory prints is.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<LabValue, E> {
        Ok(LabValue::Numeric(v as f64))
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<LabValue, E> {
        Ok(LabValue::Numeric(v as f64))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<LabValue, E> {
        Ok(LabValue::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<LabValue, E> {
        Ok(LabValue::Text(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The bodies of `examples/` (one per kind, as `carnet add --file` reads them).
    fn examples() -> Vec<Value> {
        [
            include_str!("../../../examples/prescription.json"),
            include_str!("../../../examples/medication_stop.json"),
            include_str!("../../../examples/lab_report.json"),
            include_str!("../../../examples/letter.json"),
            include_str!("../../../examples/document.json"),
            include_str!("../../../examples/allergy.json"),
            include_str!("../../../examples/condition.json"),
            include_str!("../../../examples/immunisation.json"),
        ]
        .iter()
        .map(|text| serde_json::from_str(text).expect("an example is JSON"))
        .collect()
    }

    /// The body with its tag moved last: the other path.
    fn tag_last(body: &Value) -> String {
        let mut text = String::from("{");
        let fields = body.as_object().expect("an object");
        for (k, v) in fields.iter().filter(|(k, _)| k.as_str() != TAG) {
            text.push_str(&format!("{}:{v},", Value::from(k.as_str())));
        }
        text.push_str(&format!("\"kind\":{}}}", fields[TAG]));
        text
    }

    #[test]
    fn every_kind_reads_the_same_whichever_the_key_order() {
        for example in examples() {
            let kind = example[TAG].as_str().expect("a kind").to_owned();
            let first: RecordBody =
                serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(first.kind().as_str(), kind);
            let last: RecordBody = serde_json::from_str(&tag_last(&example))
                .unwrap_or_else(|e| panic!("{kind}, tag last: {e}"));
            assert!(first == last, "{kind}: the two orders differ");
            // And it writes back with the kind first, as it came.
            let written = serde_json::to_string(&first).expect("written");
            assert!(
                written.starts_with(&format!("{{\"kind\":\"{kind}\"")),
                "{kind}"
            );
            let again: RecordBody = serde_json::from_str(&written).expect("read again");
            assert!(again == first, "{kind}: does not read back");
        }
    }

    #[test]
    fn a_body_with_no_known_single_kind_is_refused() {
        let cases = [
            (r#"{}"#, "missing field `kind`"),
            (r#"{"subject": "x"}"#, "missing field `kind`"),
            (
                r#"{"kind": "sonnet", "subject": "x"}"#,
                "unknown variant `sonnet`",
            ),
            (r#"{"subject": "x", "kind": 3}"#, "kind is not a text"),
            (
                r#"{"kind": "allergy", "substance": "Latex", "kind": "letter"}"#,
                "duplicate field `kind`",
            ),
            (
                r#"{"substance": "Latex", "kind": "allergy", "kind": "letter"}"#,
                "repeats a field",
            ),
            (r#"["allergy", "Latex"]"#, "a record body tagged by"),
            (r#"{"kind": "allergy"}"#, "missing field `substance`"),
        ];
        for (text, expected) in cases {
            let err = serde_json::from_str::<RecordBody>(text)
                .err()
                .unwrap_or_else(|| panic!("{text} was read"));
            assert!(err.to_string().contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn a_lab_value_is_a_number_or_a_text() {
        let read = |text: &str| serde_json::from_str::<LabValue>(text);
        assert!(read("12.4").ok() == Some(LabValue::Numeric(12.4)));
        assert!(read("231").ok() == Some(LabValue::Numeric(231.0)));
        assert!(read("-3").ok() == Some(LabValue::Numeric(-3.0)));
        assert!(read(r#""négatif""#).ok() == Some(LabValue::Text("négatif".into())));
        assert!(read(r#""a\"b""#).ok() == Some(LabValue::Text("a\"b".into())));
        for bad in ["true", "null", "[1]", r#"{"v": 1}"#] {
            let err = read(bad).err().unwrap_or_else(|| panic!("{bad} was read"));
            assert!(
                err.to_string().contains("a number or a text"),
                "{bad}: {err}"
            );
        }
    }
}
