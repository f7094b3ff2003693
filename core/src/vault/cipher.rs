//! Sealing of rows: the vault key plus the associated data that binds each sealed value to
//! this vault, its table and its row (and, for records, its profile and kind).

use super::VaultError;
use crate::crypto::envelope;
use crate::crypto::{AssociatedData, SecretKey};
use zeroize::Zeroizing;

pub(crate) struct RowCipher {
    key: SecretKey,
    vault_id: [u8; 16],
}

impl RowCipher {
    pub fn new(key: SecretKey, vault_id: [u8; 16]) -> Self {
        Self { key, vault_id }
    }

    pub fn vault_id(&self) -> &[u8; 16] {
        &self.vault_id
    }

    pub fn key(&self) -> &SecretKey {
        &self.key
    }

    fn ad(&self, table: &str, row: &[&[u8]]) -> AssociatedData {
        row.iter().fold(
            AssociatedData::new(table).with(&self.vault_id),
            |ad, part| ad.with(part),
        )
    }

    pub fn seal(
        &self,
        table: &str,
        row: &[&[u8]],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        Ok(envelope::seal(&self.key, &self.ad(table, row), plaintext)?)
    }

    /// Opens a sealed value; any mismatch is an integrity error naming `what`.
    pub fn open(
        &self,
        table: &str,
        row: &[&[u8]],
        sealed: &[u8],
        what: &'static str,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        envelope::open(&self.key, &self.ad(table, row), sealed).map_err(|e| match e {
            // A later envelope version means a newer Carnet wrote the row; anything else is damage.
            crate::crypto::CryptoError::UnsupportedVersion(v) if v > envelope::SEALED_V1 => {
                VaultError::NewerVersion {
                    found: u32::from(v),
                    supported: u32::from(envelope::SEALED_V1),
                }
            }
            _ => VaultError::Integrity { what },
        })
    }

    pub fn seal_json<T: serde::Serialize>(
        &self,
        table: &str,
        row: &[&[u8]],
        value: &T,
    ) -> Result<Vec<u8>, VaultError> {
        let plain = Zeroizing::new(
            serde_json::to_vec(value)
                .map_err(|_| VaultError::Database("could not encode".into()))?,
        );
        self.seal(table, row, &plain)
    }

    pub fn open_json<T: serde::de::DeserializeOwned>(
        &self,
        table: &str,
        row: &[&[u8]],
        sealed: &[u8],
        what: &'static str,
    ) -> Result<T, VaultError> {
        let plain = self.open(table, row, sealed, what)?;
        serde_json::from_slice(&plain).map_err(|_| VaultError::Integrity { what })
    }
}
