//! Compression of a pack before sealing: raw DEFLATE (RFC 1951) primed with a preset
//! dictionary of common clinical words, drug names and units (`dictionary-v1.txt`).
//!
//! Small payloads barely compress on their own; the dictionary lets the first "comprimé le
//! matin" be a back-reference. The first byte names the method:
//!
//! | byte | method                                      |
//! |------|---------------------------------------------|
//! | 0    | stored, no compression                      |
//! | 1    | raw DEFLATE with preset dictionary v1       |
//!
//! `dictionary-v1.txt` is frozen: changing one byte would make every share compressed with
//! it unreadable. A better dictionary is a new method byte.
//!
//! Decompression is capped at [`MAX_PACK_BYTES`], so a hostile "zip bomb" QR cannot exhaust
//! memory.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

const DICTIONARY_V1: &[u8] = include_bytes!("dictionary-v1.txt");
const STORED: u8 = 0;
const DEFLATE_DICT_V1: u8 = 1;

/// The largest pack a reader accepts once decompressed.
pub const MAX_PACK_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompressionError {
    #[error("unknown compression method {0}")]
    UnknownMethod(u8),
    #[error("compressed data is corrupt or truncated")]
    Corrupt,
    #[error("decompressed data would exceed {MAX_PACK_BYTES} bytes")]
    TooLarge,
    #[error("nothing to decompress")]
    Empty,
}

/// Compresses with the dictionary, or stores when that is smaller.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let deflated = deflate_with_dictionary(data);
    match deflated {
        Some(d) if d.len() < data.len() => {
            let mut out = Vec::with_capacity(d.len() + 1);
            out.push(DEFLATE_DICT_V1);
            out.extend_from_slice(&d);
            out
        }
        _ => {
            let mut out = Vec::with_capacity(data.len() + 1);
            out.push(STORED);
            out.extend_from_slice(data);
            out
        }
    }
}

fn deflate_with_dictionary(data: &[u8]) -> Option<Vec<u8>> {
    let mut c = Compress::new(Compression::best(), false);
    c.set_dictionary(DICTIONARY_V1).ok()?;
    let mut out = Vec::with_capacity(data.len() + 64);
    loop {
        let consumed = usize::try_from(c.total_in()).ok()?;
        let status = c
            .compress_vec(data.get(consumed..)?, &mut out, FlushCompress::Finish)
            .ok()?;
        match status {
            Status::StreamEnd => return Some(out),
            _ => out.reserve(out.capacity().max(64)),
        }
    }
}

/// Decompresses, refusing anything over [`MAX_PACK_BYTES`].
pub fn decompress(data: &[u8]) -> Result<Vec<u8>, CompressionError> {
    let (&method, body) = data.split_first().ok_or(CompressionError::Empty)?;
    match method {
        STORED if body.len() <= MAX_PACK_BYTES => Ok(body.to_vec()),
        STORED => Err(CompressionError::TooLarge),
        DEFLATE_DICT_V1 => inflate_with_dictionary(body),
        other => Err(CompressionError::UnknownMethod(other)),
    }
}

fn inflate_with_dictionary(body: &[u8]) -> Result<Vec<u8>, CompressionError> {
    let mut d = Decompress::new(false);
    d.set_dictionary(DICTIONARY_V1)
        .map_err(|_| CompressionError::Corrupt)?;
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let consumed = usize::try_from(d.total_in()).map_err(|_| CompressionError::Corrupt)?;
        let input = body.get(consumed..).ok_or(CompressionError::Corrupt)?;
        let before = (d.total_in(), d.total_out());
        let status = d
            .decompress(input, &mut chunk, FlushDecompress::Finish)
            .map_err(|_| CompressionError::Corrupt)?;
        let produced =
            usize::try_from(d.total_out() - before.1).map_err(|_| CompressionError::Corrupt)?;
        if out.len() + produced > MAX_PACK_BYTES {
            return Err(CompressionError::TooLarge);
        }
        out.extend_from_slice(chunk.get(..produced).ok_or(CompressionError::Corrupt)?);
        match status {
            Status::StreamEnd if usize::try_from(d.total_in()).ok() == Some(body.len()) => {
                return Ok(out);
            }
            Status::StreamEnd => return Err(CompressionError::Corrupt),
            // No progress: the input ended before the stream did.
            _ if (d.total_in(), d.total_out()) == before => return Err(CompressionError::Corrupt),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_dictionary_pays() {
        let text = "Metformine 1000 mg, comprimé 1 comprimé matin et soir au repas Dr Anne Leroy médecine générale";
        let packed = compress(text.as_bytes());
        assert_eq!(packed[0], DEFLATE_DICT_V1);
        assert!(
            packed.len() < text.len() / 2,
            "{} bytes for {}",
            packed.len(),
            text.len()
        );
        assert_eq!(decompress(&packed).unwrap(), text.as_bytes());
    }

    #[test]
    fn incompressible_data_is_stored() {
        let noise: Vec<u8> = (0..200u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let packed = compress(&noise);
        assert_eq!(decompress(&packed).unwrap(), noise);
    }

    #[test]
    fn bombs_truncation_and_unknown_methods_are_refused() {
        let zeros = vec![0u8; MAX_PACK_BYTES + 1];
        let bomb = compress(&zeros);
        assert!(bomb.len() < 2000);
        assert!(
            matches!(decompress(&bomb), Err(CompressionError::TooLarge)),
            "a bomb must be refused"
        );
        let ok = compress(b"Ramipril 5 mg, comprime 1 comprime le matin Ramipril 5 mg");
        assert_eq!(
            decompress(&ok[..ok.len() - 3]),
            Err(CompressionError::Corrupt)
        );
        assert_eq!(
            decompress(&[9, 1, 2]),
            Err(CompressionError::UnknownMethod(9))
        );
        assert_eq!(decompress(&[]), Err(CompressionError::Empty));
        for i in 1..ok.len() {
            let mut bad = ok.clone();
            bad[i] ^= 0xFF;
            let _ = decompress(&bad); // any result but a panic
        }
    }
}
