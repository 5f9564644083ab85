//! Uploaded files above `BOLT_MEMORY_SPOOL_THRESHOLD` are moved to temporary files before the
//! handler runs; the handler's `UploadFile.file` is then a real file. The files are removed when
//! the returned guards are dropped, after the response is produced.

use crate::params::form::UploadedFile;
use crate::params::{Extracted, Slot};
use bytes::Bytes;
use std::io::Write;
use std::sync::Arc;

pub type SpoolGuard = Arc<tempfile::TempPath>;

/// The file parts of a request: the per-parameter copies and the whole form's share buffers.
fn uploads(extracted: &mut Extracted) -> impl Iterator<Item = &mut UploadedFile> {
    let in_slots = extracted.slots.iter_mut().flat_map(|slot| match slot {
        Slot::Files(files) => files.iter_mut().collect::<Vec<_>>(),
        _ => Vec::new(),
    });
    let in_form = extracted
        .form
        .iter_mut()
        .flat_map(|form| form.files.iter_mut().map(|(_, f)| f));
    in_slots.chain(in_form)
}

fn write_temp(data: &[u8]) -> std::io::Result<tempfile::TempPath> {
    let mut file = tempfile::Builder::new().prefix("bolt-upload-").tempfile()?;
    file.write_all(data)?;
    file.flush()?;
    Ok(file.into_temp_path())
}

/// Spools every upload larger than `threshold` (each distinct buffer written once).
pub async fn spool(
    extracted: &mut Extracted,
    threshold: usize,
) -> std::io::Result<Vec<SpoolGuard>> {
    let mut large: Vec<Bytes> = Vec::new();
    for f in uploads(extracted) {
        if f.data.len() > threshold && !large.iter().any(|b| same(b, &f.data)) {
            large.push(f.data.clone());
        }
    }
    if large.is_empty() {
        return Ok(Vec::new());
    }
    let buffers = large.clone();
    let written = tokio::task::spawn_blocking(move || {
        buffers
            .iter()
            .map(|b| write_temp(b).map(Arc::new))
            .collect::<std::io::Result<Vec<_>>>()
    })
    .await
    .map_err(std::io::Error::other)??;
    for f in uploads(extracted) {
        if let Some(i) = large.iter().position(|b| same(b, &f.data)) {
            f.size = f.data.len();
            f.spooled = Some(Arc::clone(&written[i]));
            f.data = Bytes::new();
        }
    }
    Ok(written)
}

fn same(a: &Bytes, b: &Bytes) -> bool {
    a.as_ptr() == b.as_ptr() && a.len() == b.len()
}
