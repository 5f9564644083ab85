//! Turns a form body into `FormData` while it arrives. Multipart parts are collected from the
//! push parser: fields and small files in memory, a file part above `BOLT_MEMORY_SPOOL_THRESHOLD`
//! in its own temporary file (its `UploadFile.file` is that file). Limits are checked on every
//! piece, so an oversized part is refused before the rest of it is read. The socket server feeds
//! bodies as they are received; bodies already in memory (small ones, the test client) go
//! through the same code. Temporary files are removed when the last handle to them drops.

use crate::params::errors::validation_body;
use crate::params::form::{FormData, FormError, FormKind, UploadedFile};
use crate::params::multipart::{Event, Parser, PartHead};
use crate::params::spec::{ParamSpec, Source};
use crate::request::HttpRequest;
use crate::response::Response;
use bytes::Bytes;
use std::io::Write;
use std::sync::Arc;
use tempfile::NamedTempFile;

/// Bytes of a spooled part collected before one write: bounds memory and the number of writes.
const WRITE_BATCH: usize = 256 * 1024;
/// In-memory bodies are fed in pieces of this size, like a socket would deliver them.
const FEED_PIECE: usize = 64 * 1024;

/// What one route accepts in a multipart body.
pub struct Limits {
    pub max_parts: usize,
    pub threshold: usize,
    /// `File(max_size=)` by field name.
    pub max_sizes: Vec<(String, usize)>,
}

impl Limits {
    /// A route's limits: the server-wide part count and spool threshold, and its files' sizes.
    pub fn of(max_parts: usize, threshold: usize, params: &[ParamSpec]) -> Limits {
        let max_sizes = params
            .iter()
            .filter(|p| p.source == Source::File)
            .filter_map(|p| p.constraints.max_size.map(|m| (p.key.clone(), m)))
            .collect();
        Limits {
            max_parts,
            threshold,
            max_sizes,
        }
    }
}

enum Part {
    Field {
        name: String,
        data: Vec<u8>,
    },
    File {
        head: PartHead,
        size: usize,
        max: Option<usize>,
        /// Content not yet written (all of it while the part is below the threshold).
        pending: Vec<u8>,
        disk: Option<NamedTempFile>,
    },
}

pub struct FormBuilder {
    parser: Parser,
    limits: Limits,
    form: FormData,
    part: Option<Part>,
}

impl FormBuilder {
    pub fn new(boundary: &str, limits: Limits) -> Result<FormBuilder, FormError> {
        Ok(FormBuilder {
            parser: Parser::new(boundary, limits.max_parts)?,
            limits,
            form: FormData::default(),
            part: None,
        })
    }

    /// Takes the next piece of the body.
    pub async fn push(&mut self, data: &[u8]) -> Result<(), FormError> {
        self.parser.push(data);
        while let Some(event) = self.parser.next_event()? {
            self.apply(event).await?;
        }
        Ok(())
    }

    /// The form, once the whole body has been pushed.
    pub fn finish(self) -> Result<FormData, FormError> {
        self.parser.finish()?;
        Ok(self.form)
    }

    async fn apply(&mut self, event: Event) -> Result<(), FormError> {
        match event {
            Event::Part(head) => {
                self.part = Some(match head.filename {
                    None => Part::Field {
                        name: head.name,
                        data: Vec::new(),
                    },
                    Some(_) => Part::File {
                        max: self
                            .limits
                            .max_sizes
                            .iter()
                            .find(|(k, _)| *k == head.name)
                            .map(|(_, m)| *m),
                        head,
                        size: 0,
                        pending: Vec::new(),
                        disk: None,
                    },
                });
            }
            Event::Data(data) => self.data(&data).await?,
            Event::PartEnd => {
                if let Some(part) = self.part.take() {
                    self.end(part).await?;
                }
            }
        }
        Ok(())
    }

    async fn data(&mut self, data: &[u8]) -> Result<(), FormError> {
        let threshold = self.limits.threshold;
        match &mut self.part {
            None => Ok(()),
            Some(Part::Field { name, data: value }) => {
                // Text fields stay in memory, so the threshold bounds them too.
                if value.len() + data.len() > threshold {
                    return Err(FormError::TooLarge(format!(
                        "Form field {name:?} is larger than {threshold} bytes"
                    )));
                }
                value.extend_from_slice(data);
                Ok(())
            }
            Some(Part::File {
                head,
                size,
                max,
                pending,
                disk,
            }) => {
                *size += data.len();
                if let Some(max) = *max {
                    if *size > max {
                        let name = head.filename.as_deref().unwrap_or("");
                        return Err(FormError::FileTooLarge(crate::params::file_too_large(
                            &head.name, name, max, *size,
                        )));
                    }
                }
                pending.extend_from_slice(data);
                let due = match disk {
                    Some(_) => pending.len() >= WRITE_BATCH,
                    None => *size > threshold,
                };
                if due {
                    let (file, rest) = write(disk.take(), std::mem::take(pending)).await?;
                    *disk = Some(file);
                    *pending = rest;
                }
                Ok(())
            }
        }
    }

    async fn end(&mut self, part: Part) -> Result<(), FormError> {
        match part {
            Part::Field { name, data } => {
                let text = String::from_utf8(data).map_err(|_| {
                    FormError::Invalid(format!("form field {name:?} is not valid UTF-8"))
                })?;
                self.form.fields.push((name, text));
            }
            Part::File {
                head,
                size,
                pending,
                disk,
                ..
            } => {
                let (data, spooled) = match disk {
                    None => (Bytes::from(pending), None),
                    Some(mut file) => {
                        let path = blocking(move || {
                            file.write_all(&pending)?;
                            Ok(file.into_temp_path())
                        })
                        .await?;
                        (Bytes::new(), Some(Arc::new(path)))
                    }
                };
                self.form.files.push((
                    head.name,
                    UploadedFile {
                        filename: head.filename.unwrap_or_default(),
                        content_type: head.content_type,
                        data,
                        headers: head.headers,
                        size,
                        spooled,
                    },
                ));
            }
        }
        Ok(())
    }
}

/// Runs file I/O off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, FormError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(FormError::Storage(e.to_string())),
        Err(e) => Err(FormError::Storage(e.to_string())),
    }
}

/// Appends `data` to the part's temporary file (created on first use); the emptied buffer comes
/// back for reuse, smaller if the in-memory phase made it large.
async fn write(
    file: Option<NamedTempFile>,
    mut data: Vec<u8>,
) -> Result<(NamedTempFile, Vec<u8>), FormError> {
    blocking(move || {
        let mut file = match file {
            Some(f) => f,
            None => tempfile::Builder::new().prefix("bolt-upload-").tempfile()?,
        };
        file.write_all(&data)?;
        data.clear();
        if data.capacity() > 2 * WRITE_BATCH {
            data = Vec::with_capacity(WRITE_BATCH);
        }
        Ok((file, data))
    })
    .await
}

/// The form in a body held in memory (bodies parsed while received never get here).
pub async fn receive(req: &HttpRequest, limits: Limits) -> Result<FormData, FormError> {
    match FormKind::of(req.header("content-type"))? {
        FormKind::UrlEncoded => crate::params::form::parse_urlencoded_form(&req.body),
        FormKind::Multipart { boundary } => {
            let mut builder = FormBuilder::new(&boundary, limits)?;
            for piece in req.body.chunks(FEED_PIECE) {
                builder.push(piece).await?;
            }
            builder.finish()
        }
    }
}

/// The answer to a form that cannot be accepted.
pub fn error_response(e: FormError) -> Response {
    match e {
        FormError::Invalid(m) => Response::detail(400, &m),
        FormError::UnsupportedMediaType(m) => Response::detail(
            415,
            &format!("Unsupported media type {m:?}; expected a form"),
        ),
        FormError::TooLarge(m) => Response::detail(413, &m),
        FormError::FileTooLarge(error) | FormError::TooManyFields(error) => Response::new(
            422,
            crate::response::JSON,
            validation_body(std::slice::from_ref(&error)),
        ),
        FormError::Storage(m) => {
            eprintln!("django-bolt: cannot write an upload to a temporary file: {m}");
            Response::detail(500, "Internal Server Error")
        }
    }
}
