//! A deserializer over `serde_json::Value` that matches struct field names the way Go's
//! `encoding/json` does: an exact match first, else a case-insensitive one. Kyverno's CLI
//! reads its Test, Values and UserInfo files that way, so `isMUtatingPolicy` means
//! `isMutatingPolicy` (CLI-1.3). Combined with `deny_unknown_fields`, anything else that is
//! not a known field is an error, as in Kyverno.

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};

/// Wraps a value; see the module docs.
pub(crate) struct CaseInsensitive(pub Value);

fn canonical(key: String, fields: &'static [&'static str]) -> String {
    if fields.contains(&key.as_str()) {
        return key;
    }
    match fields.iter().find(|f| f.eq_ignore_ascii_case(&key)) {
        Some(f) => (*f).to_owned(),
        None => key,
    }
}

impl<'de> Deserializer<'de> for CaseInsensitive {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Seq {
                iter: items.into_iter(),
            }),
            Value::Object(map) => visitor.visit_map(Obj {
                iter: map.into_iter(),
                value: None,
                fields: None,
            }),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(CaseInsensitive(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Obj {
                iter: map.into_iter(),
                value: None,
                fields: Some(fields),
            }),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, serde_json::Error> for CaseInsensitive {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

struct Seq {
    iter: std::vec::IntoIter<Value>,
}

impl<'de> SeqAccess<'de> for Seq {
    type Error = serde_json::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        match self.iter.next() {
            Some(v) => seed.deserialize(CaseInsensitive(v)).map(Some),
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Obj {
    iter: <Map<String, Value> as IntoIterator>::IntoIter,
    value: Option<Value>,
    fields: Option<&'static [&'static str]>,
}

impl<'de> MapAccess<'de> for Obj {
    type Error = serde_json::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                let k = match self.fields {
                    Some(fields) => canonical(k, fields),
                    None => k,
                };
                seed.deserialize(de::value::StringDeserializer::<serde_json::Error>::new(k))
                    .map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let v = self.value.take().unwrap_or(Value::Null);
        seed.deserialize(CaseInsensitive(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Row {
        is_mutating_policy: Option<bool>,
        policy: String,
    }

    #[test]
    fn go_style_case_folding() {
        let v = serde_json::json!({"isMUtatingPolicy": true, "POLICY": "p"});
        let row = Row::deserialize(CaseInsensitive(v)).unwrap();
        assert_eq!(
            row,
            Row {
                is_mutating_policy: Some(true),
                policy: "p".into()
            }
        );
    }

    #[test]
    fn unknown_fields_still_rejected() {
        let v = serde_json::json!({"policy": "p", "status": "pass"});
        let err = Row::deserialize(CaseInsensitive(v)).unwrap_err();
        assert!(err.to_string().contains("unknown field `status`"), "{err}");
    }
}
