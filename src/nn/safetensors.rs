//! Reading and writing safetensors weight files with errors that name the file and
//! the tensor. Voice packs store weights in fp16; they are converted to the model's
//! run-time dtype on load.
//!
//! Format: 8-byte little-endian header length, a JSON header
//! `{name: {dtype, shape, data_offsets: [begin, end]}}`, then the raw little-endian data.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{nn::VarStore, Kind, Tensor};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<i64>,
    data_offsets: [usize; 2],
}

fn kind_of(dtype: &str) -> Option<(Kind, usize)> {
    Some(match dtype {
        "F16" => (Kind::Half, 2),
        "BF16" => (Kind::BFloat16, 2),
        "F32" => (Kind::Float, 4),
        "F64" => (Kind::Double, 8),
        "I64" => (Kind::Int64, 8),
        "I32" => (Kind::Int, 4),
        "I16" => (Kind::Int16, 2),
        "I8" => (Kind::Int8, 1),
        "U8" => (Kind::Uint8, 1),
        "BOOL" => (Kind::Bool, 1),
        _ => return None,
    })
}

fn dtype_of(kind: Kind) -> Result<(&'static str, usize)> {
    Ok(match kind {
        Kind::Half => ("F16", 2),
        Kind::BFloat16 => ("BF16", 2),
        Kind::Float => ("F32", 4),
        Kind::Double => ("F64", 8),
        Kind::Int64 => ("I64", 8),
        Kind::Int => ("I32", 4),
        Kind::Int16 => ("I16", 2),
        Kind::Int8 => ("I8", 1),
        Kind::Uint8 => ("U8", 1),
        Kind::Bool => ("BOOL", 1),
        k => return Err(Error::arg(format!("cannot store tensors of kind {k:?} in safetensors"))),
    })
}

/// String metadata stored in the header's `__metadata__` entry.
pub type Metadata = BTreeMap<String, String>;

/// Reads every tensor of a safetensors file (on the CPU, in its stored dtype).
pub fn read(path: impl AsRef<Path>) -> Result<Vec<(String, Tensor)>> {
    read_with_metadata(path).map(|(t, _)| t)
}

/// Reads every tensor and the header's metadata.
pub fn read_with_metadata(path: impl AsRef<Path>) -> Result<(Vec<(String, Tensor)>, Metadata)> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::weights(path, "weights file is missing"),
        _ => Error::io(path, e),
    })?;
    parse_with_metadata(&bytes).map_err(|m| Error::weights(path, m))
}

/// Reads only the header's metadata (the tensors are not read): cheap on a large checkpoint.
pub fn read_metadata(path: impl AsRef<Path>) -> Result<Metadata> {
    use std::io::Read;
    let path = path.as_ref();
    let mut f = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::weights(path, "weights file is missing"),
        _ => Error::io(path, e),
    })?;
    let mut len = [0u8; 8];
    f.read_exact(&mut len).map_err(|_| Error::weights(path, "truncated: too short for a safetensors header"))?;
    let n = u64::from_le_bytes(len);
    let size = f.metadata().map_err(|e| Error::io(path, e))?.len();
    if n > size.saturating_sub(8) {
        return Err(Error::weights(path, format!("truncated or not a safetensors file: header claims {n} bytes, file has {size}")));
    }
    let mut header = vec![0u8; n as usize];
    f.read_exact(&mut header).map_err(|e| Error::io(path, e))?;
    let mut v: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&header).map_err(|e| Error::weights(path, format!("not a safetensors file (bad header: {e})")))?;
    match v.remove("__metadata__") {
        Some(m) => serde_json::from_value(m).map_err(|e| Error::weights(path, format!("bad __metadata__ ({e})"))),
        None => Ok(Metadata::new()),
    }
}

/// Parses safetensors bytes; the error is a message without the path.
pub fn parse(bytes: &[u8]) -> std::result::Result<Vec<(String, Tensor)>, String> {
    parse_with_metadata(bytes).map(|(t, _)| t)
}

/// Parses safetensors bytes into tensors and metadata.
pub fn parse_with_metadata(bytes: &[u8]) -> std::result::Result<(Vec<(String, Tensor)>, Metadata), String> {
    if bytes.len() < 8 {
        return Err(format!("truncated: {} bytes is too short for a safetensors header", bytes.len()));
    }
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    if n > bytes.len() - 8 {
        return Err(format!("truncated or not a safetensors file: header claims {n} bytes, file has {}", bytes.len()));
    }
    let header: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&bytes[8..8 + n]).map_err(|e| format!("not a safetensors file (bad header: {e})"))?;
    let data = &bytes[8 + n..];
    let mut out = Vec::new();
    let mut metadata = Metadata::new();
    for (name, v) in header {
        if name == "__metadata__" {
            metadata = serde_json::from_value(v).map_err(|e| format!("bad __metadata__ ({e})"))?;
            continue;
        }
        let e: Entry = serde_json::from_value(v).map_err(|err| format!("tensor '{name}': bad header entry ({err})"))?;
        let (kind, size) = kind_of(&e.dtype).ok_or_else(|| format!("tensor '{name}': unsupported dtype {}", e.dtype))?;
        let [begin, end] = e.data_offsets;
        let numel: i64 = e.shape.iter().product();
        if end > data.len() || begin > end {
            return Err(format!("truncated: tensor '{name}' needs bytes {begin}..{end} but the data section has {}", data.len()));
        }
        if (end - begin) != numel as usize * size {
            return Err(format!("tensor '{name}': {} bytes do not hold shape {:?} of {}", end - begin, e.shape, e.dtype));
        }
        let t = Tensor::f_from_data_size(&data[begin..end], &e.shape, kind).map_err(|err| err.to_string())?;
        out.push((name, t));
    }
    Ok((out, metadata))
}

/// Writes named tensors, converting floating-point ones to `float_kind` (e.g. `Kind::Half`
/// for voice packs). Written atomically: a temporary file is renamed into place.
pub fn write(path: impl AsRef<Path>, tensors: &[(String, Tensor)], float_kind: Option<Kind>) -> Result<()> {
    write_with_metadata(path, tensors, float_kind, &Metadata::new())
}

/// [`write()`] with string metadata in the header.
pub fn write_with_metadata(path: impl AsRef<Path>, tensors: &[(String, Tensor)], float_kind: Option<Kind>, metadata: &Metadata) -> Result<()> {
    let path = path.as_ref();
    let mut header = serde_json::Map::new();
    if !metadata.is_empty() {
        header.insert("__metadata__".into(), serde_json::to_value(metadata)?);
    }
    let mut blobs: Vec<Vec<u8>> = Vec::new();
    let mut offset = 0usize;
    for (name, t) in tensors {
        let t = match float_kind {
            Some(k) if t.is_floating_point() => t.to_kind(k),
            _ => t.shallow_clone(),
        };
        let t = t.to_device(tch::Device::Cpu).contiguous();
        let (dtype, size) = dtype_of(t.kind())?;
        let numel = t.numel();
        let mut buf = vec![0u8; numel * size];
        t.f_copy_data_u8(&mut buf, numel)?;
        header.insert(name.clone(), serde_json::json!({"dtype": dtype, "shape": t.size(), "data_offsets": [offset, offset + buf.len()]}));
        offset += buf.len();
        blobs.push(buf);
    }
    let mut head = serde_json::to_vec(&header)?;
    while (head.len() + 8) % 8 != 0 {
        head.push(b' ');
    }
    let tmp = path.with_extension("safetensors.tmp");
    let write_all = || -> std::io::Result<()> {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        f.write_all(&(head.len() as u64).to_le_bytes())?;
        f.write_all(&head)?;
        for b in &blobs {
            f.write_all(b)?;
        }
        f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write_all().map_err(|e| Error::io(path, e))
}

/// Writes every variable of a var store (names as in the store).
pub fn save_var_store(vs: &VarStore, path: impl AsRef<Path>, float_kind: Option<Kind>) -> Result<()> {
    let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    write(path, &vars, float_kind)
}

/// Loads a safetensors file into a var store: every variable must be present with the
/// right shape, and the file may hold no unknown tensor. Values are converted to each
/// variable's dtype and device.
pub fn load_var_store(vs: &mut VarStore, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let file: BTreeMap<String, Tensor> = read(path)?.into_iter().collect();
    assign_var_store(vs, file, path)
}

/// Copies named tensors into a var store with the checks of [`load_var_store`]; `path`
/// only names the source in errors.
pub fn assign_var_store(vs: &mut VarStore, mut file: BTreeMap<String, Tensor>, path: &Path) -> Result<()> {
    let vars = vs.variables();
    let mut missing: Vec<&String> = vars.keys().filter(|k| !file.contains_key(*k)).collect();
    missing.sort();
    if !missing.is_empty() {
        let more = if missing.len() > 5 { format!(" and {} more", missing.len() - 5) } else { String::new() };
        let names: Vec<&str> = missing.iter().take(5).map(|s| s.as_str()).collect();
        return Err(Error::weights(path, format!("missing tensors: {}{more}", names.join(", "))));
    }
    if let Some(unknown) = file.keys().find(|k| !vars.contains_key(*k)) {
        return Err(Error::weights(path, format!("unknown tensor '{unknown}' (the file is for a different model or config)")));
    }
    tch::no_grad(|| -> Result<()> {
        for (name, mut var) in vars {
            let src = file.remove(&name).expect("checked above");
            if src.size() != var.size() {
                return Err(Error::weights(path, format!("tensor '{name}' has shape {:?}, the model expects {:?}", src.size(), var.size())));
            }
            var.copy_(&src.to_kind(var.kind()).to_device(var.device()));
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::nn;

    fn store() -> VarStore {
        let vs = VarStore::new(tch::Device::Cpu);
        let _ = nn::linear(vs.root() / "proj", 3, 2, Default::default());
        vs
    }

    #[test]
    fn fp16_round_trip_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.safetensors");
        let vs = store();
        save_var_store(&vs, &path, Some(Kind::Half)).unwrap();
        let mut back = store();
        load_var_store(&mut back, &path).unwrap();
        let (a, b) = (vs.variables(), back.variables());
        for (k, t) in &a {
            let d = (t - &b[k]).abs().max().double_value(&[]);
            assert!(d < 1e-3, "{k}: {d}");
            assert_eq!(b[k].kind(), Kind::Float);
        }

        // Truncated file.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let err = load_var_store(&mut back, &path).unwrap_err().to_string();
        assert!(err.contains("truncated") && err.contains("w.safetensors"), "{err}");

        // Wrong shape.
        let other = VarStore::new(tch::Device::Cpu);
        let _ = nn::linear(other.root() / "proj", 4, 2, Default::default());
        save_var_store(&other, &path, None).unwrap();
        let err = load_var_store(&mut back, &path).unwrap_err().to_string();
        assert!(err.contains("shape"), "{err}");

        // Missing file.
        let err = load_var_store(&mut back, dir.path().join("nope.safetensors")).unwrap_err().to_string();
        assert!(err.contains("missing"), "{err}");

        // Not a safetensors file.
        std::fs::write(&path, b"this is plain text and not weights at all").unwrap();
        assert!(load_var_store(&mut back, &path).is_err());
    }

    #[test]
    fn unknown_and_missing_tensors_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.safetensors");
        let vs = store();
        let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
        vars.push(("extra.weight".into(), Tensor::zeros([1], (Kind::Float, tch::Device::Cpu))));
        write(&path, &vars, None).unwrap();
        let mut back = store();
        let err = load_var_store(&mut back, &path).unwrap_err().to_string();
        assert!(err.contains("extra.weight"), "{err}");
        write(&path, &vars[..1], None).unwrap();
        let err = load_var_store(&mut back, &path).unwrap_err().to_string();
        assert!(err.contains("missing tensors"), "{err}");
    }
}
