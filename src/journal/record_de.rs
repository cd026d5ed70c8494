//! Reading a `Record` without buffering it. A derived `Deserialize` with `#[serde(flatten)]`
//! first copies the whole line into serde's generic content tree and then reads the record
//! out of that: a third of the cost of reading a journal, and of every record a watcher
//! gets. Here the envelope's fields are read as they come and `data` goes straight into
//! `Body`, which is told the `kind` that came before it (the writer always puts `kind`
//! first; a hand-written line with `data` first is still read, through a JSON value).

use std::fmt;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, forward_to_deserialize_any};

use super::record::{Body, Record};

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Seq,
    Ts,
    Kind,
    Data,
    Step,
    Actor,
    Prev,
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Record, D::Error> {
        d.deserialize_map(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a journal record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        let (mut seq, mut ts, mut kind, mut body, mut early_data) = (None, None, None, None, None);
        let (mut step, mut actor, mut prev) = (None, None, None);
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Seq => seq = Some(map.next_value()?),
                Field::Ts => ts = Some(map.next_value()?),
                Field::Kind => kind = Some(map.next_value::<String>()?),
                Field::Data => match kind.as_deref() {
                    Some(k) => body = Some(map.next_value_seed(BodySeed(k))?),
                    None => early_data = Some(map.next_value::<serde_json::Value>()?),
                },
                Field::Step => step = map.next_value()?,
                Field::Actor => actor = Some(map.next_value()?),
                Field::Prev => prev = Some(map.next_value()?),
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let body = match (body, kind) {
            (Some(body), _) => body,
            (None, Some(kind)) => {
                let mut whole = serde_json::Map::new();
                whole.insert("kind".into(), kind.into());
                if let Some(data) = early_data {
                    whole.insert("data".into(), data);
                }
                Body::deserialize(serde_json::Value::Object(whole)).map_err(de::Error::custom)?
            }
            (None, None) => return Err(de::Error::missing_field("kind")),
        };
        Ok(Record {
            seq: seq.ok_or_else(|| de::Error::missing_field("seq"))?,
            ts: ts.ok_or_else(|| de::Error::missing_field("ts"))?,
            body,
            step,
            actor: actor.ok_or_else(|| de::Error::missing_field("actor"))?,
            prev: prev.ok_or_else(|| de::Error::missing_field("prev"))?,
        })
    }
}

/// Reads `data` as the body of the kind already read.
struct BodySeed<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for BodySeed<'_> {
    type Value = Body;
    fn deserialize<D: Deserializer<'de>>(self, data: D) -> Result<Body, D::Error> {
        Body::deserialize(KindThenData {
            kind: self.0,
            data: Some(data),
            step: 0,
        })
    }
}

/// `{"kind": <kind>, "data": <the data still unread>}`, as `Body`'s derive expects it.
struct KindThenData<'a, D> {
    kind: &'a str,
    data: Option<D>,
    step: u8,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KindThenData<'_, D> {
    type Error = D::Error;
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        v.visit_map(self)
    }
    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl<'de, D: Deserializer<'de>> MapAccess<'de> for KindThenData<'_, D> {
    type Error = D::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, D::Error> {
        let key = match self.step {
            0 => "kind",
            1 => "data",
            _ => return Ok(None),
        };
        seed.deserialize(StrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, D::Error> {
        self.step += 1;
        if self.step == 1 {
            return seed.deserialize(StrDeserializer::new(self.kind));
        }
        match self.data.take() {
            Some(data) => seed.deserialize(data),
            None => Err(de::Error::custom("a record's data read twice")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_the_same_streamed_or_buffered() {
        let line = r#"{"seq":4,"ts":"2023-12-05T17:15:02.113+09:00","kind":"command_finished","data":{"purpose":"verify-1","attempt":2,"exit":null,"signal":-9,"timed_out":true,"duration_ms":0,"bytes":7,"sha256":"ab","log":"l","ok":false,"captures":{"k":"v"}},"step":"s1","actor":{"role":"shisa","user":"u","uid":1,"host":"h"},"prev":"p"}"#;
        let streamed: Record = serde_json::from_str(line).unwrap();
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(serde_json::from_value::<Record>(value).unwrap(), streamed);
        assert_eq!(
            serde_json::to_string(&streamed).unwrap(),
            line,
            "written back the same"
        );
        // `data` before `kind` (never written so, but a line may be edited so) still reads.
        let swapped = line
            .replacen(r#""kind":"command_finished","data""#, r#""data""#, 1)
            .replacen(
                r#","step":"s1""#,
                r#","kind":"command_finished","step":"s1""#,
                1,
            );
        assert_eq!(serde_json::from_str::<Record>(&swapped).unwrap(), streamed);
        for broken in [
            line.replacen(r#""seq":4,"#, "", 1),
            line.replacen(r#""kind":"command_finished","#, "", 1),
            line.replacen("command_finished", "command_done", 1),
            line.replacen(r#""attempt":2"#, r#""attempt":"2""#, 1),
        ] {
            assert!(serde_json::from_str::<Record>(&broken).is_err(), "{broken}");
        }
    }
}
