//! CompressedData (RFC 3274): `SEQUENCE { version 0, compressionAlgorithm
//! id-alg-zlibCompress, encapContentInfo }` with the content zlib-compressed
//! (RFC 1950) — RFC 5024 §6.4's file compression. Both directions stream
//! through `flate2` in pieces of [`CHUNK`]; the decoder stops at an
//! expansion limit so a zlib bomb costs no more than the limit's worth of
//! output and the zlib state.

use super::ber::{tag, Header};
use super::error::{garbled, CmsError};
use super::tree::Tlv;
use super::walk::{content_info_start, Action, Step, Visitor, Walker};
use super::write::{self, id, OctetStream, EOC};
use super::{oid, Sink, Stage, CHUNK};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// Streaming CompressedData encoder.
pub struct CompressEncoder {
    z: Compress,
    octets: OctetStream,
    buf: Vec<u8>,
    started: bool,
}

impl Default for CompressEncoder {
    fn default() -> Self {
        Self::new(6)
    }
}

impl CompressEncoder {
    /// An encoder at zlib `level` (0–9).
    pub fn new(level: u32) -> Self {
        CompressEncoder {
            z: Compress::new(Compression::new(level.min(9)), true),
            octets: OctetStream::new(),
            buf: vec![0; CHUNK],
            started: false,
        }
    }

    fn begin(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        let mut h = vec![id::SEQUENCE, 0x80];
        h.extend(write::oid(oid::COMPRESSED_DATA));
        h.extend([id::CTX0_CONS, 0x80, id::SEQUENCE, 0x80]);
        h.extend(write::small_int(0));
        h.extend(write::algorithm(oid::ZLIB, None));
        h.extend([id::SEQUENCE, 0x80]);
        h.extend(write::oid(oid::DATA));
        h.extend([id::CTX0_CONS, 0x80]);
        out.put(&h)?;
        self.octets.begin(out)
    }

    fn run(&mut self, mut data: &[u8], flush: FlushCompress, out: &mut dyn Sink) -> Result<(), CmsError> {
        loop {
            let (i0, o0) = (self.z.total_in(), self.z.total_out());
            let st = self.z.compress(data, &mut self.buf, flush).map_err(|e| CmsError::Sink(format!("zlib: {e}")))?;
            let used = (self.z.total_in() - i0) as usize;
            let made = (self.z.total_out() - o0) as usize;
            data = &data[used..];
            if made > 0 {
                let (buf, octets) = (&self.buf, &mut self.octets);
                octets.push(&buf[..made], out)?;
            }
            let finished = match flush {
                FlushCompress::Finish => st == Status::StreamEnd,
                _ => data.is_empty() && made < self.buf.len(),
            };
            if finished {
                return Ok(());
            }
        }
    }
}

impl Stage for CompressEncoder {
    fn push(&mut self, data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        self.begin(out)?;
        self.run(data, FlushCompress::None, out)
    }

    fn finish(&mut self, out: &mut dyn Sink) -> Result<(), CmsError> {
        self.begin(out)?;
        self.run(&[], FlushCompress::Finish, out)?;
        self.octets.end(out)?;
        // eContent [0], EncapsulatedContentInfo, CompressedData, [0], ContentInfo
        out.put(&[EOC, EOC, EOC, EOC, EOC].concat())
    }
}

struct State {
    z: Decompress,
    buf: Vec<u8>,
    limit: u64,
    ended: bool,
    has_content: bool,
}

/// Streaming CompressedData decoder.
pub struct CompressDecoder {
    walker: Walker,
    st: State,
}

impl CompressDecoder {
    /// A decoder that fails with [`CmsError::ExpansionLimit`] once the
    /// decompressed content would exceed `limit` bytes.
    pub fn new(limit: u64) -> Self {
        CompressDecoder {
            walker: Walker::default(),
            st: State { z: Decompress::new(true), buf: vec![0; CHUNK], limit, ended: false, has_content: false },
        }
    }
}

impl Stage for CompressDecoder {
    fn push(&mut self, data: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        self.walker.push(data, &mut self.st, out)
    }

    fn finish(&mut self, _out: &mut dyn Sink) -> Result<(), CmsError> {
        self.walker.finish()?;
        if !self.st.has_content {
            return Err(garbled("CompressedData without content"));
        }
        if !self.st.ended {
            return Err(CmsError::Truncated);
        }
        Ok(())
    }
}

impl Visitor for State {
    fn start(&mut self, path: &[Step], index: usize, hdr: &Header) -> Result<Action, CmsError> {
        if let Some(a) = content_info_start(path, index, hdr)? {
            return Ok(a);
        }
        let ok = match (path.len(), index) {
            (2, 0) => hdr.is_universal(tag::SEQUENCE),
            (3, 0) => hdr.is_universal(tag::INTEGER),
            (3, 1) => hdr.is_universal(tag::SEQUENCE),
            (3, 2) => hdr.is_universal(tag::SEQUENCE),
            (4, 0) => hdr.is_universal(tag::OID),
            (4, 1) => hdr.is_context(0) && hdr.constructed,
            (5, 0) => hdr.is_universal(tag::OCTET_STRING),
            _ => false,
        };
        if !ok {
            return Err(garbled("CompressedData: unexpected element"));
        }
        Ok(match (path.len(), index) {
            (3, 2) | (4, 1) | (2, 0) => Action::Descend,
            (5, 0) => Action::Stream,
            _ => Action::Collect,
        })
    }

    fn element(&mut self, path: &[Step], index: usize, tlv: Tlv, _out: &mut dyn Sink) -> Result<(), CmsError> {
        match (path.len(), index) {
            (1, _) => {
                let o = tlv.oid("contentType")?;
                if o != oid::COMPRESSED_DATA {
                    return Err(CmsError::WrongContentType(oid::dotted(o)));
                }
            }
            (3, 0) if tlv.small_int("CompressedData version")? != 0 => {
                return Err(garbled("CompressedData version is not 0"));
            }
            (3, 1) => {
                let o = tlv.child(0, "compressionAlgorithm")?.oid("compressionAlgorithm")?;
                if o != oid::ZLIB {
                    return Err(CmsError::Unsupported(oid::dotted(o)));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn data(&mut self, mut chunk: &[u8], out: &mut dyn Sink) -> Result<(), CmsError> {
        while !chunk.is_empty() {
            if self.ended {
                return Err(garbled("data after the end of the zlib stream"));
            }
            let (i0, o0) = (self.z.total_in(), self.z.total_out());
            let st = self
                .z
                .decompress(chunk, &mut self.buf, FlushDecompress::None)
                .map_err(|e| garbled(format!("zlib: {e}")))?;
            let used = (self.z.total_in() - i0) as usize;
            let made = (self.z.total_out() - o0) as usize;
            chunk = &chunk[used..];
            if self.z.total_out() > self.limit {
                return Err(CmsError::ExpansionLimit(self.limit));
            }
            out.put(&self.buf[..made])?;
            if st == Status::StreamEnd {
                self.ended = true;
            } else if used == 0 && made == 0 {
                return Err(garbled("zlib made no progress"));
            }
        }
        // Output still pending inside zlib with no more input (a full buffer).
        while !self.ended {
            let o0 = self.z.total_out();
            let st = self
                .z
                .decompress(&[], &mut self.buf, FlushDecompress::None)
                .map_err(|e| garbled(format!("zlib: {e}")))?;
            let made = (self.z.total_out() - o0) as usize;
            if self.z.total_out() > self.limit {
                return Err(CmsError::ExpansionLimit(self.limit));
            }
            if made == 0 && st != Status::StreamEnd {
                break;
            }
            out.put(&self.buf[..made])?;
            if st == Status::StreamEnd {
                self.ended = true;
            }
        }
        Ok(())
    }

    fn end(&mut self, path: &[Step], step: &Step, _out: &mut dyn Sink) -> Result<(), CmsError> {
        if path.len() == 5 && step.hdr.is_universal(tag::OCTET_STRING) {
            self.has_content = true;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "compressed_tests.rs"]
mod tests;
