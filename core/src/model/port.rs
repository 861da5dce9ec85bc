//! Ports as netfence's own formats (intent, requirements) write them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Protocol;

/// A port: a number, a number range (`endPort`), a named container port, or every port of a
/// protocol (only `protocol`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntentPort {
    /// `TCP` (default), `UDP` or `SCTP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    /// A port number (1–65535) or a container port name; left out: every port of `protocol`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<IntentPortValue>,
    /// The last port of a range starting at the numeric `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_port: Option<i64>,
}

/// A port number or name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum IntentPortValue {
    /// A port number.
    Number(i64),
    /// A container port name.
    Name(String),
}

impl<'de> Deserialize<'de> for IntentPortValue {
    /// A number or a string, read directly (a derived untagged enum buffers the value first and
    /// can only say that it matched no variant).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = IntentPortValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a port number or a container port name")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IntentPortValue, E> {
                Ok(IntentPortValue::Number(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<IntentPortValue, E> {
                i64::try_from(v)
                    .map(IntentPortValue::Number)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IntentPortValue, E> {
                Ok(IntentPortValue::Name(v.to_owned()))
            }
        }
        deserializer.deserialize_any(V)
    }
}
