//! Request bodies in `application/vnd.kubernetes.protobuf`, which kubectl's typed clients
//! send for built-in kinds (`kubectl auth can-i` → SelfSubjectAccessReview,
//! `kubectl create job --from=cronjob/…` → Job, `kubectl create configmap|secret|namespace`).
//! The envelope is `k8s\0` + `runtime.Unknown{typeMeta, raw}`; `raw` is decoded with
//! the field tables in [`super::proto_schema`] into the JSON the API would have received.
//! Unknown fields are skipped.

use serde_json::{json, Map, Value};

use super::proto_kinds::schema_for;
use super::proto_schema::{Field, Ty, TYPE_META, UNKNOWN};
use super::views::base64;
use crate::status::ApiError;

const MAGIC: &[u8] = b"k8s\0";

fn bad(what: &str) -> ApiError {
    ApiError::bad_request(format!("the protobuf request body is malformed: {what}"))
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, ApiError> {
        let mut out = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self
                .buf
                .get(self.pos)
                .ok_or_else(|| bad("truncated varint"))?;
            self.pos += 1;
            out |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(out);
            }
        }
        Err(bad("varint too long"))
    }

    fn bytes(&mut self) -> Result<&'a [u8], ApiError> {
        let len = self.varint()? as usize;
        let end = self
            .pos
            .checked_add(len)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| bad("length past the end"))?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn skip(&mut self, wire: u64) -> Result<(), ApiError> {
        match wire {
            0 => self.varint().map(|_| ()),
            1 => self.advance(8),
            2 => self.bytes().map(|_| ()),
            5 => self.advance(4),
            _ => Err(bad("unsupported wire type")),
        }
    }

    fn advance(&mut self, n: usize) -> Result<(), ApiError> {
        if self.pos + n > self.buf.len() {
            return Err(bad("truncated fixed-width field"));
        }
        self.pos += n;
        Ok(())
    }
}

/// Decodes one message of `schema` into a JSON object.
pub fn decode_message(buf: &[u8], schema: &[Field]) -> Result<Map<String, Value>, ApiError> {
    let mut r = Reader { buf, pos: 0 };
    let mut out = Map::new();
    while r.pos < buf.len() {
        let tag = r.varint()?;
        let (num, wire) = ((tag >> 3) as u32, tag & 7);
        let Some(field) = schema.iter().find(|f| f.num == num) else {
            r.skip(wire)?;
            continue;
        };
        let value = match (&field.ty, wire) {
            (Ty::Int | Ty::IntP, 0) => json!(r.varint()? as i64),
            (Ty::Int | Ty::IntP, 2) => {
                // packed repeated ints
                let mut inner = Reader {
                    buf: r.bytes()?,
                    pos: 0,
                };
                let mut items = Vec::new();
                while inner.pos < inner.buf.len() {
                    items.push(json!(inner.varint()? as i64));
                }
                if let Some(a) = out
                    .entry(field.name)
                    .or_insert_with(|| json!([]))
                    .as_array_mut()
                {
                    a.extend(items);
                }
                continue;
            }
            (Ty::Bool | Ty::BoolP, 0) => json!(r.varint()? != 0),
            (_, 0) | (_, 1) | (_, 5) => {
                r.skip(wire)?;
                continue;
            }
            (ty, 2) => decode_len(r.bytes()?, ty)?,
            _ => return Err(bad("unexpected wire type")),
        };
        if field.inline {
            if let Value::Object(m) = value {
                out.extend(m);
            }
            continue;
        }
        match &field.ty {
            Ty::MapStr | Ty::MapQty | Ty::MapBytes => {
                let entry = out.entry(field.name).or_insert_with(|| json!({}));
                if let (Some(m), Value::Object(kv)) = (entry.as_object_mut(), value) {
                    m.extend(kv);
                }
            }
            _ if field.repeated => {
                if let Some(a) = out
                    .entry(field.name)
                    .or_insert_with(|| json!([]))
                    .as_array_mut()
                {
                    a.push(value);
                }
            }
            _ => {
                out.insert(field.name.to_string(), value);
            }
        }
    }
    // Go writes every non-pointer scalar (and ObjectMeta); its JSON omits the empty
    // ones, so do we.
    out.retain(|k, v| {
        if k == "metadata" && v.as_object().is_some_and(Map::is_empty) {
            return false;
        }
        let field = schema.iter().find(|f| f.name == k);
        let keep_zero = field.is_some_and(|f| matches!(f.ty, Ty::IntP | Ty::BoolP));
        keep_zero
            || !matches!(v, Value::String(s) if s.is_empty())
                && *v != json!(0)
                && *v != json!(false)
                && !v.is_null()
    });
    Ok(out)
}

fn decode_len(bytes: &[u8], ty: &Ty) -> Result<Value, ApiError> {
    Ok(match ty {
        Ty::Str => json!(String::from_utf8_lossy(bytes)),
        Ty::Bytes => json!(base64(bytes)),
        Ty::Msg(schema) => Value::Object(decode_message(bytes, schema)?),
        Ty::Qty => decode_message(bytes, &[Field::new(1, "s", Ty::Str)])?
            .remove("s")
            .unwrap_or(json!("0")),
        Ty::Time => {
            let m = decode_message(bytes, &[Field::new(1, "seconds", Ty::IntP)])?;
            let secs = m.get("seconds").and_then(Value::as_i64).unwrap_or(0);
            match jiff::Timestamp::from_second(secs) {
                Ok(ts) if secs != 0 => json!(crate::clock::rfc3339(ts)),
                _ => Value::Null,
            }
        }
        Ty::IntOrStr => {
            let m = decode_message(
                bytes,
                &[
                    Field::new(1, "type", Ty::IntP),
                    Field::new(2, "int", Ty::IntP),
                    Field::new(3, "str", Ty::Str),
                ],
            )?;
            if m.get("type").and_then(Value::as_i64) == Some(1) {
                m.get("str").cloned().unwrap_or(json!(""))
            } else {
                m.get("int").cloned().unwrap_or(json!(0))
            }
        }
        Ty::MapStr | Ty::MapQty | Ty::MapBytes => {
            let value_ty = match ty {
                Ty::MapQty => Ty::Qty,
                Ty::MapBytes => Ty::Bytes,
                _ => Ty::Str,
            };
            let mut r = Reader { buf: bytes, pos: 0 };
            let (mut key, mut value) = (String::new(), json!(""));
            while r.pos < bytes.len() {
                let tag = r.varint()?;
                match (tag >> 3, tag & 7) {
                    (1, 2) => key = String::from_utf8_lossy(r.bytes()?).into_owned(),
                    (2, 2) => value = decode_len(r.bytes()?, &value_ty)?,
                    (_, wire) => r.skip(wire)?,
                }
            }
            json!({ key: value })
        }
        Ty::Int | Ty::IntP | Ty::Bool | Ty::BoolP => return Err(bad("a number sent as bytes")),
    })
}

/// Decodes a whole protobuf request body into the JSON object it stands for.
pub fn decode_body(body: &[u8]) -> Result<Value, ApiError> {
    let rest = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| bad("missing the k8s envelope"))?;
    let unknown = decode_message(rest, UNKNOWN)?;
    let type_meta = unknown.get("typeMeta").cloned().unwrap_or(json!({}));
    let _ = TYPE_META;
    let api_version = type_meta["apiVersion"].as_str().unwrap_or("");
    let kind = type_meta["kind"].as_str().unwrap_or("");
    let schema = schema_for(api_version, kind).ok_or_else(|| {
        ApiError::unsupported_media_type(format!(
            "protobuf bodies of {api_version} {kind} are not supported by the simulator; send application/json"
        ))
    })?;
    let raw = raw_field(rest)?;
    let mut obj = decode_message(&raw, schema)?;
    obj.insert("apiVersion".into(), json!(api_version));
    obj.insert("kind".into(), json!(kind));
    Ok(Value::Object(obj))
}

/// Field 2 (`raw`) of runtime.Unknown, as bytes.
fn raw_field(unknown: &[u8]) -> Result<Vec<u8>, ApiError> {
    let mut r = Reader {
        buf: unknown,
        pos: 0,
    };
    while r.pos < unknown.len() {
        let tag = r.varint()?;
        if tag == (2 << 3) | 2 {
            return Ok(r.bytes()?.to_vec());
        }
        r.skip(tag & 7)?;
    }
    Err(bad("no raw object in the envelope"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ld(num: u32, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![((num << 3) | 2) as u8, bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    }

    #[test]
    fn decodes_a_self_subject_access_review() {
        let attrs = [ld(1, b"ns"), ld(2, b"delete"), ld(5, b"pods")].concat();
        let spec = ld(1, &attrs);
        let raw = [ld(1, &[]), ld(2, &spec)].concat();
        let type_meta = [
            ld(1, b"authorization.k8s.io/v1"),
            ld(2, b"SelfSubjectAccessReview"),
        ]
        .concat();
        let body = [MAGIC.to_vec(), ld(1, &type_meta), ld(2, &raw)].concat();
        let v = decode_body(&body).unwrap();
        assert_eq!(v["kind"], "SelfSubjectAccessReview");
        assert_eq!(
            v["spec"]["resourceAttributes"],
            json!({"namespace": "ns", "verb": "delete", "resource": "pods"})
        );
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for len in 0..400 {
            let mut body = MAGIC.to_vec();
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                body.push(x as u8);
            }
            let _ = decode_body(&body);
            let _ = decode_message(&body[4..], schema_for("batch/v1", "Job").unwrap());
        }
    }

    #[test]
    fn garbage_is_a_clear_400() {
        assert_eq!(decode_body(b"nope").unwrap_err().code, 400);
        assert_eq!(decode_body(b"k8s\0\x12\xff").unwrap_err().code, 400);
    }
}
