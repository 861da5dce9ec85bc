//! Connectivity as an Apache Arrow IPC stream: one row per allowed port range, in the order
//! of the canonical list, for data tools that read Arrow without parsing JSON (pyarrow,
//! pandas, polars, apache-arrow in JavaScript).
//!
//! Columns: `src` and `dst` (dictionary-encoded endpoint names: `ns/name[Kind]` or an
//! external address range), `protocol` (dictionary: `SCTP`, `TCP`, `UDP`), `port_from` and
//! `port_to` (inclusive, `uint16`). Records are written in batches of [`BATCH_ROWS`]. The
//! schema's metadata carries what the caller adds (the API: `netfence.errors`,
//! `netfence.partial`, `netfence.warnings`, as JSON text).

use std::sync::Arc;

use arrow_array::types::UInt32Type;
use arrow_array::{ArrayRef, DictionaryArray, RecordBatch, StringArray, UInt16Array, UInt32Array};
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{ArrowError, DataType, Field, Schema};

use crate::engine::GroupedConnectivity;
use crate::error::{Error, ErrorCode};
use crate::model::Protocol;
use crate::sorted::CompactSort;

/// Rows per record batch.
pub const BATCH_ROWS: usize = 1 << 20;

fn arrow_error(e: &ArrowError) -> Error {
    Error::new(ErrorCode::Output, format!("the Arrow stream could not be written: {e}"))
}

fn dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::UInt32), Box::new(DataType::Utf8))
}

/// The Arrow schema of [`connectivity_arrow`].
#[must_use]
pub fn connectivity_schema() -> Schema {
    Schema::new(vec![
        Field::new("src", dictionary(), false),
        Field::new("dst", dictionary(), false),
        Field::new("protocol", dictionary(), false),
        Field::new("port_from", DataType::UInt16, false),
        Field::new("port_to", DataType::UInt16, false),
    ])
}

/// One row: source and destination as indexes into the sorted names, protocol, ports.
type Row = (u32, u32, u32, u16, u16);

/// The canonical connectivity list that `grouped` stands for, as an Arrow IPC stream.
///
/// # Errors
/// `NF-E030` if the Arrow writer fails (it writes to memory: only on a bug).
pub fn connectivity_arrow(grouped: &GroupedConnectivity, metadata: Vec<(String, String)>) -> Result<Vec<u8>, Error> {
    // every name once, sorted: a row's order by index is then its order by name
    let mut names: Vec<&str> = grouped.groups.iter().flat_map(|g| g.members.iter().map(String::as_str)).collect();
    names.sort_compact();
    names.dedup();
    let index = |name: &str| names.binary_search(&name).map_or(u32::MAX, |i| u32::try_from(i).unwrap_or(u32::MAX));
    let members: Vec<Vec<u32>> = grouped.groups.iter().map(|g| g.members.iter().map(|m| index(m)).collect()).collect();
    let protocols: Vec<Protocol> = {
        let mut all = Protocol::ALL.to_vec();
        all.sort_compact_by(|a, b| a.as_str().cmp(b.as_str()));
        all
    };
    let protocol_index =
        |p: Protocol| protocols.iter().position(|q| *q == p).map_or(u32::MAX, |i| u32::try_from(i).unwrap_or(u32::MAX));
    let none: Vec<u32> = Vec::new();
    let mut rows: Vec<Row> = Vec::with_capacity(grouped.expanded_len());
    for c in &grouped.connections {
        let protocol = protocol_index(c.protocol);
        for &src in members.get(c.src as usize).unwrap_or(&none) {
            for &dst in members.get(c.dst as usize).unwrap_or(&none) {
                if src == dst && !grouped.include_self {
                    continue;
                }
                rows.extend(c.ports.iter().map(|[from, to]| (src, dst, protocol, *from, *to)));
            }
        }
    }
    rows.sort_compact();

    let schema = Arc::new(
        connectivity_schema()
            .with_metadata(metadata.into_iter().collect::<std::collections::HashMap<String, String>>()),
    );
    let name_values: ArrayRef = Arc::new(StringArray::from_iter_values(names.iter()));
    let protocol_values: ArrayRef = Arc::new(StringArray::from_iter_values(protocols.iter().map(|p| p.as_str())));
    let mut writer = StreamWriter::try_new(Vec::new(), &schema).map_err(|e| arrow_error(&e))?;
    for batch in rows.chunks(BATCH_ROWS) {
        let keys = |f: fn(&Row) -> u32| UInt32Array::from_iter_values(batch.iter().map(f));
        let dictionary = |keys: UInt32Array, values: &ArrayRef| -> Result<ArrayRef, Error> {
            Ok(Arc::new(DictionaryArray::<UInt32Type>::try_new(keys, Arc::clone(values)).map_err(|e| arrow_error(&e))?))
        };
        let columns: Vec<ArrayRef> = vec![
            dictionary(keys(|r| r.0), &name_values)?,
            dictionary(keys(|r| r.1), &name_values)?,
            dictionary(keys(|r| r.2), &protocol_values)?,
            Arc::new(UInt16Array::from_iter_values(batch.iter().map(|r| r.3))),
            Arc::new(UInt16Array::from_iter_values(batch.iter().map(|r| r.4))),
        ];
        let batch = RecordBatch::try_new(Arc::clone(&schema), columns).map_err(|e| arrow_error(&e))?;
        writer.write(&batch).map_err(|e| arrow_error(&e))?;
    }
    writer.finish().map_err(|e| arrow_error(&e))?;
    writer.into_inner().map_err(|e| arrow_error(&e))
}
